//! MS-WMI request and response stubs. The first input octet picks the stub; the rest is decoded with
//! `Stub::from_stub` and checked for a stable round trip through `to_stub`.
#![no_main]

use std::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use rwmi_core::rpc::Stub;
use rwmi_core::wmi::enumerator::{NextRequest, NextResponse};
use rwmi_core::wmi::login::{NtlmLoginRequest, NtlmLoginResponse};
use rwmi_core::wmi::services::{
    EnumeratorResponse, ExecMethodRequest, ExecMethodResponse, ExecQueryRequest,
};
use rwmi_core::wmi::smart_enum::SmartNextResponse;
use rwmi_fuzz::round_trip;

/// How many stubs the first octet chooses from.
const STUBS: u8 = 9;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, stub)) = data.split_first() else {
        return;
    };
    match selector % STUBS {
        0 => stub_round_trip::<NtlmLoginRequest>(stub),
        1 => stub_round_trip::<NtlmLoginResponse>(stub),
        2 => stub_round_trip::<ExecQueryRequest>(stub),
        3 => stub_round_trip::<EnumeratorResponse>(stub),
        4 => stub_round_trip::<NextRequest>(stub),
        5 => stub_round_trip::<NextResponse>(stub),
        6 => stub_round_trip::<ExecMethodRequest>(stub),
        7 => stub_round_trip::<ExecMethodResponse>(stub),
        _ => stub_round_trip::<SmartNextResponse>(stub),
    }
});

fn stub_round_trip<T: Stub + PartialEq + Debug>(stub: &[u8]) {
    round_trip(T::CONTEXT, stub, T::from_stub, T::to_stub);
}
