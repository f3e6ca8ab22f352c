//! The activation and object-exporter stubs (MS-DCOM 3.1.2.5.2.3.3, 3.1.2.5.1, 3.1.1.5.6): the input as
//! each stub, each checked for a stable round trip through its encoder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rwmi_core::dcom::scm::{
    RemQueryInterfaceResponse, RemoteCreateInstanceRequest, RemoteCreateInstanceResponse,
    ResolveOxid2Response, ServerAlive2Response,
};
use rwmi_fuzz::round_trip;

fuzz_target!(|data: &[u8]| {
    round_trip(
        "RemoteCreateInstanceRequest",
        data,
        RemoteCreateInstanceRequest::decode,
        RemoteCreateInstanceRequest::encode,
    );
    round_trip(
        "RemoteCreateInstanceResponse",
        data,
        RemoteCreateInstanceResponse::decode,
        RemoteCreateInstanceResponse::encode,
    );
    round_trip(
        "ResolveOxid2Response",
        data,
        ResolveOxid2Response::decode,
        ResolveOxid2Response::encode,
    );
    round_trip(
        "ServerAlive2Response",
        data,
        ServerAlive2Response::decode,
        ServerAlive2Response::encode,
    );
    round_trip(
        "RemQueryInterfaceResponse",
        data,
        RemQueryInterfaceResponse::decode,
        RemQueryInterfaceResponse::encode,
    );
});
