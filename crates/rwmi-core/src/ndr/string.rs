//! NDR strings: `[string] wchar_t*` and `[string] char*` (C706 14.3.4, MS-RPCE 2.2.4.1.1), which are
//! conformant-varying arrays ending in a NUL, and `RPC_UNICODE_STRING` (MS-DTYP 2.3.10), a counted UTF-16
//! buffer without a NUL.
//!
//! UTF-16 is decoded strictly: an unpaired surrogate is an error naming the field, never a replacement
//! character, because these strings are names (of namespaces, classes, domains) that must not silently
//! change.

use super::array::{
    read_conformance, read_variance, wire_count, write_conformance, write_variance,
};
use super::{Ndr, NdrReader, NdrWriter};
use crate::codec::{DecodeResult, utf16le_units};

/// Converts UTF-16 code units to a `String`, refusing unpaired surrogates.
pub fn utf16_to_string(
    r: &NdrReader<'_>,
    field: &'static str,
    units: &[u16],
) -> DecodeResult<String> {
    char::decode_utf16(units.iter().copied())
        .collect::<Result<String, _>>()
        .map_err(|_| r.invalid(field, "UTF-16 text contains an unpaired surrogate"))
}

/// Reads `count` UTF-16 code units (already aligned by the caller's u32 counts), after checking the count
/// against the bytes left and the element budget.
fn read_units(r: &mut NdrReader<'_>, field: &'static str, count: u32) -> DecodeResult<Vec<u16>> {
    r.align(2)?;
    r.reserve_elements(field, u64::from(count), 2)?;
    let bytes = r.bytes(field, u64::from(count) * 2)?;
    Ok(utf16le_units(bytes).collect())
}

/// Reads the array header of a `[string]` array and checks it: the offset is zero (C706 14.3.4.1) and the
/// actual count, which includes the terminator, is at least 1 and at most `max_count`.
fn read_string_header(r: &mut NdrReader<'_>, field: &'static str) -> DecodeResult<u32> {
    let max_count = read_conformance(r, field)?;
    let (offset, actual) = read_variance(r, field, max_count)?;
    if offset != 0 {
        return Err(r.bad_value(field, u64::from(offset)));
    }
    if actual == 0 {
        return Err(r.invalid(field, "a [string] array has no terminating NUL"));
    }
    Ok(actual)
}

/// Strips the terminator a `[string]` array must end with, refusing embedded NULs.
fn strip_terminator<'s, T: PartialEq + Default>(
    r: &NdrReader<'_>,
    field: &'static str,
    elements: &'s [T],
) -> DecodeResult<&'s [T]> {
    let nul = T::default();
    match elements.split_last() {
        Some((last, body)) if *last == nul => {
            if body.contains(&nul) {
                return Err(r.invalid(field, "a [string] array has a NUL before its end"));
            }
            Ok(body)
        }
        _ => Err(r.invalid(field, "a [string] array has no terminating NUL")),
    }
}

/// Reads a `[string] wchar_t` array body (the referent of a `[string] wchar_t*`), naming `field` in errors.
pub fn read_wide_string(r: &mut NdrReader<'_>, field: &'static str) -> DecodeResult<String> {
    let actual = read_string_header(r, field)?;
    let units = read_units(r, field, actual)?;
    let body = strip_terminator(r, field, &units)?;
    utf16_to_string(r, field, body)
}

/// Writes a `[string] wchar_t` array: max_count = actual_count = characters + NUL, offset 0.
pub fn write_wide_string(w: &mut NdrWriter, text: &str) {
    let units: Vec<u16> = text.encode_utf16().chain([0]).collect();
    let n = wire_count(units.len());
    write_conformance(w, n);
    write_variance(w, 0, n);
    for u in units {
        w.u16(u);
    }
}

/// The referent of `[string] wchar_t*` (LPWSTR in MS-WMI and MS-SAMR IDL): wrap it in [`super::Unique`]
/// or [`super::Ref`] for the pointer itself. Text may not contain U+0000.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct WideString(pub String);

impl From<&str> for WideString {
    fn from(s: &str) -> Self {
        WideString(s.to_owned())
    }
}

impl From<String> for WideString {
    fn from(s: String) -> Self {
        WideString(s)
    }
}

impl WideString {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Ndr for WideString {
    const ALIGN: usize = 4;
    const MIN_WIRE_SIZE: usize = 14;
    fn encode_inline(&self, w: &mut NdrWriter) {
        write_wide_string(w, &self.0);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        read_wide_string(r, "wchar_t string").map(WideString)
    }
}

/// The referent of `[string] char*`: octets in whatever code page the protocol says, without the NUL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AnsiString(pub Vec<u8>);

impl From<&str> for AnsiString {
    fn from(s: &str) -> Self {
        AnsiString(s.as_bytes().to_vec())
    }
}

impl AnsiString {
    /// The text, when it is UTF-8 (which covers ASCII).
    pub fn to_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }
}

impl Ndr for AnsiString {
    const ALIGN: usize = 4;
    const MIN_WIRE_SIZE: usize = 13;
    fn encode_inline(&self, w: &mut NdrWriter) {
        let n = wire_count(self.0.len().saturating_add(1));
        write_conformance(w, n);
        write_variance(w, 0, n);
        w.bytes(&self.0);
        w.u8(0);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let field = "char string";
        let actual = read_string_header(r, field)?;
        r.reserve_elements(field, u64::from(actual), 1)?;
        let bytes = r.bytes(field, u64::from(actual))?;
        let body = strip_terminator(r, field, bytes)?;
        Ok(AnsiString(body.to_vec()))
    }
}

/// `RPC_UNICODE_STRING` (MS-DTYP 2.3.10):
///
/// ```text
/// typedef struct _RPC_UNICODE_STRING {
///   unsigned short Length;          // bytes, without any NUL
///   unsigned short MaximumLength;   // bytes
///   [size_is(MaximumLength/2), length_is(Length/2)] WCHAR* Buffer;   // unique, no NUL
/// } RPC_UNICODE_STRING;
/// ```
///
/// Used inline in structures (SAMPR_RID_ENUMERATION's `Name`), so its buffer is deferred like any
/// embedded pointer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RpcUnicodeString {
    /// `None` for a null `Buffer`.
    text: Option<String>,
    length: u16,
    maximum_length: u16,
}

impl RpcUnicodeString {
    /// A string whose `MaximumLength` equals its `Length`; `None` if it is longer than the 32767 UTF-16
    /// code units a u16 byte count can describe.
    pub fn new(text: &str) -> Option<Self> {
        let units = text.encode_utf16().count();
        let length = u16::try_from(units.checked_mul(2)?).ok()?;
        Some(RpcUnicodeString {
            text: Some(text.to_owned()),
            length,
            maximum_length: length,
        })
    }

    /// A string with a null `Buffer` and zero lengths.
    pub fn null() -> Self {
        Self::default()
    }

    /// The text, `None` when `Buffer` is null.
    pub fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }

    /// The text, empty when `Buffer` is null.
    pub fn as_str(&self) -> &str {
        self.text.as_deref().unwrap_or("")
    }

    /// `Length`, in bytes.
    pub fn length(&self) -> u16 {
        self.length
    }

    /// `MaximumLength`, in bytes.
    pub fn maximum_length(&self) -> u16 {
        self.maximum_length
    }
}

impl Ndr for RpcUnicodeString {
    const ALIGN: usize = 4;
    const MIN_WIRE_SIZE: usize = 8;
    fn encode_inline(&self, w: &mut NdrWriter) {
        w.align(Self::ALIGN);
        w.u16(self.length);
        w.u16(self.maximum_length);
        let id = if self.text.is_some() {
            w.next_referent_id()
        } else {
            0
        };
        w.u32(id);
    }
    fn encode_deferred(&self, w: &mut NdrWriter) {
        if let Some(text) = &self.text {
            let units: Vec<u16> = text.encode_utf16().collect();
            write_conformance(w, u32::from(self.maximum_length / 2));
            write_variance(w, 0, wire_count(units.len()));
            for u in units {
                w.u16(u);
            }
        }
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(Self::ALIGN)?;
        let length = r.u16("RPC_UNICODE_STRING.Length")?;
        let maximum_length = r.u16("RPC_UNICODE_STRING.MaximumLength")?;
        if length % 2 != 0 || length > maximum_length {
            return Err(r.bad_value("RPC_UNICODE_STRING.Length", u64::from(length)));
        }
        let id = r.u32("RPC_UNICODE_STRING.Buffer")?;
        if id == 0 && length != 0 {
            return Err(r.invalid(
                "RPC_UNICODE_STRING.Buffer",
                "null buffer with a non-zero length",
            ));
        }
        Ok(RpcUnicodeString {
            text: (id != 0).then(String::new),
            length,
            maximum_length,
        })
    }
    fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
        if self.text.is_none() {
            return Ok(());
        }
        let field = "RPC_UNICODE_STRING.Buffer";
        r.charge(field, 1)?;
        let max_count = read_conformance(r, field)?;
        if max_count != u32::from(self.maximum_length / 2) {
            return Err(r.bad_value(field, u64::from(max_count)));
        }
        let (offset, actual) = read_variance(r, field, max_count)?;
        if offset != 0 || actual != u32::from(self.length / 2) {
            return Err(r.invalid(field, "variance disagrees with Length"));
        }
        let units = read_units(r, field, actual)?;
        self.text = Some(utf16_to_string(r, field, &units)?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Unique, decode_top, from_stub, to_stub};
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn wide_string_layout() {
        let s = WideString::from("hi");
        assert_eq!(
            to_stub(&s),
            [3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, b'h', 0, b'i', 0, 0, 0]
        );
        assert_eq!(from_stub::<WideString>("t", &to_stub(&s)).unwrap(), s);
    }

    #[test]
    fn wide_string_with_surrogate_pair() {
        let s = WideString::from("a\u{1F600}");
        assert_eq!(from_stub::<WideString>("t", &to_stub(&s)).unwrap(), s);
    }

    #[test]
    fn unpaired_surrogate_names_the_field() {
        let data = [2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0x00, 0xd8, 0, 0];
        let e = from_stub::<WideString>("t", &data).unwrap_err();
        assert_eq!(e.field, "wchar_t string");
        let mut r = NdrReader::new("t", &data);
        assert_eq!(
            read_wide_string(&mut r, "pszNamespace").unwrap_err().field,
            "pszNamespace"
        );
    }

    #[test]
    fn wide_string_needs_terminator_and_zero_offset() {
        // actual 1, unit 'a' with no NUL
        let no_nul = [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, b'a', 0];
        assert!(from_stub::<WideString>("t", &no_nul).is_err());
        let zero_actual = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert!(from_stub::<WideString>("t", &zero_actual).is_err());
        let offset = [2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0];
        assert!(from_stub::<WideString>("t", &offset).is_err());
        let inner_nul = [2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0];
        assert!(from_stub::<WideString>("t", &inner_nul).is_err());
    }

    #[test]
    fn ansi_string_layout() {
        let s = AnsiString::from("ok");
        assert_eq!(
            to_stub(&s),
            [3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, b'o', b'k', 0]
        );
        let back = from_stub::<AnsiString>("t", &to_stub(&s)).unwrap();
        assert_eq!(back.to_str(), Some("ok"));
    }

    #[test]
    fn rpc_unicode_string_layout() {
        // MS-DTYP 2.3.10: Length 8, MaximumLength 8, then the deferred conformant-varying WCHAR array
        // without NUL: max_count 4, offset 0, actual_count 4.
        let s = RpcUnicodeString::new("SAMR").unwrap();
        let stub = to_stub(&s);
        assert_eq!(
            stub,
            [
                8, 0, 8, 0, // Length, MaximumLength
                0, 0, 2, 0, // Buffer referent id
                4, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, // max_count, offset, actual_count
                b'S', 0, b'A', 0, b'M', 0, b'R', 0,
            ]
        );
        assert_eq!(from_stub::<RpcUnicodeString>("t", &stub).unwrap(), s);
    }

    #[test]
    fn rpc_unicode_string_larger_maximum_and_null() {
        let data = [
            2, 0, 6, 0, 0, 0, 2, 0, // Length 2, MaximumLength 6
            3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, b'x', 0,
        ];
        let s = from_stub::<RpcUnicodeString>("t", &data).unwrap();
        assert_eq!((s.as_str(), s.length(), s.maximum_length()), ("x", 2, 6));
        assert_eq!(to_stub(&s), data);
        let null = RpcUnicodeString::null();
        assert_eq!(to_stub(&null), [0; 8]);
        assert_eq!(
            from_stub::<RpcUnicodeString>("t", &[0; 8]).unwrap().text(),
            None
        );
    }

    #[test]
    fn rpc_unicode_string_inconsistencies_are_refused() {
        let cases: [&[u8]; 5] = [
            // Length odd
            &[
                3, 0, 4, 0, 0, 0, 2, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, b'x', 0,
            ],
            // Length > MaximumLength
            &[
                4, 0, 2, 0, 0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, b'x', 0, b'y', 0,
            ],
            // null Buffer with Length 2
            &[2, 0, 2, 0, 0, 0, 0, 0],
            // max_count disagrees with MaximumLength
            &[
                2, 0, 2, 0, 0, 0, 2, 0, 9, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, b'x', 0,
            ],
            // actual_count disagrees with Length
            &[
                2, 0, 4, 0, 0, 0, 2, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, b'x', 0, b'y', 0,
            ],
        ];
        for data in cases {
            assert!(
                from_stub::<RpcUnicodeString>("t", data).is_err(),
                "{data:?}"
            );
        }
        assert!(RpcUnicodeString::new(&"x".repeat(40_000)).is_none());
    }

    #[test]
    fn truncations_fail() {
        let stub = to_stub(&Unique::new(WideString::from("héllo")));
        for n in 0..stub.len() {
            let mut r = NdrReader::new("t", &stub[..n]);
            assert!(decode_top::<Unique<WideString>>(&mut r).is_err());
        }
        let stub = to_stub(&RpcUnicodeString::new("abc").unwrap());
        for n in 0..stub.len() {
            let mut r = NdrReader::new("t", &stub[..n]);
            assert!(decode_top::<RpcUnicodeString>(&mut r).is_err());
        }
    }

    proptest! {
        #[test]
        fn wide_string_round_trip(s in "[^\u{0}]{0,40}") {
            let w = WideString(s);
            prop_assert_eq!(from_stub::<WideString>("t", &to_stub(&w)).unwrap(), w);
        }

        #[test]
        fn rpc_unicode_string_round_trip(s in "\\PC{0,40}") {
            let u = RpcUnicodeString::new(&s).unwrap();
            prop_assert_eq!(from_stub::<RpcUnicodeString>("t", &to_stub(&u)).unwrap(), u);
        }

        #[test]
        fn ansi_round_trip(b in proptest::collection::vec(1u8..=255, 0..40)) {
            let a = AnsiString(b);
            prop_assert_eq!(from_stub::<AnsiString>("t", &to_stub(&a)).unwrap(), a);
        }

        #[test]
        fn random_input_never_panics(data in proptest::collection::vec(any::<u8>(), 0..48)) {
            let _ = from_stub::<RpcUnicodeString>("t", &data);
            let _ = from_stub::<Unique<WideString>>("t", &data);
            let _ = from_stub::<AnsiString>("t", &data);
        }
    }
}
