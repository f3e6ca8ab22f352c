//! The implicit first arguments of every ORPC call and the interface pointer blob (MS-DCOM 2.2.11–2.2.14).

use crate::codec::DecodeResult;
use crate::ndr::array::{
    read_byte_elements, read_conformance, read_elements, read_elements_deferred,
};
use crate::ndr::array::{wire_count, write_conformance, write_elements, write_elements_deferred};
use crate::ndr::{Guid, Ndr, NdrReader, NdrWriter, Unique};

/// `[in] IFoo*` and `[out] IFoo**`: an interface pointer, which NDR carries like a unique pointer to an
/// `MInterfacePointer` (MS-DCOM 2.2.14): a referent id, 0 for NULL, then the blob.
pub type InterfacePtr = Unique<MInterfacePointer>;

/// `[in, out, unique] IFoo**` (MS-WMI 3.1.4.3): a unique pointer to an interface pointer. A caller that
/// wants the result passes a non-null outer pointer to a NULL interface pointer; one that does not want it
/// passes a NULL outer pointer, and the server must then not return one.
pub type InOutInterfacePtr = Unique<InterfacePtr>;

/// MS-DCOM 2.2.11.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ComVersion {
    pub major: u16,
    pub minor: u16,
}

impl ComVersion {
    /// What rwmi speaks and what current Windows answers with (MS-DCOM 2.2.11, version 5.7).
    pub const CURRENT: ComVersion = ComVersion { major: 5, minor: 7 };
}

impl std::fmt::Display for ComVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl Ndr for ComVersion {
    const ALIGN: usize = 2;
    const MIN_WIRE_SIZE: usize = 4;
    fn encode_inline(&self, w: &mut NdrWriter) {
        w.u16(self.major);
        w.u16(self.minor);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        Ok(ComVersion {
            major: r.u16("MajorVersion")?,
            minor: r.u16("MinorVersion")?,
        })
    }
}

/// MS-DCOM 2.2.13.1: out-of-band data identified by a GUID; the data is padded to a multiple of 8.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrpcExtent {
    pub id: Guid,
    pub data: Vec<u8>,
}

impl Ndr for OrpcExtent {
    const ALIGN: usize = 4;
    const MIN_WIRE_SIZE: usize = 24;
    fn encode_inline(&self, w: &mut NdrWriter) {
        let padded = (self.data.len() + 7) & !7;
        write_conformance(w, wire_count(padded));
        w.align(4);
        self.id.encode_inline(w);
        w.u32(wire_count(self.data.len()));
        w.bytes(&self.data);
        w.raw().zeros(padded - self.data.len());
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let max_count = read_conformance(r, "ORPC_EXTENT.data")?;
        r.align(4)?;
        let id = Guid::decode_inline(r)?;
        let size = r.u32("ORPC_EXTENT.size")?;
        let expected = (u64::from(size) + 7) & !7;
        if u64::from(max_count) != expected {
            return Err(r.invalid(
                "ORPC_EXTENT.data",
                "array size is not size rounded up to a multiple of 8",
            ));
        }
        let bytes = read_byte_elements(r, "ORPC_EXTENT.data", max_count)?;
        // max_count is size rounded up, so the array holds size bytes.
        let data = usize::try_from(size)
            .ok()
            .and_then(|size| bytes.get(..size))
            .ok_or_else(|| r.invalid("ORPC_EXTENT.data", "size is beyond the array"))?;
        Ok(OrpcExtent {
            id,
            data: data.to_vec(),
        })
    }
}

/// MS-DCOM 2.2.13.2: a unique pointer to a conformant array of unique pointers to extents; the array size
/// is rounded up to an even count. Kept in its wire shape so decoding can fill the referents in later.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrpcExtentArray {
    extent: Unique<ExtentPointers>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct ExtentPointers(Vec<Unique<OrpcExtent>>);

impl Ndr for ExtentPointers {
    const ALIGN: usize = 4;
    fn encode_inline(&self, w: &mut NdrWriter) {
        write_conformance(w, wire_count(self.0.len()));
        write_elements(w, &self.0);
    }
    fn encode_deferred(&self, w: &mut NdrWriter) {
        write_elements_deferred(w, &self.0);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let count = read_conformance(r, "ORPC_EXTENT_ARRAY.extent")?;
        Ok(ExtentPointers(read_elements(
            r,
            "ORPC_EXTENT_ARRAY.extent",
            count,
        )?))
    }
    fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
        read_elements_deferred(r, "ORPC_EXTENT_ARRAY.extent", &mut self.0)
    }
}

impl OrpcExtentArray {
    pub fn new(extents: Vec<OrpcExtent>) -> Self {
        let mut slots: Vec<Unique<OrpcExtent>> = extents.into_iter().map(Unique::new).collect();
        if slots.len() % 2 == 1 {
            slots.push(Unique::null());
        }
        OrpcExtentArray {
            extent: Unique::new(ExtentPointers(slots)),
        }
    }

    pub fn extents(&self) -> impl Iterator<Item = &OrpcExtent> {
        self.extent
            .as_ref()
            .into_iter()
            .flat_map(|p| p.0.iter().filter_map(Unique::as_ref))
    }
}

impl Ndr for OrpcExtentArray {
    const ALIGN: usize = 4;
    const MIN_WIRE_SIZE: usize = 12;
    fn encode_inline(&self, w: &mut NdrWriter) {
        w.align(4);
        w.u32(wire_count(self.extents().count()));
        w.u32(0);
        self.extent.encode_inline(w);
    }
    fn encode_deferred(&self, w: &mut NdrWriter) {
        self.extent.encode_deferred(w);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(4)?;
        let _size = r.u32("ORPC_EXTENT_ARRAY.size")?;
        let _reserved = r.u32("ORPC_EXTENT_ARRAY.reserved")?;
        Ok(OrpcExtentArray {
            extent: Unique::decode_inline(r)?,
        })
    }
    fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
        self.extent.decode_deferred(r)
    }
}

/// MS-DCOM 2.2.13.3: the implicit first [in] argument of every ORPC call.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrpcThis {
    pub version: ComVersion,
    pub flags: u32,
    /// The causality id (MS-DCOM 1.3.5).
    pub cid: Guid,
    pub extensions: Unique<OrpcExtentArray>,
}

impl OrpcThis {
    pub fn new(cid: Guid) -> Self {
        OrpcThis {
            version: ComVersion::CURRENT,
            flags: 0,
            cid,
            extensions: Unique::null(),
        }
    }
}

impl Ndr for OrpcThis {
    const ALIGN: usize = 4;
    const MIN_WIRE_SIZE: usize = 32;
    fn encode_inline(&self, w: &mut NdrWriter) {
        w.align(4);
        self.version.encode_inline(w);
        w.u32(self.flags);
        w.u32(0);
        self.cid.encode_inline(w);
        self.extensions.encode_inline(w);
    }
    fn encode_deferred(&self, w: &mut NdrWriter) {
        self.extensions.encode_deferred(w);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(4)?;
        let version = ComVersion::decode_inline(r)?;
        let flags = r.u32("ORPCTHIS.flags")?;
        let _reserved1 = r.u32("ORPCTHIS.reserved1")?;
        let cid = Guid::decode_inline(r)?;
        Ok(OrpcThis {
            version,
            flags,
            cid,
            extensions: Unique::decode_inline(r)?,
        })
    }
    fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
        self.extensions.decode_deferred(r)
    }
}

/// MS-DCOM 2.2.13.4: the implicit first [out] argument of every ORPC response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrpcThat {
    pub flags: u32,
    pub extensions: Unique<OrpcExtentArray>,
}

impl Ndr for OrpcThat {
    const ALIGN: usize = 4;
    const MIN_WIRE_SIZE: usize = 8;
    fn encode_inline(&self, w: &mut NdrWriter) {
        w.align(4);
        w.u32(self.flags);
        self.extensions.encode_inline(w);
    }
    fn encode_deferred(&self, w: &mut NdrWriter) {
        self.extensions.encode_deferred(w);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(4)?;
        Ok(OrpcThat {
            flags: r.u32("ORPCTHAT.flags")?,
            extensions: Unique::decode_inline(r)?,
        })
    }
    fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
        self.extensions.decode_deferred(r)
    }
}

/// MS-DCOM 2.2.14: an NDR blob carrying a hand-marshaled OBJREF (see `objref`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MInterfacePointer {
    pub data: Vec<u8>,
}

impl Ndr for MInterfacePointer {
    const ALIGN: usize = 4;
    const MIN_WIRE_SIZE: usize = 8;
    fn encode_inline(&self, w: &mut NdrWriter) {
        write_conformance(w, wire_count(self.data.len()));
        w.align(4);
        w.u32(wire_count(self.data.len()));
        w.bytes(&self.data);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let max_count = read_conformance(r, "MInterfacePointer.abData")?;
        r.align(4)?;
        let count = r.u32("MInterfacePointer.ulCntData")?;
        r.expect_count(
            "MInterfacePointer.ulCntData",
            u64::from(max_count),
            u64::from(count),
        )?;
        Ok(MInterfacePointer {
            data: read_byte_elements(r, "MInterfacePointer.abData", count)?.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ndr::{decode_top, encode_top};

    fn round_trip<T: Ndr + std::fmt::Debug + PartialEq>(v: &T) -> Vec<u8> {
        let mut w = NdrWriter::new();
        encode_top(&mut w, v);
        let bytes = w.into_vec();
        let mut r = NdrReader::new("test", &bytes);
        assert_eq!(&decode_top::<T>(&mut r).unwrap(), v);
        assert!(r.is_empty());
        bytes
    }

    #[test]
    fn orpcthis_without_extensions_is_32_bytes() {
        let cid = Guid::from_u128(0x00112233_4455_6677_8899_aabbccddeeff);
        let bytes = round_trip(&OrpcThis::new(cid));
        assert_eq!(bytes.len(), 32);
        assert_eq!(&bytes[..12], &[5, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&bytes[28..], &[0, 0, 0, 0], "null extensions pointer");
    }

    #[test]
    fn extents_round_trip_with_even_padding() {
        let extent = OrpcExtent {
            id: Guid::from_u128(7),
            data: vec![1, 2, 3],
        };
        let mut this = OrpcThis::new(Guid::NIL);
        this.extensions = Unique::new(OrpcExtentArray::new(vec![extent.clone()]));
        let bytes = round_trip(&this);
        let mut r = NdrReader::new("test", &bytes);
        let decoded = decode_top::<OrpcThis>(&mut r).unwrap();
        let extents: Vec<_> = decoded
            .extensions
            .as_ref()
            .unwrap()
            .extents()
            .cloned()
            .collect();
        assert_eq!(extents, vec![extent]);
        round_trip(&OrpcThat {
            flags: 0,
            extensions: Unique::new(OrpcExtentArray::new(vec![])),
        });
    }

    #[test]
    fn interface_pointer_layout_and_lying_counts() {
        let bytes = round_trip(&MInterfacePointer {
            data: b"MEOW".to_vec(),
        });
        assert_eq!(bytes, [4, 0, 0, 0, 4, 0, 0, 0, b'M', b'E', b'O', b'W']);
        let lying = [4, 0, 0, 0, 5, 0, 0, 0, b'M', b'E', b'O', b'W'];
        assert!(decode_top::<MInterfacePointer>(&mut NdrReader::new("t", &lying)).is_err());
        let huge = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1];
        assert!(decode_top::<MInterfacePointer>(&mut NdrReader::new("t", &huge)).is_err());
        for n in 0..bytes.len() {
            assert!(
                decode_top::<MInterfacePointer>(&mut NdrReader::new("t", &bytes[..n])).is_err()
            );
        }
    }
}
