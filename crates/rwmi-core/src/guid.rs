//! The 128-bit identifier of DCE/RPC and COM (interfaces, classes, objects, transfer syntaxes).
//!
//! Wire layout per MS-DTYP 2.3.4.2 (GUID packet representation): `Data1` (u32), `Data2` (u16) and `Data3`
//! (u16) little-endian, then `Data4` as eight bytes in order. The textual form is MS-DTYP 2.3.4.3:
//! `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, where the fourth group is the first two bytes of `Data4`.

use std::fmt;
use std::str::FromStr;

use crate::codec::{DecodeResult, Reader, Writer};

/// A GUID / DCE UUID, kept as its four fields so that the mixed-endian wire layout cannot be confused
/// with the textual byte order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Guid {
    pub data1: u32,
    pub data2: u16,
    pub data3: u16,
    pub data4: [u8; 8],
}

/// Why a string is not a GUID in its textual form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuidParseError {
    /// Byte position in the input at which the problem was found.
    pub position: usize,
    pub reason: &'static str,
}

impl fmt::Display for GuidParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not a GUID at position {}: {}",
            self.position, self.reason
        )
    }
}

impl std::error::Error for GuidParseError {}

/// The length of the textual form without braces.
const TEXT_LEN: usize = 36;
/// Positions of the hyphens in the textual form.
const HYPHENS: [usize; 4] = [8, 13, 18, 23];

const fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Parses the 36-character form (braces already removed) into the 16 bytes in textual order.
const fn parse_text(s: &[u8]) -> Result<[u8; 16], GuidParseError> {
    if s.len() != TEXT_LEN {
        return Err(GuidParseError {
            position: 0,
            reason: "expected 36 characters (8-4-4-4-12 hex digits), optionally in braces",
        });
    }
    // The 32 hex digits, 4 bits each, fill the 128 bits exactly.
    let mut value: u128 = 0;
    let mut pos = 0;
    let mut rest = s;
    while let Some((&c, after)) = rest.split_first() {
        rest = after;
        if pos == HYPHENS[0] || pos == HYPHENS[1] || pos == HYPHENS[2] || pos == HYPHENS[3] {
            if c != b'-' {
                return Err(GuidParseError {
                    position: pos,
                    reason: "expected '-'",
                });
            }
        } else {
            let v = match hex_value(c) {
                Some(v) => v,
                None => {
                    return Err(GuidParseError {
                        position: pos,
                        reason: "expected a hexadecimal digit",
                    });
                }
            };
            value = (value << 4) | v as u128;
        }
        pos += 1;
    }
    Ok(value.to_be_bytes())
}

impl Guid {
    /// The nil UUID (all zeros), used for example as the transfer syntax of a negotiate_ack result.
    pub const NIL: Guid = Guid::from_fields(0, 0, 0, [0; 8]);

    /// The size of a GUID on the wire.
    pub const WIRE_LEN: usize = 16;

    /// From the number a GUID's text form spells: `Guid::from_u128(0xf309ad18_d86a_11d0_a075_00c04fb68820)`.
    pub const fn from_u128(v: u128) -> Self {
        let b = v.to_be_bytes();
        Guid {
            data1: u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
            data2: u16::from_be_bytes([b[4], b[5]]),
            data3: u16::from_be_bytes([b[6], b[7]]),
            data4: [b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]],
        }
    }

    /// The number the text form spells.
    pub const fn to_u128(&self) -> u128 {
        ((self.data1 as u128) << 96)
            | ((self.data2 as u128) << 80)
            | ((self.data3 as u128) << 64)
            | u64::from_be_bytes(self.data4) as u128
    }

    pub const fn from_fields(data1: u32, data2: u16, data3: u16, data4: [u8; 8]) -> Self {
        Self {
            data1,
            data2,
            data3,
            data4,
        }
    }

    /// A GUID written in source code, e.g. `Guid::from_literal("8a885d04-1ceb-11c9-9fe8-08002b104860")`.
    ///
    /// Meant for constants: in a `const` item a malformed literal fails the build. Strings that come from
    /// anywhere else must go through [`Guid::parse`], which returns an error instead.
    // The panic is the build error for a malformed literal in a `const` item: this never sees input.
    #[allow(clippy::panic)]
    pub const fn from_literal(text: &str) -> Self {
        match parse_text(text.as_bytes()) {
            Ok(b) => Self::from_text_bytes(b),
            Err(_) => panic!("malformed GUID literal"),
        }
    }

    /// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, with or without surrounding braces, any case.
    pub fn parse(text: &str) -> Result<Self, GuidParseError> {
        let bytes = text.as_bytes();
        let inner = match bytes {
            [b'{', inner @ .., b'}'] => inner,
            _ => bytes,
        };
        let offset = bytes.len() - inner.len();
        parse_text(inner)
            .map(Self::from_text_bytes)
            .map_err(|e| GuidParseError {
                position: e.position + offset / 2,
                reason: e.reason,
            })
    }

    /// Builds from the 16 bytes in the order the textual form shows them (big-endian fields).
    const fn from_text_bytes(b: [u8; 16]) -> Self {
        Self {
            data1: u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
            data2: u16::from_be_bytes([b[4], b[5]]),
            data3: u16::from_be_bytes([b[6], b[7]]),
            data4: [b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]],
        }
    }

    /// The 16 bytes as sent on the wire (MS-DTYP 2.3.4.2).
    pub fn to_bytes_le(&self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..4].copy_from_slice(&self.data1.to_le_bytes());
        out[4..6].copy_from_slice(&self.data2.to_le_bytes());
        out[6..8].copy_from_slice(&self.data3.to_le_bytes());
        out[8..].copy_from_slice(&self.data4);
        out
    }

    /// The inverse of [`Guid::to_bytes_le`].
    pub fn from_bytes_le(b: [u8; 16]) -> Self {
        let mut data4 = [0u8; 8];
        data4.copy_from_slice(&b[8..]);
        Self {
            data1: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            data2: u16::from_le_bytes([b[4], b[5]]),
            data3: u16::from_le_bytes([b[6], b[7]]),
            data4,
        }
    }

    pub fn is_nil(&self) -> bool {
        *self == Self::NIL
    }

    pub fn decode(r: &mut Reader<'_>, field: &'static str) -> DecodeResult<Self> {
        r.array::<16>(field).map(Self::from_bytes_le)
    }

    pub fn encode(&self, w: &mut Writer) {
        w.bytes(&self.to_bytes_le());
    }
}

impl fmt::Display for Guid {
    /// Lower-case textual form without braces.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.data4;
        write!(
            f,
            "{:08x}-{:04x}-{:04x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
            self.data1, self.data2, self.data3, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
        )
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Guid({self})")
    }
}

impl FromStr for Guid {
    type Err = GuidParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn wire_layout_is_mixed_endian() {
        // MS-DTYP 2.3.4.2: the first three fields little-endian, Data4 in order.
        let g = Guid::from_literal("8a885d04-1ceb-11c9-9fe8-08002b104860");
        assert_eq!(
            g.to_bytes_le(),
            [
                0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10,
                0x48, 0x60
            ]
        );
        assert_eq!(g.to_string(), "8a885d04-1ceb-11c9-9fe8-08002b104860");
    }

    #[test]
    fn parses_braces_and_upper_case() {
        let g = Guid::parse("{8BC3F05E-D86B-11D0-A075-00C04FB68820}").unwrap();
        assert_eq!(g.data1, 0x8bc3f05e);
        assert_eq!(g.data4, [0xa0, 0x75, 0x00, 0xc0, 0x4f, 0xb6, 0x88, 0x20]);
    }

    #[test]
    fn rejects_malformed_text() {
        for bad in [
            "",
            "8a885d04-1ceb-11c9-9fe8-08002b10486",
            "8a885d04-1ceb-11c9-9fe8-08002b1048600",
            "8a885d04x1ceb-11c9-9fe8-08002b104860",
            "8a885d04-1ceb-11c9-9fe8-08002b10486g",
            "{8a885d04-1ceb-11c9-9fe8-08002b104860",
            "é8a885d0-1ceb-11c9-9fe8-08002b104860",
        ] {
            assert!(Guid::parse(bad).is_err(), "{bad:?} was accepted");
        }
        let e = Guid::parse("8a885d04x1ceb-11c9-9fe8-08002b104860").unwrap_err();
        assert_eq!(e.position, 8);
    }

    #[test]
    fn decode_reports_truncation() {
        let mut r = Reader::new("test", &[0; 15]);
        assert_eq!(Guid::decode(&mut r, "uuid").unwrap_err().field, "uuid");
    }

    proptest! {
        #[test]
        fn wire_and_text_round_trip(bytes in any::<[u8; 16]>()) {
            let g = Guid::from_bytes_le(bytes);
            prop_assert_eq!(g.to_bytes_le(), bytes);
            prop_assert_eq!(Guid::parse(&g.to_string()).unwrap(), g);
            let mut w = Writer::new();
            g.encode(&mut w);
            let mut r = Reader::new("t", w.as_slice());
            prop_assert_eq!(Guid::decode(&mut r, "g").unwrap(), g);
        }

        #[test]
        fn parse_never_panics(s in ".{0,40}") {
            let _ = Guid::parse(&s);
        }
    }
}
