//! Impacket, a DCOM/WMI client rwmi did not write, against the emulator: `tests/impacket/wmi_client.py`
//! (Impacket's DCOMConnection and dcom.wmi, as wmiquery.py uses them) logs in with NTLM, queries and
//! gets a class, and must see what rwmi's own client sees; access checks must fail as on Windows.
//!
//! Needs `RWMI_PYTHON` (a Python with impacket, set by scripts/test.sh). Without it the test skips,
//! unless `RWMI_REQUIRE_PEERS=1`, where it fails. Impacket's DCOMConnection always dials port 135 of
//! its target, so the emulator listens on 127.0.0.77:135 (loopback, clear of a `rwmi sim` on
//! 127.0.0.1:135); binding it needs root or CAP_NET_BIND_SERVICE.

mod peer;
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rwmi_core::status::hresult::E_ACCESSDENIED;
use rwmi_core::status::wbem::WBEM_E_ACCESS_DENIED;
use rwmi_core::wmio::{Value, WmiInstance, WmiObject};
use rwmi_sim::accounts::BUILTIN_PASSWORD;
use rwmi_sim::launch::{COMPUTER_NAME, SimOptions, start};
use rwmi_sim::repository::TPM_NAMESPACE;
use serde_json::{Map, Value as Json};
use support::{rows, samba_realm};

use peer::{
    OS_QUERY, ScriptOutput, VOLATILE_OS_PROPERTIES, administrator_connection, as_json, peer_python,
    run_python, start_emulator,
};

const LISTEN: &str = "127.0.0.77:135";
const HOST: &str = "127.0.0.77";
/// The variable wmi_client.py reads the password from (never an argument: `ps` shows those).
const PASSWORD_VARIABLE: &str = "RWMI_IMPACKET_PASSWORD";
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(180);
/// Synthetic processes replace the live /proc provider, so two clients see the same list.
const SYNTHETIC_PROCESSES: usize = 300;

/// An HRESULT as wmi_client.py prints it (`0x80070005`).
fn printed(code: u32) -> String {
    format!("{code:#010x}")
}

const PROCESS_QUERY: &str = "SELECT Name, ProcessId FROM Win32_Process";
const WHERE_QUERY: &str =
    "SELECT Name, ProcessId FROM Win32_Process WHERE Name LIKE 'proc-1%' AND ProcessId > 1050";

fn script_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/impacket/wmi_client.py")
}

/// Runs wmi_client.py in a blocking thread (the emulator runs on the test's runtime).
async fn run_script(
    python: &Path,
    user: &str,
    namespace: &str,
    level: &str,
    operations: &[String],
) -> ScriptOutput {
    let password = [(PASSWORD_VARIABLE, BUILTIN_PASSWORD)];
    run_script_on(python, HOST, user, namespace, level, operations, &password).await
}

/// `run_script` against `host`, with `env` in place of the password variable.
async fn run_script_on(
    python: &Path,
    host: &str,
    user: &str,
    namespace: &str,
    level: &str,
    operations: &[String],
    env: &[(&str, &str)],
) -> ScriptOutput {
    let mut args: Vec<String> = [host, user, namespace, level]
        .iter()
        .map(|a| a.to_string())
        .collect();
    args.extend_from_slice(operations);
    run_python(python, &script_path(), &args, env, SCRIPT_TIMEOUT).await
}

/// Compares every property both sides show, except `skip`; returns how many were compared.
fn assert_same_row(rwmi: &WmiInstance, impacket: &Map<String, Json>, skip: &[&str]) -> usize {
    assert_eq!(
        impacket.get("__CLASS").and_then(Json::as_str),
        Some(rwmi.class.name()),
        "class of {impacket:?}"
    );
    let mut compared = 0;
    for (property, value) in rwmi.class.properties().iter().zip(&rwmi.values) {
        let name = property.name.as_str();
        let Some(theirs) = impacket.get(name) else {
            continue;
        };
        if skip.contains(&name) {
            continue;
        }
        let ours = match value {
            None => Json::Null,
            Some(v) => match as_json(v) {
                Some(json) => json,
                None => continue,
            },
        };
        assert_eq!(&ours, theirs, "{}.{name}", rwmi.class.name());
        compared += 1;
    }
    compared
}

fn pair_of_instance(instance: &WmiInstance) -> (String, u64) {
    let name = match instance.get("Name") {
        Some(Value::String(name)) => name.clone(),
        other => panic!("rwmi row without a Name string: {other:?}"),
    };
    let pid = match instance.get("ProcessId") {
        Some(Value::UInt32(pid)) => u64::from(*pid),
        other => panic!("rwmi row without a ProcessId: {other:?}"),
    };
    (name, pid)
}

fn pair_of_row(row: &Map<String, Json>) -> (String, u64) {
    let name = row.get("Name").and_then(Json::as_str);
    let pid = row.get("ProcessId").and_then(Json::as_u64);
    match (name, pid) {
        (Some(name), Some(pid)) => (name.to_string(), pid),
        _ => panic!("Impacket row without Name and ProcessId: {row:?}"),
    }
}

fn administrator() -> String {
    format!("{COMPUTER_NAME}\\Administrator")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn impacket_sees_what_rwmi_sees() {
    let Some(python) = peer_python() else {
        return;
    };
    let handle = start_emulator(LISTEN, vec![format!("Win32_Process={SYNTHETIC_PROCESSES}")]).await;
    let connection = administrator_connection(LISTEN).await;
    let os = rows(&connection, OS_QUERY).await;
    let processes = rows(&connection, PROCESS_QUERY).await;
    let filtered = rows(&connection, WHERE_QUERY).await;
    let class = match connection.get("Win32_Process").await.unwrap() {
        WmiObject::Class(class) => class,
        WmiObject::Instance(_) => panic!("GetObject Win32_Process gave an instance"),
    };
    connection.close().await;

    let operations = [
        format!("query:{OS_QUERY}"),
        format!("query:{PROCESS_QUERY}"),
        format!("query:{WHERE_QUERY}"),
        "get:Win32_Process".to_string(),
    ];
    let output = run_script(
        &python,
        &administrator(),
        r"root\cimv2",
        "privacy",
        &operations,
    )
    .await;
    assert_eq!(output.error(), None, "{:?}", output.lines);

    // SELECT * FROM Win32_OperatingSystem: one row, property by property.
    let impacket_os = output.rows(0);
    assert_eq!(os.len(), 1);
    assert_eq!(impacket_os.len(), 1, "{impacket_os:?}");
    let compared = assert_same_row(&os[0], impacket_os[0], VOLATILE_OS_PROPERTIES);
    assert!(compared >= 20, "only {compared} properties compared");
    for volatile in VOLATILE_OS_PROPERTIES {
        assert!(
            impacket_os[0].get(*volatile).is_some_and(|v| !v.is_null()),
            "Impacket's Win32_OperatingSystem lacks {volatile}"
        );
    }

    // SELECT Name, ProcessId FROM Win32_Process: the same (Name, ProcessId) pairs.
    let ours: BTreeSet<_> = processes.iter().map(pair_of_instance).collect();
    let theirs: BTreeSet<_> = output.rows(1).into_iter().map(pair_of_row).collect();
    assert_eq!(ours.len(), SYNTHETIC_PROCESSES);
    assert_eq!(output.rows(1).len(), SYNTHETIC_PROCESSES);
    assert_eq!(ours, theirs);
    let count = output
        .line_with(1, "done")
        .get("done")
        .and_then(Json::as_u64);
    assert_eq!(count, Some(SYNTHETIC_PROCESSES as u64));

    // WHERE with LIKE and AND: the same rows, and not trivially all or none of them.
    let ours: BTreeMap<_, _> = filtered
        .iter()
        .map(|i| (pair_of_instance(i), i.clone()))
        .collect();
    let theirs = output.rows(2);
    assert!(!ours.is_empty() && ours.len() < SYNTHETIC_PROCESSES);
    assert_eq!(theirs.len(), ours.len(), "{theirs:?}");
    for row in theirs {
        let instance = ours
            .get(&pair_of_row(row))
            .unwrap_or_else(|| panic!("Impacket row {row:?} is not among rwmi's"));
        assert!(assert_same_row(instance, row, &[]) >= 2);
    }

    // GetObject Win32_Process: the class with the same property names.
    let got = output.line_with(3, "class");
    assert_eq!(
        got.get("class").and_then(Json::as_str),
        Some("Win32_Process")
    );
    let theirs: Vec<&str> = got
        .get("properties")
        .and_then(Json::as_array)
        .map(|names| names.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    let ours: Vec<&str> = class.properties().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        theirs.iter().collect::<BTreeSet<_>>(),
        ours.iter().collect::<BTreeSet<_>>()
    );

    // alice may not activate remotely: E_ACCESSDENIED from RemoteCreateInstance.
    let alice = format!("{COMPUTER_NAME}\\alice");
    let output = run_script(&python, &alice, r"root\cimv2", "privacy", &[]).await;
    assert_eq!(
        output.error(),
        Some((printed(E_ACCESSDENIED).as_str(), "activation"))
    );

    // The TPM namespace requires encryption: NTLMLogin at integrity is refused, at privacy allowed.
    let get_namespace = ["get:__NAMESPACE".to_string()];
    let output = run_script(
        &python,
        &administrator(),
        TPM_NAMESPACE,
        "integrity",
        &get_namespace,
    )
    .await;
    assert_eq!(
        output.error(),
        Some((printed(WBEM_E_ACCESS_DENIED).as_str(), "login"))
    );
    let output = run_script(
        &python,
        &administrator(),
        TPM_NAMESPACE,
        "privacy",
        &get_namespace,
    )
    .await;
    assert_eq!(output.error(), None, "{:?}", output.lines);
    assert_eq!(
        output
            .line_with(0, "class")
            .get("class")
            .and_then(Json::as_str),
        Some("__NAMESPACE")
    );

    handle.shutdown().await;
}

/// Where the Kerberos test runs the emulator: scripts/samba-dc.sh maps emu.test.local, the host name of
/// the service account `emu`, to this address in /etc/hosts.
const KERBEROS_LISTEN: &str = "127.0.0.78:135";
const KERBEROS_HOST: &str = "emu.test.local";

/// Impacket with Kerberos (SPNEGO, RPC_C_AUTHN_GSS_NEGOTIATE, the alter_context third leg) against the
/// emulator keyed from Samba's keytab, at integrity and privacy. Impacket 0.13 cannot get a service
/// ticket from Samba's KDC itself (its TGS-REQ authenticator has no body checksum, which Samba refuses
/// with KRB_AP_ERR_INAPP_CKSUM; fortra/impacket pull request 2211), so MIT kinit and kvno put the TGT and
/// the service ticket in the cache it reads, as a user of Impacket's -k -no-pass does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn impacket_authenticates_with_kerberos() {
    let Some(python) = peer_python() else {
        return;
    };
    let Some(samba) = samba_realm() else {
        return;
    };
    let realm = &samba.realm;
    let options = SimOptions {
        listen: KERBEROS_LISTEN.parse().unwrap(),
        keytabs: vec![samba.emu_keytab.clone()],
        ..SimOptions::default()
    };
    let handle = start(&options)
        .await
        .unwrap_or_else(|e| panic!("emulator on {KERBEROS_LISTEN} (needs root for port 135): {e}"));

    let dir = std::env::temp_dir().join(format!("rwmi-impacket-krb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cache = dir.join("krb5cc").display().to_string();
    let mit = |program: &str, args: &[&str]| {
        let status = std::process::Command::new(program)
            .args(args)
            .env("KRB5_CONFIG", &samba.krb5_config)
            .env("KRB5CCNAME", format!("FILE:{cache}"))
            .status()
            .unwrap_or_else(|e| panic!("{program} (Debian package krb5-user): {e}"));
        assert!(status.success(), "{program} {args:?}: {status}");
    };
    mit(
        "kinit",
        &[
            "-k",
            "-t",
            &samba.admin_keytab.display().to_string(),
            &format!("Administrator@{realm}"),
        ],
    );
    mit("kvno", &[&format!("host/{KERBEROS_HOST}@{realm}")]);

    let user = format!("{realm}\\Administrator");
    for level in ["integrity", "privacy"] {
        let output = run_script_on(
            &python,
            KERBEROS_HOST,
            &user,
            r"root\cimv2",
            level,
            &[format!("query:{OS_QUERY}")],
            &[
                ("RWMI_IMPACKET_KDC", samba.host.as_str()),
                ("KRB5CCNAME", cache.as_str()),
            ],
        )
        .await;
        assert_eq!(output.error(), None, "{level}: {:?}", output.lines);
        let rows = output.rows(0);
        assert_eq!(rows.len(), 1, "{level}: {:?}", output.lines);
        let caption = rows[0]
            .get("Caption")
            .and_then(Json::as_str)
            .unwrap_or_default();
        assert!(caption.contains("Windows"), "{level}: {caption}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
    handle.shutdown().await;
}
