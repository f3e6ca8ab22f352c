//! The NDR decoding cursor: a `Reader` over the stub data plus the state NDR needs across a whole call
//! (full-pointer table, nesting depth, element budget).

use std::collections::HashMap;

use crate::codec::{DecodeError, DecodeErrorKind, DecodeResult, Reader};

/// How deep constructed types may nest (through pointers, arrays and unions) before decoding gives up.
pub const DEFAULT_MAX_DEPTH: usize = 64;

/// How many elements (array elements, pointer referents, re-decoded aliased bytes) one stub may make the
/// decoder allocate or decode in total.
pub const DEFAULT_MAX_ELEMENTS: u64 = 1 << 24;

/// Where the referent of a full pointer was first decoded (C706 14.3.11.3: one referent per id).
#[derive(Clone, Copy, Debug)]
struct FullReferent {
    start: usize,
    /// End of the referent's representation, once its first decoding has finished.
    end: Option<usize>,
}

/// Decodes NDR 2.0 (little-endian) from the stub data of one request or response.
///
/// Alignment is counted from the first byte of the stub data, which is what C706 14.2.2 requires: the
/// reader must therefore be made over the stub only, never over a whole PDU.
#[derive(Debug)]
pub struct NdrReader<'a> {
    inner: Reader<'a>,
    depth: usize,
    max_depth: usize,
    elements_left: u64,
    max_elements: u64,
    full_referents: HashMap<u32, FullReferent>,
}

impl<'a> NdrReader<'a> {
    /// `context` names the unit in errors (`"SamrConnect response"`, `"ORPCTHAT"`).
    pub fn new(context: &'static str, stub: &'a [u8]) -> Self {
        Self::with_limits(context, stub, DEFAULT_MAX_DEPTH, DEFAULT_MAX_ELEMENTS)
    }

    pub fn with_limits(
        context: &'static str,
        stub: &'a [u8],
        max_depth: usize,
        max_elements: u64,
    ) -> Self {
        Self {
            inner: Reader::new(context, stub),
            depth: 0,
            max_depth,
            elements_left: max_elements,
            max_elements,
            full_referents: HashMap::new(),
        }
    }

    /// The underlying byte cursor, for stubs that need a `Reader` operation not mirrored here.
    pub fn raw(&mut self) -> &mut Reader<'a> {
        &mut self.inner
    }

    pub fn position(&self) -> usize {
        self.inner.position()
    }

    pub fn remaining(&self) -> usize {
        self.inner.remaining()
    }

    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    pub fn context(&self) -> &'static str {
        self.inner.context()
    }

    pub fn error(&self, field: &'static str, kind: DecodeErrorKind) -> DecodeError {
        self.inner.error(field, kind)
    }

    pub fn bad_value(&self, field: &'static str, value: u64) -> DecodeError {
        self.inner.bad_value(field, value)
    }

    pub fn invalid(&self, field: &'static str, why: &'static str) -> DecodeError {
        self.inner.invalid(field, why)
    }

    /// Skips padding up to the next multiple of `align` from the start of the stub (C706 14.2.2).
    pub fn align(&mut self, align: usize) -> DecodeResult<()> {
        self.inner.align("alignment padding", align)
    }

    pub fn u8(&mut self, field: &'static str) -> DecodeResult<u8> {
        self.inner.u8(field)
    }
    pub fn i8(&mut self, field: &'static str) -> DecodeResult<i8> {
        self.inner.i8(field)
    }
    pub fn u16(&mut self, field: &'static str) -> DecodeResult<u16> {
        self.align(2)?;
        self.inner.u16(field)
    }
    pub fn i16(&mut self, field: &'static str) -> DecodeResult<i16> {
        self.align(2)?;
        self.inner.i16(field)
    }
    pub fn u32(&mut self, field: &'static str) -> DecodeResult<u32> {
        self.align(4)?;
        self.inner.u32(field)
    }
    pub fn i32(&mut self, field: &'static str) -> DecodeResult<i32> {
        self.align(4)?;
        self.inner.i32(field)
    }
    /// `hyper` / `unsigned hyper` (C706 14.2.5: aligned to 8).
    pub fn u64(&mut self, field: &'static str) -> DecodeResult<u64> {
        self.align(8)?;
        self.inner.u64(field)
    }
    pub fn i64(&mut self, field: &'static str) -> DecodeResult<i64> {
        self.align(8)?;
        self.inner.i64(field)
    }
    pub fn f32(&mut self, field: &'static str) -> DecodeResult<f32> {
        self.align(4)?;
        self.inner.f32(field)
    }
    pub fn f64(&mut self, field: &'static str) -> DecodeResult<f64> {
        self.align(8)?;
        self.inner.f64(field)
    }

    /// IDL `boolean` (C706 14.2.3): one octet, zero is FALSE and any other value TRUE.
    pub fn boolean(&mut self, field: &'static str) -> DecodeResult<bool> {
        Ok(self.u8(field)? != 0)
    }

    /// Windows `BOOL` (MS-DTYP 2.2.3): a 32-bit integer, zero is FALSE.
    pub fn bool32(&mut self, field: &'static str) -> DecodeResult<bool> {
        Ok(self.u32(field)? != 0)
    }

    /// `count` raw octets (a `byte` array body); checked against what is left before copying.
    pub fn bytes(&mut self, field: &'static str, count: u64) -> DecodeResult<&'a [u8]> {
        self.inner.counted(field, count)
    }

    /// Checks an IDL `[range(min, max)]` attribute (MS-RPCE 2.2.4.14).
    pub fn check_range(
        &self,
        field: &'static str,
        value: u64,
        min: u64,
        max: u64,
    ) -> DecodeResult<()> {
        if value < min || value > max {
            return Err(self.bad_value(field, value));
        }
        Ok(())
    }

    /// Checks that a count taken from a struct member (`size_is(n)`) agrees with the conformance the
    /// array carries on the wire.
    pub fn expect_count(&self, field: &'static str, expected: u64, found: u64) -> DecodeResult<()> {
        if expected != found {
            return Err(self.bad_value(field, found));
        }
        Ok(())
    }

    /// Reserves `count` elements of the call's element budget, and checks that `count` elements of at
    /// least `min_wire_size` octets each can still be present. Call before any `Vec::with_capacity`.
    pub fn reserve_elements(
        &mut self,
        field: &'static str,
        count: u64,
        min_wire_size: usize,
    ) -> DecodeResult<usize> {
        let n = self.inner.check_count(field, count, min_wire_size)?;
        self.charge(field, count)?;
        Ok(n)
    }

    /// Charges `count` units against the element budget without a byte check (referents, aliases).
    pub(crate) fn charge(&mut self, field: &'static str, count: u64) -> DecodeResult<()> {
        match self.elements_left.checked_sub(count) {
            Some(left) => {
                self.elements_left = left;
                Ok(())
            }
            None => Err(self.error(
                field,
                DecodeErrorKind::Limit {
                    limit: "ndr_max_elements",
                    value: self
                        .max_elements
                        .saturating_sub(self.elements_left)
                        .saturating_add(count),
                    max: self.max_elements,
                },
            )),
        }
    }

    /// Runs `f` one nesting level deeper, refusing to go past the depth cap. Every recursion the decoder
    /// performs (pointer referents, array elements, union arms) goes through here; stubs for recursive
    /// types should too.
    pub fn nested<T>(
        &mut self,
        field: &'static str,
        f: impl FnOnce(&mut Self) -> DecodeResult<T>,
    ) -> DecodeResult<T> {
        if self.depth >= self.max_depth {
            return Err(self.error(
                field,
                DecodeErrorKind::TooDeep {
                    max: self.max_depth,
                },
            ));
        }
        self.depth += 1;
        let out = f(self);
        self.depth -= 1;
        out
    }

    /// Runs `f` with errors attributed to `context` (a structure name), restoring the previous one after.
    pub fn in_context<T>(
        &mut self,
        context: &'static str,
        f: impl FnOnce(&mut Self) -> DecodeResult<T>,
    ) -> DecodeResult<T> {
        let outer = self.inner.context();
        self.inner.set_context(context);
        let out = f(self);
        self.inner.set_context(outer);
        out
    }

    /// Decodes the referent of the full pointer `id` (C706 14.3.11.3).
    ///
    /// The first time an id's referent is reached in deferred order it is read from the stream here and its
    /// position is remembered. Any later pointer with the same id is an alias: the referent is decoded
    /// again from the remembered position (a copy), and the stream position is restored. Re-decoding costs
    /// the referent's size in elements and one nesting level, so aliasing cycles and alias fan-out end in a
    /// `TooDeep` or `Limit` error rather than unbounded work.
    pub(crate) fn full_referent<T>(
        &mut self,
        id: u32,
        decode: impl FnOnce(&mut Self) -> DecodeResult<T>,
    ) -> DecodeResult<T> {
        let here = self.position();
        match self.full_referents.get(&id).copied() {
            Some(known) if known.start != here => {
                let span = known
                    .end
                    .map_or(1, |end| end.saturating_sub(known.start).max(1));
                self.charge("full pointer alias", span as u64)?;
                self.inner.seek("full pointer alias", known.start)?;
                let out = self.nested("full pointer alias", decode);
                self.inner.seek("full pointer alias", here)?;
                out
            }
            _ => {
                self.full_referents.insert(
                    id,
                    FullReferent {
                        start: here,
                        end: None,
                    },
                );
                let out = self.nested("full pointer referent", decode)?;
                let end = self.position();
                if let Some(entry) = self.full_referents.get_mut(&id) {
                    entry.end = Some(end);
                }
                Ok(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives_align_from_stub_start() {
        let data = [1, 0, 2, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0];
        let mut r = NdrReader::new("t", &data);
        assert_eq!(r.u8("a").unwrap(), 1);
        assert_eq!(r.u16("b").unwrap(), 2);
        assert_eq!(r.u32("c").unwrap(), 3);
        assert_eq!(r.u64("d").unwrap(), 4);
        assert!(r.is_empty());
    }

    #[test]
    fn depth_cap_is_enforced() {
        fn dive(r: &mut NdrReader<'_>) -> DecodeResult<()> {
            r.nested("level", dive)
        }
        let mut r = NdrReader::with_limits("t", &[], 5, 10);
        let e = dive(&mut r).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::TooDeep { max: 5 });
    }

    #[test]
    fn element_budget_is_running() {
        let data = [0u8; 64];
        let mut r = NdrReader::with_limits("t", &data, 8, 10);
        assert_eq!(r.reserve_elements("a", 6, 1).unwrap(), 6);
        let e = r.reserve_elements("b", 6, 1).unwrap_err();
        assert!(matches!(e.kind, DecodeErrorKind::Limit { max: 10, .. }));
        assert!(r.reserve_elements("c", 100, 1).is_err());
    }

    #[test]
    fn range_checks() {
        let r = NdrReader::new("t", &[]);
        assert!(r.check_range("n", 5, 1, 10).is_ok());
        assert_eq!(r.check_range("n", 11, 1, 10).unwrap_err().field, "n");
        assert!(r.check_range("n", 0, 1, 10).is_err());
    }

    #[test]
    fn context_is_restored() {
        let mut r = NdrReader::new("outer", &[]);
        let e = r.in_context("inner", |r| r.u32("x")).unwrap_err();
        assert_eq!(e.context, "inner");
        assert_eq!(r.context(), "outer");
    }
}
