//! The ObjectArray packet (MS-WMI 2.2.14): a batch of CIM objects in one byte buffer, returned by
//! IWbemWCOSmartEnum::Next and carried by the optimized IWbemObjectSink::Indicate.
//!
//! ```text
//! ObjectArray        = dwByteOrdering(0) abSignature("WBEMDATA") dwSizeOfHeader1(0x1A) dwDataSize1
//!                      dwFlags(0) bVersion(1) bPacketType
//!                      dwSizeOfHeader2(8) dwDataSize2
//!                      dwSizeOfHeader3(12) dwDataSize3 dwNumObjects
//!                      *WBEM_DATAPACKET_OBJECT
//! WBEM_DATAPACKET_OBJECT = dwSizeOfHeader(9) dwSizeOfData bObjectType Object
//! WBEMOBJECT_CLASS           = dwSizeOfHeader(8)    dwSizeOfData ObjectData
//! WBEMOBJECT_INSTANCE        = dwSizeOfHeader(0x18) dwSizeOfData classID ObjectData
//! WBEMOBJECT_INSTANCE_NOCLASS = dwSizeOfHeader(0x18) dwSizeOfData classID ObjectData
//! ```
//!
//! All integers little-endian, no padding. Each data size counts what follows its own field up to the end
//! of the unit it measures; the decoder requires every size to match its contents exactly.
//!
//! The object data stays opaque here: an MS-WMIO EncodingUnit for classes and instances, an
//! EncodingUnitInstanceNoClass for instances whose class came earlier in the same enumeration under the
//! same class id (MS-WMI 2.2.14.4). Resolving those class ids is the object decoder's job, because the
//! class may have been sent in an earlier Next call of the same enumeration.

use crate::codec::{DecodeErrorKind, DecodeResult, Reader, Writer};
use crate::guid::Guid;

/// abSignature (MS-WMI 2.2.14).
pub const SIGNATURE: [u8; 8] = *b"WBEMDATA";
const HEADER1_SIZE: u32 = 0x1A;
const HEADER2_SIZE: u32 = 8;
const HEADER3_SIZE: u32 = 12;
const VERSION: u8 = 1;
/// WBEM_DATAPACKET_OBJECT header: dwSizeOfHeader, dwSizeOfData, bObjectType (MS-WMI 2.2.14.1).
const PACKET_OBJECT_HEADER_SIZE: u32 = 9;
/// WBEMOBJECT_CLASS header (MS-WMI 2.2.14.2).
const CLASS_HEADER_SIZE: u32 = 8;
/// WBEMOBJECT_INSTANCE and WBEMOBJECT_INSTANCE_NOCLASS headers, with the class id (MS-WMI 2.2.14.3-4).
const INSTANCE_HEADER_SIZE: u32 = 0x18;

/// bPacketType: which call carries the array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketType {
    /// The optimized IWbemObjectSink::Indicate.
    ObjectSinkIndicate = 0,
    /// IWbemWCOSmartEnum::Next.
    SmartEnumNext = 1,
}

/// bObjectType (MS-WMI 2.2.14.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// A complete class definition.
    Class = 1,
    /// A complete instance, with its class.
    Instance = 2,
    /// An instance without its class part, which an earlier `Instance` with the same class id carried.
    InstanceNoClass = 3,
}

impl ObjectKind {
    fn from_u8(v: u8) -> Option<Self> {
        match v {
            1 => Some(ObjectKind::Class),
            2 => Some(ObjectKind::Instance),
            3 => Some(ObjectKind::InstanceNoClass),
            _ => None,
        }
    }

    fn header_size(self) -> u32 {
        match self {
            ObjectKind::Class => CLASS_HEADER_SIZE,
            ObjectKind::Instance | ObjectKind::InstanceNoClass => INSTANCE_HEADER_SIZE,
        }
    }
}

/// One WBEM_DATAPACKET_OBJECT: its kind, the class id (none for a class), and the object octets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketObject {
    kind: ObjectKind,
    class_id: Guid,
    data: Vec<u8>,
}

impl PacketObject {
    /// A WBEMOBJECT_CLASS.
    pub fn class(data: Vec<u8>) -> Self {
        PacketObject {
            kind: ObjectKind::Class,
            class_id: Guid::NIL,
            data,
        }
    }

    /// A WBEMOBJECT_INSTANCE whose class the server identifies by `class_id` for the enumeration.
    pub fn instance(class_id: Guid, data: Vec<u8>) -> Self {
        PacketObject {
            kind: ObjectKind::Instance,
            class_id,
            data,
        }
    }

    /// A WBEMOBJECT_INSTANCE_NOCLASS referring to the class of an earlier instance with `class_id`.
    pub fn instance_no_class(class_id: Guid, data: Vec<u8>) -> Self {
        PacketObject {
            kind: ObjectKind::InstanceNoClass,
            class_id,
            data,
        }
    }

    pub fn kind(&self) -> ObjectKind {
        self.kind
    }

    /// The class id of an instance; `None` for a class.
    pub fn class_id(&self) -> Option<Guid> {
        (self.kind != ObjectKind::Class).then_some(self.class_id)
    }

    /// The object octets (an MS-WMIO encoding unit).
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    pub fn into_data(self) -> Vec<u8> {
        self.data
    }

    /// The octets this object takes in the packet.
    fn wire_size(&self) -> u64 {
        u64::from(PACKET_OBJECT_HEADER_SIZE)
            + u64::from(self.kind.header_size())
            + self.data.len() as u64
    }
}

/// Caps on what one ObjectArray may make the decoder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectArrayLimits {
    /// dwNumObjects.
    pub max_objects: u32,
    /// The octets of one object's data.
    pub max_object_size: u32,
}

impl Default for ObjectArrayLimits {
    /// Far above what a Next call for a sane batch returns (Windows batches are tens of objects of a few
    /// kilobytes), low enough that a lying peer cannot make a client hold on to much.
    fn default() -> Self {
        ObjectArrayLimits {
            max_objects: 1 << 16,
            max_object_size: 1 << 24,
        }
    }
}

/// MS-WMI 2.2.14.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectArray {
    pub packet_type: PacketType,
    pub objects: Vec<PacketObject>,
}

/// A 32-bit size field; an in-memory size past 4 GiB cannot be sent and is clamped (and then refused by
/// any decoder, which finds the contents longer than the size).
fn size_field(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl ObjectArray {
    pub fn new(packet_type: PacketType, objects: Vec<PacketObject>) -> Self {
        ObjectArray {
            packet_type,
            objects,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let objects_size: u64 = self.objects.iter().map(PacketObject::wire_size).sum();
        let data_size3 = objects_size;
        let data_size2 = u64::from(HEADER3_SIZE) + data_size3;
        let data_size1 = u64::from(HEADER2_SIZE) + data_size2;
        let mut w = Writer::with_capacity(usize::try_from(data_size1).unwrap_or(0) + 26);
        w.u32(0); // dwByteOrdering: little-endian
        w.bytes(&SIGNATURE);
        w.u32(HEADER1_SIZE);
        w.u32(size_field(data_size1));
        w.u32(0); // dwFlags
        w.u8(VERSION);
        w.u8(self.packet_type as u8);
        w.u32(HEADER2_SIZE);
        w.u32(size_field(data_size2));
        w.u32(HEADER3_SIZE);
        w.u32(size_field(data_size3));
        w.u32(size_field(self.objects.len() as u64));
        for object in &self.objects {
            let header = object.kind.header_size();
            w.u32(PACKET_OBJECT_HEADER_SIZE);
            w.u32(size_field(u64::from(header) + object.data.len() as u64));
            w.u8(object.kind as u8);
            w.u32(header);
            w.u32(size_field(object.data.len() as u64));
            if object.kind != ObjectKind::Class {
                object.class_id.encode(&mut w);
            }
            w.bytes(&object.data);
        }
        w.into_vec()
    }

    /// Decodes with [`ObjectArrayLimits::default`].
    pub fn decode(buf: &[u8]) -> DecodeResult<Self> {
        Self::decode_with_limits(buf, &ObjectArrayLimits::default())
    }

    pub fn decode_with_limits(buf: &[u8], limits: &ObjectArrayLimits) -> DecodeResult<Self> {
        let mut r = Reader::new("ObjectArray", buf);
        let byte_ordering = r.u32("dwByteOrdering")?;
        if byte_ordering != 0 {
            return Err(r.bad_value("dwByteOrdering", u64::from(byte_ordering)));
        }
        if r.array::<8>("abSignature")? != SIGNATURE {
            return Err(r.invalid("abSignature", "not \"WBEMDATA\""));
        }
        expect_u32(&mut r, "dwSizeOfHeader1", HEADER1_SIZE)?;
        let data_size1 = r.u32("dwDataSize1")?;
        expect_u32(&mut r, "dwFlags", 0)?;
        let version = r.u8("bVersion")?;
        if version != VERSION {
            return Err(r.bad_value("bVersion", u64::from(version)));
        }
        let packet_type = match r.u8("bPacketType")? {
            0 => PacketType::ObjectSinkIndicate,
            1 => PacketType::SmartEnumNext,
            other => return Err(r.bad_value("bPacketType", u64::from(other))),
        };
        let mut body1 = region(&mut r, "dwDataSize1", data_size1)?;
        expect_consumed(&r, "dwDataSize1")?;

        expect_u32(&mut body1, "dwSizeOfHeader2", HEADER2_SIZE)?;
        let data_size2 = body1.u32("dwDataSize2")?;
        let mut body2 = region(&mut body1, "dwDataSize2", data_size2)?;
        expect_consumed(&body1, "dwDataSize2")?;

        expect_u32(&mut body2, "dwSizeOfHeader3", HEADER3_SIZE)?;
        let data_size3 = body2.u32("dwDataSize3")?;
        let num_objects = body2.u32("dwNumObjects")?;
        if num_objects > limits.max_objects {
            return Err(body2.error(
                "dwNumObjects",
                DecodeErrorKind::Limit {
                    limit: "max_objects",
                    value: u64::from(num_objects),
                    max: u64::from(limits.max_objects),
                },
            ));
        }
        let mut objects_reader = region(&mut body2, "dwDataSize3", data_size3)?;
        expect_consumed(&body2, "dwDataSize3")?;

        let minimum = (PACKET_OBJECT_HEADER_SIZE + CLASS_HEADER_SIZE) as usize;
        let count = objects_reader.check_count("dwNumObjects", u64::from(num_objects), minimum)?;
        let mut objects = Vec::with_capacity(count);
        for _ in 0..count {
            objects.push(decode_object(&mut objects_reader, limits)?);
        }
        objects_reader.set_context("ObjectArray");
        expect_consumed(&objects_reader, "dwDataSize3")?;
        Ok(ObjectArray {
            packet_type,
            objects,
        })
    }
}

/// One WBEM_DATAPACKET_OBJECT and the WBEMOBJECT_* it carries.
fn decode_object(r: &mut Reader<'_>, limits: &ObjectArrayLimits) -> DecodeResult<PacketObject> {
    r.set_context("WBEM_DATAPACKET_OBJECT");
    expect_u32(r, "dwSizeOfHeader", PACKET_OBJECT_HEADER_SIZE)?;
    let packet_size = r.u32("dwSizeOfData")?;
    let kind_byte = r.u8("bObjectType")?;
    let kind = ObjectKind::from_u8(kind_byte)
        .ok_or_else(|| r.bad_value("bObjectType", u64::from(kind_byte)))?;
    let mut body = region(r, "dwSizeOfData", packet_size)?;
    body.set_context(match kind {
        ObjectKind::Class => "WBEMOBJECT_CLASS",
        ObjectKind::Instance => "WBEMOBJECT_INSTANCE",
        ObjectKind::InstanceNoClass => "WBEMOBJECT_INSTANCE_NOCLASS",
    });
    expect_u32(&mut body, "dwSizeOfHeader", kind.header_size())?;
    let data_size = body.u32("dwSizeOfData")?;
    if data_size > limits.max_object_size {
        return Err(body.error(
            "dwSizeOfData",
            DecodeErrorKind::Limit {
                limit: "max_object_size",
                value: u64::from(data_size),
                max: u64::from(limits.max_object_size),
            },
        ));
    }
    let class_id = match kind {
        ObjectKind::Class => Guid::NIL,
        ObjectKind::Instance | ObjectKind::InstanceNoClass => Guid::decode(&mut body, "classID")?,
    };
    let data = body.counted("ObjectData", u64::from(data_size))?.to_vec();
    expect_consumed(&body, "dwSizeOfData")?;
    Ok(PacketObject {
        kind,
        class_id,
        data,
    })
}

fn expect_u32(r: &mut Reader<'_>, field: &'static str, expected: u32) -> DecodeResult<()> {
    let value = r.u32(field)?;
    if value != expected {
        return Err(r.bad_value(field, u64::from(value)));
    }
    Ok(())
}

/// A reader over the next `len` octets of `r` (which skips them), keeping offsets relative to the whole
/// packet so errors point into it.
fn region<'a>(r: &mut Reader<'a>, field: &'static str, len: u32) -> DecodeResult<Reader<'a>> {
    let start = r.position();
    r.counted(field, u64::from(len))?;
    let end = r.position();
    let bounded = r
        .buffer()
        .get(..end)
        .ok_or_else(|| r.invalid(field, "region past the end of the packet"))?;
    let mut inner = Reader::new(r.context(), bounded);
    inner.seek(field, start)?;
    Ok(inner)
}

/// The unit a size field measured must end exactly where its contents do.
fn expect_consumed(r: &Reader<'_>, size_field: &'static str) -> DecodeResult<()> {
    if !r.is_empty() {
        return Err(r.invalid(size_field, "size is larger than its contents"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> ObjectArray {
        let id = Guid::from_literal("11111111-2222-3333-4444-555555555555");
        ObjectArray::new(
            PacketType::SmartEnumNext,
            vec![
                PacketObject::instance(id, vec![0xa1, 0xa2, 0xa3]),
                PacketObject::instance_no_class(id, vec![0xb1]),
                PacketObject::class(vec![0xc1, 0xc2]),
            ],
        )
    }

    #[test]
    fn layout() {
        let bytes = sample().encode();
        let mut expected = vec![0, 0, 0, 0];
        expected.extend(b"WBEMDATA");
        // Objects: (9 + 24 + 3) + (9 + 24 + 1) + (9 + 8 + 2) = 36 + 34 + 19 = 89.
        expected.extend([0x1a, 0, 0, 0]);
        expected.extend([89 + 12 + 8, 0, 0, 0]); // dwDataSize1
        expected.extend([0, 0, 0, 0, 1, 1]); // dwFlags, bVersion, bPacketType
        expected.extend([8, 0, 0, 0, 89 + 12, 0, 0, 0]);
        expected.extend([12, 0, 0, 0, 89, 0, 0, 0, 3, 0, 0, 0]);
        let id = [
            0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x33, 0x33, 0x44, 0x44, 0x55, 0x55, 0x55, 0x55,
            0x55, 0x55,
        ];
        expected.extend([9, 0, 0, 0, 27, 0, 0, 0, 2, 0x18, 0, 0, 0, 3, 0, 0, 0]);
        expected.extend(id);
        expected.extend([0xa1, 0xa2, 0xa3]);
        expected.extend([9, 0, 0, 0, 25, 0, 0, 0, 3, 0x18, 0, 0, 0, 1, 0, 0, 0]);
        expected.extend(id);
        expected.extend([0xb1]);
        expected.extend([
            9, 0, 0, 0, 10, 0, 0, 0, 1, 8, 0, 0, 0, 2, 0, 0, 0, 0xc1, 0xc2,
        ]);
        assert_eq!(bytes.len(), 26 + 8 + 12 + 89);
        assert_eq!(bytes, expected);
        let back = ObjectArray::decode(&bytes).unwrap();
        assert_eq!(back, sample());
        assert_eq!(
            back.objects[0].class_id(),
            Some(Guid::from_literal("11111111-2222-3333-4444-555555555555"))
        );
        assert_eq!(back.objects[2].class_id(), None);
        assert_eq!(back.objects[1].kind(), ObjectKind::InstanceNoClass);
    }

    #[test]
    fn empty_array() {
        let empty = ObjectArray::new(PacketType::ObjectSinkIndicate, vec![]);
        let bytes = empty.encode();
        assert_eq!(bytes.len(), 46);
        assert_eq!(ObjectArray::decode(&bytes).unwrap(), empty);
    }

    #[test]
    fn truncation_at_every_length_fails() {
        let bytes = sample().encode();
        for n in 0..bytes.len() {
            assert!(ObjectArray::decode(&bytes[..n]).is_err(), "prefix {n}");
        }
    }

    #[test]
    fn trailing_octets_are_refused() {
        let mut bytes = sample().encode();
        bytes.push(0);
        assert_eq!(
            ObjectArray::decode(&bytes).unwrap_err().field,
            "dwDataSize1"
        );
    }

    /// Overwrites the u32 at `at`.
    fn patched(at: usize, value: u32) -> Vec<u8> {
        let mut bytes = sample().encode();
        bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
        bytes
    }

    #[test]
    fn lying_sizes_and_counts_are_refused() {
        // Header fields, by offset: dwDataSize1 16, dwDataSize2 30, dwDataSize3 38, dwNumObjects 42;
        // the first object: dwSizeOfHeader 46, dwSizeOfData 50, inner dwSizeOfData 59.
        let cases: [(usize, u32, &str); 12] = [
            (16, 108, "dwDataSize1"),
            (16, 110, "dwDataSize1"),
            (16, u32::MAX, "dwDataSize1"),
            (30, 100, "dwDataSize2"),
            (30, 102, "dwDataSize2"),
            (38, 90, "dwDataSize3"),
            (38, 88, "dwDataSize3"),
            (42, 2, "dwDataSize3"),
            (42, 4, "dwSizeOfHeader"),
            (42, u32::MAX, "dwNumObjects"),
            (50, 28, "dwSizeOfData"),
            (59, 2, "dwSizeOfData"),
        ];
        for (at, value, field) in cases {
            let e = ObjectArray::decode(&patched(at, value)).unwrap_err();
            assert_eq!(e.field, field, "u32 at {at} = {value}: {e}");
        }
        let e = ObjectArray::decode(&patched(0, 1)).unwrap_err();
        assert_eq!(e.field, "dwByteOrdering");
        let e = ObjectArray::decode(&patched(12, 0x1b)).unwrap_err();
        assert_eq!(e.field, "dwSizeOfHeader1");
        let e = ObjectArray::decode(&patched(55, 8)).unwrap_err();
        assert_eq!(
            (e.context, e.field),
            ("WBEMOBJECT_INSTANCE", "dwSizeOfHeader")
        );
        let mut bad_kind = sample().encode();
        bad_kind[54] = 4;
        assert_eq!(
            ObjectArray::decode(&bad_kind).unwrap_err().field,
            "bObjectType"
        );
        let mut bad_signature = sample().encode();
        bad_signature[4] = b'X';
        assert_eq!(
            ObjectArray::decode(&bad_signature).unwrap_err().field,
            "abSignature"
        );
    }

    #[test]
    fn limits_apply() {
        let bytes = sample().encode();
        let few = ObjectArrayLimits {
            max_objects: 2,
            ..ObjectArrayLimits::default()
        };
        let e = ObjectArray::decode_with_limits(&bytes, &few).unwrap_err();
        assert!(matches!(
            e.kind,
            DecodeErrorKind::Limit {
                limit: "max_objects",
                value: 3,
                max: 2
            }
        ));
        let small = ObjectArrayLimits {
            max_object_size: 2,
            ..ObjectArrayLimits::default()
        };
        let e = ObjectArray::decode_with_limits(&bytes, &small).unwrap_err();
        assert!(matches!(
            e.kind,
            DecodeErrorKind::Limit {
                limit: "max_object_size",
                ..
            }
        ));
    }

    fn arb_object() -> impl Strategy<Value = PacketObject> {
        (
            0u8..3,
            any::<u128>(),
            proptest::collection::vec(any::<u8>(), 0..40),
        )
            .prop_map(|(kind, id, data)| match kind {
                0 => PacketObject::class(data),
                1 => PacketObject::instance(Guid::from_u128(id), data),
                _ => PacketObject::instance_no_class(Guid::from_u128(id), data),
            })
    }

    proptest! {
        #[test]
        fn round_trip(
            sink in any::<bool>(),
            objects in proptest::collection::vec(arb_object(), 0..8),
        ) {
            let packet_type = if sink { PacketType::ObjectSinkIndicate } else { PacketType::SmartEnumNext };
            let array = ObjectArray::new(packet_type, objects);
            let bytes = array.encode();
            prop_assert_eq!(ObjectArray::decode(&bytes).unwrap(), array);
            for n in 0..bytes.len() {
                prop_assert!(ObjectArray::decode(&bytes[..n]).is_err());
            }
        }

        #[test]
        fn corrupted_packets_never_panic(
            objects in proptest::collection::vec(arb_object(), 0..4),
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        ) {
            let mut bytes = ObjectArray::new(PacketType::SmartEnumNext, objects).encode();
            for (at, value) in edits {
                let i = at.index(bytes.len());
                bytes[i] = value;
            }
            let _ = ObjectArray::decode(&bytes);
        }

        #[test]
        fn random_input_never_panics(data in proptest::collection::vec(any::<u8>(), 0..128)) {
            let _ = ObjectArray::decode(&data);
        }
    }
}
