//! NDR strings and conformant varying arrays, each decoded from the whole input with `ndr::from_stub` and
//! checked for a stable round trip through `ndr::to_stub`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rwmi_core::ndr::{AnsiString, ConformantVaryingArray, RpcUnicodeString, Unique, WideString};
use rwmi_fuzz::ndr_round_trip;

fuzz_target!(|data: &[u8]| {
    ndr_round_trip::<WideString>("WideString", data);
    ndr_round_trip::<Unique<WideString>>("unique WideString", data);
    ndr_round_trip::<AnsiString>("AnsiString", data);
    ndr_round_trip::<RpcUnicodeString>("RpcUnicodeString", data);
    ndr_round_trip::<ConformantVaryingArray<u16>>("ConformantVaryingArray<u16>", data);
    ndr_round_trip::<ConformantVaryingArray<Unique<WideString>>>(
        "ConformantVaryingArray<unique WideString>",
        data,
    );
    ndr_round_trip::<ConformantVaryingArray<RpcUnicodeString>>(
        "ConformantVaryingArray<RpcUnicodeString>",
        data,
    );
});
