use super::*;
use rwmi_core::wmio::{CimBase, CimType, Flavor};

const SAMPLE: &str = r#"
#pragma namespace("\\\\.\\root\\test")
Qualifier Key : boolean = false, Scope(property), Flavor(DisableOverride, ToSubclass);
Qualifier Units : string = null, Scope(property), Flavor(EnableOverride, ToSubclass, ToInstance);

[Abstract]
class Base
{
    [Key] string Id;
    uint32 Size = 7;
};

class Child : Base
{
    [Units("bytes")] uint64 Big;
    sint8 Small;
    real32 Ratio;
    boolean Flag = true;
    datetime When;
    char16 Letter;
    string Tags[] = {"a", "b"};
    sint64 Numbers[];
    Base ref Parent;
    uint32 Run([In] string Command, [Out] uint32 Pid, [In, Out] string Mode);
    void Stop();
};

class Pair
{
    [Key] uint32 A;
    [Key] string B;
};

[Singleton]
class Settings
{
    string Value;
};

instance of Child as $first
{
    Id = "one";
    Big = 18446744073709551615;
    Small = -128;
    Ratio = 1.5;
    When = "20240101120000.000000+000";
    Letter = 'x';
    Numbers = {-1, 2};
};

instance of Child
{
    Id = "two\"q";
    Parent = $first;
};

instance of Pair { A = 1; B = "x"; };
instance of Pair { A = 2; B = "x"; };
instance of Settings { Value = "on"; };
"#;

fn sample() -> Repository {
    let mut repository = Repository::new("EMU");
    repository.load_mof(SAMPLE, "sample.mof").unwrap();
    repository
}

#[test]
fn classes_have_types_defaults_and_inheritance() {
    let repository = sample();
    let child = repository.class(r"ROOT\Test", "child").unwrap();
    assert_eq!(child.derivation(), ["Base".to_string()]);
    let (_, id) = child.property("Id").unwrap();
    assert!(id.inherited && id.is_key());
    let (_, size) = child.property("size").unwrap();
    assert_eq!(size.default, Some(Value::UInt32(7)));
    let (_, tags) = child.property("Tags").unwrap();
    assert_eq!(tags.cim_type, CimType::array_of(CimBase::String));
    assert_eq!(
        tags.default,
        Some(Value::Array(vec![
            Value::String("a".into()),
            Value::String("b".into())
        ]))
    );
    let (_, parent) = child.property("Parent").unwrap();
    assert_eq!(parent.cim_type, CimType::scalar(CimBase::Reference));
    assert_eq!(
        parent.qualifier("CIMTYPE").unwrap().value,
        Value::String("ref:Base".into())
    );
    let (_, big) = child.property("Big").unwrap();
    let units = big.qualifier("Units").unwrap();
    assert_eq!(units.value, Value::String("bytes".into()));
    assert!(units.flavor.propagates_to_instance());
    let key = id.qualifier("Key").unwrap();
    assert!(key.flavor.not_overridable());
    let base = repository.class(r"root\test", "Base").unwrap();
    assert!(base.qualifier("Abstract").is_some());
    assert_eq!(
        repository
            .subclasses(r"root\test", "base")
            .iter()
            .map(|c| c.name().to_string())
            .collect::<Vec<_>>(),
        ["Child"]
    );
}

#[test]
fn methods_have_parameter_classes() {
    let child = sample().class(r"root\test", "Child").unwrap();
    let run = child.method("Run").unwrap();
    let input = run.input.as_ref().unwrap();
    assert_eq!(input.name(), "__PARAMETERS");
    let names: Vec<&str> = input.properties().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Command", "Mode"]);
    let (_, mode) = input.property("Mode").unwrap();
    assert_eq!(mode.qualifier("ID").unwrap().value, Value::SInt32(2));
    assert_eq!(mode.qualifier("in").unwrap().value, Value::Boolean(true));
    let output = run.output.as_ref().unwrap();
    let names: Vec<&str> = output
        .properties()
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["ReturnValue", "Pid", "Mode"]);
    let stop = child.method("Stop").unwrap();
    assert!(stop.input.is_none() && stop.output.is_none());
}

#[test]
fn static_instances_convert_values() {
    let repository = sample();
    let mut instances = repository.instances(r"root\test", "Child", false).unwrap();
    let first = instances.next().unwrap();
    assert_eq!(first.get("Big"), Some(&Value::UInt64(u64::MAX)));
    assert_eq!(first.get("Small"), Some(&Value::SInt8(-128)));
    assert_eq!(first.get("Ratio"), Some(&Value::Real32(1.5)));
    assert_eq!(first.get("Letter"), Some(&Value::Char16(u16::from(b'x'))));
    assert_eq!(first.get("Size"), Some(&Value::UInt32(7)));
    assert_eq!(first.get("Flag"), Some(&Value::Boolean(true)));
    assert_eq!(
        first.get("Numbers"),
        Some(&Value::Array(vec![Value::SInt64(-1), Value::SInt64(2)]))
    );
    assert_eq!(
        first.path().as_deref(),
        Some(r#"\\EMU\root\test:Child.Id="one""#)
    );
    let second = instances.next().unwrap();
    assert_eq!(
        second.get("Parent"),
        Some(&Value::Reference(r#"Child.Id="one""#.into()))
    );
    assert!(instances.next().is_none());
    let deep: Vec<_> = repository
        .instances(r"root\test", "Base", true)
        .unwrap()
        .collect();
    assert_eq!(deep.len(), 2);
    assert_eq!(
        repository
            .instances(r"root\test", "Base", false)
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn lookups_fail_with_wmi_codes() {
    let repository = sample();
    assert_eq!(
        repository.instances(r"root\nope", "Child", false).err(),
        Some(WbemStatus::InvalidNamespace)
    );
    assert_eq!(
        repository.instances(r"root\test", "Nope", false).err(),
        Some(WbemStatus::InvalidClass)
    );
}

#[test]
fn get_object_by_path() {
    let repository = sample();
    let ns = r"root\test";
    let found = |path: &str| match repository.get_object(ns, path) {
        Ok(WmiObject::Instance(instance)) => instance.relpath(),
        Ok(WmiObject::Class(class)) => Some(format!("class {}", class.name())),
        Err(status) => Some(format!("error {}", status.name())),
    };
    assert_eq!(found("Child").as_deref(), Some("class Child"));
    assert_eq!(
        found(r#"Child.Id="ONE""#).as_deref(),
        Some(r#"Child.Id="one""#)
    );
    assert_eq!(
        found(r#"Base.Id="two\"q""#).as_deref(),
        Some(r#"Child.Id="two\"q""#)
    );
    assert_eq!(
        found(r#"Child="one""#).as_deref(),
        Some(r#"Child.Id="one""#)
    );
    assert_eq!(
        found(r#"Pair.B="x",A=2"#).as_deref(),
        Some(r#"Pair.A=2,B="x""#)
    );
    assert_eq!(found("Settings=@").as_deref(), Some("Settings=@"));
    assert_eq!(
        found(r#"\\.\root\test:Pair.A=1,B="x""#).as_deref(),
        Some(r#"Pair.A=1,B="x""#)
    );
    assert_eq!(
        found(r#"Child.Id="three""#).as_deref(),
        Some("error WBEM_E_NOT_FOUND")
    );
    assert_eq!(
        found(r#"Pair.A=1"#).as_deref(),
        Some("error WBEM_E_INVALID_OBJECT_PATH")
    );
    assert_eq!(
        found(r#"Pair.A=1,A=1"#).as_deref(),
        Some("error WBEM_E_INVALID_OBJECT_PATH")
    );
    assert_eq!(
        found(r#"Pair="x""#).as_deref(),
        Some("error WBEM_E_INVALID_OBJECT_PATH")
    );
    assert_eq!(
        found(r#"Child.Nope="x""#).as_deref(),
        Some("error WBEM_E_INVALID_OBJECT_PATH")
    );
    assert_eq!(
        found("Child.").as_deref(),
        Some("error WBEM_E_INVALID_OBJECT_PATH")
    );
    assert_eq!(found("Nope").as_deref(), Some("error WBEM_E_NOT_FOUND"));
}

#[test]
fn namespaces_and_their_instances() {
    let repository = sample();
    assert!(repository.namespace("root").is_some());
    assert!(repository.namespace(r"\\.\ROOT\CIMV2").is_some());
    assert_eq!(
        repository.namespace(r"root\cimv2").unwrap().name(),
        r"root\cimv2"
    );
    let names = |ns: &str| -> Vec<String> {
        repository
            .namespace_instances(ns)
            .unwrap()
            .iter()
            .map(|i| {
                i.get("Name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    };
    assert_eq!(names("root"), ["cimv2", "default", "test"]);
    assert_eq!(names(r"root\cimv2"), ["Security"]);
    assert_eq!(names(r"root\cimv2\security"), ["MicrosoftTpm"]);
    let via_instances: Vec<_> = repository
        .instances("root", "__NAMESPACE", false)
        .unwrap()
        .collect();
    assert_eq!(via_instances.len(), 3);
    assert_eq!(
        via_instances[0].path().as_deref(),
        Some(r#"\\EMU\root:__NAMESPACE.Name="cimv2""#)
    );
    assert!(matches!(
        repository.get_object("root", r#"__NAMESPACE.Name="CIMV2""#),
        Ok(WmiObject::Instance(_))
    ));
}

#[test]
fn security_inherits_from_root() {
    let mut repository = Repository::new("EMU");
    let tpm = repository
        .security(r"root\cimv2\security\microsofttpm")
        .unwrap();
    assert_eq!(tpm.acl, NamespaceSecurity::windows_default().acl);
    assert!(!tpm.requires_encryption);
    assert!(repository.set_requires_encryption(TPM_NAMESPACE, true));
    assert!(
        repository
            .security(TPM_NAMESPACE)
            .unwrap()
            .requires_encryption
    );
    assert!(
        !repository
            .security(r"root\cimv2")
            .unwrap()
            .requires_encryption
    );
    let entry = AclEntry::new(
        crate::policy::Principal::User("bob".into()),
        crate::policy::NamespaceAccess::RemoteEnable,
    );
    assert!(repository.add_acl_entry(r"root\cimv2", entry.clone()));
    assert!(
        repository
            .security(TPM_NAMESPACE)
            .unwrap()
            .acl
            .contains(&entry)
    );
    assert!(!repository.security("root").unwrap().acl.contains(&entry));
    assert!(!repository.add_acl_entry(r"root\none", entry));
}

#[test]
fn load_errors_name_file_and_line() {
    let cases = [
        ("class A { uint8 X = 300; };", 1, "out of its range"),
        (
            "class A { string X; };\ninstance of A { X = 5; };",
            2,
            "declared string but is given an integer",
        ),
        (
            "class A { string X[]; };\n\ninstance of A { X = \"a\"; };",
            3,
            "a single value",
        ),
        ("class A { datetime X = \"2024\"; };", 1, "datetime"),
        ("class A : Missing { };", 1, "not defined"),
        ("instance of Missing { };", 1, "undefined class"),
        (
            "class A { };\ninstance of A { Y = 1; };",
            2,
            "no property `Y`",
        ),
        ("class A { };\nclass A { };", 2, "already defined"),
        (
            "class A { string X; };\nclass B : A { uint32 X; };",
            2,
            "inherits it as string",
        ),
        ("class A { sint32 X = 1.5; };", 1, "a real number"),
        ("class A {", 1, "expected"),
    ];
    for (text, line, message) in cases {
        let mut repository = Repository::new("EMU");
        let error = repository.load_mof(text, "bad.mof").unwrap_err();
        assert_eq!(error.file, "bad.mof", "{text}");
        assert_eq!(error.position.line, line, "{text}: {error}");
        assert!(error.message.contains(message), "{text}: {error}");
        assert!(
            error.to_string().starts_with(&format!("bad.mof:{line}:")),
            "{error}"
        );
        assert!(
            repository.class(r"root\default", "A").is_none(),
            "not all-or-nothing: {text}"
        );
    }
}

#[test]
fn redeclared_inherited_properties_are_accepted() {
    let mut repository = Repository::new("EMU");
    repository
        .load_mof(
            "class A { [key] string X; };\nclass B : A { [key] string X; };",
            "ok.mof",
        )
        .unwrap();
    let b = repository.class(r"root\default", "B").unwrap();
    assert_eq!(b.properties().len(), 1);
    assert!(b.properties()[0].inherited);
    let flavor = b.properties()[0].qualifier("key").unwrap().flavor;
    assert!(flavor.0 & Flavor::ORIGIN_PROPAGATED != 0);
}

#[test]
fn default_repository_loads() {
    let repository = Repository::load_default("EMU").unwrap();
    let process = repository.class(r"root\cimv2", "Win32_Process").unwrap();
    assert_eq!(process.derivation()[0], "CIM_Process");
    assert!(process.property("Handle").unwrap().1.is_key());
    assert!(
        repository
            .security(TPM_NAMESPACE)
            .unwrap()
            .requires_encryption
    );
    let tpm = repository.get_object(TPM_NAMESPACE, "Win32_Tpm=@").unwrap();
    assert!(
        matches!(tpm, WmiObject::Instance(ref i) if i.get("ManufacturerIdTxt") == Some(&Value::String("IFX".into())))
    );
    let samples: Vec<_> = repository
        .instances(r"root\cimv2", "RWMI_TypeSample", false)
        .unwrap()
        .collect();
    assert!(samples.len() >= 2);
}

#[test]
fn live_processes_include_this_test() {
    let repository = Repository::load_default("EMU").unwrap();
    let pid = std::process::id();
    let found = repository
        .instances(r"root\cimv2", "CIM_Process", true)
        .unwrap()
        .any(|p| p.get("ProcessId") == Some(&Value::UInt32(pid)));
    assert!(found);
}

#[test]
fn synthetic_instances_stream() {
    let mut repository = Repository::load_default("EMU").unwrap();
    assert!(repository.set_synthetic("No_Such_Class", 3).is_err());
    repository.set_synthetic("win32_process", 10_000).unwrap();
    let mut stream = repository
        .instances(r"root\cimv2", "Win32_Process", false)
        .unwrap();
    let first = stream.next().unwrap();
    assert_eq!(first.get("Name"), Some(&Value::String("proc-0.exe".into())));
    assert_eq!(first.get("CSName"), Some(&Value::String("EMU".into())));
    let started = std::time::Instant::now();
    assert_eq!(stream.count(), 9_999);
    // Streaming is one render and parse per instance; even unoptimised this is well under the limit.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    let again = repository
        .get_object(r"root\cimv2", r#"Win32_Process.Handle="1042""#)
        .unwrap();
    assert!(
        matches!(again, WmiObject::Instance(ref i) if i.get("Name") == Some(&Value::String("proc-42.exe".into())))
    );
}

#[test]
fn open_namespace_goes_to_children_only() {
    let repository = Repository::new("EMU");
    let open = |current: &str, relative: &str| {
        repository
            .open_namespace(current, relative)
            .map(|ns| ns.name().to_string())
    };
    assert_eq!(open("root", "CIMV2").as_deref(), Ok(r"root\cimv2"));
    assert_eq!(
        open("root", "cimv2/security").as_deref(),
        Ok(r"root\cimv2\Security")
    );
    assert_eq!(
        open(r"root\cimv2", r"Security\MicrosoftTpm").as_deref(),
        Ok(TPM_NAMESPACE)
    );
    for (current, relative) in [
        ("root", "nope"),
        ("root", r"\root\cimv2"),
        (r"root\cimv2", "root"),
        ("root", ""),
        ("nope", "cimv2"),
        ("root", r"\\.\root:x"),
    ] {
        assert_eq!(
            open(current, relative),
            Err(WbemStatus::InvalidNamespace),
            "{current} {relative}"
        );
    }
}

#[test]
fn synthetic_instances_from_the_schema() {
    let mut repository = sample();
    repository.set_synthetic("Child", 3).unwrap();
    repository.set_synthetic("Pair", 300).unwrap();
    let children: Vec<_> = repository
        .instances(r"root\test", "Child", false)
        .unwrap()
        .collect();
    // The two static instances come first, then the synthetic ones.
    assert_eq!(children.len(), 5);
    let generated = &children[3];
    assert_eq!(generated.get("Id"), Some(&Value::String("Id-1".into())));
    assert_eq!(generated.get("Small"), Some(&Value::SInt8(1)));
    assert_eq!(generated.get("Flag"), Some(&Value::Boolean(false)));
    assert_eq!(
        generated.get("When"),
        Some(&Value::DateTime("20260101000001.000000+000".into()))
    );
    assert_eq!(
        generated.get("Tags"),
        Some(&Value::Array(vec![Value::String("Tags-1".into())]))
    );
    assert_eq!(generated.get("Parent"), None);
    assert_eq!(generated.relpath().as_deref(), Some(r#"Child.Id="Id-1""#));
    let pairs: Vec<_> = repository
        .instances(r"root\test", "Pair", false)
        .unwrap()
        .collect();
    assert_eq!(pairs.len(), 302);
    assert_eq!(pairs[301].get("A"), Some(&Value::UInt32(299)));
    assert_eq!(
        schema_value("X", CimType::scalar(CimBase::UInt8), 300),
        Some(Value::UInt8(44))
    );
    assert_eq!(schema_value("X", CimType::scalar(CimBase::Object), 1), None);
    assert!(has_host_generator("WIN32_PROCESS") && !has_host_generator("Child"));
}

/// Everything the repository hands out must encode as MS-WMIO and decode to the same values: this is what
/// the RPC side sends.
#[test]
fn every_class_and_instance_encodes_and_decodes() {
    use rwmi_core::wmio::{Limits, decode_encoding_unit};
    let mut repository = Repository::load_default("EMU").unwrap();
    repository.load_mof(SAMPLE, "sample.mof").unwrap();
    for class in [
        "Win32_Process",
        "Win32_Service",
        "Win32_LogicalDisk",
        "Child",
    ] {
        repository.set_synthetic(class, 3).unwrap();
    }
    let limits = Limits::default();
    let mut classes = 0;
    let mut instances = 0;
    for ns in repository.namespaces() {
        for class in ns.classes() {
            let object = WmiObject::Class(Arc::new(
                class.with_decoration(Some(repository.decoration(ns))),
            ));
            let bytes = object
                .encode()
                .unwrap_or_else(|e| panic!("{}: {e}", class.name()));
            let decoded = decode_encoding_unit(&bytes, &limits, None)
                .unwrap_or_else(|e| panic!("{}: {e}", class.name()));
            let WmiObject::Class(back) = decoded.object else {
                panic!("{} decoded as an instance", class.name());
            };
            assert_eq!(back.properties(), class.properties(), "{}", class.name());
            assert_eq!(
                back.methods().len(),
                class.methods().len(),
                "{}",
                class.name()
            );
            classes += 1;
            for instance in repository
                .instances(ns.name(), class.name(), false)
                .unwrap()
                .take(3)
            {
                let bytes = WmiObject::Instance(instance.clone())
                    .encode()
                    .unwrap_or_else(|e| panic!("{} instance: {e}", class.name()));
                let decoded = decode_encoding_unit(&bytes, &limits, None)
                    .unwrap_or_else(|e| panic!("{} instance: {e}", class.name()));
                let WmiObject::Instance(back) = decoded.object else {
                    panic!("{} instance decoded as a class", class.name());
                };
                assert_eq!(back.values, instance.values, "{}", class.name());
                assert_eq!(back.relpath(), instance.relpath());
                instances += 1;
            }
        }
    }
    assert!(
        classes > 20 && instances > 20,
        "{classes} classes, {instances} instances"
    );
}

#[test]
fn namespace_instances_in_mof_create_namespaces() {
    let mut repository = Repository::new("EMU");
    repository
        .load_mof(
            "#pragma namespace(\"root\\\\cimv2\")\ninstance of __NAMESPACE { Name = \"Lab\"; };",
            "ns.mof",
        )
        .unwrap();
    assert_eq!(
        repository.namespace(r"root\cimv2\lab").unwrap().name(),
        r"root\cimv2\Lab"
    );
    let error = repository
        .load_mof("instance of __NAMESPACE { Name = \"a\\\\b\"; };", "ns.mof")
        .unwrap_err();
    assert!(error.message.contains("one segment"), "{error}");
}

/// The in-parameter class of Win32_Process.Create as a Windows server sent it (the class part of the
/// ExecMethod stub in rwmi-core/tests/real-windows) and as the emulator declares it: every decoded fact
/// equal (qualifiers with their names, flavors, types and order; property types, positions and value
/// slots). The octets differ: Windows' class heap keeps the dead copies its incremental building left
/// behind, a layout no decoder may depend on.
#[test]
fn create_in_parameters_are_declared_as_windows_declares_them() {
    use rwmi_core::dcom::{ObjRef, ObjRefBody};
    use rwmi_core::rpc::Stub;
    use rwmi_core::wmi::services::ExecMethodRequest;
    use rwmi_core::wmio::{Limits, class_declaration, decode_encoding_unit};

    let stub = include_bytes!(
        "../../../rwmi-core/tests/real-windows/dcerpc-exec-method-win32-process-create.stub"
    );
    let request = ExecMethodRequest::from_stub(stub).unwrap();
    let in_params = request.in_params.as_ref().unwrap();
    let ObjRefBody::Custom(custom) = ObjRef::decode(&in_params.data).unwrap().body else {
        panic!("an OBJREF_CUSTOM");
    };
    let unit = decode_encoding_unit(&custom.object_data, &Limits::default(), None).unwrap();
    let windows = unit.object.class();

    let repository = Repository::load_default("EMU").unwrap();
    let process = repository.class(r"root\cimv2", "Win32_Process").unwrap();
    let create = process.method("Create").unwrap();
    let ours = create.input.as_ref().unwrap();

    assert_eq!(class_declaration(ours), class_declaration(windows));
    assert_eq!(ours.qualifiers(), windows.qualifiers());
    assert_eq!(ours.properties(), windows.properties());
}
