//! The ORPC call headers and the interface pointer blob of MS-DCOM, each decoded from the whole input
//! with `ndr::from_stub` and checked for a stable round trip through `ndr::to_stub`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rwmi_core::dcom::{MInterfacePointer, OrpcThat, OrpcThis};
use rwmi_core::ndr::Unique;
use rwmi_fuzz::ndr_round_trip;

fuzz_target!(|data: &[u8]| {
    ndr_round_trip::<OrpcThis>("ORPCTHIS", data);
    ndr_round_trip::<OrpcThat>("ORPCTHAT", data);
    ndr_round_trip::<MInterfacePointer>("MInterfacePointer", data);
    ndr_round_trip::<Unique<MInterfacePointer>>("unique MInterfacePointer", data);
});
