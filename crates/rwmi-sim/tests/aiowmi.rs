//! aiowmi (PyPI `aiowmi`, pinned in scripts/requirements-peers.txt), an asyncio DCOM/WMI client rwmi
//! did not write and that works against Windows Server 2019 and 2022, used unpatched against the
//! emulator: `tests/aiowmi/client.py` logs in with NTLM, runs the queries through aiowmi's smart
//! enumerator (its default) and its plain IEnumWbemClassObject::Next, and must see the values rwmi's
//! own client sees; a standard user is refused at activation.
//!
//! aiowmi exercises what Windows does and the emulator first did not (issue 20): it binds the object
//! exporter at max(authnHint, integrity), so the hint must be the exporter's minimum and not the
//! caller's privacy (aiowmi cannot seal NTLM calls), and it sends every call on its one presentation
//! context (IWbemLevel1Login) with the object's IPID, so calls are served by the IPID's interface.
//!
//! Where aiowmi decodes differently from rwmi, the comparison goes around it (never the emulator):
//! - It ignores the NdTable's NULL flag (MS-WMIO 2.2.26, 2.2.27; aiowmi `ndr/properties.py`
//!   `set_prop_values`): a NULL property comes out as its type's default, '' for strings, datetimes
//!   and references, 0 for numbers, False for booleans, [] for arrays.
//! - It reads a value-table slot of 0 or 0xFFFFFFFF as "no value of its own" whatever the type, so a
//!   32-bit 0xFFFFFFFF (a uint32 of 4294967295, a sint32 of -1) comes out as 0, and an instance's
//!   own 0 comes out as what the class slot holds (inherited zero values): the class default, or
//!   for a slot narrower or wider than 32 bits the NoValue octets (MS-WMIO 2.2.74: all 0xFF, as the
//!   2.2.29 requires of a class slot without a default, as the emulator does) read as a number, so a sint16 0 is
//!   -1, a boolean false is true. The emulator's CurrentTimeZone of 0 (UTC) comes out as -1.
//! - It decodes a boolean array's items as the raw 16-bit values (0xFFFF for true).
//! - `ClassPart.get_name()` never returns for a class with a superclass (the DerivationList is walked
//!   without the EncodingLength after each name, MS-WMIO 2.2.17): client.py reads the name itself.
//! - `QContext.is_optimized` is always false (`self.next is self._next_smart` compares two fresh
//!   bound methods): client.py compares the functions.
//! - It releases one public reference of the five each interface pointer carries (MS-DCOM 3.2.4.4.2
//!   lets the exporter choose five), so its objects stay until the exporter reclaims them after three
//!   ping periods without a call or ping (MS-DCOM 3.1.2.2), as on Windows.
//!
//! Needs `RWMI_PYTHON` (a Python with aiowmi, set by scripts/test.sh). Without it the test skips,
//! unless `RWMI_REQUIRE_PEERS=1`, where it fails. aiowmi activates on port 135 of its target, so the
//! emulator listens on 127.0.0.79:135 (clear of Impacket's 127.0.0.77 and `rwmi sim` on 127.0.0.1);
//! binding it needs root or CAP_NET_BIND_SERVICE.

mod peer;
mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rwmi_core::status::hresult::E_ACCESSDENIED;
use rwmi_core::wmio::{CimBase, CimType, Value, WmiInstance};
use rwmi_sim::accounts::BUILTIN_PASSWORD;
use rwmi_sim::launch::COMPUTER_NAME;
use serde_json::{Map, Value as Json};

use support::rows;

use peer::{
    OS_QUERY, ScriptOutput, VOLATILE_OS_PROPERTIES, administrator_connection, as_json, peer_python,
    run_python, start_emulator,
};

const LISTEN: &str = "127.0.0.79:135";
const HOST: &str = "127.0.0.79";
/// The variable client.py reads the password from (never an argument: `ps` shows those).
const PASSWORD_VARIABLE: &str = "RWMI_AIOWMI_PASSWORD";
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(240);
/// Synthetic instances replace the live providers, so both clients see the same rows.
const SYNTHETIC: [(&str, usize); 3] = [
    ("Win32_Process", 300),
    ("Win32_Service", 82),
    ("Win32_LogicalDisk", 4),
];

const QUERIES: [&str; 4] = [
    OS_QUERY,
    "SELECT * FROM Win32_Process",
    "SELECT * FROM Win32_Service",
    "SELECT * FROM Win32_LogicalDisk",
];

fn script_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/aiowmi/client.py")
}

async fn run_script(python: &Path, user: &str, operations: &[String]) -> ScriptOutput {
    let mut args = vec![HOST.to_string(), user.to_string()];
    args.extend_from_slice(operations);
    let env = [(PASSWORD_VARIABLE, BUILTIN_PASSWORD)];
    run_python(python, &script_path(), &args, &env, SCRIPT_TIMEOUT).await
}

/// What aiowmi shows for a property with no value of its own: its type's default.
fn type_default(cim_type: CimType) -> Json {
    if cim_type.array {
        return Json::Array(Vec::new());
    }
    match cim_type.base {
        CimBase::String | CimBase::DateTime | CimBase::Reference => Json::from(""),
        CimBase::Boolean => Json::from(false),
        CimBase::Object => Json::Null,
        _ => Json::from(0),
    }
}

/// What aiowmi shows where an inherited class slot holds NoValue (all octets 0xFF, MS-WMIO 2.2.74) and
/// the instance has no value of its own for it: the octets read as a number, because it recognises
/// NoValue only in a 32-bit slot. Booleans come out true (0xFFFF), reals NaN (printed "NaN").
fn no_value_reading(cim_type: CimType) -> Option<Json> {
    if cim_type.array {
        return None;
    }
    Some(match cim_type.base {
        CimBase::SInt8 | CimBase::SInt16 | CimBase::SInt64 => Json::from(-1),
        CimBase::UInt8 => Json::from(u8::MAX),
        CimBase::UInt16 | CimBase::Char16 => Json::from(u16::MAX),
        CimBase::UInt64 => Json::from(u64::MAX),
        CimBase::Boolean => Json::from(true),
        CimBase::Real32 | CimBase::Real64 => Json::from("NaN"),
        _ => return None,
    })
}

/// Whether a value's value-table slot holds 0xFFFFFFFF, which aiowmi reads as "no value".
fn all_ones_slot(value: &Value) -> bool {
    matches!(value, Value::UInt32(u32::MAX) | Value::SInt32(-1))
}

/// A boolean array as aiowmi shows it: the raw VARIANT_BOOL items.
fn raw_booleans(items: &[Value]) -> Option<Json> {
    items
        .iter()
        .map(|item| match item {
            Value::Boolean(b) => Some(Json::from(if *b { 0xFFFF } else { 0 })),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .map(Json::Array)
}

/// Compares every property of the rwmi row with aiowmi's, except `skip`, around aiowmi's decoding
/// (see the module comment); returns how many were compared and how many of them only through
/// aiowmi's type defaults.
fn assert_same_row(
    rwmi: &WmiInstance,
    aiowmi: &Map<String, Json>,
    skip: &[&str],
) -> (usize, usize) {
    let class = rwmi.class.name();
    assert_eq!(
        aiowmi.get("__CLASS").and_then(Json::as_str),
        Some(class),
        "class of {aiowmi:?}"
    );
    let (mut compared, mut defaulted) = (0, 0);
    for (property, value) in rwmi.class.properties().iter().zip(&rwmi.values) {
        let name = property.name.as_str();
        if skip.contains(&name) {
            continue;
        }
        let theirs = aiowmi
            .get(name)
            .unwrap_or_else(|| panic!("aiowmi's {class} lacks {name}: {aiowmi:?}"));
        let ours = match value {
            None => Json::Null,
            Some(Value::Array(items)) if property.cim_type.base == CimBase::Boolean => {
                raw_booleans(items).unwrap_or(Json::Null)
            }
            Some(v) => match as_json(v) {
                Some(json) => json,
                None => continue,
            },
        };
        compared += 1;
        if &ours == theirs {
            continue;
        }
        // What aiowmi shows for a slot it takes for "no value of its own": the class's reading of it.
        let class_reading = [
            Some(type_default(property.cim_type)),
            property.default.as_ref().and_then(as_json),
            no_value_reading(property.cim_type),
        ];
        let from_class = class_reading.iter().flatten().any(|v| v == theirs);
        let known = match value {
            None => from_class,
            Some(v) if all_ones_slot(v) => *theirs == type_default(property.cim_type),
            Some(_) => ours == type_default(property.cim_type) && from_class,
        };
        assert!(known, "{class}.{name}: rwmi {ours}, aiowmi {theirs}");
        defaulted += 1;
    }
    (compared, defaulted)
}

/// The rows of one query, keyed by the instance's relative path (the key properties).
fn by_key(rows: &[WmiInstance]) -> std::collections::BTreeMap<String, &WmiInstance> {
    rows.iter()
        .map(|row| (row.relpath().expect("a keyed instance"), row))
        .collect()
}

/// aiowmi's row of the rwmi row with the same key properties.
fn matching<'a>(rwmi: &WmiInstance, theirs: &[&'a Map<String, Json>]) -> &'a Map<String, Json> {
    let keys: Vec<(&str, Json)> = rwmi
        .class
        .properties()
        .iter()
        .zip(&rwmi.values)
        .filter(|(p, _)| {
            p.qualifiers
                .iter()
                .any(|q| q.name.eq_ignore_ascii_case("key"))
        })
        .map(|(p, v)| {
            (
                p.name.as_str(),
                v.as_ref().and_then(as_json).unwrap_or(Json::Null),
            )
        })
        .collect();
    assert!(!keys.is_empty(), "{} has key properties", rwmi.class.name());
    let found: Vec<_> = theirs
        .iter()
        .filter(|row| {
            keys.iter()
                .all(|(name, value)| row.get(*name) == Some(value))
        })
        .collect();
    assert_eq!(found.len(), 1, "aiowmi rows with the keys {keys:?}");
    found[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aiowmi_sees_what_rwmi_sees() {
    let Some(python) = peer_python() else {
        return;
    };
    let synthetic = SYNTHETIC
        .iter()
        .map(|(class, count)| format!("{class}={count}"))
        .collect();
    let handle = start_emulator(LISTEN, synthetic).await;
    let connection = administrator_connection(LISTEN).await;
    let mut ours = Vec::new();
    for wql in QUERIES {
        ours.push(rows(&connection, wql).await);
    }
    connection.close().await;

    // Each query through the smart enumerator, then through plain Next.
    let operations: Vec<String> = ["smart", "plain"]
        .iter()
        .flat_map(|kind| QUERIES.iter().map(move |wql| format!("{kind}:{wql}")))
        .collect();
    let administrator = format!("{COMPUTER_NAME}\\Administrator");
    let output = run_script(&python, &administrator, &operations).await;
    assert_eq!(output.error(), None, "{:?}", output.lines);

    let mut defaulted = 0;
    for (op, wql) in operations.iter().enumerate() {
        let rows = &ours[op % QUERIES.len()];
        let theirs = output.rows(op as u64);
        let done = output.line_with(op as u64, "done");
        assert_eq!(
            done.get("done").and_then(Json::as_u64),
            Some(rows.len() as u64),
            "{wql}"
        );
        assert_eq!(theirs.len(), rows.len(), "{wql}");
        assert_eq!(
            done.get("optimized").and_then(Json::as_bool),
            Some(wql.starts_with("smart:")),
            "{wql}: the enumerator aiowmi used"
        );
        if op % QUERIES.len() == 0 {
            assert_eq!(rows.len(), 1);
            let (compared, nulls) = assert_same_row(&rows[0], theirs[0], VOLATILE_OS_PROPERTIES);
            assert!(compared >= 20, "only {compared} properties compared");
            defaulted += nulls;
            continue;
        }
        let expected = SYNTHETIC[op % QUERIES.len() - 1];
        assert_eq!(rows.len(), expected.1, "{wql}");
        for row in by_key(rows).values() {
            let (compared, nulls) = assert_same_row(row, matching(row, &theirs), &[]);
            assert!(compared >= 5, "{wql}: only {compared} properties compared");
            defaulted += nulls;
        }
    }
    eprintln!("values compared only through aiowmi's type defaults: {defaulted}");

    // alice may not activate remotely: E_ACCESSDENIED from RemoteCreateInstance.
    let alice = format!("{COMPUTER_NAME}\\alice");
    let output = run_script(&python, &alice, &[format!("smart:{OS_QUERY}")]).await;
    assert_eq!(
        output.error(),
        Some((format!("{E_ACCESSDENIED:#010x}").as_str(), "activation"))
    );

    handle.shutdown().await;
}
