//! NDR discriminated unions (C706 14.3.8, MS-RPCE 2.2.4.5 and 2.2.4.8).
//!
//! Both kinds put the discriminant on the wire before the selected arm:
//!
//! * an **encapsulated** union (`union switch (long d) { ... }`) is a structure of the discriminant and the
//!   arm: aligned to the larger of the two, then the discriminant, then the arm aligned to the largest
//!   alignment of all arms;
//! * a **non-encapsulated** union (`[switch_is(level)] union ...`) repeats the `switch_is` value in front of
//!   the arm (MS-RPCE 2.2.4.8): the discriminant aligned to its own type, then the arm aligned to the
//!   largest alignment of all arms (the `ms_union` rule, MS-RPCE 2.2.4.5). The stub must also check that
//!   this copy agrees with the member or parameter named by `switch_is`: see
//!   [`NonEncapsulated::check_switch`].
//!
//! A stub describes the arms once with [`NdrUnion`] and picks the kind by wrapping it.

use super::{Ndr, NdrReader, NdrWriter};
use crate::codec::DecodeResult;

/// The arms of a union. Implement this for a Rust enum with one variant per arm.
pub trait NdrUnion: Sized {
    /// The `switch_type`: `u16`, `u32`, ... (enums travel as their integer).
    type Discriminant: Ndr + Copy + PartialEq + Into<u64>;

    /// The largest alignment of any arm (MS-RPCE 2.2.4.5).
    const ARM_ALIGN: usize;

    /// The discriminant selecting this value's arm.
    fn discriminant(&self) -> Self::Discriminant;

    /// Writes the selected arm's inline part (the caller has aligned to `ARM_ALIGN`).
    fn encode_arm(&self, w: &mut NdrWriter);

    /// Writes the selected arm's deferred part (referents of pointers in the arm).
    fn encode_arm_deferred(&self, _w: &mut NdrWriter) {}

    /// Reads the arm `discriminant` selects; an unknown discriminant without a `[default]` arm is an error
    /// (use `r.bad_value`).
    fn decode_arm(discriminant: Self::Discriminant, r: &mut NdrReader<'_>) -> DecodeResult<Self>;

    /// Reads the selected arm's deferred part.
    fn decode_arm_deferred(&mut self, _r: &mut NdrReader<'_>) -> DecodeResult<()> {
        Ok(())
    }
}

const fn max_align(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}

fn decode_union<U: NdrUnion>(r: &mut NdrReader<'_>, field: &'static str) -> DecodeResult<U> {
    let discriminant = U::Discriminant::decode_inline(r)?;
    r.align(U::ARM_ALIGN)?;
    r.nested(field, |r| U::decode_arm(discriminant, r))
}

/// An encapsulated union: `union switch (type d) { ... }`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Encapsulated<U>(pub U);

impl<U: NdrUnion> Ndr for Encapsulated<U> {
    const ALIGN: usize = max_align(U::Discriminant::ALIGN, U::ARM_ALIGN);
    fn encode_inline(&self, w: &mut NdrWriter) {
        w.align(Self::ALIGN);
        self.0.discriminant().encode_inline(w);
        w.align(U::ARM_ALIGN);
        self.0.encode_arm(w);
    }
    fn encode_deferred(&self, w: &mut NdrWriter) {
        self.0.encode_arm_deferred(w);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(Self::ALIGN)?;
        decode_union(r, "encapsulated union arm").map(Encapsulated)
    }
    fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
        r.nested("encapsulated union arm", |r| self.0.decode_arm_deferred(r))
    }
}

/// A non-encapsulated union: `[switch_type(type)] union ...` used with `[switch_is(x)]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NonEncapsulated<U>(pub U);

impl<U: NdrUnion> NonEncapsulated<U> {
    /// Checks the discriminant carried in front of the arm against the `switch_is` member or parameter.
    pub fn check_switch(
        &self,
        r: &NdrReader<'_>,
        field: &'static str,
        switch_is: U::Discriminant,
    ) -> DecodeResult<()> {
        let found = self.0.discriminant();
        if found != switch_is {
            return Err(r.bad_value(field, found.into()));
        }
        Ok(())
    }
}

impl<U: NdrUnion> Ndr for NonEncapsulated<U> {
    const ALIGN: usize = max_align(U::Discriminant::ALIGN, U::ARM_ALIGN);
    fn encode_inline(&self, w: &mut NdrWriter) {
        self.0.discriminant().encode_inline(w);
        w.align(U::ARM_ALIGN);
        self.0.encode_arm(w);
    }
    fn encode_deferred(&self, w: &mut NdrWriter) {
        self.0.encode_arm_deferred(w);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        decode_union(r, "union arm").map(NonEncapsulated)
    }
    fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
        r.nested("union arm", |r| self.0.decode_arm_deferred(r))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Unique, WideString, decode_top, encode_top, from_stub, to_stub};
    use super::*;
    use proptest::prelude::*;

    /// ```text
    /// typedef [switch_type(unsigned short)] union {
    ///     [case(1)] unsigned long Small;
    ///     [case(2)] hyper Big;
    ///     [case(3)] [string, unique] wchar_t *Name;
    ///     [case(4)] ;
    /// } VALUE;
    /// ```
    #[derive(Clone, Debug, Default, PartialEq)]
    enum Value {
        Small(u32),
        Big(i64),
        Name(Unique<WideString>),
        #[default]
        Empty,
    }

    impl NdrUnion for Value {
        type Discriminant = u16;
        const ARM_ALIGN: usize = 8;
        fn discriminant(&self) -> u16 {
            match self {
                Value::Small(_) => 1,
                Value::Big(_) => 2,
                Value::Name(_) => 3,
                Value::Empty => 4,
            }
        }
        fn encode_arm(&self, w: &mut NdrWriter) {
            match self {
                Value::Small(v) => w.u32(*v),
                Value::Big(v) => w.i64(*v),
                Value::Name(p) => p.encode_inline(w),
                Value::Empty => {}
            }
        }
        fn encode_arm_deferred(&self, w: &mut NdrWriter) {
            if let Value::Name(p) = self {
                p.encode_deferred(w);
            }
        }
        fn decode_arm(d: u16, r: &mut NdrReader<'_>) -> DecodeResult<Self> {
            Ok(match d {
                1 => Value::Small(r.u32("Small")?),
                2 => Value::Big(r.i64("Big")?),
                3 => Value::Name(Unique::decode_inline(r)?),
                4 => Value::Empty,
                _ => return Err(r.bad_value("VALUE discriminant", u64::from(d))),
            })
        }
        fn decode_arm_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
            match self {
                Value::Name(p) => p.decode_deferred(r),
                _ => Ok(()),
            }
        }
    }

    #[test]
    fn encapsulated_layout() {
        let mut w = NdrWriter::new();
        w.u8(0xaa);
        encode_top(&mut w, &Encapsulated(Value::Small(5)));
        assert_eq!(
            w.as_slice(),
            &[
                0xaa, 0, 0, 0, 0, 0, 0, 0, // pad to the union's alignment (8)
                1, 0, // discriminant
                0, 0, 0, 0, 0, 0, // pad to the arms' alignment (8)
                5, 0, 0, 0 // Small
            ]
        );
        let mut r = NdrReader::new("t", w.as_slice());
        r.u8("x").unwrap();
        assert_eq!(
            decode_top::<Encapsulated<Value>>(&mut r).unwrap(),
            Encapsulated(Value::Small(5))
        );
    }

    #[test]
    fn non_encapsulated_layout() {
        let mut w = NdrWriter::new();
        w.u8(0xaa);
        encode_top(&mut w, &NonEncapsulated(Value::Small(5)));
        assert_eq!(
            w.as_slice(),
            &[
                0xaa, 0, // pad to the discriminant (2)
                1, 0, // discriminant
                0, 0, 0, 0, // pad to the arms' alignment (8)
                5, 0, 0, 0 // Small
            ]
        );
        let mut r = NdrReader::new("t", w.as_slice());
        r.u8("x").unwrap();
        let u = decode_top::<NonEncapsulated<Value>>(&mut r).unwrap();
        assert!(u.check_switch(&r, "Level", 1).is_ok());
        assert_eq!(u.check_switch(&r, "Level", 2).unwrap_err().field, "Level");
    }

    #[test]
    fn pointer_arm_is_deferred() {
        let u = NonEncapsulated(Value::Name(Unique::new(WideString::from("a"))));
        assert_eq!(
            to_stub(&u),
            [
                3, 0, 0, 0, 0, 0, 0, 0, // discriminant, pad
                0, 0, 2, 0, // referent id
                2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, b'a', 0, 0, 0
            ]
        );
        assert_eq!(
            from_stub::<NonEncapsulated<Value>>("t", &to_stub(&u)).unwrap(),
            u
        );
    }

    #[test]
    fn unknown_discriminant_is_refused() {
        let e = from_stub::<NonEncapsulated<Value>>("t", &[9, 0, 0, 0, 0, 0, 0, 0]).unwrap_err();
        assert_eq!(e.field, "VALUE discriminant");
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<u32>().prop_map(Value::Small),
            any::<i64>().prop_map(Value::Big),
            proptest::option::of("[a-z]{0,8}").prop_map(|s| Value::Name(Unique(s.map(WideString)))),
            Just(Value::Empty),
        ]
    }

    proptest! {
        #[test]
        fn round_trip(v in value()) {
            let e = Encapsulated(v.clone());
            prop_assert_eq!(from_stub::<Encapsulated<Value>>("t", &to_stub(&e)).unwrap(), e);
            let n = NonEncapsulated(v);
            prop_assert_eq!(from_stub::<NonEncapsulated<Value>>("t", &to_stub(&n)).unwrap(), n);
        }
    }
}
