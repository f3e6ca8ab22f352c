//! Round trips of generated classes and instances: every CIM type and its array, NULLs, class defaults,
//! qualifiers of every flavor, embedded objects and methods; and arbitrary input never panics.

use std::sync::Arc;

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

use super::*;
use crate::codec::DecodeErrorKind;

fn inner_class() -> Arc<WmiClass> {
    WmiClass::builder("Inner")
        .property(
            "Name",
            CimType::scalar(CimBase::String),
            vec![Qualifier::new("key", 0x13, Value::Boolean(true))],
            None,
        )
        .property(
            "Count",
            CimType::scalar(CimBase::UInt32),
            vec![],
            Some(Value::UInt32(7)),
        )
        .build()
        .unwrap()
}

fn inner_instance() -> impl Strategy<Value = Value> {
    ("\\PC{0,6}", option::of(any::<u32>())).prop_map(|(name, count)| {
        let mut inst = WmiInstance::new(inner_class());
        inst.set("Name", Some(Value::String(name))).unwrap();
        if let Some(c) = count {
            inst.set("Count", Some(Value::UInt32(c))).unwrap();
        }
        Value::Object(Box::new(WmiObject::Instance(inst)))
    })
}

fn scalar(base: CimBase) -> BoxedStrategy<Value> {
    match base {
        CimBase::SInt8 => any::<i8>().prop_map(Value::SInt8).boxed(),
        CimBase::UInt8 => any::<u8>().prop_map(Value::UInt8).boxed(),
        CimBase::SInt16 => any::<i16>().prop_map(Value::SInt16).boxed(),
        CimBase::UInt16 => any::<u16>().prop_map(Value::UInt16).boxed(),
        CimBase::SInt32 => any::<i32>().prop_map(Value::SInt32).boxed(),
        CimBase::UInt32 => any::<u32>().prop_map(Value::UInt32).boxed(),
        CimBase::SInt64 => any::<i64>().prop_map(Value::SInt64).boxed(),
        CimBase::UInt64 => any::<u64>().prop_map(Value::UInt64).boxed(),
        CimBase::Real32 => any::<f32>().prop_map(Value::Real32).boxed(),
        CimBase::Real64 => any::<f64>().prop_map(Value::Real64).boxed(),
        CimBase::Boolean => any::<bool>().prop_map(Value::Boolean).boxed(),
        CimBase::String => "\\PC{0,10}".prop_map(Value::String).boxed(),
        CimBase::DateTime => "[0-9]{14}\\.[0-9]{6}[+-][0-9]{3}"
            .prop_map(Value::DateTime)
            .boxed(),
        CimBase::Reference => "[A-Za-z_]{1,8}\\.Id=\"\\PC{0,4}\""
            .prop_map(Value::Reference)
            .boxed(),
        CimBase::Char16 => any::<u16>().prop_map(Value::Char16).boxed(),
        CimBase::Object => inner_instance().boxed(),
    }
}

fn value(ty: CimType) -> BoxedStrategy<Value> {
    if ty.array {
        vec(scalar(ty.base), 0..4).prop_map(Value::Array).boxed()
    } else {
        scalar(ty.base)
    }
}

fn cim_type() -> impl Strategy<Value = CimType> {
    (0..CimBase::ALL.len(), any::<bool>()).prop_map(|(i, array)| CimType {
        base: CimBase::ALL[i],
        array,
    })
}

/// A qualifier of any non-object type with any flavor.
fn qualifier() -> impl Strategy<Value = Qualifier> {
    (
        prop::sample::select(vec![
            "key",
            "read",
            "Description",
            "MaxLen",
            "ValueMap",
            "Z\u{20AC}",
        ]),
        any::<u8>(),
        cim_type().prop_filter("no objects in qualifiers", |t| t.base != CimBase::Object),
    )
        .prop_flat_map(|(name, flavor, ty)| {
            value(ty).prop_map(move |v| Qualifier {
                name: name.to_owned(),
                flavor: Flavor(flavor),
                cim_type: ty,
                value: v,
            })
        })
}

#[derive(Debug)]
struct Generated {
    class: Arc<WmiClass>,
    instance: WmiInstance,
}

/// Per property: its type, its qualifiers, its class default, and the instance's choice
/// (0 = NULL, 1 = the class default, otherwise the generated value).
type PropertySpec = (CimType, Vec<Qualifier>, Option<Value>, u8, Value);

fn property_spec() -> impl Strategy<Value = PropertySpec> {
    cim_type().prop_flat_map(|ty| {
        (
            Just(ty),
            vec(qualifier(), 0..3),
            option::of(value(ty)),
            0u8..4,
            value(ty),
        )
    })
}

fn generated() -> impl Strategy<Value = Generated> {
    (
        vec(property_spec(), 0..12),
        vec(qualifier(), 0..3),
        vec(qualifier(), 0..2),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(props, class_qualifiers, instance_qualifiers, decorate, per_property)| {
                let mut builder = WmiClass::builder("Generated_\u{C9}t\u{E9}");
                for q in class_qualifiers {
                    builder = builder.qualifier(q);
                }
                for (i, (ty, qualifiers, default, _, _)) in props.iter().enumerate() {
                    builder = builder.property(
                        &format!("P{i}"),
                        *ty,
                        qualifiers.clone(),
                        default.clone(),
                    );
                }
                let class = builder.build().unwrap();
                let mut instance = WmiInstance::new(class.clone());
                for (i, (_, _, _, choice, v)) in props.into_iter().enumerate() {
                    match choice {
                        0 => instance.set(&format!("P{i}"), None).unwrap(),
                        1 => {}
                        _ => instance.set(&format!("P{i}"), Some(v)).unwrap(),
                    }
                }
                instance.qualifiers = instance_qualifiers.clone();
                if per_property {
                    let n = class.properties().len();
                    instance.property_qualifiers = Some(
                        (0..n)
                            .map(|i| instance_qualifiers.iter().take(i % 3).cloned().collect())
                            .collect(),
                    );
                }
                if decorate {
                    instance.decoration = Some(Decoration {
                        server: "SRV".into(),
                        namespace: "root\\cimv2".into(),
                    });
                }
                Generated { class, instance }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn instances_round_trip(g in generated()) {
        let limits = Limits::default();
        let bytes = WmiObject::Instance(g.instance.clone()).encode().unwrap();
        let unit = decode_encoding_unit(&bytes, &limits, None).unwrap();
        let WmiObject::Instance(back) = &unit.object else { panic!("instance") };
        prop_assert_eq!(back.class.properties(), g.class.properties());
        prop_assert_eq!(back.class.part_image(), g.class.part_image());
        prop_assert_eq!(&back.defaulted, &g.instance.defaulted);
        prop_assert_eq!(&back.qualifiers, &g.instance.qualifiers);
        prop_assert_eq!(&back.property_qualifiers, &g.instance.property_qualifiers);
        prop_assert_eq!(&back.decoration, &g.instance.decoration);
        prop_assert_eq!(instance_to_json(back), instance_to_json(&g.instance));
        prop_assert_eq!(unit.encode().unwrap(), bytes);

        let row = encode_instance_no_class(&g.instance).unwrap();
        let no_class = decode_instance_no_class(&row, &back.class, &limits).unwrap();
        prop_assert_eq!(encode_instance_no_class(&no_class).unwrap(), row);
    }

    #[test]
    fn classes_round_trip(g in generated(), method_qualifiers in vec(qualifier(), 0..3)) {
        let params_in = WmiClass::builder("__PARAMETERS")
            .qualifier(Qualifier::new("abstract", 0, Value::Boolean(true)))
            .property("Input", CimType::scalar(CimBase::String), vec![
                Qualifier::new("in", 0, Value::Boolean(true)),
                Qualifier::new("ID", 0x11, Value::SInt32(0)),
            ], None)
            .build()
            .unwrap();
        let derived = WmiClass::builder("Derived")
            .superclass(g.class.clone())
            .decoration("SRV", "root")
            .property("Extra", CimType::array_of(CimBase::Object), vec![], None)
            .method("Run", method_qualifiers, Some(params_in), None)
            .build()
            .unwrap();
        let object = WmiObject::Class(derived.clone());
        let bytes = object.encode().unwrap();
        let unit = decode_encoding_unit(&bytes, &Limits::default(), None).unwrap();
        let WmiObject::Class(back) = &unit.object else { panic!("class") };
        prop_assert_eq!(back.properties(), derived.properties());
        prop_assert_eq!(back.qualifiers(), derived.qualifiers());
        prop_assert_eq!(back.derivation(), derived.derivation());
        prop_assert_eq!(back.parent().unwrap().properties(), g.class.properties());
        prop_assert_eq!(&back.methods()[0].qualifiers, &derived.methods()[0].qualifiers);
        prop_assert_eq!(
            back.methods()[0].input.as_ref().unwrap().properties(),
            derived.methods()[0].input.as_ref().unwrap().properties()
        );
        prop_assert_eq!(unit.encode().unwrap(), bytes);
    }

    #[test]
    fn arbitrary_input_never_panics(body in vec(any::<u8>(), 0..400), flags in 0u8..8) {
        let limits = Limits::default();
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&0x1234_5678u32.to_le_bytes());
        bytes.extend_from_slice(&(body.len() as u32 + 1).to_le_bytes());
        bytes.push(flags);
        bytes.extend_from_slice(&body);
        let _ = decode_encoding_unit(&bytes, &limits, None);
        let _ = decode_object_block(&bytes[8..], &limits, None);
        let _ = decode_instance_no_class(&bytes[8..], &inner_class(), &limits);
    }
}

/// An instance of `Node` whose `Child` holds another, `depth` levels deep.
fn chain(depth: usize) -> WmiObject {
    let node = WmiClass::builder("Node")
        .property("Child", CimType::scalar(CimBase::Object), vec![], None)
        .build()
        .unwrap();
    let mut object = WmiObject::Instance(WmiInstance::new(node.clone()));
    for _ in 0..depth {
        let mut outer = WmiInstance::new(node.clone());
        outer
            .set("Child", Some(Value::Object(Box::new(object))))
            .unwrap();
        object = WmiObject::Instance(outer);
    }
    object
}

#[test]
fn embedding_deeper_than_the_limit_is_refused() {
    let limits = Limits::default();
    let ok = chain(limits.max_depth).encode().unwrap();
    decode_encoding_unit(&ok, &limits, None).unwrap();
    let deep = chain(limits.max_depth + 1).encode().unwrap();
    let err = decode_encoding_unit(&deep, &limits, None).unwrap_err();
    assert!(
        matches!(
            err.kind,
            DecodeErrorKind::Limit {
                limit: "max_depth",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn shared_heap_items_are_bounded_by_the_work_limit() {
    // Every element of an object array points at the same embedded object: decoding does not loop, and
    // the repeated work is charged against `max_decoded_bytes`.
    let class = WmiClass::builder("Holder")
        .property("Items", CimType::array_of(CimBase::Object), vec![], None)
        .build()
        .unwrap();
    let item = chain(2);
    let mut holder = WmiInstance::new(class);
    holder
        .set(
            "Items",
            Some(Value::Array(vec![Value::Object(Box::new(item)); 64])),
        )
        .unwrap();
    let mut bytes = WmiObject::Instance(holder).encode().unwrap();
    // The array item is the only place the count 64 occurs; point all its elements at the first object.
    let array_at = bytes
        .windows(4)
        .position(|w| w == 64u32.to_le_bytes())
        .unwrap();
    let first = [
        bytes[array_at + 4],
        bytes[array_at + 5],
        bytes[array_at + 6],
        bytes[array_at + 7],
    ];
    for i in 1..64 {
        let at = array_at + 4 + 4 * i;
        bytes[at..at + 4].copy_from_slice(&first);
    }
    let limits = Limits::default();
    let unit = decode_encoding_unit(&bytes, &limits, None).unwrap();
    let WmiObject::Instance(back) = &unit.object else {
        panic!("instance")
    };
    let Some(Value::Array(items)) = &back.values[0] else {
        panic!("array")
    };
    assert_eq!(items.len(), 64);
    assert!(items.iter().all(|v| v == &items[0]));

    let tight = Limits {
        max_decoded_bytes: 2000,
        ..Limits::default()
    };
    let err = decode_encoding_unit(&bytes, &tight, None).unwrap_err();
    assert!(
        matches!(
            err.kind,
            DecodeErrorKind::Limit {
                limit: "max_decoded_bytes",
                ..
            }
        ),
        "{err}"
    );
}
