//! The MS-WMI ObjectArray (2.2.14) that IWbemWCOSmartEnum::Next returns: the input is decoded and checked
//! for a stable round trip through its encoder; then its objects are decoded in order with one
//! `ClassCache`, as a client reads a batch: a class or an instance as an MS-WMIO EncodingUnit (an
//! instance's class is remembered under its classID), an instance without class against the class an
//! earlier instance carried. Each decoded object is checked for a stable round trip too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rwmi_core::wmi::{ObjectArray, ObjectKind, PacketObject};
use rwmi_core::wmio::{
    ClassCache, Limits, decode_encoding_unit, decode_instance_no_class, encode_instance_no_class,
    object_to_json,
};
use rwmi_fuzz::{assert_stable, expect_redecoded, round_trip};

/// Bounds the work on one input.
const MAX_OBJECTS: usize = 16;

fuzz_target!(|data: &[u8]| {
    let Some(array) = round_trip(
        "ObjectArray",
        data,
        ObjectArray::decode,
        ObjectArray::encode,
    ) else {
        return;
    };
    let limits = Limits::default();
    let mut cache = ClassCache::default();
    for object in array.objects.iter().take(MAX_OBJECTS) {
        decode_object(object, &mut cache, &limits);
    }
});

fn decode_object(object: &PacketObject, cache: &mut ClassCache, limits: &Limits) {
    let class_id = object.class_id().map(|id| id.to_bytes_le());
    if let (ObjectKind::InstanceNoClass, Some(id)) = (object.kind(), class_id) {
        let Ok(first) = cache.decode_instance_no_class(&id, object.data(), limits) else {
            return;
        };
        if let Ok(encoding) = encode_instance_no_class(&first) {
            let again = expect_redecoded(
                "EncodingUnitInstanceNoClass",
                decode_instance_no_class(&encoding, &first.class, limits),
                &encoding,
            );
            assert_stable("EncodingUnitInstanceNoClass", &first, &again);
        }
        return;
    }
    let Ok(first) = decode_encoding_unit(object.data(), limits, Some(cache)) else {
        return;
    };
    let _ = object_to_json(&first.object);
    if let Ok(encoding) = first.encode() {
        let again = expect_redecoded(
            "EncodingUnit",
            decode_encoding_unit(&encoding, limits, None),
            &encoding,
        );
        assert_stable("EncodingUnit", &first, &again);
    }
    if let (ObjectKind::Instance, Some(id)) = (object.kind(), class_id) {
        cache.insert_with_id(id, first.object.class().clone());
    }
}
