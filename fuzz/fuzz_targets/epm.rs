//! The endpoint mapper: a protocol tower, and the ept_map request and response stubs, each decoded from
//! the whole input and checked for a stable round trip through its encoder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rwmi_core::epm::{EptMapRequest, EptMapResponse, TcpTower};
use rwmi_core::rpc::Stub;
use rwmi_fuzz::{assert_stable, expect_redecoded, round_trip};

fuzz_target!(|data: &[u8]| {
    if let Ok(first) = TcpTower::decode(data) {
        let encoding = first.encode();
        let again = expect_redecoded("TcpTower", TcpTower::decode(&encoding), &encoding);
        assert_stable("TcpTower", &first, &again);
    }
    round_trip(
        "EptMapRequest",
        data,
        EptMapRequest::from_stub,
        EptMapRequest::to_stub,
    );
    round_trip(
        "EptMapResponse",
        data,
        EptMapResponse::from_stub,
        EptMapResponse::to_stub,
    );
});
