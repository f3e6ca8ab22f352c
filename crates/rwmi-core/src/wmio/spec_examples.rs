//! The four complete encodings of MS-WMIO section 3, transcribed octet for octet from the spec.

use std::sync::Arc;

use super::*;
use crate::codec::DecodeErrorKind;

const BASE: &str = concat!(
    "78563412d00000000500445052415641542d4445560000524f4f54001d00000000ffffffff0000000004000000040000",
    "0000000000000000800c0000000000000000000080660000000000000000050000000400000004000000010000000600",
    "00000a00000005ffffffff3c0000800042617365000049640003000000000000000000000000001c0000000a00008003",
    "080000003400000001000080130b000000ffff0073696e743332000c00000000003400000000800080130b000000ffff",
    "0073696e74333200",
);

const MY_CLASS: &str = concat!(
    "785634122e0200000500445052415641542d4445560000524f4f54006600000000000000000500000004000000040000",
    "0001000000060000000a00000005ffffffff3c0000800042617365000049640003000000000000000000000000001c00",
    "00000a00008003080000003400000001000080130b000000ffff0073696e743332000c00000000003400000000807601",
    "00000000000000110000000e000000004261736500060000001100000009000000000800000016000000040000002700",
    "00002e000000550000005c00000099000000a0000000c7000000cb00000047fffffffffffffffffd000000ffffffff11",
    "010080004d79436c61737300004465736372697074696f6e00004d79436c617373204578616d706c6500004172726179",
    "001320000003000c00000001000000110000000a00008003080000004d0000000075696e743332000044617461310008",
    "00000001000400000001000000270000000a00008003080000009100000003000080000b000000ffff04000080000b00",
    "0000ffff00737472696e6700004461746132000800000002000800000001000000110000000a0000800308000000bf00",
    "000000737472696e67000049640003400000000000000000000000001c0000000a0000802308000000f5000000010000",
    "80330b000000ffff0073696e743332000064656661756c7456616c7565000000000000000c0000000000007300000080",
    "32000064656661756c7456616c75650000000000000000000000000000000000008000000000",
);

const MY_INSTANCE: &str = concat!(
    "78563412d30100000600445052415641542d4445560000524f4f5400760100000000000000110000000e000000004261",
    "73650006000000110000000900000000080000001600000004000000270000002e000000550000005c00000099000000",
    "a0000000c7000000cb00000047fffffffffffffffffd000000ffffffff11010080004d79436c61737300004465736372",
    "697074696f6e00004d79436c617373204578616d706c6500004172726179001320000003000c00000001000000110000",
    "000a00008003080000004d0000000075696e74333200004461746131000800000001000400000001000000270000000a",
    "00008003080000009100000003000080000b000000ffff04000080000b000000ffff00737472696e6700004461746132",
    "000800000002000800000001000000110000000a0000800308000000bf00000000737472696e67000049640003400000",
    "000000000000000000001c0000000a0000802308000000f500000001000080330b000000ffff0073696e743332000064",
    "656661756c7456616c756500000000000000490000000000000000207b00000019000000000000000900000004000000",
    "0126000080004d79436c617373000300000001000000020000000300000000537472696e674669656c6400",
);

const MY_CLASS2: &str = concat!(
    "78563412be0800000500445052415641542d4445560000524f4f5400760100000000000000110000000e000000004261",
    "73650006000000110000000900000000080000001600000004000000270000002e000000550000005c00000099000000",
    "a0000000c7000000cb00000047fffffffffffffffffd000000ffffffff11010080004d79436c61737300004465736372",
    "697074696f6e00004d79436c617373204578616d706c6500004172726179001320000003000c00000001000000110000",
    "000a00008003080000004d0000000075696e74333200004461746131000800000001000400000001000000270000000a",
    "00008003080000009100000003000080000b000000ffff04000080000b000000ffff00737472696e6700004461746132",
    "000800000002000800000001000000110000000a0000800308000000bf00000000737472696e67000049640003400000",
    "000000000000000000001c0000000a0000802308000000f500000001000080330b000000ffff0073696e743332000064",
    "656661756c7456616c7565000000000000000c0000000000007300000080800100000000000000110000001b00000000",
    "4d79436c61737300090000000042617365000600000004000000040000000a00000011000000380000003f0000006600",
    "00006d0000009400000098000000efffffffffffffffffca000000ffffffff1b010080004d79436c6173733200004172",
    "726179001360000003000c00000001000000110000000a0000802308000000300000000075696e743332000044617461",
    "31000840000001000400000001000000110000000a00008023080000005e00000000737472696e670000446174613200",
    "0840000002000800000001000000110000000a00008023080000008c00000000737472696e6700004964000340000000",
    "0000000000000000001c0000000a0000802308000000c200000001000080330b000000ffff0073696e74333200006465",
    "6661756c7456616c75650000000000000000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000006b0500000100000000000000000000000200",
    "0000f7040000090000000902000047050080005265737461727400fc010000050044502d4d0000524f4f545c64656661",
    "756c74001d00000000ffffffff00000000040000000400000000000000000000800c0000000000000000000080b20100",
    "00000000000005000000040000000f0000000e000000000b000000ffff010000002a0000009000000019ffffffffcf00",
    "0080005f5f504152414d4554455253000061627374726163740008000000000000000000000000000400000000536572",
    "766963654e616d650000737472696e67000800000000000000000000000000110000000a000080030800000037000000",
    "00696e0008000000000000000000000000001c0000000a0000800308000000370000005e000000000b000000ffff0049",
    "44000800000000000000000000000000290000000a0000800308000000c70000005e000000000b000000ffff8c000000",
    "11030000000000000000737472696e670000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000c",
    "00000000005f5f00000080ea020000050044502d4d0000524f4f545c64656661756c74001d00000000ffffffff000000",
    "00040000000400000000000000000000800c0000000000000000000080a0020000000000000009000000040000000f00",
    "00000e000000000b000000ffff02000000e1000000220100002a0000008c00000015ffffffffffffffff4c010080005f",
    "5f504152414d455445525300006162737472616374000d00000000000000000000000000040000000053746174757300",
    "006f626a656374000d00000000000000000000000000110000000a000080030800000032000000006f7574000d000000",
    "000000000000000000001c0000000a00008003080000003200000059000000000b000000ffff004944000d0000000000",
    "0000000000000000290000000a0000800308000000c300000059000000000b000000ffff880000001103000000010000",
    "00006f626a6563743a696e74001300000001000400000000000000040000000052657475726e56616c7565000075696e",
    "743332001300000001000400000000000000110000000a0000800308000000150100000075696e74333200006f757400",
    "13000000010004000000000000001c0000000a0000800308000000150100001d010000000b000000ffff000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "00000000000000000000000000000000000000000000000000000000000c00000000005f5f000000801c000000130500",
    "00000b000000ffff1c05000000082000002905000000657865637574650000706572666f726d616e6365000200000035",
    "0500003b0500000066617374000073696465666665637473002000002905000000657865637574650000706572666f72",
    "6d616e63650002000000350500003b05000000666173740000736964656666656374730000000000",
);

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn decode(bytes: &[u8]) -> EncodingUnit {
    decode_encoding_unit(bytes, &Limits::default(), None).unwrap()
}

fn class_of(unit: &EncodingUnit) -> Arc<WmiClass> {
    match &unit.object {
        WmiObject::Class(c) => c.clone(),
        WmiObject::Instance(_) => panic!("expected a class"),
    }
}

fn text(s: &str) -> Value {
    Value::String(s.to_owned())
}

/// The spec's transcription of `Base` stops 16 octets short of its ObjectEncodingLength (0xD0); the octets
/// past the object are "not significant" (MS-WMIO 3), so they are supplied as zeros.
fn base_bytes() -> Vec<u8> {
    let mut bytes = hex(BASE);
    bytes.resize(8 + 0xD0, 0);
    bytes
}

fn decoration() -> Decoration {
    Decoration {
        server: "DPRAVAT-DEV".into(),
        namespace: "ROOT".into(),
    }
}

fn assert_qualifier(q: &Qualifier, name: &str, flavor: u8, value: Value) {
    assert_eq!(q.name, name);
    assert_eq!(q.flavor, Flavor(flavor), "flavor of {name}");
    assert_eq!(q.value, value, "value of {name}");
    assert!(q.value.matches(q.cim_type));
}

/// Builds `Base` and `MyClass` of MS-WMIO 3 from their MOF with `ClassBuilder`.
fn built_base_and_my_class() -> (Arc<WmiClass>, Arc<WmiClass>) {
    let base = WmiClass::builder("Base")
        .decoration("DPRAVAT-DEV", "ROOT")
        .property(
            "Id",
            CimType::scalar(CimBase::SInt32),
            vec![Qualifier::new("key", 0x13, Value::Boolean(true))],
            None,
        )
        .build()
        .unwrap();
    let my_class = WmiClass::builder("MyClass")
        .superclass(base.clone())
        .decoration("DPRAVAT-DEV", "ROOT")
        .qualifier(Qualifier::new("Description", 0, text("MyClass Example")))
        .property(
            "Data1",
            CimType::scalar(CimBase::String),
            vec![
                Qualifier::new("read", 0, Value::Boolean(true)),
                Qualifier::new("write", 0, Value::Boolean(true)),
            ],
            None,
        )
        .property(
            "Data2",
            CimType::scalar(CimBase::String),
            vec![],
            Some(text("defaultValue")),
        )
        .property("Array", CimType::array_of(CimBase::UInt32), vec![], None)
        .build()
        .unwrap();
    (base, my_class)
}

#[test]
fn base_class_decodes_to_the_annotated_values() {
    let bytes = base_bytes();
    let unit = decode(&bytes);
    let base = class_of(&unit);
    assert_eq!(base.name(), "Base");
    assert_eq!(base.superclass(), None);
    assert!(base.derivation().is_empty());
    assert_eq!(base.dynasty(), "Base");
    assert_eq!(base.decoration(), Some(&decoration()));
    assert!(base.qualifiers().is_empty());
    assert!(base.methods().is_empty());
    let parent = base.parent().unwrap();
    assert_eq!(parent.name(), "");
    assert!(parent.properties().is_empty());

    let [id] = base.properties() else {
        panic!("one property")
    };
    assert_eq!(id.name, "Id");
    assert_eq!(id.cim_type, CimType::scalar(CimBase::SInt32));
    assert!(!id.inherited);
    assert_eq!(
        (
            id.declaration_order,
            id.value_table_offset,
            id.class_of_origin
        ),
        (0, 0, 0)
    );
    assert_eq!(id.default, None);
    assert!(!id.default_inherited);
    assert!(id.is_key());
    assert_qualifier(&id.qualifiers[0], "CIMTYPE", 0x03, text("sint32"));
    assert_qualifier(&id.qualifiers[1], "key", 0x13, Value::Boolean(true));

    assert_eq!(unit.encode().unwrap(), bytes);
}

#[test]
fn base_class_is_what_the_builder_makes() {
    let (base, _) = built_base_and_my_class();
    // The canonical encoding differs from the spec's only where the spec says octets are not significant:
    // the current MethodCountPadding (0x34 0x00 there) and the unused octets counted by the length.
    let mut expected = hex(BASE);
    let object_len = 1 + 13 + 6 + 0x1D + 0x0C + 0x66 + 0x0C;
    expected.truncate(8 + object_len);
    expected[4..8].copy_from_slice(&(object_len as u32).to_le_bytes());
    let padding_at = 8 + object_len - 6;
    assert_eq!(&expected[padding_at..padding_at + 2], &[0x34, 0]);
    expected[padding_at] = 0;
    // The NdTable's unused bits "can be any value" (2.2.26); the spec sets them to 01.
    let nd_at = 8 + 1 + 13 + 6 + 0x1D + 0x0C + 33;
    assert_eq!(expected[nd_at], 0x05);
    expected[nd_at] = 0x01;
    assert_eq!(WmiObject::Class(base).encode().unwrap(), expected);
}

#[test]
fn my_class_decodes_to_the_annotated_values() {
    let bytes = hex(MY_CLASS);
    let unit = decode(&bytes);
    let class = class_of(&unit);
    assert_eq!(class.name(), "MyClass");
    assert_eq!(class.superclass(), Some("Base"));
    assert_eq!(class.derivation(), ["Base"]);
    assert_eq!(class.dynasty(), "Base");
    assert_eq!(class.parent().unwrap().name(), "Base");
    assert_eq!(class.decoration(), Some(&decoration()));
    let [description] = class.qualifiers() else {
        panic!("one class qualifier")
    };
    assert_qualifier(description, "Description", 0, text("MyClass Example"));

    let names: Vec<&str> = class.properties().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Id", "Data1", "Data2", "Array"]);
    assert_eq!(class.lookup_order(), [3, 1, 2, 0]);
    let [id, data1, data2, array] = class.properties() else {
        panic!("four properties")
    };
    assert!(id.inherited && id.default_inherited && id.default.is_none());
    assert_eq!(id.class_of_origin, 0);
    assert_qualifier(&id.qualifiers[0], "CIMTYPE", 0x23, text("sint32"));
    assert_qualifier(&id.qualifiers[1], "key", 0x33, Value::Boolean(true));

    assert_eq!(data1.cim_type, CimType::scalar(CimBase::String));
    assert_eq!((data1.value_table_offset, data1.class_of_origin), (4, 1));
    assert_eq!(data1.default, None);
    assert_qualifier(&data1.qualifiers[0], "CIMTYPE", 0x03, text("string"));
    assert_qualifier(&data1.qualifiers[1], "read", 0, Value::Boolean(true));
    assert_qualifier(&data1.qualifiers[2], "write", 0, Value::Boolean(true));

    assert_eq!(data2.default, Some(text("defaultValue")));
    assert!(!data2.default_inherited);
    assert_eq!(data2.value_table_offset, 8);

    assert_eq!(array.cim_type, CimType::array_of(CimBase::UInt32));
    assert_eq!(array.cim_type.to_u16(), 0x2013);
    assert_eq!(
        (array.declaration_order, array.value_table_offset),
        (3, 0x0C)
    );
    assert_qualifier(&array.qualifiers[0], "CIMTYPE", 0x03, text("uint32"));

    assert_eq!(class.property("data2").unwrap().0, 2);
    assert_eq!(unit.encode().unwrap(), bytes);
}

#[test]
fn my_class_is_what_the_builder_makes() {
    let (_, built) = built_base_and_my_class();
    let unit = decode(&hex(MY_CLASS));
    let decoded = class_of(&unit);
    assert_eq!(built.properties(), decoded.properties());
    assert_eq!(built.qualifiers(), decoded.qualifiers());
    // Base's NdTable has its unused bits set in the spec (any value is allowed, 2.2.26).
    let mut parent_image = decoded.parent().unwrap().part_image().to_vec();
    assert_eq!(parent_image[33], 0x05);
    parent_image[33] = 0x01;
    assert_eq!(built.parent().unwrap().part_image(), parent_image);
    // The spec's ClassHeap ends with 6 unused zero octets (0x10B..0x111); without them the parts agree.
    let mut expected = decoded.part_image().to_vec();
    assert_eq!(expected.len(), 0x176);
    let heap_len_at = expected.len() - 0x111 - 4;
    assert_eq!(
        &expected[heap_len_at..heap_len_at + 4],
        &[0x11, 0x01, 0, 0x80]
    );
    assert_eq!(&expected[expected.len() - 6..], &[0; 6]);
    expected.truncate(expected.len() - 6);
    expected[heap_len_at..heap_len_at + 4].copy_from_slice(&(0x10Bu32 | 0x8000_0000).to_le_bytes());
    expected[0..4].copy_from_slice(&0x170u32.to_le_bytes());
    assert_eq!(built.part_image(), expected);
}

#[test]
fn my_instance_decodes_to_the_annotated_values() {
    let bytes = hex(MY_INSTANCE);
    let unit = decode(&bytes);
    assert!(unit.trailing.is_empty());
    let WmiObject::Instance(inst) = &unit.object else {
        panic!("expected an instance")
    };
    let my_class = class_of(&decode(&hex(MY_CLASS)));
    assert_eq!(inst.class.part_image(), my_class.part_image());
    assert_eq!(inst.class.name(), "MyClass");
    assert_eq!(inst.decoration, Some(decoration()));
    assert_eq!(
        inst.values,
        [
            Some(Value::SInt32(123)),
            Some(text("StringField")),
            Some(text("defaultValue")),
            Some(Value::Array(vec![
                Value::UInt32(1),
                Value::UInt32(2),
                Value::UInt32(3)
            ])),
        ]
    );
    assert_eq!(inst.defaulted, [false, false, true, false]);
    assert!(inst.qualifiers.is_empty());
    assert_eq!(inst.property_qualifiers, None);
    assert_eq!(inst.get("id"), Some(&Value::SInt32(123)));
    assert_eq!(inst.relpath().as_deref(), Some("MyClass.Id=123"));
    assert_eq!(
        inst.path().as_deref(),
        Some(r"\\DPRAVAT-DEV\ROOT:MyClass.Id=123")
    );
    let object = &unit.object;
    assert_eq!(object.system_property("__CLASS"), Some(text("MyClass")));
    assert_eq!(object.system_property("__SUPERCLASS"), Some(text("Base")));
    assert_eq!(object.system_property("__DYNASTY"), Some(text("Base")));
    assert_eq!(
        object.system_property("__DERIVATION"),
        Some(Value::Array(vec![text("Base")]))
    );
    assert_eq!(
        object.system_property("__PROPERTY_COUNT"),
        Some(Value::SInt32(4))
    );
    assert_eq!(object.system_property("__NAMESPACE"), Some(text("ROOT")));
    assert_eq!(
        object.system_property("__SERVER"),
        Some(text("DPRAVAT-DEV"))
    );
    assert_eq!(
        instance_to_json(inst),
        "{\"__CLASS\": \"MyClass\", \"Id\": 123, \"Data1\": \"StringField\", \
         \"Data2\": \"defaultValue\", \"Array\": [1, 2, 3]}"
    );
    assert_eq!(object_to_json(object), instance_to_json(inst));
    assert_eq!(unit.encode().unwrap(), bytes);
}

#[test]
fn my_instance_is_what_a_new_instance_encodes_to() {
    let class = class_of(&decode(&hex(MY_CLASS)));
    let mut inst = WmiInstance::new(Arc::new(class.with_decoration(None)));
    inst.decoration = Some(decoration());
    inst.set("Id", Some(Value::SInt32(123))).unwrap();
    inst.set("Data1", Some(text("StringField"))).unwrap();
    inst.set(
        "Array",
        Some(Value::Array(vec![
            Value::UInt32(1),
            Value::UInt32(2),
            Value::UInt32(3),
        ])),
    )
    .unwrap();
    assert!(inst.set("Id", Some(text("x"))).is_err());
    assert!(inst.set("Nope", None).is_err());
    assert_eq!(
        WmiObject::Instance(inst).encode().unwrap(),
        hex(MY_INSTANCE)
    );
}

#[test]
fn instance_property_qualifiers_follow_the_lookup_order() {
    // The variant of MS-WMIO 3.1 where Data1 carries the instance qualifier `test`.
    let unit = decode(&hex(MY_INSTANCE));
    let WmiObject::Instance(mut inst) = unit.object else {
        panic!("expected an instance")
    };
    let test = Qualifier::new("test", 0, Value::Boolean(true));
    inst.property_qualifiers = Some(vec![vec![], vec![test.clone()], vec![], vec![]]);
    let encoded = WmiObject::Instance(inst.clone()).encode().unwrap();
    let expected_tail = hex(concat!(
        "04000000", "02", "04000000", "0f000000", "26000000", "00", "0b000000", "ffff", "04000000",
        "04000000", "2c000080",
    ));
    let at = encoded
        .windows(expected_tail.len())
        .position(|w| w == expected_tail.as_slice())
        .expect("qualifier sets as in MS-WMIO 3.1");
    assert_eq!(&encoded[encoded.len() - 6..], b"\0test\0");
    assert_eq!(encoded.len(), at + expected_tail.len() + 0x2C);
    let back = decode(&encoded);
    assert_eq!(back.object, WmiObject::Instance(inst));
}

#[test]
fn my_class2_with_a_method_decodes_to_the_annotated_values() {
    let bytes = hex(MY_CLASS2);
    // The transcription holds two octets more than its ObjectEncodingLength (0x8BE) covers.
    let unit_len = 8 + 0x8BE;
    assert_eq!(bytes.len(), unit_len + 2);
    let unit = decode(&bytes);
    let class = class_of(&unit);
    assert_eq!(class.name(), "MyClass2");
    assert_eq!(class.derivation(), ["MyClass", "Base"]);
    assert_eq!(class.dynasty(), "Base");
    assert!(class.qualifiers().is_empty());
    assert_eq!(class.parent().unwrap().name(), "MyClass");
    assert!(
        class
            .properties()
            .iter()
            .all(|p| p.inherited && p.default_inherited)
    );
    assert_eq!(
        class.property("Data2").unwrap().1.default,
        Some(text("defaultValue"))
    );
    assert_eq!(class.properties()[3].cim_type.to_u16(), 0x2013);

    let [restart] = class.methods() else {
        panic!("one method")
    };
    assert_eq!(restart.name, "Restart");
    assert_eq!((restart.flags, restart.origin), (0, 2));
    assert_qualifier(&restart.qualifiers[0], "execute", 0, Value::Boolean(true));
    assert_qualifier(
        &restart.qualifiers[1],
        "performance",
        0,
        Value::Array(vec![text("fast"), text("sideffects")]),
    );
    assert_eq!(
        restart.qualifiers[1].cim_type,
        CimType::array_of(CimBase::String)
    );

    let input = restart.input.as_ref().unwrap();
    assert_eq!(input.name(), "__PARAMETERS");
    assert_eq!(
        input.decoration(),
        Some(&Decoration {
            server: "DP-M".into(),
            namespace: r"ROOT\default".into()
        })
    );
    assert_qualifier(&input.qualifiers()[0], "abstract", 0, Value::Boolean(true));
    let [service_name] = input.properties() else {
        panic!("one in parameter")
    };
    assert_eq!(service_name.name, "ServiceName");
    assert_eq!(service_name.cim_type, CimType::scalar(CimBase::String));
    assert_qualifier(&service_name.qualifiers[0], "CIMTYPE", 0x03, text("string"));
    assert_qualifier(&service_name.qualifiers[1], "in", 0, Value::Boolean(true));
    assert_qualifier(&service_name.qualifiers[2], "ID", 0x11, Value::SInt32(0));

    let output = restart.output.as_ref().unwrap();
    assert_eq!(output.name(), "__PARAMETERS");
    let names: Vec<&str> = output
        .properties()
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["Status", "ReturnValue"]);
    let return_value = output.property("ReturnValue").unwrap().1;
    assert_eq!(return_value.cim_type, CimType::scalar(CimBase::UInt32));
    assert!(
        output
            .property("Status")
            .unwrap()
            .1
            .qualifier("out")
            .is_some()
    );

    let mut expected = bytes.clone();
    expected.truncate(unit_len);
    assert_eq!(unit.encode().unwrap(), expected);
}

fn all_examples() -> Vec<Vec<u8>> {
    vec![
        base_bytes(),
        hex(MY_CLASS),
        hex(MY_INSTANCE),
        hex(MY_CLASS2),
    ]
}

#[test]
fn every_truncation_is_an_error() {
    let limits = Limits::default();
    for bytes in all_examples() {
        let unit = decode(&bytes);
        let declared = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
        let block = &bytes[8..8 + declared];
        let object_len = block.len() - unit.trailing.len();
        for n in 0..bytes.len() {
            if n < 8 + declared {
                // The declared length runs past the cut.
                assert!(decode_encoding_unit(&bytes[..n], &limits, None).is_err());
            }
            if n < object_len {
                // The same prefix with a length that agrees: the inner lengths are then what lie.
                let mut relabelled = Vec::from(&bytes[..8]);
                relabelled[4..8].copy_from_slice(&(n as u32).to_le_bytes());
                relabelled.extend_from_slice(&block[..n]);
                assert!(
                    decode_encoding_unit(&relabelled, &limits, None).is_err(),
                    "prefix {n}"
                );
                assert!(decode_object_block(&block[..n], &limits, None).is_err());
            }
        }
    }
}

#[test]
fn corrupted_octets_never_panic() {
    let limits = Limits::default();
    for bytes in all_examples() {
        for i in 8..bytes.len() {
            for v in [0x00, 0x01, 0x7F, 0x80, 0xFF] {
                let mut bad = bytes.clone();
                bad[i] = v;
                if let Ok(unit) = decode_encoding_unit(&bad, &limits, None) {
                    // Whatever decodes must also encode and decode again.
                    let again = unit.encode().unwrap();
                    decode_encoding_unit(&again, &limits, None).unwrap();
                }
            }
        }
    }
}

#[test]
fn a_huge_array_count_is_refused() {
    let mut bytes = hex(MY_INSTANCE);
    // The Encoded-Array of `Array` sits at instance heap offset 9; the heap starts 0x26 octets before the end.
    let heap_start = bytes.len() - 0x26;
    let count_at = heap_start + 9;
    assert_eq!(&bytes[count_at..count_at + 4], &[3, 0, 0, 0]);
    let limits = Limits::default();
    bytes[count_at..count_at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let err = decode_encoding_unit(&bytes, &limits, None).unwrap_err();
    assert!(matches!(
        err.kind,
        DecodeErrorKind::Limit {
            limit: "max_array_count",
            ..
        }
    ));
    bytes[count_at..count_at + 4].copy_from_slice(&1000u32.to_le_bytes());
    let err = decode_encoding_unit(&bytes, &limits, None).unwrap_err();
    assert!(matches!(err.kind, DecodeErrorKind::LengthPastEnd { .. }));
}

#[test]
fn overlapping_value_table_slots_are_refused() {
    // Fuzzing found this: MyInstance with the ValueTableOffset of `Id` (sint32) moved from 0 to 9, so its
    // four octets cover the end of `Data2`'s heap reference and the start of `Array`'s. It used to decode,
    // and its re-encoding, with the slots written over each other, did not.
    let mut bytes = hex(MY_INSTANCE);
    let id_offset_at = 0x152;
    assert_eq!(
        &bytes[id_offset_at - 6..id_offset_at + 4],
        &[3, 0x40, 0, 0, 0, 0, 0, 0, 0, 0]
    );
    bytes[id_offset_at] = 9;
    assert_eq!(bytes.len(), 475);
    let err = decode_encoding_unit(&bytes, &Limits::default(), None).unwrap_err();
    assert_eq!(err.field, "ValueTableOffset");
    assert_eq!(
        err.kind,
        DecodeErrorKind::Invalid("property value table slots overlap")
    );
}

#[test]
fn a_cache_shares_the_class_between_instances_and_serves_no_class_rows() {
    let bytes = hex(MY_INSTANCE);
    let limits = Limits::default();
    let mut cache = ClassCache::default();
    let first = decode_encoding_unit(&bytes, &limits, Some(&mut cache)).unwrap();
    let second = decode_encoding_unit(&bytes, &limits, Some(&mut cache)).unwrap();
    let (WmiObject::Instance(a), WmiObject::Instance(b)) = (&first.object, &second.object) else {
        panic!("instances")
    };
    assert!(
        Arc::ptr_eq(&a.class, &b.class),
        "the second row reuses the parsed class"
    );
    assert_eq!(cache.len(), 1);

    let row = encode_instance_no_class(a).unwrap();
    let class = cache.get("myclass").unwrap();
    let back = decode_instance_no_class(&row, &class, &limits).unwrap();
    assert_eq!(&back, a);
    let class_flag = {
        let mut r = row.clone();
        r[0] |= ObjectFlags::CLASS;
        r
    };
    assert!(decode_instance_no_class(&class_flag, &class, &limits).is_err());
    for n in 0..row.len() {
        assert!(decode_instance_no_class(&row[..n], &class, &limits).is_err());
    }
}

#[test]
fn lying_lengths_are_errors() {
    let limits = Limits::default();
    let bytes = hex(MY_CLASS);
    // Offsets in MY_CLASS: the parent ClassPart's EncodingLength at 28, its qualifier set length at 45,
    // the current ClassPart's EncodingLength at 142.
    let parent_len_at = 8 + 1 + 13 + 6;
    for (at, lie) in [
        (parent_len_at, u32::MAX),
        (parent_len_at, 3),
        (parent_len_at + 17, 0),
        (parent_len_at + 17, 0xFFFF),
        (parent_len_at + 13, 2),
        (parent_len_at + 0x66 + 0x0C, 0x7FFF_FFFF),
    ] {
        let mut bad = bytes.clone();
        bad[at..at + 4].copy_from_slice(&lie.to_le_bytes());
        assert!(
            decode_encoding_unit(&bad, &limits, None).is_err(),
            "lie {lie:#x} at {at}"
        );
    }
}
