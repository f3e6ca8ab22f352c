//! The byte cursor every decoder in the core reads with, and the growable buffer every encoder writes to.
//!
//! Invariants: a `Reader` never panics and never hands out more bytes than it holds; every length taken from
//! the input is checked against `remaining()` before anything is allocated for it. All multi-byte values are
//! little-endian: the PDU layer refuses any other data representation before a stub reaches a decoder.

use std::fmt;

/// What was wrong with some input, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The protocol unit being decoded (`"bind_ack"`, `"ORPCTHAT"`, `"ClassPart"`).
    pub context: &'static str,
    /// The field inside it.
    pub field: &'static str,
    /// Byte offset from the start of the reader's buffer.
    pub offset: usize,
    pub kind: DecodeErrorKind,
    /// The WMI property whose value this was (`Class.Property`, outermost first for embedded objects),
    /// when the error is in one: names that come from the input, so not a `&'static str` like the rest.
    pub property: Option<Box<str>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// Fewer bytes were left than the field needs.
    Truncated { needed: usize, available: usize },
    /// A count or length names more bytes than the input has left.
    LengthPastEnd { length: u64, available: usize },
    /// A value that this field may not take.
    BadValue { value: u64 },
    /// A configured limit (a named cap such as `max_fragment`) was exceeded.
    Limit {
        limit: &'static str,
        value: u64,
        max: u64,
    },
    /// Nested structures deeper than allowed.
    TooDeep { max: usize },
    /// Anything else, described in words.
    Invalid(&'static str),
}

impl DecodeError {
    pub fn new(
        context: &'static str,
        field: &'static str,
        offset: usize,
        kind: DecodeErrorKind,
    ) -> Self {
        Self {
            context,
            field,
            offset,
            kind,
            property: None,
        }
    }

    /// The same error, said to be in the value of `property`; a property already named (one inside an
    /// embedded object) is kept after it.
    pub fn in_property(mut self, property: &str) -> Self {
        self.property = Some(match self.property.take() {
            Some(inner) => format!("{property} > {inner}").into_boxed_str(),
            None => property.into(),
        });
        self
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.context)?;
        if let Some(property) = &self.property {
            write!(f, "property `{property}`: ")?;
        }
        write!(f, "field `{}` at offset {}: ", self.field, self.offset)?;
        match &self.kind {
            DecodeErrorKind::Truncated { needed, available } => {
                write!(
                    f,
                    "truncated, needs {needed} bytes but {available} are left"
                )
            }
            DecodeErrorKind::LengthPastEnd { length, available } => {
                write!(
                    f,
                    "length {length} runs past the end ({available} bytes left)"
                )
            }
            DecodeErrorKind::BadValue { value } => write!(f, "invalid value {value} (0x{value:x})"),
            DecodeErrorKind::Limit { limit, value, max } => {
                write!(f, "{value} exceeds the limit {limit} = {max}")
            }
            DecodeErrorKind::TooDeep { max } => write!(f, "nested deeper than {max} levels"),
            DecodeErrorKind::Invalid(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for DecodeError {}

pub type DecodeResult<T> = Result<T, DecodeError>;

/// A cursor over untrusted bytes. Every read names the field it reads so that an error can say where.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    context: &'static str,
}

macro_rules! read_le {
    ($name:ident, $ty:ty) => {
        pub fn $name(&mut self, field: &'static str) -> DecodeResult<$ty> {
            let bytes = self.array::<{ std::mem::size_of::<$ty>() }>(field)?;
            Ok(<$ty>::from_le_bytes(bytes))
        }
    };
}

impl<'a> Reader<'a> {
    pub fn new(context: &'static str, buf: &'a [u8]) -> Self {
        Self {
            buf,
            pos: 0,
            context,
        }
    }

    /// Changes the name errors give for the unit being read (a PDU body after its header, say).
    pub fn set_context(&mut self, context: &'static str) {
        self.context = context;
    }

    pub fn context(&self) -> &'static str {
        self.context
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The whole buffer this reader was made over.
    pub fn buffer(&self) -> &'a [u8] {
        self.buf
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        // `pos` never passes the end (every move checks it), so this is never the empty default.
        self.buf.get(self.pos..).unwrap_or_default()
    }

    pub fn error(&self, field: &'static str, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(self.context, field, self.pos, kind)
    }

    pub fn bad_value(&self, field: &'static str, value: u64) -> DecodeError {
        self.error(field, DecodeErrorKind::BadValue { value })
    }

    pub fn invalid(&self, field: &'static str, why: &'static str) -> DecodeError {
        self.error(field, DecodeErrorKind::Invalid(why))
    }

    /// Moves to an absolute offset inside the buffer (used by decoders that follow heap offsets).
    pub fn seek(&mut self, field: &'static str, offset: usize) -> DecodeResult<()> {
        if offset > self.buf.len() {
            return Err(self.error(
                field,
                DecodeErrorKind::LengthPastEnd {
                    length: offset as u64,
                    available: self.buf.len(),
                },
            ));
        }
        self.pos = offset;
        Ok(())
    }

    pub fn bytes(&mut self, field: &'static str, len: usize) -> DecodeResult<&'a [u8]> {
        let rest = self.rest();
        let Some(out) = rest.get(..len) else {
            return Err(self.error(
                field,
                DecodeErrorKind::Truncated {
                    needed: len,
                    available: rest.len(),
                },
            ));
        };
        self.pos += len;
        Ok(out)
    }

    /// Reads a length-prefixed run after checking that `len` (taken from the input) fits what is left.
    /// Use this rather than `bytes` when the length came off the wire, so the error says so.
    pub fn counted(&mut self, field: &'static str, len: u64) -> DecodeResult<&'a [u8]> {
        match usize::try_from(len) {
            Ok(n) if n <= self.remaining() => self.bytes(field, n),
            _ => Err(self.error(
                field,
                DecodeErrorKind::LengthPastEnd {
                    length: len,
                    available: self.remaining(),
                },
            )),
        }
    }

    /// Checks that `count` elements of `elem_size` bytes each could still be present, before a decoder
    /// reserves room for them.
    pub fn check_count(
        &self,
        field: &'static str,
        count: u64,
        elem_size: usize,
    ) -> DecodeResult<usize> {
        let needed = count.checked_mul(elem_size.max(1) as u64);
        match needed {
            Some(n) if n <= self.remaining() as u64 => Ok(count as usize),
            _ => Err(self.error(
                field,
                DecodeErrorKind::LengthPastEnd {
                    length: needed.unwrap_or(u64::MAX),
                    available: self.remaining(),
                },
            )),
        }
    }

    pub fn skip(&mut self, field: &'static str, len: usize) -> DecodeResult<()> {
        self.bytes(field, len).map(|_| ())
    }

    pub fn array<const N: usize>(&mut self, field: &'static str) -> DecodeResult<[u8; N]> {
        let b = self.bytes(field, N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(b);
        Ok(out)
    }

    /// Skips to the next multiple of `align` (counted from the start of this reader's buffer).
    pub fn align(&mut self, field: &'static str, align: usize) -> DecodeResult<()> {
        debug_assert!(align.is_power_of_two());
        let pad = self.pos.wrapping_neg() & (align - 1);
        self.skip(field, pad)
    }

    pub fn u8(&mut self, field: &'static str) -> DecodeResult<u8> {
        Ok(self.array::<1>(field)?[0])
    }

    read_le!(u16, u16);
    read_le!(u32, u32);
    read_le!(u64, u64);
    read_le!(i8, i8);
    read_le!(i16, i16);
    read_le!(i32, i32);
    read_le!(i64, i64);
    read_le!(f32, f32);
    read_le!(f64, f64);

    /// A sub-reader over the next `len` bytes, which the outer reader skips.
    pub fn sub(&mut self, field: &'static str, len: u64) -> DecodeResult<Reader<'a>> {
        let bytes = self.counted(field, len)?;
        Ok(Reader::new(self.context, bytes))
    }
}

/// The little-endian UTF-16 code units of `bytes`. Callers read an even number of bytes; an odd last
/// byte would be left out.
pub fn utf16le_units(bytes: &[u8]) -> impl Iterator<Item = u16> + '_ {
    bytes
        .chunks_exact(2)
        .filter_map(|pair| <[u8; 2]>::try_from(pair).ok())
        .map(u16::from_le_bytes)
}

/// An encoder's output. Lengths that precede what they measure are written as placeholders and patched
/// once the measured part is written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(n: usize) -> Self {
        Self {
            buf: Vec::with_capacity(n),
        }
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn as_slice(&self) -> &[u8] {
        &self.buf
    }

    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    pub fn into_vec(self) -> Vec<u8> {
        self.buf
    }

    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    pub fn zeros(&mut self, n: usize) {
        self.buf.resize(self.buf.len() + n, 0);
    }

    /// Pads with zeros to the next multiple of `align` from the start of this writer.
    pub fn align(&mut self, align: usize) {
        debug_assert!(align.is_power_of_two());
        let pad = self.buf.len().wrapping_neg() & (align - 1);
        self.zeros(pad);
    }

    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    pub fn u16(&mut self, v: u16) {
        self.bytes(&v.to_le_bytes());
    }
    pub fn u32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }
    pub fn i8(&mut self, v: i8) {
        self.bytes(&v.to_le_bytes());
    }
    pub fn i16(&mut self, v: i16) {
        self.bytes(&v.to_le_bytes());
    }
    pub fn i32(&mut self, v: i32) {
        self.bytes(&v.to_le_bytes());
    }
    pub fn i64(&mut self, v: i64) {
        self.bytes(&v.to_le_bytes());
    }
    pub fn f32(&mut self, v: f32) {
        self.bytes(&v.to_le_bytes());
    }
    pub fn f64(&mut self, v: f64) {
        self.bytes(&v.to_le_bytes());
    }

    /// Reserves a u16 to be patched later; returns its offset.
    pub fn placeholder_u16(&mut self) -> usize {
        let at = self.buf.len();
        self.u16(0);
        at
    }

    /// Reserves a u32 to be patched later; returns its offset.
    pub fn placeholder_u32(&mut self) -> usize {
        let at = self.buf.len();
        self.u32(0);
        at
    }

    pub fn patch_u16(&mut self, at: usize, v: u16) {
        self.patch(at, &v.to_le_bytes());
    }

    pub fn patch_u32(&mut self, at: usize, v: u32) {
        self.patch(at, &v.to_le_bytes());
    }

    /// Overwrites bytes already written at `at` (a placeholder or a reserved run). Offsets come from
    /// the encoder itself, never from input; one past the written bytes would be an encoder bug, which
    /// debug builds (the tests and the fuzzers) stop at and release builds leave unpatched.
    pub fn patch(&mut self, at: usize, bytes: &[u8]) {
        let slot = at
            .checked_add(bytes.len())
            .and_then(|end| self.buf.get_mut(at..end));
        debug_assert!(slot.is_some(), "patch at {at} past the written bytes");
        if let Some(slot) = slot {
            slot.copy_from_slice(bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_little_endian_and_aligns() {
        let data = [1, 0xff, 0xff, 0xff, 2, 0, 0, 0, 3, 0];
        let mut r = Reader::new("test", &data);
        assert_eq!(r.u8("a").unwrap(), 1);
        r.align("pad", 4).unwrap();
        assert_eq!(r.u32("b").unwrap(), 2);
        assert_eq!(r.u16("c").unwrap(), 3);
        assert!(r.is_empty());
    }

    #[test]
    fn truncation_names_the_field() {
        let mut r = Reader::new("bind_ack", &[1, 2, 3]);
        let e = r.u32("max_xmit_frag").unwrap_err();
        assert_eq!(e.field, "max_xmit_frag");
        assert_eq!(
            e.to_string(),
            "bind_ack: field `max_xmit_frag` at offset 0: truncated, needs 4 bytes but 3 are left"
        );
    }

    #[test]
    fn lying_lengths_are_refused_before_allocation() {
        let r = Reader::new("t", &[0; 8]);
        assert!(r.check_count("n", u64::MAX, 8).is_err());
        assert!(r.check_count("n", 3, 2).is_ok());
        let mut r = Reader::new("t", &[0; 8]);
        assert!(r.counted("len", 1 << 40).is_err());
    }

    #[test]
    fn writer_patches_lengths() {
        let mut w = Writer::new();
        let at = w.placeholder_u16();
        w.bytes(b"abc");
        w.patch_u16(at, 3);
        w.align(8);
        assert_eq!(w.as_slice(), &[3, 0, b'a', b'b', b'c', 0, 0, 0]);
    }
}
