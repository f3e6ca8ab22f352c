//! IWbemServices (MS-WMI 3.1.4.3): the calls rwmi makes on a namespace.
//!
//! The `[out, in, unique] IFoo**` parameters are [`InOutInterfacePtr`]: a caller that wants a result passes
//! `Unique::new(Unique::null())` (a pointer to a NULL interface pointer), one that does not passes
//! `Unique::null()`. Which of them the server fills depends on WBEM_FLAG_RETURN_IMMEDIATELY (the tables in
//! MS-WMI 3.1.4.3.1, 3.1.4.3.4 and 3.1.4.3.22).

use super::bstr::Bstr;
use super::flags::WQL;
use super::ids::IWBEM_SERVICES;
use crate::dcom::orpc::{InOutInterfacePtr, InterfacePtr};
use crate::dcom::{OrpcThat, OrpcThis};
use crate::ndr::Unique;
use crate::rpc::stub::{call, stub};

stub! {
    /// OpenNamespace (opnum 3) request (MS-WMI 3.1.4.3.1).
    pub struct OpenNamespaceRequest("IWbemServices::OpenNamespace request") {
        pub this: OrpcThis,
        /// The namespace, relative to this one; MUST NOT be NULL.
        pub namespace: Bstr,
        pub flags: u32,
        /// MUST be NULL.
        pub context: InterfacePtr,
        pub working_namespace: InOutInterfacePtr,
        pub result: InOutInterfacePtr,
    }
}

stub! {
    /// OpenNamespace response.
    pub struct OpenNamespaceResponse("IWbemServices::OpenNamespace response") {
        pub that: OrpcThat,
        pub working_namespace: InOutInterfacePtr,
        pub result: InOutInterfacePtr,
        pub hresult: u32,
    }
}

stub! {
    /// CancelAsyncCall (opnum 4) request (MS-WMI 3.1.4.3.2): the sink given to the call to cancel.
    pub struct CancelAsyncCallRequest("IWbemServices::CancelAsyncCall request") {
        pub this: OrpcThis,
        pub sink: InterfacePtr,
    }
}

stub! {
    /// CancelAsyncCall response.
    pub struct CancelAsyncCallResponse("IWbemServices::CancelAsyncCall response") {
        pub that: OrpcThat,
        pub hresult: u32,
    }
}

stub! {
    /// GetObject (opnum 6) request (MS-WMI 3.1.4.3.4).
    pub struct GetObjectRequest("IWbemServices::GetObject request") {
        pub this: OrpcThis,
        /// The object path; NULL asks for an empty CIM object.
        pub object_path: Bstr,
        pub flags: u32,
        pub context: InterfacePtr,
        pub object: InOutInterfacePtr,
        pub call_result: InOutInterfacePtr,
    }
}

stub! {
    /// GetObject response.
    pub struct GetObjectResponse("IWbemServices::GetObject response") {
        pub that: OrpcThat,
        pub object: InOutInterfacePtr,
        pub call_result: InOutInterfacePtr,
        pub hresult: u32,
    }
}

stub! {
    /// CreateInstanceEnum (opnum 18) request (MS-WMI 3.1.4.3.16).
    pub struct CreateInstanceEnumRequest("IWbemServices::CreateInstanceEnum request") {
        pub this: OrpcThis,
        /// The class whose instances to enumerate; MUST NOT be NULL.
        pub superclass: Bstr,
        pub flags: u32,
        pub context: InterfacePtr,
    }
}

stub! {
    /// The response of every call that returns an `[out] IEnumWbemClassObject** ppEnum`: CreateInstanceEnum,
    /// ExecQuery and ExecNotificationQuery.
    pub struct EnumeratorResponse("IWbemServices enumerator response") {
        pub that: OrpcThat,
        /// The IEnumWbemClassObject; NULL on error.
        pub enumerator: InterfacePtr,
        pub hresult: u32,
    }
}

stub! {
    /// ExecQuery (opnum 20) request (MS-WMI 3.1.4.3.18).
    pub struct ExecQueryRequest("IWbemServices::ExecQuery request") {
        pub this: OrpcThis,
        /// MUST be "WQL".
        pub query_language: Bstr,
        pub query: Bstr,
        pub flags: u32,
        pub context: InterfacePtr,
    }
}

stub! {
    /// ExecNotificationQuery (opnum 22) request (MS-WMI 3.1.4.3.20): an event query, always
    /// WBEM_FLAG_RETURN_IMMEDIATELY | WBEM_FLAG_FORWARD_ONLY.
    pub struct ExecNotificationQueryRequest("IWbemServices::ExecNotificationQuery request") {
        pub this: OrpcThis,
        pub query_language: Bstr,
        pub query: Bstr,
        pub flags: u32,
        pub context: InterfacePtr,
    }
}

stub! {
    /// ExecMethod (opnum 24) request (MS-WMI 3.1.4.3.22).
    pub struct ExecMethodRequest("IWbemServices::ExecMethod request") {
        pub this: OrpcThis,
        /// Class or instance path (with key values); MUST NOT be NULL.
        pub object_path: Bstr,
        pub method_name: Bstr,
        pub flags: u32,
        pub context: InterfacePtr,
        /// An instance of the method's input-parameter class, or NULL when it takes none.
        pub in_params: InterfacePtr,
        pub out_params: InOutInterfacePtr,
        pub call_result: InOutInterfacePtr,
    }
}

stub! {
    /// ExecMethod response.
    pub struct ExecMethodResponse("IWbemServices::ExecMethod response") {
        pub that: OrpcThat,
        pub out_params: InOutInterfacePtr,
        pub call_result: InOutInterfacePtr,
        pub hresult: u32,
    }
}

call!(OpenNamespaceRequest => OpenNamespaceResponse, IWBEM_SERVICES, 3);
call!(CancelAsyncCallRequest => CancelAsyncCallResponse, IWBEM_SERVICES, 4);
call!(GetObjectRequest => GetObjectResponse, IWBEM_SERVICES, 6);
call!(CreateInstanceEnumRequest => EnumeratorResponse, IWBEM_SERVICES, 18);
call!(ExecQueryRequest => EnumeratorResponse, IWBEM_SERVICES, 20);
call!(ExecNotificationQueryRequest => EnumeratorResponse, IWBEM_SERVICES, 22);
call!(ExecMethodRequest => ExecMethodResponse, IWBEM_SERVICES, 24);

/// An `[out, in, unique]` interface pointer asking for the result: a pointer to a NULL interface pointer.
pub fn wanted() -> InOutInterfacePtr {
    Unique::new(Unique::null())
}

impl ExecQueryRequest {
    /// A WQL query with the given flags and no context.
    pub fn wql(this: OrpcThis, query: &str, flags: u32) -> Self {
        ExecQueryRequest {
            this,
            query_language: Bstr::new(WQL),
            query: Bstr::new(query),
            flags,
            context: Unique::null(),
        }
    }
}

impl ExecNotificationQueryRequest {
    /// A WQL event query with the given flags and no context.
    pub fn wql(this: OrpcThis, query: &str, flags: u32) -> Self {
        ExecNotificationQueryRequest {
            this,
            query_language: Bstr::new(WQL),
            query: Bstr::new(query),
            flags,
            context: Unique::null(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::flags::QUERY_FLAGS;
    use super::*;
    use crate::dcom::MInterfacePointer;
    use crate::guid::Guid;
    use crate::rpc::stub::{Call, Stub};
    use crate::test_support::{ORPCTHAT_EMPTY, check_stub, orpcthis_bytes, utf16le};

    const CID: Guid = Guid::from_u128(0xa0a1_a2a3_b0b1_c0c1_d0d1_d2d3_d4d5_d6d7);

    #[test]
    fn exec_query_request_bytes() {
        let query = "select * from Win32_Bios";
        let request = ExecQueryRequest::wql(OrpcThis::new(CID), query, QUERY_FLAGS);
        let mut expected = orpcthis_bytes(CID);
        // strQueryLanguage: referent id, max_count, cBytes, clSize, "WQL".
        expected.extend([0, 0, 2, 0, 3, 0, 0, 0, 6, 0, 0, 0, 3, 0, 0, 0]);
        expected.extend(utf16le("WQL"));
        expected.extend([0, 0]); // offset 54 -> 56
        // strQuery: 24 characters, 48 octets, no terminator.
        expected.extend([4, 0, 2, 0, 24, 0, 0, 0, 48, 0, 0, 0, 24, 0, 0, 0]);
        expected.extend(utf16le(query));
        expected.extend([0x30, 0, 0, 0]); // lFlags: RETURN_IMMEDIATELY | FORWARD_ONLY
        expected.extend([0, 0, 0, 0]); // pCtx: NULL
        assert_eq!(expected.len(), 128);
        assert_eq!(request.to_stub(), expected);
        assert_eq!(ExecQueryRequest::from_stub(&expected).unwrap(), request);
        assert_eq!(ExecQueryRequest::OPNUM, 20);
        assert_eq!(ExecQueryRequest::INTERFACE, crate::wmi::ids::IWBEM_SERVICES);
    }

    #[test]
    fn in_out_pointer_shapes() {
        // GetObject asking for the object but not for a call result.
        let request = GetObjectRequest {
            this: OrpcThis::new(CID),
            object_path: Bstr::new("A"),
            flags: 0,
            context: Unique::null(),
            object: wanted(),
            call_result: Unique::null(),
        };
        let stub = request.to_stub();
        let mut tail = vec![4, 0, 2, 0, 0, 0, 0, 0]; // ppObject -> NULL interface pointer
        tail.extend([0, 0, 0, 0]); // ppCallResult: NULL
        assert!(stub.ends_with(&tail), "{stub:02x?}");
        assert_eq!(GetObjectRequest::from_stub(&stub).unwrap(), request);

        // The response fills the object in.
        let response = GetObjectResponse {
            that: OrpcThat::default(),
            object: Unique::new(Unique::new(MInterfacePointer { data: vec![9] })),
            call_result: Unique::null(),
            hresult: 0,
        };
        let mut expected = ORPCTHAT_EMPTY.to_vec();
        expected.extend([0, 0, 2, 0, 4, 0, 2, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0]);
        expected.extend([0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(response.to_stub(), expected);
        assert_eq!(GetObjectResponse::from_stub(&expected).unwrap(), response);
    }

    #[test]
    fn every_services_stub_round_trips() {
        check_stub::<OpenNamespaceRequest>();
        check_stub::<OpenNamespaceResponse>();
        check_stub::<CancelAsyncCallRequest>();
        check_stub::<CancelAsyncCallResponse>();
        check_stub::<GetObjectRequest>();
        check_stub::<GetObjectResponse>();
        check_stub::<CreateInstanceEnumRequest>();
        check_stub::<EnumeratorResponse>();
        check_stub::<ExecQueryRequest>();
        check_stub::<ExecNotificationQueryRequest>();
        check_stub::<ExecMethodRequest>();
        check_stub::<ExecMethodResponse>();
    }
}
