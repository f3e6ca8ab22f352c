//! GUID (MS-DTYP 2.3.4.2) in NDR: the 16-octet wire form, aligned to 4. The type itself is `crate::guid::Guid`.

use super::{Ndr, NdrReader, NdrWriter};
use crate::codec::DecodeResult;
pub use crate::guid::Guid;

impl Ndr for Guid {
    const ALIGN: usize = 4;
    const MIN_WIRE_SIZE: usize = 16;
    fn encode_inline(&self, w: &mut NdrWriter) {
        w.align(4);
        w.bytes(&self.to_bytes_le());
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(4)?;
        Ok(Self::from_bytes_le(r.raw().array::<16>("GUID")?))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{decode_top, encode_top};
    use super::*;

    // IWbemLevel1Login, MS-WMI 1.9.
    const LOGIN: &str = "f309ad18-d86a-11d0-a075-00c04fb68820";

    #[test]
    fn text_and_wire_forms() {
        let g = Guid::parse(LOGIN).unwrap();
        assert_eq!(g.to_string(), LOGIN);
        assert_eq!(Guid::parse(&format!("{{{LOGIN}}}")).ok(), Some(g));
        assert_eq!(g, Guid::from_u128(0xf309ad18_d86a_11d0_a075_00c04fb68820));
        assert_eq!(Guid::from_u128(g.to_u128()), g);
        let mut w = NdrWriter::new();
        w.u8(1);
        encode_top(&mut w, &g);
        assert_eq!(
            w.as_slice(),
            &[
                1, 0, 0, 0, 0x18, 0xad, 0x09, 0xf3, 0x6a, 0xd8, 0xd0, 0x11, 0xa0, 0x75, 0x00, 0xc0,
                0x4f, 0xb6, 0x88, 0x20
            ]
        );
        let mut r = NdrReader::new("t", w.as_slice());
        r.u8("pad").unwrap();
        assert_eq!(decode_top::<Guid>(&mut r).unwrap(), g);
    }

    #[test]
    fn rejects_malformed_text() {
        assert!(Guid::parse("f309ad18-d86a-11d0-a075-00c04fb6882").is_err());
        assert!(Guid::parse("g309ad18-d86a-11d0-a075-00c04fb68820").is_err());
        assert!(Guid::parse("+309ad18-d86a-11d0-a075-00c04fb68820").is_err());
    }

    #[test]
    fn truncated_guid_fails() {
        for n in 0..16 {
            let data = vec![0u8; n];
            let mut r = NdrReader::new("t", &data);
            assert_eq!(decode_top::<Guid>(&mut r).unwrap_err().field, "GUID");
        }
    }
}
