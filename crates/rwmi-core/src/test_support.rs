//! Proptest strategies for call stub parameters (any interface), and the checks every stub gets: a round trip, and refusal
//! (without panicking) of every truncation and of random bytes.

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use proptest::test_runner::{Config, TestRunner};

use crate::dcom::{ComVersion, MInterfacePointer, OrpcExtent, OrpcExtentArray, OrpcThat, OrpcThis};
use crate::guid::Guid;
use crate::ndr::{Unique, WideString};
use crate::rpc::stub::Stub;
use crate::wmi::bstr::Bstr;

/// A strategy for any value of a stub parameter type.
pub trait Arb: Sized + std::fmt::Debug {
    fn arb() -> BoxedStrategy<Self>;
}

impl Arb for u32 {
    fn arb() -> BoxedStrategy<Self> {
        any::<u32>().boxed()
    }
}

impl Arb for i32 {
    fn arb() -> BoxedStrategy<Self> {
        any::<i32>().boxed()
    }
}

impl Arb for Guid {
    fn arb() -> BoxedStrategy<Self> {
        any::<u128>().prop_map(Guid::from_u128).boxed()
    }
}

impl<T: Arb + 'static> Arb for Unique<T> {
    fn arb() -> BoxedStrategy<Self> {
        proptest::option::of(T::arb()).prop_map(Unique).boxed()
    }
}

impl Arb for Bstr {
    fn arb() -> BoxedStrategy<Self> {
        proptest::option::of(".{0,12}")
            .prop_map(|t| t.as_deref().map_or_else(Bstr::null, Bstr::new))
            .boxed()
    }
}

impl Arb for WideString {
    fn arb() -> BoxedStrategy<Self> {
        "[^\u{0}]{0,12}".prop_map(WideString).boxed()
    }
}

impl Arb for MInterfacePointer {
    fn arb() -> BoxedStrategy<Self> {
        proptest::collection::vec(any::<u8>(), 0..24)
            .prop_map(|data| MInterfacePointer { data })
            .boxed()
    }
}

fn arb_extensions() -> BoxedStrategy<Unique<OrpcExtentArray>> {
    let extent =
        (any::<u128>(), proptest::collection::vec(any::<u8>(), 0..10)).prop_map(|(id, data)| {
            OrpcExtent {
                id: Guid::from_u128(id),
                data,
            }
        });
    proptest::option::of(proptest::collection::vec(extent, 0..3).prop_map(OrpcExtentArray::new))
        .prop_map(Unique)
        .boxed()
}

impl Arb for OrpcThis {
    fn arb() -> BoxedStrategy<Self> {
        (any::<(u16, u16, u32)>(), Guid::arb(), arb_extensions())
            .prop_map(|((major, minor, flags), cid, extensions)| OrpcThis {
                version: ComVersion { major, minor },
                flags,
                cid,
                extensions,
            })
            .boxed()
    }
}

impl Arb for OrpcThat {
    fn arb() -> BoxedStrategy<Self> {
        (any::<u32>(), arb_extensions())
            .prop_map(|(flags, extensions)| OrpcThat { flags, extensions })
            .boxed()
    }
}

/// Round trip through the stub bytes, every truncation refused, random bytes never panic.
pub fn check_stub<T: Stub + Arb + PartialEq + 'static>() {
    let mut runner = TestRunner::new(Config {
        cases: 64,
        ..Config::default()
    });
    runner
        .run(&T::arb(), |value| {
            let stub = value.to_stub();
            let back = T::from_stub(&stub).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&back, &value);
            prop_assert_eq!(back.to_stub(), stub.clone());
            for n in 0..stub.len() {
                prop_assert!(T::from_stub(&stub[..n]).is_err(), "prefix of {} octets", n);
            }
            Ok(())
        })
        .unwrap();
    runner
        .run(&proptest::collection::vec(any::<u8>(), 0..96), |data| {
            let _ = T::from_stub(&data);
            Ok(())
        })
        .unwrap();
}

/// UTF-16LE octets of `text`, for hand-written expected encodings.
pub fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// The 32 octets of an ORPCTHIS with version 5.7, no flags, causality id `cid`, no extensions.
pub fn orpcthis_bytes(cid: Guid) -> Vec<u8> {
    let mut out = vec![5, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    out.extend(cid.to_bytes_le());
    out.extend([0, 0, 0, 0]);
    out
}

/// The 8 octets of an ORPCTHAT with no flags and no extensions.
pub const ORPCTHAT_EMPTY: [u8; 8] = [0; 8];
