use super::*;
use rwmi_core::wmio::{Value, WmiInstance};

use crate::wql::WqlValue;

const CIMV2: &str = r"root\cimv2";

fn instances(result: QueryResult) -> Vec<WmiInstance> {
    result
        .map(|object| match object {
            WmiObject::Instance(instance) => instance,
            WmiObject::Class(class) => panic!("class {} in an instance query", class.name()),
        })
        .collect()
}

fn synthetic_repository(count: usize) -> Repository {
    let mut repository = Repository::load_default("EMU").unwrap();
    repository.set_synthetic("Win32_Process", count).unwrap();
    repository
}

#[test]
fn projection_keeps_selected_and_key_properties() {
    let repository = Repository::load_default("EMU").unwrap();
    let result = execute(
        &repository,
        CIMV2,
        "SELECT Name, ProcessId FROM Win32_Process WHERE Name LIKE '%a%' AND ProcessId > 1",
    )
    .unwrap();
    let class = result.class.clone().unwrap();
    assert_eq!(class.name(), "Win32_Process");
    assert_eq!(class.derivation()[0], "CIM_Process");
    let mut names: Vec<&str> = class.properties().iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["Handle", "Name", "ProcessId"]);
    let rows = instances(result);
    for row in &rows {
        let name = row.get("Name").and_then(Value::as_str).unwrap();
        assert!(name.to_lowercase().contains('a'), "{name}");
        assert!(matches!(row.get("ProcessId"), Some(Value::UInt32(pid)) if *pid > 1));
        let handle = row.get("Handle").and_then(Value::as_str).unwrap();
        assert_eq!(
            row.relpath(),
            Some(format!(r#"Win32_Process.Handle="{handle}""#))
        );
        assert_eq!(
            WqlObject::property(row, "__RELPATH"),
            Some(WqlValue::String(format!(
                r#"Win32_Process.Handle="{handle}""#
            )))
        );
        assert!(
            row.path()
                .unwrap()
                .starts_with(r"\\EMU\root\cimv2:Win32_Process.")
        );
        assert!(row.get("CommandLine").is_none());
    }
}

#[test]
fn projection_over_synthetic_processes() {
    let repository = synthetic_repository(200);
    let rows = instances(
        execute(
            &repository,
            CIMV2,
            "SELECT Name, ProcessId FROM Win32_Process WHERE Name LIKE '%1%' AND ProcessId > 1100",
        )
        .unwrap(),
    );
    // proc-N.exe has pid 1000+N; N in 101..200 containing a 1.
    let expected = (101..200)
        .filter(|n: &usize| n.to_string().contains('1'))
        .count();
    assert_eq!(rows.len(), expected);
    assert_eq!(
        rows[0].get("Name"),
        Some(&Value::String("proc-101.exe".into()))
    );
    assert_eq!(
        rows[0].relpath().as_deref(),
        Some(r#"Win32_Process.Handle="1101""#)
    );
    assert_eq!(rows[0].class.properties().len(), 3);
}

#[test]
fn select_star_streams_ten_thousand() {
    let repository = synthetic_repository(10_000);
    let mut result = execute(&repository, CIMV2, "SELECT * FROM Win32_Process").unwrap();
    let first = result.next().unwrap();
    let WmiObject::Instance(first) = first else {
        panic!("not an instance");
    };
    assert_eq!(first.get("ProcessId"), Some(&Value::UInt32(1000)));
    assert!(first.get("CommandLine").is_some());
    assert_eq!(result.count(), 9_999);
}

#[test]
fn from_a_base_class_includes_subclasses() {
    let repository = synthetic_repository(5);
    let rows = instances(execute(&repository, CIMV2, "SELECT Handle FROM CIM_Process").unwrap());
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|row| row.class.name() == "Win32_Process"));
    assert!(
        rows.iter()
            .all(|row| row.is_a("CIM_Process") && row.is_a("cim_logicalelement"))
    );
    let isa = instances(
        execute(
            &repository,
            CIMV2,
            "SELECT * FROM CIM_LogicalElement WHERE __this ISA 'Win32_Process' AND __CLASS = 'win32_process'",
        )
        .unwrap(),
    );
    assert_eq!(isa.len(), 5);
}

#[test]
fn system_properties_in_where() {
    let repository = synthetic_repository(3);
    let rows = instances(
        execute(
            &repository,
            CIMV2,
            r#"SELECT * FROM Win32_Process WHERE __RELPATH = 'Win32_Process.Handle="1001"' AND __GENUS = 2"#,
        )
        .unwrap(),
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(
        WqlObject::property(&rows[0], "__SERVER"),
        Some(WqlValue::String("EMU".into()))
    );
    assert_eq!(
        WqlObject::property(&rows[0], "__namespace"),
        Some(WqlValue::String(CIMV2.into()))
    );
    assert_eq!(WqlObject::property(&rows[0], "NoSuch"), None);
}

#[test]
fn error_codes() {
    let repository = synthetic_repository(1);
    let status = |text: &str| execute(&repository, CIMV2, text).err();
    assert_eq!(
        status("SELECT * FROM NoSuchClass"),
        Some(WbemStatus::InvalidClass)
    );
    assert_eq!(
        status("SELECT Bogus FROM Win32_Process"),
        Some(WbemStatus::InvalidQuery)
    );
    assert_eq!(
        status("SELECT * FROM Win32_Process WHERE Bogus = 1"),
        Some(WbemStatus::InvalidQuery)
    );
    assert_eq!(status("SELECT * FROM"), Some(WbemStatus::InvalidQuery));
    assert_eq!(
        status("SELEKT * FROM Win32_Process"),
        Some(WbemStatus::InvalidQuery)
    );
    assert_eq!(
        execute(&repository, r"root\nope", "SELECT * FROM Win32_Process").err(),
        Some(WbemStatus::InvalidNamespace)
    );
    assert_eq!(
        execute_in_language(&repository, CIMV2, "SQL", "SELECT * FROM Win32_Process").err(),
        Some(WbemStatus::InvalidQueryType)
    );
    assert!(execute_in_language(&repository, CIMV2, "wql", "SELECT * FROM Win32_Process").is_ok());
}

#[test]
fn unsupported_wql_is_not_supported() {
    let repository = Repository::new("EMU");
    let text = r#"ASSOCIATORS OF {Win32_Process.Handle="1"}"#;
    assert!(matches!(
        wql::parse(text),
        Err(WqlError::Unsupported { .. })
    ));
    assert_eq!(
        execute(&repository, CIMV2, text).err(),
        Some(WbemStatus::NotSupported)
    );
    assert_eq!(
        status_for(&WqlError::Unsupported {
            feature: "x".into()
        }),
        WbemStatus::NotSupported
    );
}

#[test]
fn namespace_query() {
    let repository = Repository::load_default("EMU").unwrap();
    let rows = instances(execute(&repository, "root", "SELECT * FROM __NAMESPACE").unwrap());
    let names: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.get("Name").and_then(Value::as_str))
        .collect();
    assert_eq!(names, ["cimv2", "default"]);
    let rows = instances(
        execute(
            &repository,
            "root",
            "SELECT Name FROM __NAMESPACE WHERE Name = 'CIMV2'",
        )
        .unwrap(),
    );
    assert_eq!(rows.len(), 1);
}

#[test]
fn meta_class_enumerates_classes() {
    let repository = Repository::load_default("EMU").unwrap();
    let result = execute(&repository, CIMV2, "SELECT * FROM meta_class").unwrap();
    assert!(result.class.is_none());
    let names: Vec<String> = result.map(|o| o.class().name().to_string()).collect();
    assert!(names.iter().any(|n| n == "Win32_Process"));
    assert!(names.iter().any(|n| n == "__NAMESPACE"));
    let subclasses: Vec<WmiObject> = execute(
        &repository,
        CIMV2,
        "SELECT * FROM meta_class WHERE __this ISA 'CIM_Process' AND __CLASS <> 'CIM_Process'",
    )
    .unwrap()
    .collect();
    assert_eq!(subclasses.len(), 1);
    assert_eq!(subclasses[0].class().name(), "Win32_Process");
    assert_eq!(
        property_of(&subclasses[0], "__GENUS"),
        Some(WqlValue::Int(1))
    );
    assert_eq!(
        property_of(&subclasses[0], "__PATH"),
        Some(WqlValue::String(r"\\EMU\root\cimv2:Win32_Process".into()))
    );
}

#[test]
fn wql_values_of_every_type() {
    assert_eq!(wql_value(None), WqlValue::Null);
    assert_eq!(wql_value(Some(&Value::SInt8(-1))), WqlValue::Int(-1));
    assert_eq!(
        wql_value(Some(&Value::UInt64(u64::MAX))),
        WqlValue::UInt(u64::MAX)
    );
    assert_eq!(wql_value(Some(&Value::Real32(0.5))), WqlValue::Real(0.5));
    assert_eq!(
        wql_value(Some(&Value::DateTime("x".into()))),
        WqlValue::String("x".into())
    );
    assert_eq!(
        wql_value(Some(&Value::Array(vec![Value::Boolean(true)]))),
        WqlValue::Array(vec![WqlValue::Bool(true)])
    );
}
