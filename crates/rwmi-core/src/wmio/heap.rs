//! Heaps (MS-WMIO 2.2.66), heap references (2.2.69), Encoded-String (2.2.78), the string dictionary
//! (2.2.80), Encoded-Array (2.2.79), and the EncodedValue codec (2.2.71) that puts values inline or on a heap.

use crate::codec::{DecodeErrorKind, DecodeResult, Reader, Writer, utf16le_units};

use super::cim::{CimBase, CimType, Value};
use super::object::{self, DecodeCtx};
use super::{EncodeError, EncodeResult};

/// The HeapRef value that means "no item" (MS-WMIO 2.2.69).
pub(crate) const NULL_REF: u32 = 0xFFFF_FFFF;
/// The most significant bit: set on every HeapLength, and on a string reference that is a dictionary index.
const MSB: u32 = 0x8000_0000;

/// Strings a reference may name by index instead of storing them (MS-WMIO 2.2.80).
pub const DICTIONARY: [&str; 11] = [
    "\"", "key", "", "read", "write", "volatile", "provider", "dynamic", "cimwin32", "DWORD",
    "CIMTYPE",
];

/// A decoded heap: the octets after the HeapLength, which heap references are offsets into.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HeapView<'a> {
    bytes: &'a [u8],
    context: &'static str,
}

impl<'a> HeapView<'a> {
    /// Reads HeapLength (31 bits, most significant bit set) and takes that many octets. A clear top bit is
    /// tolerated: the length is the same either way.
    pub fn decode(r: &mut Reader<'a>, ctx: &DecodeCtx<'_>) -> DecodeResult<Self> {
        let len = u64::from(r.u32("HeapLength")? & !MSB);
        let max = u64::from(ctx.limits.max_heap_size);
        if len > max {
            return Err(r.error(
                "HeapLength",
                DecodeErrorKind::Limit {
                    limit: "max_heap_size",
                    value: len,
                    max,
                },
            ));
        }
        let bytes = r.counted("HeapLength", len)?;
        Ok(Self {
            bytes,
            context: r.context(),
        })
    }

    /// A reader positioned at a heap offset (offsets in its errors are heap-relative).
    pub fn at(&self, field: &'static str, offset: u32) -> DecodeResult<Reader<'a>> {
        let mut r = Reader::new(self.context, self.bytes);
        if offset as usize >= self.bytes.len() {
            return Err(r.error(
                field,
                DecodeErrorKind::LengthPastEnd {
                    length: u64::from(offset),
                    available: self.bytes.len(),
                },
            ));
        }
        r.seek(field, offset as usize)?;
        Ok(r)
    }

    /// Resolves a HeapStringRef: `None` for the null reference, a dictionary entry when the most
    /// significant bit is set, otherwise the Encoded-String at that offset.
    pub fn string(
        &self,
        field: &'static str,
        reference: u32,
        ctx: &mut DecodeCtx<'_>,
    ) -> DecodeResult<Option<String>> {
        if reference == NULL_REF {
            return Ok(None);
        }
        if reference & MSB != 0 {
            let index = reference & !MSB;
            return match DICTIONARY.get(index as usize) {
                Some(s) => {
                    ctx.charge(
                        &Reader::new(self.context, self.bytes),
                        field,
                        s.len() as u64,
                    )?;
                    Ok(Some((*s).to_owned()))
                }
                None => {
                    Err(Reader::new(self.context, self.bytes)
                        .bad_value(field, u64::from(reference)))
                }
            };
        }
        let mut r = self.at(field, reference)?;
        read_encoded_string(&mut r, field, ctx).map(Some)
    }

    /// Checks a HeapStringRef as `string` would resolve it, without making the text: for names the
    /// decoder validates but does not keep (an instance's class name, one per row).
    pub fn check_string(&self, field: &'static str, reference: u32) -> DecodeResult<()> {
        if reference == NULL_REF {
            return Ok(());
        }
        if reference & MSB != 0 {
            return match DICTIONARY.get((reference & !MSB) as usize) {
                Some(_) => Ok(()),
                None => {
                    Err(Reader::new(self.context, self.bytes)
                        .bad_value(field, u64::from(reference)))
                }
            };
        }
        let mut r = self.at(field, reference)?;
        encoded_chars(&mut r, field).map(|_| ())
    }

    /// Like `string`, for references that must not be null (names).
    pub fn name(
        &self,
        field: &'static str,
        reference: u32,
        ctx: &mut DecodeCtx<'_>,
    ) -> DecodeResult<String> {
        self.string(field, reference, ctx)?.ok_or_else(|| {
            Reader::new(self.context, self.bytes)
                .invalid(field, "null reference to a required name")
        })
    }
}

/// The characters of an Encoded-String, still encoded.
enum EncodedChars<'a> {
    Latin1(&'a [u8]),
    Utf16Le(&'a [u8]),
}

/// Finds an Encoded-String (MS-WMIO 2.2.78): a flag octet, then Latin-1 octets up to a 0 octet (flag 0)
/// or UTF-16LE units up to a 0 unit (flag 1). Leaves `r` after the terminator.
fn encoded_chars<'a>(r: &mut Reader<'a>, field: &'static str) -> DecodeResult<EncodedChars<'a>> {
    let flag = r.u8(field)?;
    let rest = r.rest();
    match flag {
        0 => {
            let Some(len) = rest.iter().position(|&b| b == 0) else {
                return Err(r.invalid(field, "Encoded-String has no terminator"));
            };
            let chars = r.bytes(field, len)?;
            r.skip(field, 1)?;
            Ok(EncodedChars::Latin1(chars))
        }
        1 => {
            let Some(units) = rest.chunks_exact(2).position(|pair| pair == [0, 0]) else {
                return Err(r.invalid(field, "Encoded-String has no terminator"));
            };
            let raw = r.bytes(field, units * 2)?;
            r.skip(field, 2)?;
            Ok(EncodedChars::Utf16Le(raw))
        }
        other => Err(r.bad_value(field, u64::from(other))),
    }
}

/// Reads an Encoded-String (MS-WMIO 2.2.78) as text, charged to the decode's budget.
pub(crate) fn read_encoded_string(
    r: &mut Reader<'_>,
    field: &'static str,
    ctx: &mut DecodeCtx<'_>,
) -> DecodeResult<String> {
    match encoded_chars(r, field)? {
        EncodedChars::Latin1(chars) => {
            ctx.charge(r, field, chars.len() as u64)?;
            Ok(latin1_to_string(chars))
        }
        EncodedChars::Utf16Le(raw) => {
            ctx.charge(r, field, raw.len() as u64)?;
            let utf16: Vec<u16> = utf16le_units(raw).collect();
            Ok(String::from_utf16_lossy(&utf16))
        }
    }
}

/// Latin-1 octets as text. ASCII, by far the common case, is already UTF-8 and is copied in one go
/// instead of a character at a time.
fn latin1_to_string(octets: &[u8]) -> String {
    if octets.is_ascii()
        && let Ok(text) = std::str::from_utf8(octets)
    {
        return text.to_owned();
    }
    octets.iter().map(|&b| char::from(b)).collect()
}

/// Writes an Encoded-String, compressed to one octet per character when every character is below U+0100
/// (which the spec makes mandatory).
pub(crate) fn write_encoded_string(w: &mut Writer, s: &str, what: &str) -> EncodeResult<()> {
    if s.contains('\0') {
        return Err(EncodeError::InteriorNul {
            what: what.to_owned(),
        });
    }
    if s.chars().all(|c| (c as u32) < 0x100) {
        w.u8(0);
        for c in s.chars() {
            w.u8(c as u32 as u8);
        }
        w.u8(0);
    } else {
        w.u8(1);
        for unit in s.encode_utf16() {
            w.u16(unit);
        }
        w.u16(0);
    }
    Ok(())
}

/// Octets `write_encoded_string` produces for `s`.
pub(crate) fn encoded_string_len(s: &str) -> usize {
    if s.chars().all(|c| (c as u32) < 0x100) {
        s.chars().count() + 2
    } else {
        s.encode_utf16().count() * 2 + 3
    }
}

/// A heap being built: items are appended and referenced by their offset.
#[derive(Debug, Default)]
pub(crate) struct HeapBuilder {
    w: Writer,
}

impl HeapBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    fn offset(&self) -> EncodeResult<u32> {
        u32::try_from(self.w.len())
            .ok()
            .filter(|o| o & MSB == 0)
            .ok_or(EncodeError::TooLarge { what: "heap" })
    }

    /// Stores a string (or names its dictionary entry) and returns the reference.
    pub fn string(&mut self, s: &str, what: &str) -> EncodeResult<u32> {
        if let Some(index) = DICTIONARY.iter().position(|d| *d == s) {
            return Ok(MSB | index as u32);
        }
        let at = self.offset()?;
        write_encoded_string(&mut self.w, s, what)?;
        Ok(at)
    }

    /// Reserves `n` zero octets for an item whose content depends on items placed after it.
    pub fn reserve(&mut self, n: usize) -> EncodeResult<u32> {
        let at = self.offset()?;
        self.w.zeros(n);
        Ok(at)
    }

    /// Fills a reserved item.
    pub fn patch(&mut self, at: u32, bytes: &[u8]) {
        self.w.patch(at as usize, bytes);
    }

    /// Appends an item and returns its offset.
    pub fn item(&mut self, bytes: &[u8]) -> EncodeResult<u32> {
        let at = self.offset()?;
        self.w.bytes(bytes);
        Ok(at)
    }

    /// Writes HeapLength and the items.
    pub fn finish(self, out: &mut Writer) -> EncodeResult<()> {
        let len = self.offset()?;
        out.u32(len | MSB);
        out.bytes(self.w.as_slice());
        Ok(())
    }
}

/// Reads one EncodedValue of type `ty` from `slot` (a value table, qualifier or array element), following
/// heap references into `heap`. A null heap reference gives `None`.
pub(crate) fn read_value<'a>(
    slot: &mut Reader<'a>,
    ty: CimType,
    heap: &HeapView<'a>,
    ctx: &mut DecodeCtx<'_>,
) -> DecodeResult<Option<Value>> {
    if !ty.array {
        return read_scalar(slot, ty.base, heap, ctx);
    }
    let reference = slot.u32("Encoded-Array ref")?;
    if reference == NULL_REF {
        return Ok(None);
    }
    let mut r = heap.at("Encoded-Array ref", reference)?;
    let count = r.u32("ArrayCount")?;
    let max = ctx.limits.max_array_count;
    if count > max {
        return Err(r.error(
            "ArrayCount",
            DecodeErrorKind::Limit {
                limit: "max_array_count",
                value: u64::from(count),
                max: u64::from(max),
            },
        ));
    }
    let count = r.check_count("ArrayCount", u64::from(count), ty.base.inline_size())?;
    // One array item may be referenced from many places; what each reference materialises is counted.
    ctx.charge(
        &r,
        "ArrayCount",
        (count * std::mem::size_of::<Value>()) as u64,
    )?;
    let mut items = Vec::with_capacity(count);
    for _ in 0..count {
        match read_scalar(&mut r, ty.base, heap, ctx)? {
            Some(v) => items.push(v),
            None => return Err(r.invalid("Encoded-Array element", "null array element")),
        }
    }
    Ok(Some(Value::Array(items)))
}

fn read_scalar<'a>(
    slot: &mut Reader<'a>,
    base: CimBase,
    heap: &HeapView<'a>,
    ctx: &mut DecodeCtx<'_>,
) -> DecodeResult<Option<Value>> {
    const F: &str = "EncodedValue";
    Ok(Some(match base {
        CimBase::SInt8 => Value::SInt8(slot.i8(F)?),
        CimBase::UInt8 => Value::UInt8(slot.u8(F)?),
        CimBase::SInt16 => Value::SInt16(slot.i16(F)?),
        CimBase::UInt16 => Value::UInt16(slot.u16(F)?),
        CimBase::SInt32 => Value::SInt32(slot.i32(F)?),
        CimBase::UInt32 => Value::UInt32(slot.u32(F)?),
        CimBase::SInt64 => Value::SInt64(slot.i64(F)?),
        CimBase::UInt64 => Value::UInt64(slot.u64(F)?),
        CimBase::Real32 => Value::Real32(slot.f32(F)?),
        CimBase::Real64 => Value::Real64(slot.f64(F)?),
        // BOOL: 0 is false, 0xFFFF true (2.2.75); any other non-zero pattern is read as true.
        CimBase::Boolean => Value::Boolean(slot.u16(F)? != 0),
        CimBase::Char16 => Value::Char16(slot.u16(F)?),
        CimBase::String | CimBase::DateTime | CimBase::Reference => {
            let reference = slot.u32("HeapStringRef")?;
            let Some(s) = heap.string("HeapStringRef", reference, ctx)? else {
                return Ok(None);
            };
            match base {
                CimBase::DateTime => Value::DateTime(s),
                CimBase::Reference => Value::Reference(s),
                _ => Value::String(s),
            }
        }
        CimBase::Object => {
            let reference = slot.u32("embedded object ref")?;
            if reference == NULL_REF {
                return Ok(None);
            }
            let mut r = heap.at("embedded object ref", reference)?;
            let len = r.u32("ObjectEncodingLength")?;
            ctx.charge(&r, "ObjectEncodingLength", u64::from(len))?;
            let block = r.counted("ObjectEncodingLength", u64::from(len))?;
            Value::Object(Box::new(object::decode_nested_block(block, ctx)?))
        }
    }))
}

/// Writes `value` as an EncodedValue of type `ty` into `slot`, placing strings, arrays and objects on `heap`.
pub(crate) fn write_value(
    slot: &mut Writer,
    heap: &mut HeapBuilder,
    ty: CimType,
    value: &Value,
    what: &str,
) -> EncodeResult<()> {
    if !value.matches(ty) {
        return Err(EncodeError::TypeMismatch {
            what: what.to_owned(),
            expected: ty,
        });
    }
    match value {
        Value::Array(items) => {
            // The array item comes first, the items it references after it (as in MS-WMIO 3.2).
            let count =
                u32::try_from(items.len()).map_err(|_| EncodeError::TooLarge { what: "array" })?;
            let size = 4 + items.len() * ty.base.inline_size();
            let at = heap.reserve(size)?;
            let mut body = Writer::with_capacity(size);
            body.u32(count);
            for item in items {
                write_value(&mut body, heap, CimType::scalar(ty.base), item, what)?;
            }
            heap.patch(at, body.as_slice());
            slot.u32(at);
        }
        Value::SInt8(v) => slot.i8(*v),
        Value::UInt8(v) => slot.u8(*v),
        Value::SInt16(v) => slot.i16(*v),
        Value::UInt16(v) => slot.u16(*v),
        Value::SInt32(v) => slot.i32(*v),
        Value::UInt32(v) => slot.u32(*v),
        Value::SInt64(v) => slot.i64(*v),
        Value::UInt64(v) => slot.u64(*v),
        Value::Real32(v) => slot.f32(*v),
        Value::Real64(v) => slot.f64(*v),
        Value::Boolean(v) => slot.u16(if *v { 0xFFFF } else { 0 }),
        Value::Char16(v) => slot.u16(*v),
        Value::String(s) | Value::DateTime(s) | Value::Reference(s) => {
            let reference = heap.string(s, what)?;
            slot.u32(reference);
        }
        Value::Object(obj) => {
            let mut item = Writer::new();
            let len_at = item.placeholder_u32();
            object::encode_object_block(&mut item, obj)?;
            let len = u32::try_from(item.len() - 4).map_err(|_| EncodeError::TooLarge {
                what: "embedded object",
            })?;
            item.patch_u32(len_at, len);
            let at = heap.item(item.as_slice())?;
            slot.u32(at);
        }
    }
    Ok(())
}

/// Fills a slot that holds no value: 0xFF octets in a class (NoValue, 2.2.74), zeros in an instance.
pub(crate) fn fill_slot(slot: &mut Writer, ty: CimType, octet: u8) {
    for _ in 0..ty.slot_size() {
        slot.u8(octet);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wmio::Limits;

    fn ctx(limits: &Limits) -> DecodeCtx<'_> {
        DecodeCtx::new(limits, None)
    }

    #[test]
    fn strings_compress_when_latin1_and_widen_otherwise() {
        let mut w = Writer::new();
        write_encoded_string(&mut w, "Base", "t").unwrap();
        assert_eq!(w.as_slice(), b"\0Base\0");
        let mut w = Writer::new();
        write_encoded_string(&mut w, "K\u{20AC}", "t").unwrap();
        assert_eq!(w.as_slice(), &[1, 0x4B, 0, 0xAC, 0x20, 0, 0]);
        assert_eq!(encoded_string_len("K\u{20AC}"), 7);
        let limits = Limits::default();
        let mut r = Reader::new("t", w.as_slice());
        assert_eq!(
            read_encoded_string(&mut r, "s", &mut ctx(&limits)).unwrap(),
            "K\u{20AC}"
        );
        assert!(r.is_empty());
        assert!(write_encoded_string(&mut Writer::new(), "a\0b", "t").is_err());
    }

    #[test]
    fn compressed_strings_read_as_latin1_ascii_or_not() {
        let limits = Limits::default();
        for (octets, text) in [
            (&b"\0Base\0"[..], "Base"),
            (&b"\0caf\xE9\0"[..], "caf\u{E9}"),
            (&b"\0\xFF\x7F\0"[..], "\u{FF}\u{7F}"),
            (&b"\0\0"[..], ""),
        ] {
            let mut r = Reader::new("t", octets);
            assert_eq!(
                read_encoded_string(&mut r, "s", &mut ctx(&limits)).unwrap(),
                text
            );
            assert!(r.is_empty());
        }
    }

    #[test]
    fn unterminated_and_badly_flagged_strings_are_errors() {
        let limits = Limits::default();
        for bytes in [&b"\0abc"[..], &[1, 0x41, 0][..], &[2, 0][..], &[][..]] {
            let mut r = Reader::new("t", bytes);
            assert!(read_encoded_string(&mut r, "s", &mut ctx(&limits)).is_err());
        }
    }

    #[test]
    fn checking_a_reference_accepts_and_refuses_what_resolving_it_does() {
        let limits = Limits::default();
        // A heap of "\0Base\0" then "\0abc" (unterminated) then a bad flag.
        let bytes = b"\0Base\0\0abc";
        let heap = HeapView {
            bytes,
            context: "t",
        };
        let flagged = b"\x02x\0";
        let bad_flag = HeapView {
            bytes: flagged,
            context: "t",
        };
        for (view, reference) in [
            (&heap, 0),
            (&heap, NULL_REF),
            (&heap, MSB | 1),
            (&heap, MSB | 0x7fff),
            (&heap, 6),
            (&heap, 11),
            (&heap, 4000),
            (&bad_flag, 0),
        ] {
            let resolved = view.string("s", reference, &mut ctx(&limits)).is_ok();
            assert_eq!(
                view.check_string("s", reference).is_ok(),
                resolved,
                "reference {reference:#x}"
            );
        }
        assert!(heap.check_string("s", 0).is_ok());
        assert!(heap.check_string("s", 6).is_err());
    }

    #[test]
    fn dictionary_references_resolve_both_ways() {
        let mut heap = HeapBuilder::new();
        assert_eq!(heap.string("CIMTYPE", "t").unwrap(), 0x8000_000A);
        assert_eq!(heap.string("key", "t").unwrap(), 0x8000_0001);
        let limits = Limits::default();
        let view = HeapView {
            bytes: &[0, 0],
            context: "t",
        };
        let mut c = ctx(&limits);
        assert_eq!(
            view.string("s", 0x8000_0007, &mut c).unwrap().as_deref(),
            Some("dynamic")
        );
        assert!(view.string("s", 0x8000_000B, &mut c).is_err());
        assert_eq!(view.string("s", NULL_REF, &mut c).unwrap(), None);
        assert!(view.string("s", 2, &mut c).is_err());
    }

    #[test]
    fn huge_array_counts_hit_the_limit_or_the_end() {
        let limits = Limits {
            max_array_count: 10,
            ..Limits::default()
        };
        for count in [11u32, 5] {
            let mut heap_bytes = Writer::new();
            heap_bytes.u32(count);
            heap_bytes.u32(1);
            let mut outer = Writer::new();
            outer.u32(heap_bytes.len() as u32 | MSB);
            outer.bytes(heap_bytes.as_slice());
            let mut c = ctx(&limits);
            let mut hr = Reader::new("t", outer.as_slice());
            let view = HeapView::decode(&mut hr, &c).unwrap();
            let slot = 0u32.to_le_bytes();
            let mut sr = Reader::new("t", &slot);
            let err =
                read_value(&mut sr, CimType::array_of(CimBase::UInt32), &view, &mut c).unwrap_err();
            if count == 11 {
                assert!(matches!(
                    err.kind,
                    DecodeErrorKind::Limit {
                        limit: "max_array_count",
                        ..
                    }
                ));
            } else {
                assert!(matches!(err.kind, DecodeErrorKind::LengthPastEnd { .. }));
            }
        }
    }

    #[test]
    fn heap_length_is_limited() {
        let limits = Limits {
            max_heap_size: 4,
            ..Limits::default()
        };
        let bytes = [5, 0, 0, 0x80, 0, 0, 0, 0, 0];
        let mut r = Reader::new("t", &bytes);
        let err = HeapView::decode(&mut r, &ctx(&limits)).unwrap_err();
        assert!(matches!(
            err.kind,
            DecodeErrorKind::Limit {
                limit: "max_heap_size",
                ..
            }
        ));
    }
}
