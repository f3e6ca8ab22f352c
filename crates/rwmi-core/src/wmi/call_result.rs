//! IWbemCallResult (MS-WMI 3.1.4.5): the result of a semisynchronous call that returns one object
//! (GetObject, ExecMethod, OpenNamespace with WBEM_FLAG_RETURN_IMMEDIATELY).

use super::bstr::Bstr;
use super::ids::IWBEM_CALL_RESULT;
use crate::dcom::orpc::InterfacePtr;
use crate::dcom::{OrpcThat, OrpcThis};
use crate::rpc::stub::{call, stub};

stub! {
    /// The request of all four methods: only a time-out (milliseconds, or WBEM_INFINITE / WBEM_NO_WAIT).
    pub struct CallResultRequest("IWbemCallResult request") {
        pub this: OrpcThis,
        pub timeout: i32,
    }
}

/// GetResultObject (opnum 3); [`CallResultRequest`] with a distinct opnum.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetResultObjectRequest(pub CallResultRequest);
/// GetResultString (opnum 4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetResultStringRequest(pub CallResultRequest);
/// GetResultServices (opnum 5).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetResultServicesRequest(pub CallResultRequest);
/// GetCallStatus (opnum 6).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetCallStatusRequest(pub CallResultRequest);

/// The four requests share a layout; each newtype only selects the opnum and response.
macro_rules! call_result_request {
    ($($name:ident),+) => {$(
        impl crate::rpc::stub::Stub for $name {
            const CONTEXT: &'static str = CallResultRequest::CONTEXT;
            fn encode(&self, w: &mut crate::ndr::NdrWriter) {
                self.0.encode(w);
            }
            fn decode(r: &mut crate::ndr::NdrReader<'_>) -> crate::codec::DecodeResult<Self> {
                CallResultRequest::decode(r).map($name)
            }
        }

        #[cfg(test)]
        impl crate::test_support::Arb for $name {
            fn arb() -> proptest::strategy::BoxedStrategy<Self> {
                use proptest::strategy::Strategy;
                <CallResultRequest as crate::test_support::Arb>::arb().prop_map($name).boxed()
            }
        }
    )+};
}

call_result_request!(
    GetResultObjectRequest,
    GetResultStringRequest,
    GetResultServicesRequest,
    GetCallStatusRequest
);

stub! {
    /// GetResultObject response: the object (NULL on error).
    pub struct GetResultObjectResponse("IWbemCallResult::GetResultObject response") {
        pub that: OrpcThat,
        pub object: InterfacePtr,
        pub hresult: u32,
    }
}

stub! {
    /// GetResultString response: the path of the instance PutInstance created.
    pub struct GetResultStringResponse("IWbemCallResult::GetResultString response") {
        pub that: OrpcThat,
        pub result_string: Bstr,
        pub hresult: u32,
    }
}

stub! {
    /// GetResultServices response: the IWbemServices OpenNamespace produced.
    pub struct GetResultServicesResponse("IWbemCallResult::GetResultServices response") {
        pub that: OrpcThat,
        pub services: InterfacePtr,
        pub hresult: u32,
    }
}

stub! {
    /// GetCallStatus response: `plStatus` is the HRESULT of the original call, valid when `hresult` is
    /// WBEM_S_NO_ERROR (WBEM_S_TIMEDOUT while it is still running).
    pub struct GetCallStatusResponse("IWbemCallResult::GetCallStatus response") {
        pub that: OrpcThat,
        pub call_status: u32,
        pub hresult: u32,
    }
}

call!(GetResultObjectRequest => GetResultObjectResponse, IWBEM_CALL_RESULT, 3);
call!(GetResultStringRequest => GetResultStringResponse, IWBEM_CALL_RESULT, 4);
call!(GetResultServicesRequest => GetResultServicesResponse, IWBEM_CALL_RESULT, 5);
call!(GetCallStatusRequest => GetCallStatusResponse, IWBEM_CALL_RESULT, 6);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpc::stub::{Call, Stub};
    use crate::test_support::{ORPCTHAT_EMPTY, check_stub};

    #[test]
    fn result_string_response_bytes() {
        let response = GetResultStringResponse {
            that: OrpcThat::default(),
            result_string: Bstr::new("a=1"),
            hresult: 0,
        };
        let mut expected = ORPCTHAT_EMPTY.to_vec();
        expected.extend([0, 0, 2, 0, 3, 0, 0, 0, 6, 0, 0, 0, 3, 0, 0, 0]);
        expected.extend([b'a', 0, b'=', 0, b'1', 0, 0, 0]); // text, then padding before the HRESULT
        expected.extend([0, 0, 0, 0]);
        assert_eq!(response.to_stub(), expected);
        assert_eq!(
            GetResultStringResponse::from_stub(&expected).unwrap(),
            response
        );
    }

    #[test]
    fn opnums() {
        assert_eq!(GetResultObjectRequest::OPNUM, 3);
        assert_eq!(GetResultStringRequest::OPNUM, 4);
        assert_eq!(GetResultServicesRequest::OPNUM, 5);
        assert_eq!(GetCallStatusRequest::OPNUM, 6);
    }

    #[test]
    fn every_call_result_stub_round_trips() {
        check_stub::<GetResultObjectRequest>();
        check_stub::<GetResultStringRequest>();
        check_stub::<GetResultServicesRequest>();
        check_stub::<GetCallStatusRequest>();
        check_stub::<GetResultObjectResponse>();
        check_stub::<GetResultStringResponse>();
        check_stub::<GetResultServicesResponse>();
        check_stub::<GetCallStatusResponse>();
    }
}
