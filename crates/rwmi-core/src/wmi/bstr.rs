//! BSTR as it crosses the wire (MS-OAUT 2.2.23): `typedef [unique] FLAGGED_WORD_BLOB* BSTR`.
//!
//! ```text
//! typedef struct _FLAGGED_WORD_BLOB {
//!   unsigned long cBytes;                       // 0xFFFFFFFF for a NULL BSTR
//!   unsigned long clSize;                       // UTF-16 units in asData
//!   [size_is(clSize)] unsigned short asData[];
//! } FLAGGED_WORD_BLOB;
//! ```
//!
//! A NULL BSTR and an empty one are different on the wire (MS-OAUT 2.2.23.2): NULL is a non-null pointer to
//! a blob with `cBytes` 0xFFFFFFFF and `clSize` 0; empty is a blob with both 0. A null *pointer* is also
//! accepted as NULL when decoding, since the IDL makes the pointer `[unique]`. Every BSTR MS-WMI carries is
//! text, so the data must be whole UTF-16 (an even `cBytes`, no unpaired surrogate).

use crate::codec::{DecodeResult, utf16le_units};
use crate::ndr::array::{read_conformance, wire_count, write_conformance};
use crate::ndr::string::utf16_to_string;
use crate::ndr::{Ndr, NdrReader, NdrWriter, Unique};

/// `cBytes` of a NULL BSTR (MS-OAUT 2.2.23.1).
const NULL_BSTR_BYTES: u32 = 0xFFFF_FFFF;

/// A BSTR parameter or member: the pointer and its FLAGGED_WORD_BLOB. The default is the NULL BSTR.
#[derive(Clone, Debug)]
pub struct Bstr {
    blob: Unique<FlaggedWordBlob>,
}

impl Bstr {
    /// The NULL BSTR, in the form MS-OAUT 2.2.23.2 prescribes (a blob with `cBytes` 0xFFFFFFFF).
    pub fn null() -> Self {
        Bstr {
            blob: Unique::new(FlaggedWordBlob { text: None }),
        }
    }

    pub fn new(text: &str) -> Self {
        Bstr {
            blob: Unique::new(FlaggedWordBlob {
                text: Some(text.to_owned()),
            }),
        }
    }

    /// The text, `None` for a NULL BSTR.
    pub fn as_str(&self) -> Option<&str> {
        self.blob.as_ref().and_then(|b| b.text.as_deref())
    }

    /// The text without trailing NULs. Some clients (Impacket among them) count a terminating NUL in the
    /// length of the BSTRs they send, which a server comparing names must ignore.
    pub fn trimmed(&self) -> Option<&str> {
        self.as_str().map(|s| s.trim_end_matches('\0'))
    }

    pub fn is_null(&self) -> bool {
        self.as_str().is_none()
    }
}

impl Default for Bstr {
    fn default() -> Self {
        Bstr::null()
    }
}

impl From<&str> for Bstr {
    fn from(text: &str) -> Self {
        Bstr::new(text)
    }
}

/// Two BSTRs are equal when they present the same value: both NULL (however it was sent), or the same text.
impl PartialEq for Bstr {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Bstr {}

impl Ndr for Bstr {
    const ALIGN: usize = 4;
    const MIN_WIRE_SIZE: usize = 4;
    fn encode_inline(&self, w: &mut NdrWriter) {
        self.blob.encode_inline(w);
    }
    fn encode_deferred(&self, w: &mut NdrWriter) {
        self.blob.encode_deferred(w);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        Ok(Bstr {
            blob: Unique::decode_inline(r)?,
        })
    }
    fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
        r.in_context("FLAGGED_WORD_BLOB", |r| self.blob.decode_deferred(r))
    }
}

/// MS-OAUT 2.2.23.1, the referent of a BSTR. `None` is the NULL BSTR.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct FlaggedWordBlob {
    text: Option<String>,
}

impl Ndr for FlaggedWordBlob {
    const ALIGN: usize = 4;
    const MIN_WIRE_SIZE: usize = 12;
    fn encode_inline(&self, w: &mut NdrWriter) {
        let units: Vec<u16> = self
            .text
            .as_deref()
            .map(|t| t.encode_utf16().collect())
            .unwrap_or_default();
        let cl_size = wire_count(units.len());
        let c_bytes = match self.text {
            Some(_) => cl_size.saturating_mul(2),
            None => NULL_BSTR_BYTES,
        };
        // A conformant structure: the array's max_count comes first (C706 14.3.7.1).
        write_conformance(w, cl_size);
        w.align(4);
        w.u32(c_bytes);
        w.u32(cl_size);
        for unit in units {
            w.u16(unit);
        }
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let max_count = read_conformance(r, "asData max_count")?;
        let c_bytes = r.u32("cBytes")?;
        let cl_size = r.u32("clSize")?;
        r.expect_count("clSize", u64::from(max_count), u64::from(cl_size))?;
        if c_bytes == NULL_BSTR_BYTES {
            if cl_size != 0 {
                return Err(r.invalid("clSize", "a NULL BSTR has data"));
            }
            return Ok(FlaggedWordBlob { text: None });
        }
        if u64::from(c_bytes) != u64::from(cl_size) * 2 {
            return Err(r.invalid(
                "cBytes",
                "cBytes is not twice clSize: not whole UTF-16 text",
            ));
        }
        r.reserve_elements("asData", u64::from(cl_size), 2)?;
        let bytes = r.bytes("asData", u64::from(c_bytes))?;
        let units: Vec<u16> = utf16le_units(bytes).collect();
        Ok(FlaggedWordBlob {
            text: Some(utf16_to_string(r, "asData", &units)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::DecodeErrorKind;
    use crate::ndr::{decode_top, encode_top};
    use proptest::prelude::*;

    fn encode(b: &Bstr) -> Vec<u8> {
        let mut w = NdrWriter::new();
        encode_top(&mut w, b);
        w.into_vec()
    }

    fn decode(bytes: &[u8]) -> DecodeResult<Bstr> {
        let mut r = NdrReader::new("BSTR", bytes);
        let b = decode_top::<Bstr>(&mut r)?;
        assert!(r.is_empty(), "stub fully consumed");
        Ok(b)
    }

    #[test]
    fn null_bstr_layout() {
        let bytes = encode(&Bstr::null());
        assert_eq!(
            bytes,
            [
                0, 0, 2, 0, // referent id: a NULL BSTR is still a non-null pointer
                0, 0, 0, 0, // max_count
                0xff, 0xff, 0xff, 0xff, // cBytes
                0, 0, 0, 0, // clSize
            ]
        );
        assert!(decode(&bytes).unwrap().is_null());
    }

    #[test]
    fn null_pointer_decodes_as_null_bstr() {
        let b = decode(&[0, 0, 0, 0]).unwrap();
        assert!(b.is_null());
        assert_eq!(b, Bstr::null());
        assert_eq!(encode(&b), [0, 0, 0, 0], "re-encoded as it came");
        assert_eq!(encode(&Bstr::default()), encode(&Bstr::null()));
    }

    #[test]
    fn empty_bstr_layout() {
        let bytes = encode(&Bstr::new(""));
        assert_eq!(bytes, [0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let b = decode(&bytes).unwrap();
        assert_eq!(b.as_str(), Some(""));
        assert_ne!(b, Bstr::null());
    }

    #[test]
    fn wql_layout() {
        let bytes = encode(&Bstr::from("WQL"));
        assert_eq!(
            bytes,
            [
                0, 0, 2, 0, // referent id
                3, 0, 0, 0, // max_count
                6, 0, 0, 0, // cBytes
                3, 0, 0, 0, // clSize
                b'W', 0, b'Q', 0, b'L', 0,
            ]
        );
        assert_eq!(decode(&bytes).unwrap().as_str(), Some("WQL"));
    }

    #[test]
    fn counted_terminator_is_kept_but_trimmable() {
        let bytes = [
            0, 0, 2, 0, 4, 0, 0, 0, 8, 0, 0, 0, 4, 0, 0, 0, b'W', 0, b'Q', 0, b'L', 0, 0, 0,
        ];
        let b = decode(&bytes).unwrap();
        assert_eq!(b.as_str(), Some("WQL\0"));
        assert_eq!(b.trimmed(), Some("WQL"));
    }

    #[test]
    fn inconsistent_blobs_are_refused() {
        // clSize disagrees with max_count.
        let e = decode(&[
            0, 0, 2, 0, 3, 0, 0, 0, 6, 0, 0, 0, 2, 0, 0, 0, 1, 0, 2, 0, 3, 0,
        ])
        .unwrap_err();
        assert_eq!(e.field, "clSize");
        assert_eq!(e.context, "FLAGGED_WORD_BLOB");
        // Odd cBytes.
        let e = decode(&[0, 0, 2, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, b'a', 0]).unwrap_err();
        assert_eq!(e.field, "cBytes");
        // NULL with data.
        let e = decode(&[
            0, 0, 2, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, b'a', 0,
        ])
        .unwrap_err();
        assert_eq!(e.field, "clSize");
        // Unpaired surrogate.
        let e = decode(&[0, 0, 2, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0x00, 0xd8]).unwrap_err();
        assert_eq!(e.field, "asData");
    }

    #[test]
    fn lying_size_fails_before_allocating() {
        let e = decode(&[
            0, 0, 2, 0, 0xff, 0xff, 0xff, 0x7f, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 1,
            0,
        ])
        .unwrap_err();
        assert!(matches!(e.kind, DecodeErrorKind::LengthPastEnd { .. }));
    }

    #[test]
    fn truncation_at_every_length_fails() {
        for b in [Bstr::null(), Bstr::new(""), Bstr::new("root\\cimv2")] {
            let bytes = encode(&b);
            for n in 0..bytes.len() {
                let mut r = NdrReader::new("BSTR", &bytes[..n]);
                assert!(decode_top::<Bstr>(&mut r).is_err(), "prefix {n} of {b:?}");
            }
        }
    }

    proptest! {
        #[test]
        fn round_trip(text in proptest::option::of(any::<String>())) {
            let b = text.as_deref().map_or_else(Bstr::null, Bstr::new);
            let back = decode(&encode(&b)).unwrap();
            prop_assert_eq!(back.as_str(), text.as_deref());
        }

        #[test]
        fn random_input_never_panics(data in proptest::collection::vec(any::<u8>(), 0..48)) {
            let mut r = NdrReader::new("BSTR", &data);
            let _ = decode_top::<Bstr>(&mut r);
        }
    }
}
