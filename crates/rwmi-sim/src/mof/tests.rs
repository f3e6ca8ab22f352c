//! Whole-file tests of the MOF parser: a realistic provider MOF, error positions, limits, and no-panic
//! properties over arbitrary input.

use super::*;

const OPERATING_SYSTEM_MOF: &str = r#"
// Test schema in the shape of the Win32 classes.
#pragma autorecover
#pragma namespace("\\\\.\\root\\cimv2")
#pragma classflags("forceupdate")

qualifier Description : string = NULL, scope(any), flavor(Amended, ToSubclass);
qualifier Key : boolean = false, scope(property, reference), flavor(DisableOverride, ToSubclass);

[Abstract, Description("Base of managed things." " Joined."): ToSubclass Amended, Locale(0x409)]
class CIM_ManagedSystemElement
{
    [MaxLen(64): ToSubclass] string Caption;
    datetime InstallDate;
    string Status = "OK";
};

[Dynamic, Provider("CIMWin32"), UUID("{8502C4DE-5FBB-11D2-AAC1-006008C78BC7}"): ToInstance]
class Win32_OperatingSystem : CIM_ManagedSystemElement
{
    [Key, Read] string Name;
    [Read, Units("kilobytes")] uint64 FreePhysicalMemory;
    [Read] uint32 OSType = 18;
    [Read, Values{"Unknown", "Other", "MACOS"}: Amended, ValueMap{"0", "1", "2"}] uint16 OSFamily;
    [Read] string MUILanguages[];
    sint8 Bias[4] = {-1, 0, +1, 0x7F};
    real32 Ratio = 1.5;
    real64 Tiny = -2.5e-3;
    boolean Primary = TRUE;
    char16 DriveLetter = 'C';
    object Extra;
    CIM_ManagedSystemElement ref Owner;
    object ref Anything;

    [Implemented, Static] uint32 Reboot();
    [Implemented] void Clear([in] string propertyName);
    [Implemented] uint32 Win32Shutdown([In] sint32 Flags, [In, Optional] sint32 Reserved = 0);
};

class Win32_Process : CIM_ManagedSystemElement
{
    [Key] string Handle;
    [Static, Implemented, Constructor, ValueMap {"0", "2", "3"}]
    uint32 Create([In] string CommandLine, [In] string CurrentDirectory,
                  [In, EmbeddedInstance("Win32_ProcessStartup")] object ProcessStartupInformation,
                  [Out] uint32 ProcessId);
    uint32 GetOwner([Out] string User, [Out] string Domain);
    uint32 Lists([In] uint8 Bytes[], [Out] Win32_Process ref Children[]);
};

#pragma namespace("subspace")
#pragma instanceflags("createonly")

instance of Win32_Process as $Explorer
{
    Handle = "1234";
    Caption = "explorer.exe";
};

[Description("tagged")]
instance of Win32_OperatingSystem
{
    Name = "Microsoft Windows 11 Pro|C:\\Windows|\\Device\\Harddisk0\\Partition3";
    MUILanguages = {"en-US", "de-DE"};
    Bias = {};
    FreePhysicalMemory = 18446744073709551615;
    Owner = $Explorer;
    Extra = instance of Win32_ProcessStartup { ShowWindow = 1; Env = {"A=1", "B=2"};
        Nested = instance of Leaf { Value = NULL; }; };
    Many = { instance of Leaf { V = 1; }, instance of Leaf { V = 2; } };
    DriveLetter = '\x43';
};
"#;

fn class<'a>(file: &'a MofFile, name: &str) -> &'a ClassDecl {
    file.classes()
        .map(|(_, class)| class)
        .find(|class| class.name == name)
        .unwrap()
}

#[test]
fn realistic_file_items_namespaces_and_notes() {
    let file = parse(OPERATING_SYSTEM_MOF).unwrap();
    assert_eq!(file.items.len(), 7);
    assert_eq!(file.notes.len(), 1);
    assert_eq!(file.notes[0].position, Position { line: 3, column: 1 });
    assert!(file.notes[0].message.contains("autorecover"));
    let namespaces: Vec<_> = file
        .items
        .iter()
        .map(|item| item.namespace.as_str())
        .collect();
    assert_eq!(namespaces[..5], [r"root\cimv2"; 5]);
    assert_eq!(namespaces[5..], [r"root\cimv2\subspace"; 2]);
    assert_eq!(file.items[2].pragma_flags, ["forceupdate"]);
    assert!(file.items[0].pragma_flags.is_empty());
    assert_eq!(file.items[5].pragma_flags, ["createonly"]);
}

#[test]
fn qualifier_declarations() {
    let file = parse(OPERATING_SYSTEM_MOF).unwrap();
    let Declaration::Qualifier(description) = &file.items[0].declaration else {
        panic!()
    };
    assert_eq!(description.name, "Description");
    assert_eq!(description.cim_type, CimType::String);
    assert_eq!(description.default, Some(MofValue::Null));
    assert_eq!(description.scopes, ["any"]);
    assert_eq!(description.flavors, [Flavor::Amended, Flavor::ToSubclass]);
    let Declaration::Qualifier(key) = &file.items[1].declaration else {
        panic!()
    };
    assert_eq!(key.scopes, ["property", "reference"]);
    assert_eq!(key.default, Some(MofValue::Bool(false)));
    assert_eq!(key.position, Position { line: 8, column: 1 });
}

#[test]
fn class_qualifiers_with_flavors() {
    let file = parse(OPERATING_SYSTEM_MOF).unwrap();
    let base = class(&file, "CIM_ManagedSystemElement");
    assert_eq!(
        base.position,
        Position {
            line: 10,
            column: 1
        }
    );
    assert_eq!(base.superclass, None);
    assert_eq!(
        base.qualifiers[0],
        Qualifier {
            name: "Abstract".into(),
            value: None,
            flavors: vec![]
        }
    );
    assert_eq!(
        base.qualifier("description").unwrap(),
        &Qualifier {
            name: "Description".into(),
            value: Some(MofValue::String("Base of managed things. Joined.".into())),
            flavors: vec![Flavor::ToSubclass, Flavor::Amended],
        }
    );
    assert_eq!(
        base.qualifier("Locale").unwrap().value,
        Some(MofValue::Integer(0x409))
    );
    assert_eq!(
        base.property("caption").unwrap().qualifiers[0].flavors,
        [Flavor::ToSubclass]
    );
    assert_eq!(
        base.property("Status").unwrap().default,
        Some(MofValue::String("OK".into()))
    );
    let os = class(&file, "Win32_OperatingSystem");
    assert_eq!(os.qualifier("UUID").unwrap().flavors, [Flavor::ToInstance]);
    let family = os.property("OSFamily").unwrap();
    let values = family.qualifier("Values").unwrap();
    assert_eq!(
        values.value,
        Some(MofValue::Array(vec![
            MofValue::String("Unknown".into()),
            MofValue::String("Other".into()),
            MofValue::String("MACOS".into()),
        ]))
    );
    assert_eq!(values.flavors, [Flavor::Amended]);
    assert!(
        matches!(&family.qualifier("ValueMap").unwrap().value, Some(MofValue::Array(v)) if v.len() == 3)
    );
}

#[test]
fn every_property_type_and_array_form() {
    let file = parse(OPERATING_SYSTEM_MOF).unwrap();
    let os = class(&file, "Win32_OperatingSystem");
    assert_eq!(os.superclass.as_deref(), Some("CIM_ManagedSystemElement"));
    let shape = |name: &str| {
        let property = os.property(name).unwrap();
        (
            property.cim_type.clone(),
            property.array,
            property.default.clone(),
        )
    };
    assert!(os.property("Name").unwrap().is_key());
    assert!(!os.property("OSType").unwrap().is_key());
    assert_eq!(
        shape("FreePhysicalMemory"),
        (CimType::Uint64, ArraySize::Scalar, None)
    );
    assert_eq!(
        shape("OSType"),
        (
            CimType::Uint32,
            ArraySize::Scalar,
            Some(MofValue::Integer(18))
        )
    );
    assert_eq!(
        shape("MUILanguages"),
        (CimType::String, ArraySize::Variable, None)
    );
    assert_eq!(
        shape("Bias"),
        (
            CimType::Sint8,
            ArraySize::Fixed(4),
            Some(MofValue::Array(vec![
                MofValue::Integer(-1),
                MofValue::Integer(0),
                MofValue::Integer(1),
                MofValue::Integer(127)
            ]))
        )
    );
    assert_eq!(
        shape("Ratio"),
        (
            CimType::Real32,
            ArraySize::Scalar,
            Some(MofValue::Real(1.5))
        )
    );
    assert_eq!(shape("Tiny").2, Some(MofValue::Real(-2.5e-3)));
    assert_eq!(
        shape("Primary"),
        (
            CimType::Boolean,
            ArraySize::Scalar,
            Some(MofValue::Bool(true))
        )
    );
    assert_eq!(
        shape("DriveLetter"),
        (
            CimType::Char16,
            ArraySize::Scalar,
            Some(MofValue::Char16('C'))
        )
    );
    assert_eq!(shape("Extra").0, CimType::Object);
    assert_eq!(
        shape("Owner").0,
        CimType::Reference(Some("CIM_ManagedSystemElement".into()))
    );
    assert_eq!(shape("Anything").0, CimType::Reference(None));
    assert_eq!(
        class(&file, "CIM_ManagedSystemElement")
            .property("InstallDate")
            .unwrap()
            .cim_type,
        CimType::Datetime
    );
}

#[test]
fn methods_with_in_and_out_parameters() {
    let file = parse(OPERATING_SYSTEM_MOF).unwrap();
    let process = class(&file, "Win32_Process");
    assert_eq!(process.properties.len(), 1);
    let create = process.method("create").unwrap();
    assert_eq!(create.return_type, Some(CimType::Uint32));
    assert!(create.qualifier("Static").is_some());
    assert!(create.qualifier("ValueMap").is_some());
    let names: Vec<_> = create.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "CommandLine",
            "CurrentDirectory",
            "ProcessStartupInformation",
            "ProcessId"
        ]
    );
    let command_line = create.parameter("CommandLine").unwrap();
    assert!(command_line.is_in() && !command_line.is_out());
    assert_eq!(command_line.cim_type, CimType::String);
    let process_id = create.parameter("processid").unwrap();
    assert!(process_id.is_out() && !process_id.is_in());
    assert_eq!(process_id.cim_type, CimType::Uint32);
    let startup = create.parameter("ProcessStartupInformation").unwrap();
    assert_eq!(startup.cim_type, CimType::Object);
    assert_eq!(
        startup.qualifier("EmbeddedInstance").unwrap().value,
        Some(MofValue::String("Win32_ProcessStartup".into()))
    );
    let lists = process.method("Lists").unwrap();
    assert_eq!(lists.parameters[0].array, ArraySize::Variable);
    assert_eq!(
        lists.parameters[1].cim_type,
        CimType::Reference(Some("Win32_Process".into()))
    );
    assert_eq!(lists.parameters[1].array, ArraySize::Variable);
    let os = class(&file, "Win32_OperatingSystem");
    assert!(os.method("Reboot").unwrap().parameters.is_empty());
    assert_eq!(os.method("Clear").unwrap().return_type, None);
    let shutdown = os.method("Win32Shutdown").unwrap();
    assert_eq!(shutdown.parameters[1].default, Some(MofValue::Integer(0)));
    assert!(shutdown.parameters[1].qualifier("Optional").is_some());
}

#[test]
fn instances_with_aliases_arrays_and_embedded_objects() {
    let file = parse(OPERATING_SYSTEM_MOF).unwrap();
    let found: Vec<_> = file.instances().collect();
    assert_eq!(found.len(), 2);
    let (_, explorer) = found[0];
    assert_eq!(explorer.class, "Win32_Process");
    assert_eq!(explorer.alias.as_deref(), Some("Explorer"));
    assert_eq!(
        explorer.value("HANDLE"),
        Some(&MofValue::String("1234".into()))
    );
    let (_, os) = found[1];
    assert_eq!(os.qualifiers[0].name, "Description");
    assert_eq!(os.alias, None);
    assert_eq!(
        os.value("Name"),
        Some(&MofValue::String(
            r"Microsoft Windows 11 Pro|C:\Windows|\Device\Harddisk0\Partition3".into()
        ))
    );
    assert_eq!(
        os.value("MUILanguages"),
        Some(&MofValue::Array(vec![
            MofValue::String("en-US".into()),
            MofValue::String("de-DE".into())
        ]))
    );
    assert_eq!(os.value("Bias"), Some(&MofValue::Array(vec![])));
    assert_eq!(
        os.value("FreePhysicalMemory"),
        Some(&MofValue::Integer(u64::MAX.into()))
    );
    assert_eq!(os.value("Owner"), Some(&MofValue::Alias("Explorer".into())));
    assert_eq!(os.value("DriveLetter"), Some(&MofValue::Char16('C')));
    let Some(MofValue::Instance(startup)) = os.value("Extra") else {
        panic!()
    };
    assert_eq!(startup.class, "Win32_ProcessStartup");
    assert_eq!(startup.value("ShowWindow"), Some(&MofValue::Integer(1)));
    let Some(MofValue::Instance(leaf)) = startup.value("Nested") else {
        panic!()
    };
    assert_eq!(leaf.value("Value"), Some(&MofValue::Null));
    let Some(MofValue::Array(many)) = os.value("Many") else {
        panic!()
    };
    assert!(
        matches!(&many[1], MofValue::Instance(i) if i.value("V") == Some(&MofValue::Integer(2)))
    );
}

#[test]
fn start_namespace_and_relative_pragmas() {
    let text = "#pragma namespace(\"a\") class A {}; #pragma namespace(\"b\") class B {};";
    let file = parse(text).unwrap();
    assert_eq!(file.items[0].namespace, r"root\default\a");
    assert_eq!(file.items[1].namespace, r"root\default\a\b");
    let file = parse_in_namespace("class A {};", r"root\cimv2").unwrap();
    assert_eq!(file.items[0].namespace, r"root\cimv2");
}

#[test]
fn keywords_ignore_case() {
    let text = "#PRAGMA NAMESPACE(\"\\\\\\\\.\\\\ROOT\") [KEY: tosubclass] CLASS X : Y { STRING s = Null; UINT8 b = true; }; \
                INSTANCE OF X AS $a { s = \"v\"; }; Instance Of X { s = $A2; };";
    let file = parse(text).unwrap();
    assert_eq!(file.items.len(), 3);
    assert_eq!(file.items[0].namespace, "ROOT");
}

#[test]
fn provider_registration_and_amendment_mof() {
    let text = r#"
#pragma namespace("\\\\.\\root\\cimv2")
#pragma deleteclass("Sample_Old", NOFAIL)
instance of __Win32Provider as $P
{
    Name = "SampleProv";
    CLSID = "{A41602A4-C038-11d1-AEB6-00C04FB68820}";
    ClientLoadableCLSID = NULL;
    HostingModel = "NetworkServiceHost";
};
instance of __InstanceProviderRegistration
{
    Provider = $P;
    SupportsGet = TRUE;
    SupportsEnumeration = True;
    SupportsPut = false;
};
[dynamic: ToInstance, provider("SampleProv"): ToInstance, Locale(1033): ToInstance]
class Sample_Thing
{
    [key, read: ToSubclass] string Id;
};
#pragma namespace("ms_409")
[AMENDMENT, LOCALE(0x409)]
class Sample_Thing
{
    [Description("Identifier of the thing.") : Amended] string Id;
};
"#;
    let file = parse(text).unwrap();
    assert_eq!(file.notes.len(), 1);
    let (first, provider) = file.instances().next().unwrap();
    assert_eq!(first.namespace, r"root\cimv2");
    assert_eq!(provider.alias.as_deref(), Some("P"));
    assert_eq!(provider.value("ClientLoadableCLSID"), Some(&MofValue::Null));
    let (_, registration) = file.instances().nth(1).unwrap();
    assert_eq!(
        registration.value("provider"),
        Some(&MofValue::Alias("P".into()))
    );
    assert_eq!(
        registration.value("SupportsEnumeration"),
        Some(&MofValue::Bool(true))
    );
    assert_eq!(
        registration.value("SupportsPut"),
        Some(&MofValue::Bool(false))
    );
    let classes: Vec<_> = file.classes().collect();
    assert_eq!(classes.len(), 2);
    assert_eq!(
        classes[0].1.qualifier("dynamic").unwrap().flavors,
        [Flavor::ToInstance]
    );
    assert!(classes[0].1.property("ID").unwrap().is_key());
    assert_eq!(classes[1].0.namespace, r"root\cimv2\ms_409");
    assert_eq!(
        classes[1].1.properties[0].qualifiers[0].flavors,
        [Flavor::Amended]
    );
}

fn error_of(text: &str) -> (u32, u32, String) {
    let error = parse(text).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}:{}: {}",
            error.position.line, error.position.column, error.message
        )
    );
    (error.position.line, error.position.column, error.message)
}

#[test]
fn errors_name_line_column_and_expectation() {
    let cases: [(&str, (u32, u32), &str); 21] = [
        (
            "class A {\n  [Key] void Name;\n};",
            (2, 9),
            "property `Name` cannot be `void`",
        ),
        (
            "class A {\n  string Name\n};",
            (3, 1),
            "expected `;` after the property declaration, found `}`",
        ),
        (
            "class A {\n  strin Name;\n};",
            (2, 3),
            "expected a data type",
        ),
        (
            "class A { string Name; }",
            (1, 25),
            "expected `;` after the class declaration's `}`, found the end of the file",
        ),
        ("class { };", (1, 7), "expected a class name, found `{`"),
        ("class A : { };", (1, 11), "expected a superclass name"),
        (
            "class A {\n string s;",
            (2, 11),
            "expected a property, a method or `}` to close the class",
        ),
        (
            "[Key class A {};",
            (1, 6),
            "expected `]` or `,` in the qualifier list, found `class`",
        ),
        (
            "[] class A {};",
            (1, 2),
            "expected a qualifier name, found `]`",
        ),
        ("[Key: Sometimes] class A {};", (1, 7), "expected a flavor"),
        (
            "[Q(1] class A {};",
            (1, 5),
            "expected `)` after the qualifier value, found `]`",
        ),
        ("[Q({1})] class A {};", (1, 4), "expected a qualifier value"),
        (
            "class A { uint8 a[0]; };",
            (1, 19),
            "an array size must be between 1 and 4294967295",
        ),
        (
            "class A { uint32 M(string a; };",
            (1, 28),
            "expected `)` or `,` in the parameter list, found `;`",
        ),
        (
            "instance of A { x = 1 };",
            (1, 23),
            "expected `;` after the property value, found `}`",
        ),
        ("instance of A { x = ; };", (1, 21), "expected a value"),
        (
            "instance of A { x = {{1}}; };",
            (1, 22),
            "arrays cannot contain arrays",
        ),
        (
            "instance A { };",
            (1, 10),
            "expected `of` after `instance`, found `A`",
        ),
        (
            "instance of A as B { };",
            (1, 18),
            "expected an alias (`$name`) after `as`",
        ),
        (
            "instance of A {}",
            (1, 17),
            "expected `;` after the instance declaration, found the end of the file",
        ),
        (
            "\n\n   garbage",
            (3, 4),
            "expected `#pragma`, `class`, `instance of`, `qualifier` or `[`",
        ),
    ];
    for (text, (line, column), message) in cases {
        let (got_line, got_column, got_message) = error_of(text);
        assert_eq!(
            (got_line, got_column),
            (line, column),
            "{text:?}: {got_message}"
        );
        assert!(got_message.starts_with(message), "{text:?}: {got_message}");
    }
}

#[test]
fn pragma_errors() {
    assert_eq!(
        error_of("#include \"x\""),
        (1, 2, "expected `pragma` after `#`, found `include`".into())
    );
    assert_eq!(
        error_of("#pragma namespace()").2,
        "`#pragma namespace` takes exactly one string"
    );
    assert_eq!(error_of("#pragma namespace(\"a\", \"b\")").1, 1);
    let (line, column, message) = error_of("#pragma namespace(\n\"\\\\\\\\.\")");
    assert_eq!((line, column), (2, 1));
    assert!(message.contains("namespace path"), "{message}");
    assert_eq!(
        error_of("#pragma locale(\"ms_409\"").2,
        "expected `)` to close the pragma arguments, found the end of the file"
    );
    assert!(
        error_of("#pragma x({1})")
            .2
            .starts_with("expected a string, name or number")
    );
}

#[test]
fn ignored_pragmas_become_notes() {
    let file = parse(
        "#pragma include(\"other.mof\")\n#pragma deleteclass(\"X\", NOFAIL)\n#pragma locale(1033)",
    )
    .unwrap();
    assert!(file.items.is_empty());
    let lines: Vec<_> = file.notes.iter().map(|note| note.position.line).collect();
    assert_eq!(lines, [1, 2, 3]);
    assert!(file.notes[1].message.contains("deleteclass"));
}

#[test]
fn duplicate_aliases_are_rejected() {
    let text = "instance of A as $x { };\ninstance of B { e = instance of C as $X { }; };";
    assert_eq!(
        error_of(text),
        (2, 38, "alias `$X` is already defined at 1:18".into())
    );
}

#[test]
fn nesting_is_capped() {
    let nest = |levels: usize| {
        let mut value = "1".to_string();
        for _ in 0..levels {
            value = format!("instance of N {{ v = {value}; }}");
        }
        format!("instance of Top {{ v = {value}; }};")
    };
    assert!(parse(&nest(MAX_DEPTH)).is_ok());
    assert!(error_of(&nest(MAX_DEPTH + 1)).2.contains("nest deeper"));
    assert!(error_of(&nest(10_000)).2.contains("nest deeper"));
    let arrays = format!(
        "instance of Top {{ v = {}1{}; }};",
        "{instance of N { v = ".repeat(20),
        "; }}".repeat(20)
    );
    assert!(error_of(&arrays).2.contains("nest deeper"));
}

mod no_panic {
    use super::super::parse;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_text(text in "\\PC{0,120}") {
            let _ = parse(&text);
        }

        #[test]
        fn mof_shaped_text(words in proptest::collection::vec(
            prop_oneof![
                Just("class"), Just("instance"), Just("of"), Just("as"), Just("$a"), Just("ref"), Just("qualifier"),
                Just("scope"), Just("flavor"), Just("#pragma"), Just("namespace"), Just("\"\\\\\\\\.\\\\root\""),
                Just("{"), Just("}"), Just("["), Just("]"), Just("("), Just(")"), Just(";"), Just(","), Just(":"),
                Just("="), Just("string"), Just("uint32"), Just("object"), Just("A"), Just("Key"), Just("ToSubclass"),
                Just("'c'"), Just("-1"), Just("0x"), Just("1.5e3"), Just("\"s\""), Just("NULL"), Just("/*"), Just("//"),
            ],
            0..40,
        )) {
            let text = words.join(" ");
            if let Err(error) = parse(&text) {
                prop_assert!(error.position.line >= 1 && error.position.column >= 1);
                prop_assert!(!error.message.is_empty());
            }
        }

        #[test]
        fn truncations_of_a_valid_file(cut in 0usize..2600) {
            let text = super::OPERATING_SYSTEM_MOF;
            let end = (0..=cut.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let _ = parse(&text[..end]);
        }
    }
}
