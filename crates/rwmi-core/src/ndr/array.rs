//! NDR arrays (C706 14.3.3): fixed, conformant, varying and conformant-varying, plus the building blocks a
//! structure stub needs when its last member is a conformant array (whose `max_count` C706 14.3.7.1 hoists
//! to the start of the structure).
//!
//! Wire forms (each count is a u32 aligned to 4; elements are then aligned to the element type):
//!
//! | array               | representation                                    |
//! |---------------------|---------------------------------------------------|
//! | fixed `T a[N]`      | elements                                          |
//! | conformant          | max_count, elements                               |
//! | varying             | offset, actual_count, elements                    |
//! | conformant-varying  | max_count, offset, actual_count, elements         |
//!
//! The elements' own embedded pointers are deferred to after the last element (an array is a constructed
//! type), which `Ndr::encode_deferred` on the array does.

use super::{Ndr, NdrReader, NdrWriter};
use crate::codec::DecodeResult;

/// A count as it goes on the wire. Counts come from in-memory `Vec`s, which cannot reach 2^32 elements of
/// anything an NDR stub carries; a larger one is clamped rather than wrapped.
pub fn wire_count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Writes a conformance (`max_count`). A structure with a conformant (or conformant-varying) last member
/// calls this first, before its own alignment and members (C706 14.3.7.1).
pub fn write_conformance(w: &mut NdrWriter, max_count: u32) {
    w.u32(max_count);
}

/// Reads a conformance (`max_count`); the structure counterpart of [`write_conformance`].
pub fn read_conformance(r: &mut NdrReader<'_>, field: &'static str) -> DecodeResult<u32> {
    r.u32(field)
}

/// Writes the variance (`offset`, `actual_count`) of a varying or conformant-varying array, where the
/// array stands.
pub fn write_variance(w: &mut NdrWriter, offset: u32, actual_count: u32) {
    w.u32(offset);
    w.u32(actual_count);
}

/// Reads a variance and checks `offset + actual_count <= max_count` (C706 14.3.3.3).
pub fn read_variance(
    r: &mut NdrReader<'_>,
    field: &'static str,
    max_count: u32,
) -> DecodeResult<(u32, u32)> {
    let offset = r.u32(field)?;
    let actual = r.u32(field)?;
    if u64::from(offset) + u64::from(actual) > u64::from(max_count) {
        return Err(r.invalid(field, "offset + actual_count exceeds the maximum count"));
    }
    Ok((offset, actual))
}

/// Writes the elements' inline parts (aligned to the element type even when there are none).
pub fn write_elements<T: Ndr>(w: &mut NdrWriter, items: &[T]) {
    w.align(T::ALIGN);
    for item in items {
        item.encode_inline(w);
    }
}

/// Writes the elements' deferred parts, after all their inline parts.
pub fn write_elements_deferred<T: Ndr>(w: &mut NdrWriter, items: &[T]) {
    for item in items {
        item.encode_deferred(w);
    }
}

/// Reads `count` elements' inline parts. The count is checked against the bytes left and charged to the
/// element budget before anything is allocated.
pub fn read_elements<T: Ndr>(
    r: &mut NdrReader<'_>,
    field: &'static str,
    count: u32,
) -> DecodeResult<Vec<T>> {
    r.align(T::ALIGN)?;
    let n = r.reserve_elements(field, u64::from(count), T::MIN_WIRE_SIZE)?;
    r.nested(field, |r| {
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(T::decode_inline(r)?);
        }
        Ok(items)
    })
}

/// Reads the elements' deferred parts.
pub fn read_elements_deferred<T: Ndr>(
    r: &mut NdrReader<'_>,
    field: &'static str,
    items: &mut [T],
) -> DecodeResult<()> {
    r.nested(field, |r| {
        items
            .iter_mut()
            .try_for_each(|item| item.decode_deferred(r))
    })
}

/// `count` octets of a `byte` array body, without per-element work (MInterfacePointer's `abData`).
pub fn read_byte_elements<'a>(
    r: &mut NdrReader<'a>,
    field: &'static str,
    count: u32,
) -> DecodeResult<&'a [u8]> {
    r.reserve_elements(field, u64::from(count), 1)?;
    r.bytes(field, u64::from(count))
}

/// A fixed array `T a[N]` (C706 14.3.3.1): just the elements.
impl<T: Ndr, const N: usize> Ndr for [T; N] {
    const ALIGN: usize = T::ALIGN;
    const MIN_WIRE_SIZE: usize = T::MIN_WIRE_SIZE.saturating_mul(N);
    fn encode_inline(&self, w: &mut NdrWriter) {
        write_elements(w, self);
    }
    fn encode_deferred(&self, w: &mut NdrWriter) {
        write_elements_deferred(w, self);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let items = read_elements::<T>(r, "fixed array", wire_count(N))?;
        items
            .try_into()
            .map_err(|_| r.invalid("fixed array", "element count mismatch"))
    }
    fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
        read_elements_deferred(r, "fixed array", self)
    }
}

/// A conformant array `[size_is(n)] T a[]` standing alone: a pointer's referent or a top-level parameter.
/// Inside a structure use [`write_conformance`] and [`write_elements`] instead, since the `max_count`
/// moves to the start of the structure.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConformantArray<T>(pub Vec<T>);

impl<T: Ndr> Ndr for ConformantArray<T> {
    const ALIGN: usize = if T::ALIGN > 4 { T::ALIGN } else { 4 };
    const MIN_WIRE_SIZE: usize = 4;
    fn encode_inline(&self, w: &mut NdrWriter) {
        write_conformance(w, wire_count(self.0.len()));
        write_elements(w, &self.0);
    }
    fn encode_deferred(&self, w: &mut NdrWriter) {
        write_elements_deferred(w, &self.0);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let max_count = read_conformance(r, "max_count")?;
        read_elements(r, "conformant array", max_count).map(ConformantArray)
    }
    fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
        read_elements_deferred(r, "conformant array", &mut self.0)
    }
}

/// A varying array `[length_is(n)] T a[N]` (C706 14.3.3.3): the transmitted elements are
/// `a[offset .. offset + items.len()]`, and `offset + items.len() <= N`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VaryingArray<T, const N: usize> {
    pub offset: u32,
    pub items: Vec<T>,
}

impl<T, const N: usize> Default for VaryingArray<T, N> {
    fn default() -> Self {
        VaryingArray {
            offset: 0,
            items: Vec::new(),
        }
    }
}

impl<T: Ndr, const N: usize> Ndr for VaryingArray<T, N> {
    const ALIGN: usize = if T::ALIGN > 4 { T::ALIGN } else { 4 };
    const MIN_WIRE_SIZE: usize = 8;
    fn encode_inline(&self, w: &mut NdrWriter) {
        write_variance(w, self.offset, wire_count(self.items.len()));
        write_elements(w, &self.items);
    }
    fn encode_deferred(&self, w: &mut NdrWriter) {
        write_elements_deferred(w, &self.items);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let (offset, actual) = read_variance(r, "varying array variance", wire_count(N))?;
        let items = read_elements(r, "varying array", actual)?;
        Ok(VaryingArray { offset, items })
    }
    fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
        read_elements_deferred(r, "varying array", &mut self.items)
    }
}

/// A conformant-varying array `[size_is(m), length_is(n)] T a[]` (C706 14.3.3.4) standing alone. The
/// transmitted elements are `a[offset .. offset + items.len()]` of an array of `max_count` elements.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConformantVaryingArray<T> {
    pub max_count: u32,
    pub offset: u32,
    pub items: Vec<T>,
}

impl<T> ConformantVaryingArray<T> {
    /// All of `items` transmitted: `max_count` = `actual_count` = `items.len()`, offset 0.
    pub fn new(items: Vec<T>) -> Self {
        ConformantVaryingArray {
            max_count: wire_count(items.len()),
            offset: 0,
            items,
        }
    }
}

impl<T: Ndr> Ndr for ConformantVaryingArray<T> {
    const ALIGN: usize = if T::ALIGN > 4 { T::ALIGN } else { 4 };
    const MIN_WIRE_SIZE: usize = 12;
    fn encode_inline(&self, w: &mut NdrWriter) {
        write_conformance(w, self.max_count);
        write_variance(w, self.offset, wire_count(self.items.len()));
        write_elements(w, &self.items);
    }
    fn encode_deferred(&self, w: &mut NdrWriter) {
        write_elements_deferred(w, &self.items);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let max_count = read_conformance(r, "max_count")?;
        let (offset, actual) = read_variance(r, "conformant varying array variance", max_count)?;
        let items = read_elements(r, "conformant varying array", actual)?;
        Ok(ConformantVaryingArray {
            max_count,
            offset,
            items,
        })
    }
    fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
        read_elements_deferred(r, "conformant varying array", &mut self.items)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Unique, decode_top, encode_top, from_stub, to_stub};
    use super::*;
    use crate::codec::DecodeErrorKind;
    use proptest::prelude::*;

    /// MInterfacePointer-like conformant structure (MS-DCOM 2.2.14):
    /// `typedef struct { unsigned long ulCntData; [size_is(ulCntData)] byte abData[]; }`,
    /// here with u16 elements to show element alignment after the hoisted conformance.
    #[derive(Debug, Default, PartialEq, Clone)]
    struct Blob {
        flags: u8,
        data: Vec<u16>,
    }

    impl Ndr for Blob {
        const ALIGN: usize = 4;
        fn encode_inline(&self, w: &mut NdrWriter) {
            write_conformance(w, wire_count(self.data.len()));
            w.align(Self::ALIGN);
            w.u8(self.flags);
            write_elements(w, &self.data);
        }
        fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
            let max_count = read_conformance(r, "data max_count")?;
            r.align(Self::ALIGN)?;
            let flags = r.u8("flags")?;
            let data = read_elements(r, "data", max_count)?;
            Ok(Blob { flags, data })
        }
    }

    #[test]
    fn conformant_array_in_struct_hoists_max_count() {
        let blob = Blob {
            flags: 9,
            data: vec![0x0102, 0x0304],
        };
        let stub = to_stub(&blob);
        assert_eq!(
            stub,
            [
                2, 0, 0, 0, // max_count, hoisted to the start of the structure
                9, // flags
                0, // pad to the u16 elements
                2, 1, 4, 3
            ]
        );
        assert_eq!(from_stub::<Blob>("t", &stub).unwrap(), blob);
    }

    #[test]
    fn conformant_array_alone() {
        let a = ConformantArray(vec![1u8, 2, 3]);
        assert_eq!(to_stub(&a), [3, 0, 0, 0, 1, 2, 3]);
        let empty = ConformantArray::<u64>(vec![]);
        assert_eq!(to_stub(&empty), [0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            from_stub::<ConformantArray<u8>>("t", &[3, 0, 0, 0, 1, 2, 3]).unwrap(),
            a
        );
    }

    #[test]
    fn varying_and_conformant_varying_layouts() {
        let v = VaryingArray::<u16, 4> {
            offset: 1,
            items: vec![5, 6],
        };
        assert_eq!(to_stub(&v), [1, 0, 0, 0, 2, 0, 0, 0, 5, 0, 6, 0]);
        assert_eq!(
            from_stub::<VaryingArray<u16, 4>>("t", &to_stub(&v)).unwrap(),
            v
        );
        let cv = ConformantVaryingArray {
            max_count: 10,
            offset: 0,
            items: vec![7u32],
        };
        assert_eq!(
            to_stub(&cv),
            [10, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0]
        );
        assert_eq!(
            from_stub::<ConformantVaryingArray<u32>>("t", &to_stub(&cv)).unwrap(),
            cv
        );
    }

    #[test]
    fn fixed_array() {
        let a: [u16; 3] = [1, 2, 3];
        assert_eq!(to_stub(&a), [1, 0, 2, 0, 3, 0]);
        assert_eq!(from_stub::<[u16; 3]>("t", &to_stub(&a)).unwrap(), a);
        assert!(from_stub::<[u16; 3]>("t", &[1, 0, 2, 0, 3]).is_err());
    }

    #[test]
    fn varying_offset_past_fixed_size_is_refused() {
        // N = 4, offset 3 + actual 2 = 5.
        let data = [3, 0, 0, 0, 2, 0, 0, 0, 5, 0, 6, 0];
        let e = from_stub::<VaryingArray<u16, 4>>("t", &data).unwrap_err();
        assert_eq!(e.field, "varying array variance");
    }

    #[test]
    fn offset_plus_actual_over_max_is_refused() {
        // max 2, offset 1, actual 2; also with offset near u32::MAX to catch overflow.
        let data = [2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 2];
        assert!(from_stub::<ConformantVaryingArray<u8>>("t", &data).is_err());
        let data = [2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 1, 2];
        assert!(from_stub::<ConformantVaryingArray<u8>>("t", &data).is_err());
    }

    #[test]
    fn lying_max_count_is_refused_before_allocation() {
        let data = [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1, 2, 3];
        let e = from_stub::<ConformantArray<u64>>("t", &data).unwrap_err();
        assert!(matches!(e.kind, DecodeErrorKind::LengthPastEnd { .. }));
        // Pointers are 4 octets each: 2 claimed, 1 present.
        let data = [2, 0, 0, 0, 0, 0, 0, 0];
        assert!(from_stub::<ConformantArray<Unique<u32>>>("t", &data).is_err());
    }

    #[test]
    fn element_budget_applies() {
        let mut stub = vec![100, 0, 0, 0];
        stub.extend([0u8; 100]);
        let mut r = NdrReader::with_limits("t", &stub, 8, 50);
        let e = decode_top::<ConformantArray<u8>>(&mut r).unwrap_err();
        assert!(matches!(e.kind, DecodeErrorKind::Limit { .. }));
    }

    #[test]
    fn array_of_pointers_defers_all_referents() {
        let a = ConformantArray(vec![Unique::new(1u16), Unique::null(), Unique::new(2u16)]);
        let mut w = NdrWriter::new();
        encode_top(&mut w, &a);
        assert_eq!(
            w.as_slice(),
            &[
                3, 0, 0, 0, // max_count
                0, 0, 2, 0, 0, 0, 0, 0, 4, 0, 2, 0, // ids
                1, 0, 2, 0 // referents
            ]
        );
        assert_eq!(
            from_stub::<ConformantArray<Unique<u16>>>("t", w.as_slice()).unwrap(),
            a
        );
    }

    #[test]
    fn truncation_at_every_length_is_an_error() {
        let a = ConformantVaryingArray::new(vec![Unique::new(1u32), Unique::new(2)]);
        let stub = to_stub(&a);
        for n in 0..stub.len() {
            let mut r = NdrReader::new("t", &stub[..n]);
            assert!(decode_top::<ConformantVaryingArray<Unique<u32>>>(&mut r).is_err());
        }
    }

    proptest! {
        #[test]
        fn conformant_round_trip(items in proptest::collection::vec(any::<u32>(), 0..40)) {
            let a = ConformantArray(items);
            prop_assert_eq!(from_stub::<ConformantArray<u32>>("t", &to_stub(&a)).unwrap(), a);
        }

        #[test]
        fn conformant_varying_of_pointers_round_trip(
            items in proptest::collection::vec(proptest::option::of(any::<u64>()), 0..20),
            extra in 0u32..5,
        ) {
            let items: Vec<Unique<u64>> = items.into_iter().map(Unique).collect();
            let a = ConformantVaryingArray { max_count: wire_count(items.len()) + extra, offset: 0, items };
            prop_assert_eq!(from_stub::<ConformantVaryingArray<Unique<u64>>>("t", &to_stub(&a)).unwrap(), a);
        }

        #[test]
        fn random_input_never_panics(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = from_stub::<ConformantVaryingArray<Unique<ConformantArray<u16>>>>("t", &data);
            let _ = from_stub::<VaryingArray<u32, 3>>("t", &data);
        }
    }
}
