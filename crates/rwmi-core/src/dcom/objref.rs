//! OBJREF (MS-DCOM 2.2.18): the hand-marshaled, little-endian object reference carried in
//! `MInterfacePointer.abData`, with its four variants, and STDOBJREF in both its packet and IDL forms.

use super::orpc::MInterfacePointer;
use super::string_array::DualStringArray;
use crate::codec::{DecodeResult, Reader, Writer};
use crate::guid::Guid;
use crate::ndr::{Ndr, NdrReader, NdrWriter};

/// OBJREF.signature: "MEOW" read as a little-endian u32 (MS-DCOM 2.2.18).
pub const OBJREF_SIGNATURE: u32 = 0x574f_454d;

/// OBJREF.flags values (MS-DCOM 2.2.18).
pub const FLAGS_OBJREF_STANDARD: u32 = 0x0000_0001;
pub const FLAGS_OBJREF_HANDLER: u32 = 0x0000_0002;
pub const FLAGS_OBJREF_CUSTOM: u32 = 0x0000_0004;
pub const FLAGS_OBJREF_EXTENDED: u32 = 0x0000_0008;

/// STDOBJREF.flags: do not ping this OID (MS-DCOM 2.2.18.2).
pub const SORF_NOPING: u32 = 0x0000_1000;

/// OBJREF_EXTENDED.Signature1 and Signature2 (MS-DCOM 2.2.18.7).
const EXTENDED_SIGNATURE: u32 = 0x4e53_5956;

/// MS-DCOM 2.2.18.1: reference counts and the OXID, OID and IPID that identify an interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StdObjRef {
    pub flags: u32,
    pub public_refs: u32,
    pub oxid: u64,
    pub oid: u64,
    pub ipid: Guid,
}

impl StdObjRef {
    /// Size of the packet version (MS-DCOM 2.2.18.2).
    pub const WIRE_LEN: usize = 40;

    /// The packet version (MS-DCOM 2.2.18.2).
    pub fn encode_packet(&self, w: &mut Writer) {
        w.u32(self.flags);
        w.u32(self.public_refs);
        w.u64(self.oxid);
        w.u64(self.oid);
        self.ipid.encode(w);
    }

    pub fn decode_packet(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(StdObjRef {
            flags: r.u32("STDOBJREF.flags")?,
            public_refs: r.u32("STDOBJREF.cPublicRefs")?,
            oxid: r.u64("STDOBJREF.oxid")?,
            oid: r.u64("STDOBJREF.oid")?,
            ipid: Guid::decode(r, "STDOBJREF.ipid")?,
        })
    }
}

/// The IDL version (MS-DCOM 2.2.18.3), as in REMQIRESULT.
impl Ndr for StdObjRef {
    const ALIGN: usize = 8;
    const MIN_WIRE_SIZE: usize = 40;
    fn encode_inline(&self, w: &mut NdrWriter) {
        w.align(8);
        w.u32(self.flags);
        w.u32(self.public_refs);
        w.u64(self.oxid);
        w.u64(self.oid);
        self.ipid.encode_inline(w);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(8)?;
        Ok(StdObjRef {
            flags: r.u32("STDOBJREF.flags")?,
            public_refs: r.u32("STDOBJREF.cPublicRefs")?,
            oxid: r.u64("STDOBJREF.oxid")?,
            oid: r.u64("STDOBJREF.oid")?,
            ipid: Guid::decode_inline(r)?,
        })
    }
}

/// MS-DCOM 2.2.18.6: an opaque BLOB for a custom unmarshaler (activation properties, WMI objects).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjRefCustom {
    /// The unmarshaler's CLSID.
    pub clsid: Guid,
    /// cbExtension: zero when sent, ignored on receipt; kept so a decoded value re-encodes unchanged.
    pub extension_size: u32,
    /// The `reserved` field, which Windows and Impacket fill with a size; ignored on receipt.
    pub reserved: u32,
    /// pObjectData: everything after the header up to the end of the MInterfacePointer.
    pub object_data: Vec<u8>,
}

impl ObjRefCustom {
    /// `reserved` is set to the object data length plus 8, the value Impacket sends in activation
    /// requests that Windows accepts (the spec lets it be anything).
    pub fn new(clsid: Guid, object_data: Vec<u8>) -> Self {
        ObjRefCustom {
            clsid,
            extension_size: 0,
            reserved: u32::try_from(object_data.len())
                .unwrap_or(u32::MAX)
                .saturating_add(8),
            object_data,
        }
    }
}

/// MS-DCOM 2.2.18.8: one marshaled envoy context in an OBJREF_EXTENDED.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DataElement {
    pub data_id: Guid,
    /// `cbSize` octets; padded with zeros to a multiple of 8 (`cbRounded`) on the wire.
    pub data: Vec<u8>,
}

/// The `u_objref` variants (MS-DCOM 2.2.18.4–2.2.18.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjRefBody {
    Standard {
        std: StdObjRef,
        resolver_bindings: DualStringArray,
    },
    Handler {
        std: StdObjRef,
        clsid: Guid,
        resolver_bindings: DualStringArray,
    },
    Custom(ObjRefCustom),
    Extended {
        std: StdObjRef,
        resolver_bindings: DualStringArray,
        element: DataElement,
    },
}

/// MS-DCOM 2.2.18: an object reference for the interface `iid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjRef {
    pub iid: Guid,
    pub body: ObjRefBody,
}

impl ObjRef {
    pub fn flags(&self) -> u32 {
        match self.body {
            ObjRefBody::Standard { .. } => FLAGS_OBJREF_STANDARD,
            ObjRefBody::Handler { .. } => FLAGS_OBJREF_HANDLER,
            ObjRefBody::Custom(_) => FLAGS_OBJREF_CUSTOM,
            ObjRefBody::Extended { .. } => FLAGS_OBJREF_EXTENDED,
        }
    }

    /// The STDOBJREF of the standard, handler and extended forms.
    pub fn std(&self) -> Option<&StdObjRef> {
        match &self.body {
            ObjRefBody::Standard { std, .. }
            | ObjRefBody::Handler { std, .. }
            | ObjRefBody::Extended { std, .. } => Some(std),
            ObjRefBody::Custom(_) => None,
        }
    }

    /// The object resolver bindings of the standard, handler and extended forms.
    pub fn resolver_bindings(&self) -> Option<&DualStringArray> {
        match &self.body {
            ObjRefBody::Standard {
                resolver_bindings, ..
            }
            | ObjRefBody::Handler {
                resolver_bindings, ..
            }
            | ObjRefBody::Extended {
                resolver_bindings, ..
            } => Some(resolver_bindings),
            ObjRefBody::Custom(_) => None,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u32(OBJREF_SIGNATURE);
        w.u32(self.flags());
        self.iid.encode(&mut w);
        match &self.body {
            ObjRefBody::Standard {
                std,
                resolver_bindings,
            } => {
                std.encode_packet(&mut w);
                resolver_bindings.encode_packet(&mut w);
            }
            ObjRefBody::Handler {
                std,
                clsid,
                resolver_bindings,
            } => {
                std.encode_packet(&mut w);
                clsid.encode(&mut w);
                resolver_bindings.encode_packet(&mut w);
            }
            ObjRefBody::Custom(custom) => {
                custom.clsid.encode(&mut w);
                w.u32(custom.extension_size);
                w.u32(custom.reserved);
                w.bytes(&custom.object_data);
            }
            ObjRefBody::Extended {
                std,
                resolver_bindings,
                element,
            } => {
                std.encode_packet(&mut w);
                w.u32(EXTENDED_SIGNATURE);
                resolver_bindings.encode_packet(&mut w);
                w.u32(1);
                w.u32(EXTENDED_SIGNATURE);
                element.data_id.encode(&mut w);
                let size = element.data.len();
                let rounded = size.next_multiple_of(8);
                w.u32(u32::try_from(size).unwrap_or(u32::MAX));
                w.u32(u32::try_from(rounded).unwrap_or(u32::MAX));
                w.bytes(&element.data);
                w.zeros(rounded - size);
            }
        }
        w.into_vec()
    }

    /// Decodes an OBJREF. Bytes after a standard, handler or extended body are ignored (Windows may pad
    /// the MInterfacePointer); a custom body owns everything after its header.
    pub fn decode(bytes: &[u8]) -> DecodeResult<Self> {
        let mut r = Reader::new("OBJREF", bytes);
        let signature = r.u32("OBJREF.signature")?;
        if signature != OBJREF_SIGNATURE {
            return Err(r.bad_value("OBJREF.signature", u64::from(signature)));
        }
        let flags = r.u32("OBJREF.flags")?;
        let iid = Guid::decode(&mut r, "OBJREF.iid")?;
        let body = match flags {
            FLAGS_OBJREF_STANDARD => ObjRefBody::Standard {
                std: StdObjRef::decode_packet(&mut r)?,
                resolver_bindings: DualStringArray::decode_packet(&mut r)?,
            },
            FLAGS_OBJREF_HANDLER => ObjRefBody::Handler {
                std: StdObjRef::decode_packet(&mut r)?,
                clsid: Guid::decode(&mut r, "OBJREF_HANDLER.clsid")?,
                resolver_bindings: DualStringArray::decode_packet(&mut r)?,
            },
            FLAGS_OBJREF_CUSTOM => ObjRefBody::Custom(ObjRefCustom {
                clsid: Guid::decode(&mut r, "OBJREF_CUSTOM.clsid")?,
                extension_size: r.u32("OBJREF_CUSTOM.cbExtension")?,
                reserved: r.u32("OBJREF_CUSTOM.reserved")?,
                object_data: r.rest().to_vec(),
            }),
            FLAGS_OBJREF_EXTENDED => decode_extended(&mut r)?,
            other => return Err(r.bad_value("OBJREF.flags", u64::from(other))),
        };
        Ok(ObjRef { iid, body })
    }

    pub fn to_interface_pointer(&self) -> MInterfacePointer {
        MInterfacePointer {
            data: self.encode(),
        }
    }

    pub fn from_interface_pointer(ip: &MInterfacePointer) -> DecodeResult<Self> {
        Self::decode(&ip.data)
    }
}

fn decode_extended(r: &mut Reader<'_>) -> DecodeResult<ObjRefBody> {
    let std = StdObjRef::decode_packet(r)?;
    let signature1 = r.u32("OBJREF_EXTENDED.Signature1")?;
    if signature1 != EXTENDED_SIGNATURE {
        return Err(r.bad_value("OBJREF_EXTENDED.Signature1", u64::from(signature1)));
    }
    let resolver_bindings = DualStringArray::decode_packet(r)?;
    let elements = r.u32("OBJREF_EXTENDED.nElms")?;
    if elements != 1 {
        return Err(r.bad_value("OBJREF_EXTENDED.nElms", u64::from(elements)));
    }
    let signature2 = r.u32("OBJREF_EXTENDED.Signature2")?;
    if signature2 != EXTENDED_SIGNATURE {
        return Err(r.bad_value("OBJREF_EXTENDED.Signature2", u64::from(signature2)));
    }
    let data_id = Guid::decode(r, "DATAELEMENT.dataID")?;
    let size = r.u32("DATAELEMENT.cbSize")?;
    let rounded = r.u32("DATAELEMENT.cbRounded")?;
    if u64::from(rounded) != u64::from(size).next_multiple_of(8) {
        return Err(r.bad_value("DATAELEMENT.cbRounded", u64::from(rounded)));
    }
    let padded = r.counted("DATAELEMENT.Data", u64::from(rounded))?;
    let data = padded
        .get(..size as usize)
        .ok_or_else(|| r.invalid("DATAELEMENT.cbSize", "size exceeds the rounded size"))?
        .to_vec();
    Ok(ObjRefBody::Extended {
        std,
        resolver_bindings,
        element: DataElement { data_id, data },
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::string_array::{SecurityBinding, StringBinding};
    use super::*;
    use proptest::prelude::*;

    fn two_entry_bindings() -> DualStringArray {
        DualStringArray {
            string_bindings: vec![StringBinding::tcp("AB"), StringBinding::tcp("1.2")],
            security_bindings: vec![SecurityBinding {
                authn_svc: 0x0a,
                principal_name: String::new(),
            }],
        }
    }

    #[test]
    fn standard_objref_is_byte_exact() {
        let objref = ObjRef {
            iid: Guid::from_u128(0x00000131_0000_0000_c000_000000000046),
            body: ObjRefBody::Standard {
                std: StdObjRef {
                    flags: SORF_NOPING,
                    public_refs: 5,
                    oxid: 0x0102_0304_0506_0708,
                    oid: 0x1112_1314_1516_1718,
                    ipid: Guid::from_u128(0x00112233_4455_6677_8899_aabbccddeeff),
                },
                resolver_bindings: two_entry_bindings(),
            },
        };
        #[rustfmt::skip]
        let expected: Vec<u8> = vec![
            0x4d, 0x45, 0x4f, 0x57, // "MEOW"
            1, 0, 0, 0, // OBJREF_STANDARD
            0x31, 0x01, 0, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46, // IID_IRemUnknown
            0, 0x10, 0, 0, // SORF_NOPING
            5, 0, 0, 0, // cPublicRefs
            8, 7, 6, 5, 4, 3, 2, 1, // oxid
            0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11, // oid
            0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
            // DUALSTRINGARRAY: 7 'A' 'B' 0 | 7 '1' '.' '2' 0 | 0 || 0a ffff 0 | 0 => 14 units, offset 10
            14, 0, 10, 0,
            7, 0, b'A', 0, b'B', 0, 0, 0,
            7, 0, b'1', 0, b'.', 0, b'2', 0, 0, 0,
            0, 0,
            0x0a, 0, 0xff, 0xff, 0, 0,
            0, 0,
        ];
        let bytes = objref.encode();
        assert_eq!(bytes, expected);
        assert_eq!(ObjRef::decode(&bytes).unwrap(), objref);
        for n in 0..bytes.len() {
            assert!(ObjRef::decode(&bytes[..n]).is_err(), "prefix of {n} bytes");
        }
    }

    #[test]
    fn lying_string_array_counts_in_an_objref_are_errors() {
        let objref = ObjRef {
            iid: Guid::from_u128(1),
            body: ObjRefBody::Standard {
                std: StdObjRef::default(),
                resolver_bindings: two_entry_bindings(),
            },
        };
        let bytes = objref.encode();
        let dsa_at = 24 + StdObjRef::WIRE_LEN;
        for (offset, value) in [(0, 15u16), (0, 0xffff), (2, 15), (2, 0xffff), (2, 3)] {
            let mut bad = bytes.clone();
            bad[dsa_at + offset..dsa_at + offset + 2].copy_from_slice(&value.to_le_bytes());
            assert!(
                ObjRef::decode(&bad).is_err(),
                "field at +{offset} = {value}"
            );
        }
    }

    #[test]
    fn custom_objref_owns_the_rest() {
        let custom = ObjRefCustom::new(Guid::from_u128(9), vec![1, 2, 3]);
        assert_eq!(custom.reserved, 11);
        let objref = ObjRef {
            iid: Guid::from_u128(1),
            body: ObjRefBody::Custom(custom),
        };
        let bytes = objref.encode();
        assert_eq!(bytes.len(), 24 + 24 + 3);
        assert_eq!(&bytes[4..8], &[4, 0, 0, 0]);
        assert_eq!(ObjRef::decode(&bytes).unwrap(), objref);
        let ip = objref.to_interface_pointer();
        assert_eq!(ObjRef::from_interface_pointer(&ip).unwrap(), objref);
    }

    #[test]
    fn bad_signatures_and_flags_are_refused() {
        let objref = ObjRef {
            iid: Guid::from_u128(1),
            body: ObjRefBody::Extended {
                std: StdObjRef::default(),
                resolver_bindings: DualStringArray::default(),
                element: DataElement {
                    data_id: Guid::from_u128(2),
                    data: vec![9; 5],
                },
            },
        };
        let bytes = objref.encode();
        assert_eq!(ObjRef::decode(&bytes).unwrap(), objref);
        let mut bad = bytes.clone();
        bad[0] = 0;
        assert_eq!(ObjRef::decode(&bad).unwrap_err().field, "OBJREF.signature");
        let mut bad = bytes.clone();
        bad[4] = 3;
        assert_eq!(ObjRef::decode(&bad).unwrap_err().field, "OBJREF.flags");
        // cbRounded that is not cbSize rounded up.
        let rounded_at = bytes.len() - 8 - 4;
        let mut bad = bytes.clone();
        bad[rounded_at] = 16;
        assert_eq!(
            ObjRef::decode(&bad).unwrap_err().field,
            "DATAELEMENT.cbRounded"
        );
        for n in 0..bytes.len() {
            assert!(ObjRef::decode(&bytes[..n]).is_err());
        }
    }

    fn any_guid() -> impl Strategy<Value = Guid> {
        any::<u128>().prop_map(Guid::from_u128)
    }

    fn any_std() -> impl Strategy<Value = StdObjRef> {
        (
            any::<u32>(),
            any::<u32>(),
            any::<u64>(),
            any::<u64>(),
            any_guid(),
        )
            .prop_map(|(flags, public_refs, oxid, oid, ipid)| StdObjRef {
                flags,
                public_refs,
                oxid,
                oid,
                ipid,
            })
    }

    pub(crate) fn any_objref() -> impl Strategy<Value = ObjRef> {
        let dsa = super::super::string_array::tests::any_dsa;
        let body = prop_oneof![
            (any_std(), dsa()).prop_map(|(std, resolver_bindings)| ObjRefBody::Standard {
                std,
                resolver_bindings
            }),
            (any_std(), any_guid(), dsa()).prop_map(|(std, clsid, resolver_bindings)| {
                ObjRefBody::Handler {
                    std,
                    clsid,
                    resolver_bindings,
                }
            }),
            (
                any_guid(),
                any::<u32>(),
                any::<u32>(),
                proptest::collection::vec(any::<u8>(), 0..40)
            )
                .prop_map(|(clsid, extension_size, reserved, object_data)| {
                    ObjRefBody::Custom(ObjRefCustom {
                        clsid,
                        extension_size,
                        reserved,
                        object_data,
                    })
                }),
            (
                any_std(),
                dsa(),
                any_guid(),
                proptest::collection::vec(any::<u8>(), 0..20)
            )
                .prop_map(|(std, resolver_bindings, data_id, data)| {
                    ObjRefBody::Extended {
                        std,
                        resolver_bindings,
                        element: DataElement { data_id, data },
                    }
                }),
        ];
        (any_guid(), body).prop_map(|(iid, body)| ObjRef { iid, body })
    }

    proptest! {
        #[test]
        fn round_trips(objref in any_objref()) {
            prop_assert_eq!(ObjRef::decode(&objref.encode()).unwrap(), objref);
        }

        #[test]
        fn std_objref_idl_round_trips(std in any_std()) {
            let stub = crate::ndr::to_stub(&std);
            prop_assert_eq!(stub.len(), 40);
            prop_assert_eq!(crate::ndr::from_stub::<StdObjRef>("t", &stub).unwrap(), std);
        }

        #[test]
        fn hostile_input_never_panics(data in proptest::collection::vec(any::<u8>(), 0..128)) {
            let _ = ObjRef::decode(&data);
            // A valid header for each variant, so the body decoders see the random bytes.
            for flags in [FLAGS_OBJREF_STANDARD, FLAGS_OBJREF_HANDLER, FLAGS_OBJREF_CUSTOM, FLAGS_OBJREF_EXTENDED] {
                let mut framed = OBJREF_SIGNATURE.to_le_bytes().to_vec();
                framed.extend_from_slice(&flags.to_le_bytes());
                framed.extend_from_slice(&[0; 16]);
                framed.extend_from_slice(&data);
                let _ = ObjRef::decode(&framed);
            }
        }
    }
}
