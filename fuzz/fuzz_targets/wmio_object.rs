//! MS-WMIO objects. The input is read as consecutive EncodingUnits decoded with one `ClassCache` (so an
//! instance after its class shares it, as in a WMI enumeration), and separately, from offset 8 on, as a
//! bare ObjectBlock. Everything decoded is rendered as JSON and checked for a stable round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rwmi_core::wmio::{
    ClassCache, Limits, WmiObject, decode_encoding_unit, decode_object_block, object_to_json,
};
use rwmi_fuzz::{assert_stable, expect_redecoded};

/// Bounds the work on one input.
const MAX_UNITS: usize = 16;
/// Signature and ObjectEncodingLength.
const UNIT_HEADER_LEN: usize = 8;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let mut cache = ClassCache::default();
    let mut rest = data;
    for _ in 0..MAX_UNITS {
        let Ok(first) = decode_encoding_unit(rest, &limits, Some(&mut cache)) else {
            break;
        };
        let _ = object_to_json(&first.object);
        if let Ok(encoding) = first.encode() {
            let again = expect_redecoded(
                "EncodingUnit",
                decode_encoding_unit(&encoding, &limits, None),
                &encoding,
            );
            assert_stable("EncodingUnit", &first, &again);
        }
        let Some(len) = unit_length(rest) else {
            break;
        };
        rest = rest.get(len..).unwrap_or_default();
    }
    if let Some(block) = data.get(UNIT_HEADER_LEN..)
        && let Ok(first) = decode_object_block(block, &limits, None)
    {
        let _ = object_to_json(&first);
        check_block_round_trip(&first, &limits);
    }
});

/// The length of the EncodingUnit at the start of `bytes`, which decoded, so has a length field.
fn unit_length(bytes: &[u8]) -> Option<usize> {
    let field: [u8; 4] = bytes.get(4..UNIT_HEADER_LEN)?.try_into().ok()?;
    let len = usize::try_from(u32::from_le_bytes(field)).ok()?;
    len.checked_add(UNIT_HEADER_LEN)
}

fn check_block_round_trip(first: &WmiObject, limits: &Limits) {
    // A model the encoder cannot represent (a heap past 4 GiB, say) is refused, which is not a defect.
    let Ok(encoding) = first.encode_block() else {
        return;
    };
    let again = expect_redecoded(
        "ObjectBlock",
        decode_object_block(&encoding, limits, None),
        &encoding,
    );
    assert_stable("ObjectBlock", first, &again);
}
