//! The activation properties BLOB (MS-DCOM 2.2.22): dwSize, dwReserved, the serialized CustomHeader
//! (2.2.22.1) and the serialized properties it lists.
//!
//! Windows checks the sizes: dwSize = CustomHeader.totalSize = headerSize + the sum of pSizes, headerSize
//! is the serialized CustomHeader (both type serialization headers and padding included) and each pSizes
//! entry is one serialized property, padded to 8. The encoder computes them; the decoder checks them.

use super::super::pickle;
use crate::codec::{DecodeResult, Reader, Writer};
use crate::guid::Guid;
use crate::ndr::array::wire_count;
use crate::ndr::{ConformantArray, Ndr, NdrReader, NdrWriter, decode_top, encode_top};

/// MIN_ACTPROP_LIMIT and MAX_ACTPROP_LIMIT (MS-DCOM 2.2.28.1): how many properties a BLOB holds.
pub const MIN_ACTPROP_LIMIT: usize = 1;
pub const MAX_ACTPROP_LIMIT: usize = 10;

/// CustomHeader.destCtx as Windows and Impacket send it: MSHCTX_DIFFERENTMACHINE.
pub const MSHCTX_DIFFERENTMACHINE: u32 = 2;

/// One property as it sits in the BLOB: its CLSID and its type-serialized bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SerializedProperty {
    pub clsid: Guid,
    /// MS-RPCE 2.2.6 bytes (headers included), a multiple of 8 long when made by this crate.
    pub bytes: Vec<u8>,
}

/// MS-DCOM 2.2.22.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActivationBlob {
    /// CustomHeader.destCtx: implementation-specific, ignored on receipt.
    pub dest_ctx: u32,
    pub properties: Vec<SerializedProperty>,
}

/// MS-DCOM 2.2.22.1, as decoded; classInfoClsid, dwReserved and pdwReserved are not kept.
struct CustomHeader {
    total_size: u32,
    header_size: u32,
    dest_ctx: u32,
    clsids: Vec<Guid>,
    sizes: Vec<u32>,
}

impl CustomHeader {
    fn write_body(&self, w: &mut NdrWriter) {
        w.align(4);
        w.u32(self.total_size);
        w.u32(self.header_size);
        w.u32(0); // dwReserved
        w.u32(self.dest_ctx);
        w.u32(wire_count(self.clsids.len()));
        Guid::NIL.encode_inline(w); // classInfoClsid
        let ids = [w.next_referent_id(), w.next_referent_id()];
        w.u32(ids[0]); // pclsid
        w.u32(ids[1]); // pSizes
        w.u32(0); // pdwReserved
        encode_top(w, &ConformantArray(self.clsids.clone()));
        encode_top(w, &ConformantArray(self.sizes.clone()));
    }

    fn read_body(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(4)?;
        let total_size = r.u32("CustomHeader.totalSize")?;
        let header_size = r.u32("CustomHeader.headerSize")?;
        r.u32("CustomHeader.dwReserved")?;
        let dest_ctx = r.u32("CustomHeader.destCtx")?;
        let count = r.u32("CustomHeader.cIfs")?;
        r.check_range(
            "CustomHeader.cIfs",
            u64::from(count),
            MIN_ACTPROP_LIMIT as u64,
            MAX_ACTPROP_LIMIT as u64,
        )?;
        Guid::decode_inline(r)?; // classInfoClsid
        let has_clsids = r.u32("CustomHeader.pclsid")? != 0;
        let has_sizes = r.u32("CustomHeader.pSizes")? != 0;
        let has_reserved = r.u32("CustomHeader.pdwReserved")? != 0;
        if !has_clsids || !has_sizes {
            return Err(r.invalid("CustomHeader.pclsid", "the CLSID or size array is NULL"));
        }
        let clsids = decode_top::<ConformantArray<Guid>>(r)?.0;
        r.expect_count("CustomHeader.pclsid", u64::from(count), clsids.len() as u64)?;
        let sizes = decode_top::<ConformantArray<u32>>(r)?.0;
        r.expect_count("CustomHeader.pSizes", u64::from(count), sizes.len() as u64)?;
        if has_reserved {
            r.u32("CustomHeader.pdwReserved")?;
        }
        Ok(CustomHeader {
            total_size,
            header_size,
            dest_ctx,
            clsids,
            sizes,
        })
    }
}

impl ActivationBlob {
    /// The bytes of the property with this CLSID, if present.
    pub fn property(&self, clsid: Guid) -> Option<&[u8]> {
        self.properties
            .iter()
            .find(|p| p.clsid == clsid)
            .map(|p| p.bytes.as_slice())
    }

    pub fn encode(&self) -> Vec<u8> {
        let header = |total_size: u32, header_size: u32| {
            let h = CustomHeader {
                total_size,
                header_size,
                dest_ctx: self.dest_ctx,
                clsids: self.properties.iter().map(|p| p.clsid).collect(),
                sizes: self
                    .properties
                    .iter()
                    .map(|p| wire_count(p.bytes.len()))
                    .collect(),
            };
            pickle::serialize_with(|w| h.write_body(w))
        };
        // The header's length does not depend on the two sizes it carries.
        let header_size = header(0, 0).len();
        let total_size = self
            .properties
            .iter()
            .fold(header_size, |sum, p| sum.saturating_add(p.bytes.len()));
        let mut w = Writer::new();
        w.u32(wire_count(total_size)); // dwSize
        w.u32(0); // dwReserved
        w.bytes(&header(wire_count(total_size), wire_count(header_size)));
        for p in &self.properties {
            w.bytes(&p.bytes);
        }
        w.into_vec()
    }

    /// Decodes a BLOB and checks every size. Octets after dwSize (padding of the enclosing OBJREF) are
    /// ignored; the properties stay serialized, to be decoded by CLSID.
    pub fn decode(bytes: &[u8]) -> DecodeResult<Self> {
        let mut r = Reader::new("activation properties BLOB", bytes);
        let size = r.u32("dwSize")?;
        r.u32("dwReserved")?;
        let body = r.counted("dwSize", u64::from(size))?;
        let (header, used) =
            pickle::deserialize_prefix_with("CustomHeader", body, CustomHeader::read_body)?;
        let mut r = Reader::new("activation properties BLOB", body);
        if header.total_size != size {
            return Err(r.bad_value("CustomHeader.totalSize", u64::from(header.total_size)));
        }
        if (header.header_size as usize) < used {
            return Err(r.bad_value("CustomHeader.headerSize", u64::from(header.header_size)));
        }
        r.seek("CustomHeader.headerSize", header.header_size as usize)?;
        let mut properties = Vec::with_capacity(header.clsids.len());
        for (clsid, len) in header.clsids.into_iter().zip(header.sizes) {
            let bytes = r.counted("CustomHeader.pSizes", u64::from(len))?;
            properties.push(SerializedProperty {
                clsid,
                bytes: bytes.to_vec(),
            });
        }
        if !r.is_empty() {
            return Err(r.invalid(
                "CustomHeader.pSizes",
                "headerSize and pSizes do not add up to totalSize",
            ));
        }
        Ok(ActivationBlob {
            dest_ctx: header.dest_ctx,
            properties,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn le32(bytes: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
    }

    fn blob(sizes: &[usize]) -> ActivationBlob {
        ActivationBlob {
            dest_ctx: MSHCTX_DIFFERENTMACHINE,
            properties: sizes
                .iter()
                .enumerate()
                .map(|(i, n)| SerializedProperty {
                    clsid: Guid::from_u128(i as u128 + 1),
                    bytes: vec![i as u8; *n],
                })
                .collect(),
        }
    }

    #[test]
    fn sizes_are_consistent_and_header_is_byte_exact() {
        let b = blob(&[88, 40, 32, 48]);
        let bytes = b.encode();
        // CustomHeader body: 48 inline + (4 + 4*16) clsids + (4 + 4*4) sizes = 136, already a multiple
        // of 8; serialized: 16 + 136 = 152.
        let header_size = 152;
        let total = header_size + 88 + 40 + 32 + 48;
        assert_eq!(le32(&bytes, 0), total as u32, "dwSize");
        assert_eq!(le32(&bytes, 4), 0, "dwReserved");
        assert_eq!(&bytes[8..16], &pickle::COMMON_HEADER);
        assert_eq!(le32(&bytes, 16), 136, "ObjectBufferLength");
        assert_eq!(le32(&bytes, 24), total as u32, "totalSize");
        assert_eq!(le32(&bytes, 28), header_size as u32, "headerSize");
        assert_eq!(le32(&bytes, 36), 2, "destCtx");
        assert_eq!(le32(&bytes, 40), 4, "cIfs");
        assert_eq!(&bytes[44..60], &[0; 16], "classInfoClsid");
        assert_eq!(le32(&bytes, 60), 0x0002_0000, "pclsid");
        assert_eq!(le32(&bytes, 64), 0x0002_0004, "pSizes");
        assert_eq!(le32(&bytes, 68), 0, "pdwReserved");
        assert_eq!(le32(&bytes, 72), 4, "pclsid max_count");
        let sizes_at = 72 + 4 + 64;
        assert_eq!(le32(&bytes, sizes_at), 4, "pSizes max_count");
        let sizes: Vec<u32> = (0..4).map(|i| le32(&bytes, sizes_at + 4 + 4 * i)).collect();
        assert_eq!(sizes, [88, 40, 32, 48]);
        assert_eq!(bytes.len(), 8 + total);
        assert_eq!(ActivationBlob::decode(&bytes).unwrap(), b);
    }

    #[test]
    fn odd_property_count_pads_the_header() {
        // 56 + 20*5 = 156 octets of header body, padded to 160.
        let bytes = blob(&[8, 8, 8, 8, 8]).encode();
        assert_eq!(le32(&bytes, 16), 160);
        assert_eq!(le32(&bytes, 28), 176);
        assert_eq!(
            ActivationBlob::decode(&bytes).unwrap(),
            blob(&[8, 8, 8, 8, 8])
        );
    }

    #[test]
    fn lying_sizes_are_refused() {
        let bytes = blob(&[16, 24]).encode();
        let patch = |at: usize, v: u32| {
            let mut b = bytes.clone();
            b[at..at + 4].copy_from_slice(&v.to_le_bytes());
            ActivationBlob::decode(&b)
        };
        let total = le32(&bytes, 0);
        assert!(patch(0, total + 1).is_err(), "dwSize past the end");
        assert!(
            patch(0, total - 8).is_err(),
            "dwSize disagrees with totalSize"
        );
        assert!(patch(24, total - 8).is_err(), "totalSize");
        assert!(patch(28, 16).is_err(), "headerSize inside the header");
        assert!(patch(28, total + 8).is_err(), "headerSize past the end");
        assert!(patch(40, 0).is_err(), "cIfs below the range");
        assert!(patch(40, 11).is_err(), "cIfs above the range");
        assert!(patch(40, 3).is_err(), "cIfs disagrees with the arrays");
        let sizes_at = 72 + 4 + 32 + 4;
        assert!(patch(sizes_at, 24).is_err(), "pSizes too large");
        assert!(patch(sizes_at, 8).is_err(), "pSizes too small");
        assert!(patch(sizes_at, u32::MAX).is_err());
        for n in 0..bytes.len() {
            assert!(ActivationBlob::decode(&bytes[..n]).is_err(), "prefix {n}");
        }
    }

    proptest! {
        #[test]
        fn round_trips(
            sizes in proptest::collection::vec(0usize..6, 1..=MAX_ACTPROP_LIMIT),
            dest_ctx in any::<u32>(),
        ) {
            let mut b = blob(&sizes.iter().map(|s| s * 8).collect::<Vec<_>>());
            b.dest_ctx = dest_ctx;
            prop_assert_eq!(ActivationBlob::decode(&b.encode()).unwrap(), b);
        }

        #[test]
        fn hostile_input_never_panics(data in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = ActivationBlob::decode(&data);
            // Keep a valid header so the fuzzing reaches the property sizes.
            let mut bytes = blob(&[16, 8]).encode();
            let end = bytes.len().min(data.len() + 24);
            bytes[24..end].copy_from_slice(&data[..end - 24]);
            let _ = ActivationBlob::decode(&bytes);
        }
    }
}
