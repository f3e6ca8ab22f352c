//! DCOM activation properties BLOBs (MS-DCOM 2.2.22): the input as an `ActivationBlob`, and as the request
//! and reply that RemoteCreateInstance carries, each checked for a stable round trip through its encoder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rwmi_core::dcom::activation::{ActivationBlob, ActivationReply, ActivationRequest};
use rwmi_fuzz::round_trip;

fuzz_target!(|data: &[u8]| {
    round_trip(
        "ActivationBlob",
        data,
        ActivationBlob::decode,
        ActivationBlob::encode,
    );
    round_trip(
        "ActivationRequest",
        data,
        ActivationRequest::from_blob,
        ActivationRequest::to_blob,
    );
    round_trip(
        "ActivationReply",
        data,
        ActivationReply::from_blob,
        ActivationReply::to_blob,
    );
});
