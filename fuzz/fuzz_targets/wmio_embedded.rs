//! MS-WMIO objects outside an EncodingUnit: the input as an embedded object (ObjectEncodingLength then
//! ObjectBlock, 2.2.71) and as an EncodingUnitInstanceNoClass (2.2.3) of the class of the spec's MyInstance
//! (section 3), found through a `ClassCache` by classID. Each is checked for a stable round trip.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use rwmi_core::wmio::{
    ClassCache, Limits, WmiClass, WmiObject, decode_embedded_object, decode_encoding_unit,
    decode_instance_no_class, encode_instance_no_class, object_to_json,
};
use rwmi_fuzz::{assert_stable, expect_redecoded};

/// MS-WMIO section 3's MyInstance as an EncodingUnit (the seed of `wmio_object`).
const MY_INSTANCE: &[u8] = include_bytes!("../corpus/wmio_object/spec-my-instance");
/// The classID the class is cached under.
const CLASS_ID: [u8; 16] = [0x5A; 16];

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    if let Ok(first) = decode_embedded_object(data, &limits) {
        let _ = object_to_json(&first);
        if let Some(encoding) = encode_embedded(&first) {
            let again = expect_redecoded(
                "embedded object",
                decode_embedded_object(&encoding, &limits),
                &encoding,
            );
            assert_stable("embedded object", &first, &again);
        }
    }

    let mut cache = ClassCache::default();
    cache.insert_with_id(CLASS_ID, my_class().clone());
    if let Ok(first) = cache.decode_instance_no_class(&CLASS_ID, data, &limits)
        && let Ok(encoding) = encode_instance_no_class(&first)
    {
        let again = expect_redecoded(
            "EncodingUnitInstanceNoClass",
            decode_instance_no_class(&encoding, &first.class, &limits),
            &encoding,
        );
        assert_stable("EncodingUnitInstanceNoClass", &first, &again);
    }
});

/// ObjectEncodingLength then the ObjectBlock; `None` when the encoder refuses the object.
fn encode_embedded(object: &WmiObject) -> Option<Vec<u8>> {
    let block = object.encode_block().ok()?;
    let len = u32::try_from(block.len()).ok()?;
    let mut out = len.to_le_bytes().to_vec();
    out.extend_from_slice(&block);
    Some(out)
}

/// The class MyInstance carries, decoded once.
fn my_class() -> &'static Arc<WmiClass> {
    static CLASS: OnceLock<Arc<WmiClass>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let unit = decode_encoding_unit(MY_INSTANCE, &Limits::default(), None)
            .expect("the spec's MyInstance decodes");
        unit.object.class().clone()
    })
}
