//! The activation and object-exporter stubs (MS-DCOM 3.1.2.5.2.3.3, 3.1.2.5.1, 3.1.1.5.6): the input as
//! each stub, each checked for a stable round trip through its encoder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rwmi_core::dcom::scm::{
    RemQueryInterfaceResponse, RemoteCreateInstanceRequest, RemoteCreateInstanceResponse,
    ResolveOxid2Response, ServerAlive2Response,
};
use rwmi_core::rpc::Stub;
use rwmi_fuzz::round_trip;

fuzz_target!(|data: &[u8]| {
    round_trip(
        "RemoteCreateInstanceRequest",
        data,
        RemoteCreateInstanceRequest::from_stub,
        RemoteCreateInstanceRequest::to_stub,
    );
    round_trip(
        "RemoteCreateInstanceResponse",
        data,
        RemoteCreateInstanceResponse::from_stub,
        RemoteCreateInstanceResponse::to_stub,
    );
    round_trip(
        "ResolveOxid2Response",
        data,
        ResolveOxid2Response::from_stub,
        ResolveOxid2Response::to_stub,
    );
    round_trip(
        "ServerAlive2Response",
        data,
        ServerAlive2Response::from_stub,
        ServerAlive2Response::to_stub,
    );
    round_trip(
        "RemQueryInterfaceResponse",
        data,
        RemQueryInterfaceResponse::from_stub,
        RemQueryInterfaceResponse::to_stub,
    );
});
