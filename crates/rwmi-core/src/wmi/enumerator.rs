//! IEnumWbemClassObject (MS-WMI 3.1.4.4): the enumerator semisynchronous calls return.

use super::ids::IENUM_WBEM_CLASS_OBJECT;
use crate::codec::DecodeResult;
use crate::dcom::orpc::InterfacePtr;
use crate::dcom::{MInterfacePointer, OrpcThat, OrpcThis};
use crate::ndr::array::wire_count;
use crate::ndr::{ConformantVaryingArray, NdrReader, NdrWriter, Unique, decode_top, encode_top};
use crate::rpc::stub::{Stub, call, stub};

stub! {
    /// Reset (opnum 3) request: back to the first object (refused on forward-only enumerators).
    pub struct ResetRequest("IEnumWbemClassObject::Reset request") {
        pub this: OrpcThis,
    }
}

stub! {
    /// The response of the calls whose only output is the HRESULT: Reset, NextAsync and Skip.
    pub struct StatusResponse("IEnumWbemClassObject status response") {
        pub that: OrpcThat,
        pub hresult: u32,
    }
}

stub! {
    /// Next (opnum 4) request (MS-WMI 3.1.4.4.2).
    pub struct NextRequest("IEnumWbemClassObject::Next request") {
        pub this: OrpcThis,
        /// Milliseconds, or WBEM_INFINITE / WBEM_NO_WAIT.
        pub timeout: i32,
        /// How many objects the caller wants (`uCount`).
        pub count: u32,
    }
}

/// Next response:
///
/// ```text
/// [out, size_is(uCount), length_is(*puReturned)] IWbemClassObject** apObjects,
/// [out] ULONG* puReturned
/// ```
///
/// `apObjects` is a conformant-varying array of interface pointers: max_count = `uCount` of the request,
/// offset 0, actual_count = `*puReturned`, the referent ids, then the `MInterfacePointer`s. `puReturned`
/// follows the array and must agree with its actual count. The HRESULT is WBEM_S_FALSE (1) when fewer
/// objects than asked for came back because the enumeration ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NextResponse {
    pub that: OrpcThat,
    /// `uCount` of the request, the array's max_count (raised to the number of objects if smaller).
    pub requested: u32,
    /// The returned objects (IWbemClassObject, custom-marshaled: MS-WMI 2.2.4).
    pub objects: Vec<MInterfacePointer>,
    pub hresult: u32,
}

impl Stub for NextResponse {
    const CONTEXT: &'static str = "IEnumWbemClassObject::Next response";

    fn encode(&self, w: &mut NdrWriter) {
        encode_top(w, &self.that);
        let returned = wire_count(self.objects.len());
        let array = ConformantVaryingArray {
            max_count: self.requested.max(returned),
            offset: 0,
            items: self.objects.iter().cloned().map(Unique::new).collect(),
        };
        encode_top(w, &array);
        w.u32(returned);
        w.u32(self.hresult);
    }

    fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let that = decode_top(r)?;
        let array: ConformantVaryingArray<InterfacePtr> = decode_top(r)?;
        if array.offset != 0 {
            return Err(r.bad_value("apObjects offset", u64::from(array.offset)));
        }
        let returned = r.u32("puReturned")?;
        r.expect_count("puReturned", array.items.len() as u64, u64::from(returned))?;
        let objects = array
            .items
            .into_iter()
            .map(|p| p.into_inner())
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| r.invalid("apObjects", "a returned object pointer is NULL"))?;
        Ok(NextResponse {
            that,
            requested: array.max_count,
            objects,
            hresult: r.u32("HRESULT")?,
        })
    }
}

stub! {
    /// NextAsync (opnum 5) request: deliver `count` objects to `sink` (IWbemObjectSink::Indicate).
    pub struct NextAsyncRequest("IEnumWbemClassObject::NextAsync request") {
        pub this: OrpcThis,
        pub count: u32,
        pub sink: InterfacePtr,
    }
}

stub! {
    /// Clone (opnum 6) request.
    pub struct CloneRequest("IEnumWbemClassObject::Clone request") {
        pub this: OrpcThis,
    }
}

stub! {
    /// Clone response: a copy of the enumerator at the same position, NULL on error.
    pub struct CloneResponse("IEnumWbemClassObject::Clone response") {
        pub that: OrpcThat,
        pub enumerator: InterfacePtr,
        pub hresult: u32,
    }
}

stub! {
    /// Skip (opnum 7) request.
    pub struct SkipRequest("IEnumWbemClassObject::Skip request") {
        pub this: OrpcThis,
        pub timeout: i32,
        pub count: u32,
    }
}

call!(ResetRequest => StatusResponse, IENUM_WBEM_CLASS_OBJECT, 3);
call!(NextRequest => NextResponse, IENUM_WBEM_CLASS_OBJECT, 4);
call!(NextAsyncRequest => StatusResponse, IENUM_WBEM_CLASS_OBJECT, 5);
call!(CloneRequest => CloneResponse, IENUM_WBEM_CLASS_OBJECT, 6);
call!(SkipRequest => StatusResponse, IENUM_WBEM_CLASS_OBJECT, 7);

#[cfg(test)]
impl crate::test_support::Arb for NextResponse {
    fn arb() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::prelude::*;
        (
            <OrpcThat as crate::test_support::Arb>::arb(),
            0u32..6,
            proptest::collection::vec(<MInterfacePointer as crate::test_support::Arb>::arb(), 0..5),
            any::<u32>(),
        )
            .prop_map(|(that, extra, objects, hresult)| NextResponse {
                that,
                requested: wire_count(objects.len()) + extra,
                objects,
                hresult,
            })
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::WbemStatus;
    use crate::test_support::{ORPCTHAT_EMPTY, check_stub};

    fn object(data: &[u8]) -> MInterfacePointer {
        MInterfacePointer {
            data: data.to_vec(),
        }
    }

    #[test]
    fn next_response_with_two_objects() {
        let response = NextResponse {
            that: OrpcThat::default(),
            requested: 10,
            objects: vec![object(b"ab"), object(b"wxyz")],
            hresult: WbemStatus::False.code(),
        };
        let mut expected = ORPCTHAT_EMPTY.to_vec();
        expected.extend([10, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0]); // max_count = uCount, offset, actual
        expected.extend([0, 0, 2, 0, 4, 0, 2, 0]); // two referent ids
        expected.extend([2, 0, 0, 0, 2, 0, 0, 0, b'a', b'b', 0, 0]); // first MInterfacePointer, padded
        expected.extend([4, 0, 0, 0, 4, 0, 0, 0, b'w', b'x', b'y', b'z']);
        expected.extend([2, 0, 0, 0]); // puReturned
        expected.extend([1, 0, 0, 0]); // WBEM_S_FALSE: fewer than asked for
        assert_eq!(response.to_stub(), expected);
        assert_eq!(NextResponse::from_stub(&expected).unwrap(), response);
    }

    #[test]
    fn next_response_with_no_objects() {
        let response = NextResponse {
            that: OrpcThat::default(),
            requested: 1,
            objects: vec![],
            hresult: WbemStatus::False.code(),
        };
        let mut expected = ORPCTHAT_EMPTY.to_vec();
        expected.extend([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        expected.extend([0, 0, 0, 0, 1, 0, 0, 0]);
        assert_eq!(response.to_stub(), expected);
        assert_eq!(NextResponse::from_stub(&expected).unwrap(), response);
    }

    #[test]
    fn next_response_inconsistencies_are_refused() {
        // puReturned says 1 while the array carries none.
        let mut stub = ORPCTHAT_EMPTY.to_vec();
        stub.extend([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            NextResponse::from_stub(&stub).unwrap_err().field,
            "puReturned"
        );
        // A NULL pointer among the returned objects.
        let mut stub = ORPCTHAT_EMPTY.to_vec();
        stub.extend([
            1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
        ]);
        assert_eq!(
            NextResponse::from_stub(&stub).unwrap_err().field,
            "apObjects"
        );
        // A non-zero offset.
        let mut stub = ORPCTHAT_EMPTY.to_vec();
        stub.extend([2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            NextResponse::from_stub(&stub).unwrap_err().field,
            "apObjects offset"
        );
        // actual_count past max_count.
        let mut stub = ORPCTHAT_EMPTY.to_vec();
        stub.extend([0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0]);
        assert!(NextResponse::from_stub(&stub).is_err());
        // A huge actual_count with nothing behind it.
        let mut stub = ORPCTHAT_EMPTY.to_vec();
        stub.extend([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
        assert!(NextResponse::from_stub(&stub).is_err());
    }

    #[test]
    fn next_request_bytes() {
        let cid = crate::guid::Guid::from_u128(5);
        let request = NextRequest {
            this: OrpcThis::new(cid),
            timeout: crate::wmi::flags::WBEM_INFINITE,
            count: 100,
        };
        let mut expected = crate::test_support::orpcthis_bytes(cid);
        expected.extend([0xff, 0xff, 0xff, 0xff, 100, 0, 0, 0]);
        assert_eq!(request.to_stub(), expected);
    }

    #[test]
    fn every_enumerator_stub_round_trips() {
        check_stub::<ResetRequest>();
        check_stub::<StatusResponse>();
        check_stub::<NextRequest>();
        check_stub::<NextResponse>();
        check_stub::<NextAsyncRequest>();
        check_stub::<CloneRequest>();
        check_stub::<CloneResponse>();
        check_stub::<SkipRequest>();
    }
}
