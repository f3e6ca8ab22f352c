//! OBJREF (MS-DCOM 2.2.18) and DUALSTRINGARRAY (2.2.19): the input as an OBJREF, and from its start as a
//! DUALSTRINGARRAY in packet form, each checked for a stable round trip through its encoder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rwmi_core::dcom::{DualStringArray, ObjRef};
use rwmi_core::{DecodeResult, Reader, Writer};
use rwmi_fuzz::round_trip;

fuzz_target!(|data: &[u8]| {
    round_trip("ObjRef", data, ObjRef::decode, ObjRef::encode);
    round_trip(
        "DualStringArray",
        data,
        decode_dual_string_array,
        encode_dual_string_array,
    );
});

fn decode_dual_string_array(bytes: &[u8]) -> DecodeResult<DualStringArray> {
    DualStringArray::decode_packet(&mut Reader::new("DualStringArray", bytes))
}

fn encode_dual_string_array(array: &DualStringArray) -> Vec<u8> {
    let mut w = Writer::new();
    array.encode_packet(&mut w);
    w.into_vec()
}
