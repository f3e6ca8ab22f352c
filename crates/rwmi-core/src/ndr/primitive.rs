//! `Ndr` for the NDR primitive types (C706 14.2): integers, floats, `boolean`, and Windows `BOOL`.
//! Each is aligned to its own size; `hyper` (u64/i64) and `double` to 8.

use super::{Ndr, NdrReader, NdrWriter};
use crate::codec::DecodeResult;

macro_rules! primitive {
    ($ty:ty, $size:expr, $field:expr) => {
        impl Ndr for $ty {
            const ALIGN: usize = $size;
            const MIN_WIRE_SIZE: usize = $size;
            fn encode_inline(&self, w: &mut NdrWriter) {
                w.align($size);
                w.raw().bytes(&self.to_le_bytes());
            }
            fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
                r.align($size)?;
                let bytes = r.raw().array::<$size>($field)?;
                Ok(<$ty>::from_le_bytes(bytes))
            }
        }
    };
}

primitive!(u8, 1, "small");
primitive!(i8, 1, "small");
primitive!(u16, 2, "short");
primitive!(i16, 2, "short");
primitive!(u32, 4, "long");
primitive!(i32, 4, "long");
primitive!(u64, 8, "hyper");
primitive!(i64, 8, "hyper");
primitive!(f32, 4, "float");
primitive!(f64, 8, "double");

/// IDL `boolean` (C706 14.2.3): one octet; any non-zero value decodes as TRUE.
impl Ndr for bool {
    const ALIGN: usize = 1;
    const MIN_WIRE_SIZE: usize = 1;
    fn encode_inline(&self, w: &mut NdrWriter) {
        w.boolean(*self);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.boolean("boolean")
    }
}

/// Windows `BOOL` (MS-DTYP 2.2.3): a 32-bit integer where zero is FALSE. Use this where the IDL says
/// `BOOL` or `long` used as a flag, and plain `bool` where it says `boolean`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Bool32(pub bool);

impl Ndr for Bool32 {
    const ALIGN: usize = 4;
    const MIN_WIRE_SIZE: usize = 4;
    fn encode_inline(&self, w: &mut NdrWriter) {
        w.bool32(self.0);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.bool32("BOOL").map(Bool32)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{decode_top, encode_top};
    use super::*;

    fn round_trip<T: Ndr + PartialEq + std::fmt::Debug>(v: T, expected: &[u8]) {
        let mut w = NdrWriter::new();
        encode_top(&mut w, &v);
        assert_eq!(w.as_slice(), expected);
        let mut r = NdrReader::new("t", expected);
        assert_eq!(decode_top::<T>(&mut r).unwrap(), v);
        assert!(r.is_empty());
    }

    #[test]
    fn layouts() {
        round_trip(0x12u8, &[0x12]);
        round_trip(-2i16, &[0xfe, 0xff]);
        round_trip(0x0403_0201u32, &[1, 2, 3, 4]);
        round_trip(0x0807_0605_0403_0201u64, &[1, 2, 3, 4, 5, 6, 7, 8]);
        round_trip(1.0f32, &[0, 0, 0x80, 0x3f]);
        round_trip(true, &[1]);
        round_trip(Bool32(true), &[1, 0, 0, 0]);
    }

    #[test]
    fn alignment_is_relative_to_stub_start() {
        let mut w = NdrWriter::new();
        w.u8(7);
        encode_top(&mut w, &9u64);
        assert_eq!(
            w.as_slice(),
            &[7, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0]
        );
        let mut r = NdrReader::new("t", w.as_slice());
        assert_eq!(r.u8("a").unwrap(), 7);
        assert_eq!(decode_top::<u64>(&mut r).unwrap(), 9);
    }

    #[test]
    fn boolean_accepts_any_nonzero() {
        let mut r = NdrReader::new("t", &[0x80]);
        assert!(decode_top::<bool>(&mut r).unwrap());
    }

    #[test]
    fn truncated_primitives_fail() {
        for n in 0..8 {
            let data = vec![0u8; n];
            let mut r = NdrReader::new("t", &data);
            assert!(decode_top::<u64>(&mut r).is_err());
        }
    }
}
