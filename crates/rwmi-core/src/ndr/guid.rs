//! GUID (MS-DTYP 2.3.4.2): `Data1` u32, `Data2` u16, `Data3` u16, `Data4` 8 octets; aligned to 4 in NDR.

use std::fmt;

use super::{Ndr, NdrReader, NdrWriter};
use crate::codec::DecodeResult;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Guid {
    pub data1: u32,
    pub data2: u16,
    pub data3: u16,
    pub data4: [u8; 8],
}

impl Guid {
    pub const NIL: Guid = Guid::from_u128(0);

    /// From the big-endian number a GUID's text form spells: `Guid::from_u128(0x4d9f4ab8_7d1c_11cf_861e_0020af6e7c57)`.
    pub const fn from_u128(v: u128) -> Self {
        let b = v.to_be_bytes();
        Guid {
            data1: u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
            data2: u16::from_be_bytes([b[4], b[5]]),
            data3: u16::from_be_bytes([b[6], b[7]]),
            data4: [b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]],
        }
    }

    pub const fn to_u128(&self) -> u128 {
        ((self.data1 as u128) << 96)
            | ((self.data2 as u128) << 80)
            | ((self.data3 as u128) << 64)
            | u64::from_be_bytes(self.data4) as u128
    }

    /// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, with or without braces.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(text);
        let groups: Vec<&str> = t.split('-').collect();
        let lens = [8, 4, 4, 4, 12];
        if groups.len() != lens.len()
            || groups.iter().zip(lens).any(|(g, n)| g.len() != n)
            || !t.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
        {
            return None;
        }
        u128::from_str_radix(&groups.concat(), 16)
            .ok()
            .map(Self::from_u128)
    }

    /// The 16-octet little-endian wire form (MS-DTYP 2.3.4.2).
    pub fn to_le_bytes(&self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[0..4].copy_from_slice(&self.data1.to_le_bytes());
        out[4..6].copy_from_slice(&self.data2.to_le_bytes());
        out[6..8].copy_from_slice(&self.data3.to_le_bytes());
        out[8..16].copy_from_slice(&self.data4);
        out
    }

    pub fn from_le_bytes(b: [u8; 16]) -> Self {
        Guid {
            data1: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            data2: u16::from_le_bytes([b[4], b[5]]),
            data3: u16::from_le_bytes([b[6], b[7]]),
            data4: [b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]],
        }
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.data4;
        write!(
            f,
            "{:08x}-{:04x}-{:04x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
            self.data1, self.data2, self.data3, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
        )
    }
}

impl Ndr for Guid {
    const ALIGN: usize = 4;
    const MIN_WIRE_SIZE: usize = 16;
    fn encode_inline(&self, w: &mut NdrWriter) {
        w.align(4);
        w.bytes(&self.to_le_bytes());
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(4)?;
        Ok(Self::from_le_bytes(r.raw().array::<16>("GUID")?))
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
        assert_eq!(Guid::parse(&format!("{{{LOGIN}}}")), Some(g));
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
        assert_eq!(Guid::parse("f309ad18-d86a-11d0-a075-00c04fb6882"), None);
        assert_eq!(Guid::parse("g309ad18-d86a-11d0-a075-00c04fb68820"), None);
        assert_eq!(Guid::parse("+309ad18-d86a-11d0-a075-00c04fb68820"), None);
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
