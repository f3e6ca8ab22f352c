//! The `rwmi` binary against `rwmi sim` in another process: the commands, formats and exit codes a user
//! sees. The password travels in RWMI_PASSWORD, never in arguments.

mod common;

use std::process::{Command, Output, Stdio};

const RWMI: &str = env!("CARGO_BIN_EXE_rwmi");

use common::Sim;

fn sim(extra: &[&str]) -> Sim {
    let args: Vec<&std::ffi::OsStr> = extra.iter().map(std::ffi::OsStr::new).collect();
    Sim::start("127.0.0.1:0", &args)
}

fn rwmi(args: &[&str], password: &str) -> Output {
    Command::new(RWMI)
        .args(args)
        .env("RWMI_PASSWORD", password)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn query_formats_and_exit_codes() {
    let sim = sim(&["--synthetic", "Win32_Service=5"]);
    let t = sim.target.as_str();
    let out = rwmi(
        &[
            "query",
            "-H",
            t,
            "-u",
            "Administrator",
            "SELECT Caption, Version FROM Win32_OperatingSystem",
        ],
        "Passw0rd!",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json = text(&out.stdout);
    assert!(
        json.starts_with("[\n  {\"__CLASS\": \"Win32_OperatingSystem\", \"Caption\": \""),
        "{json}"
    );
    assert!(json.contains("\"Version\": \"10.0.20348\""), "{json}");

    let out = rwmi(
        &[
            "query",
            "-H",
            t,
            "-u",
            "Administrator",
            "--format",
            "csv",
            "-P",
            "Name,State",
            "SELECT * FROM Win32_Service",
        ],
        "Passw0rd!",
    );
    let csv = text(&out.stdout);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "Name,State", "{csv}");
    assert_eq!(lines.len(), 6, "{csv}");

    // Two hosts, one of them closed: ndjson rows carry the host, the failure is a line too, exit 8.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = listener.local_addr().unwrap().to_string();
    drop(listener);
    let out = rwmi(
        &[
            "query",
            "-H",
            &format!("{t},{closed}"),
            "-u",
            "Administrator",
            "--format",
            "ndjson",
            "SELECT Name FROM Win32_Service",
        ],
        "Passw0rd!",
    );
    assert_eq!(out.status.code(), Some(8), "{}", text(&out.stderr));
    let ndjson = text(&out.stdout);
    assert_eq!(
        ndjson
            .lines()
            .filter(|l| l.contains(&format!("\"host\": \"{t}\"")))
            .count(),
        5,
        "{ndjson}"
    );
    assert!(
        ndjson.contains(&format!(
            "{{\"host\": \"{closed}\", \"error\": {{\"stage\": \"connect\""
        )),
        "{ndjson}"
    );

    let bad = rwmi(
        &[
            "query",
            "-H",
            t,
            "-u",
            "Administrator",
            "SELECT * FROM NoSuchClass",
        ],
        "Passw0rd!",
    );
    assert_eq!(bad.status.code(), Some(7), "{}", text(&bad.stderr));
    assert!(
        text(&bad.stderr).contains("WBEM_E_INVALID_CLASS 0x80041010 (-2147217392)"),
        "{}",
        text(&bad.stderr)
    );

    let wrong = rwmi(
        &[
            "query",
            "-H",
            t,
            "-u",
            "Administrator",
            "SELECT * FROM Win32_Service",
        ],
        "Wr0ng-Secret",
    );
    assert_eq!(wrong.status.code(), Some(4), "{}", text(&wrong.stderr));
    assert!(!text(&wrong.stderr).contains("Wr0ng-Secret"));

    let denied = rwmi(
        &[
            "query",
            "-H",
            t,
            "-u",
            "alice",
            "SELECT * FROM Win32_Service",
        ],
        "Passw0rd!",
    );
    assert_eq!(denied.status.code(), Some(5), "{}", text(&denied.stderr));
}

#[test]
fn get_call_and_doctor() {
    let sim = sim(&[]);
    let t = sim.target.as_str();
    let out = rwmi(
        &[
            "get",
            "-H",
            t,
            "-u",
            "Administrator",
            "--format",
            "table",
            "Win32_Process",
        ],
        "Passw0rd!",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let class = text(&out.stdout);
    assert!(class.starts_with("class Win32_Process"), "{class}");
    assert!(class.contains("method     GetOwner()"), "{class}");

    let out = rwmi(
        &[
            "call",
            "-H",
            t,
            "-u",
            "Administrator",
            "Win32_Process.Handle=\"1\"",
            "GetOwner",
        ],
        "Passw0rd!",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("\"ReturnValue\": 0"),
        "{}",
        text(&out.stdout)
    );

    let out = rwmi(
        &["doctor", "-H", t, "-u", "alice", "--format", "json"],
        "Passw0rd!",
    );
    assert_eq!(out.status.code(), Some(5));
    let json = text(&out.stdout);
    assert!(json.contains("\"verdict\": \"dcom-access-denied\", \"stage\": \"activation\", \"code\": \"0x80070005\", \"code_decimal\": -2147024891"), "{json}");

    let out = rwmi(&["doctor", "-H", t, "-u", "Administrator"], "Passw0rd!");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("Verdict:  ok"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn the_password_flag_warns_and_explain_needs_no_network() {
    let out = Command::new(RWMI)
        .args([
            "query",
            "-H",
            "127.0.0.1:1",
            "-u",
            "a",
            "-p",
            "S3cret-in-argv",
            "SELECT * FROM X",
        ])
        .output()
        .unwrap();
    assert!(
        text(&out.stderr).contains("other users from the process list"),
        "{}",
        text(&out.stderr)
    );
    assert!(!text(&out.stderr).contains("S3cret-in-argv"));
    let out = Command::new(RWMI)
        .args(["explain", "-2147217405"])
        .output()
        .unwrap();
    assert!(
        text(&out.stdout).contains("WBEM_E_ACCESS_DENIED"),
        "{}",
        text(&out.stdout)
    );
    let out = Command::new(RWMI)
        .args(["query", "SELECT"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `rwmi query` as Administrator at packet integrity.
fn query_at_integrity(sim: &Sim, namespace: &str, wql: &str) -> Output {
    let t = sim.target.as_str();
    rwmi(
        &[
            "query",
            "-H",
            t,
            "-u",
            "Administrator",
            "-n",
            namespace,
            "--auth-level",
            "integrity",
            wql,
        ],
        "Passw0rd!",
    )
}

#[test]
fn an_encrypted_namespace_is_retried_at_privacy_with_a_message() {
    let sim = sim(&[]);
    let out = query_at_integrity(
        &sim,
        "root\\cimv2\\Security\\MicrosoftTpm",
        "SELECT * FROM Win32_Tpm",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("retrying at packet privacy"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("\"__CLASS\": \"Win32_Tpm\""),
        "{}",
        text(&out.stdout)
    );
}

/// root\MSCluster accepts NTLMLogin at integrity and refuses the ExecQuery (aiowmi issue 38): the CLI
/// runs the query again at privacy and says where the refusal came.
#[test]
fn a_namespace_refusing_at_the_query_is_retried_at_privacy_with_a_message() {
    let sim = sim(&[]);
    let out = query_at_integrity(
        &sim,
        "root\\MSCluster",
        "SELECT Name, State FROM MSCluster_Node",
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("refused integrity at the query after NTLMLogin")
            && stderr.contains("retrying at packet privacy"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("retrying").count(), 1, "{stderr}");
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout.matches("\"__CLASS\": \"MSCluster_Node\"").count(),
        2,
        "{stdout}"
    );
}

#[test]
fn pass_the_hash() {
    let sim = sim(&[]);
    let t = sim.target.as_str();
    // NT hash of Passw0rd! (MD4 of its UTF-16LE form), as `rwmi_core`-independent text.
    let hash = "aad3b435b51404eeaad3b435b51404ee:fc525c9683e8fe067095ba2ddc971889";
    let out = Command::new(RWMI)
        .args([
            "query",
            "-H",
            t,
            "-u",
            "Administrator",
            "--hashes",
            hash,
            "SELECT Name FROM Win32_Service",
        ])
        .env_remove("RWMI_PASSWORD")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("\"__CLASS\": \"Win32_Service\""));
    let wrong = Command::new(RWMI)
        .args([
            "query",
            "-H",
            t,
            "-u",
            "Administrator",
            "--hashes",
            &"0".repeat(32),
            "SELECT Name FROM Win32_Service",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(4), "{}", text(&wrong.stderr));
}

fn rwmi_without_peer(args: &[&str]) -> Output {
    let out = rwmi(args, "Passw0rd!");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    out
}

#[test]
fn kerberos_arguments_are_checked_before_connecting() {
    let query = |extra: &[&str]| {
        let mut args = vec!["query", "-H", "10.0.0.1"];
        args.extend_from_slice(extra);
        args.push("SELECT Name FROM Win32_Service");
        text(&rwmi_without_peer(&args).stderr)
    };
    let kdc = ["--kdc", "127.0.0.1"];
    let e = query(&[&["-u", "a@TEST.LOCAL", "-k"], &kdc[..]].concat());
    assert!(e.contains("not the address 10.0.0.1"), "{e}");
    assert!(e.contains("kerberos:host/server.domain"), "{e}");
    let e = query(&[&["-u", "a@TEST.LOCAL"], &kdc[..]].concat());
    assert!(e.contains("add -k"), "{e}");
    let e = query(&["-u", "alice", "-k"]);
    assert!(e.contains("needs a KDC"), "{e}");
    let e = query(
        &[
            &["-u", "a@TEST.LOCAL", "-k", "--hashes", &"0".repeat(32)],
            &kdc[..],
        ]
        .concat(),
    );
    assert!(e.contains("not an NT hash"), "{e}");
    let e = query(&[&["-u", "a@TEST.LOCAL", "--aes-key", "zz"], &kdc[..]].concat());
    assert!(e.contains("AES key"), "{e}");
    let e = query(
        &[
            &["-u", "a@TEST.LOCAL", "--authority", "kerberos:TEST\\dc1"],
            &kdc[..],
        ]
        .concat(),
    );
    assert!(e.contains("does not name a service principal"), "{e}");
}

/// The Samba AD DC of scripts/test.sh, when configured (tests/samba*.rs in rwmi have the same rules).
fn samba() -> Option<(String, String, String)> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (var("RWMI_SAMBA_HOST"), var("RWMI_SAMBA_PASSWORD")) {
        (Some(host), Some(password)) => Some((
            host,
            var("RWMI_SAMBA_REALM").unwrap_or_else(|| "TEST.LOCAL".into()),
            password,
        )),
        _ => {
            assert!(
                var("RWMI_REQUIRE_PEERS").is_none(),
                "RWMI_REQUIRE_PEERS is set but no Samba DC is configured"
            );
            eprintln!("skipped: no Samba DC (run ./scripts/test.sh)");
            None
        }
    }
}

/// Doctor with -k against Samba: a right password (or AES key) gets past the KDC and the bind reaches an
/// endpoint mapper without DCOM (exit 3); a wrong one is refused by the KDC (exit 4).
#[test]
fn kerberos_doctor_against_samba() {
    let Some((host, realm, password)) = samba() else {
        return;
    };
    let user = format!("Administrator@{realm}");
    let authority = format!("kerberos:host/dc1.{}", realm.to_lowercase());
    let doctor = |extra: &[&str], password: &str| {
        let mut args = vec![
            "doctor",
            "-H",
            &host,
            "-u",
            &user,
            "-k",
            "--dc-ip",
            &host,
            "--authority",
            &authority,
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let out = rwmi(&args, password);
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    let (code, json, err) = doctor(&[], &password);
    assert_eq!(code, Some(3), "{json}{err}");
    assert!(
        json.contains("\"verdict\": \"dcom-not-available\", \"stage\": \"bind\""),
        "{json}"
    );
    let (code, json, err) = doctor(&[], "not-the-password");
    assert_eq!(code, Some(4), "{json}{err}");
    assert!(
        json.contains("\"verdict\": \"kerberos-preauth-failed\""),
        "{json}"
    );
    // Pass-the-key: AD salts a user's AES key with the realm and the account name.
    let key = match rwmi::security::KerberosSecret::aes256_key_from_password(
        &password,
        &format!("{realm}Administrator"),
    )
    .unwrap()
    {
        rwmi::security::KerberosSecret::AesKey(key) => key,
        other => panic!("{other:?}"),
    };
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let (code, json, err) = doctor(&["--aes-key", &hex], "");
    assert_eq!(code, Some(3), "{json}{err}");
    assert!(
        json.contains("\"verdict\": \"dcom-not-available\""),
        "{json}"
    );
}

/// `rwmi sim --keytab` with the service account samba-dc.sh exported, and the three ways a user proves
/// who they are without typing a password: a kinit cache in KRB5CCNAME (-k alone), --ccache, --keytab.
#[test]
fn kerberos_to_the_emulator_from_a_cache_and_a_keytab() {
    let Some((host, realm, _)) = samba() else {
        return;
    };
    let var = |name: &str| std::env::var(name).expect(name);
    let (emu_keytab, admin_keytab) = (var("RWMI_SAMBA_EMU_KEYTAB"), var("RWMI_SAMBA_ADMIN_KEYTAB"));
    let sim = sim(&["--keytab", &emu_keytab]);
    let dir = std::env::temp_dir().join(format!("rwmi-cli-ccache-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cache = format!("FILE:{}", dir.join("krb5cc").display());
    let kinit = Command::new("kinit")
        .args(["-k", "-t", &admin_keytab, "-c", &cache])
        .arg(format!("Administrator@{realm}"))
        .env("KRB5_CONFIG", var("RWMI_SAMBA_KRB5_CONFIG"))
        .status()
        .unwrap();
    assert!(kinit.success());
    let query = |extra: &[&str], ccname: Option<&str>| {
        let mut command = Command::new(RWMI);
        command
            .args(["query", "-H", &sim.target, "--kdc", &host])
            .args(["--authority", "kerberos:host/emu.test.local"])
            .args(["--format", "csv", "--no-header"])
            .args(extra)
            .arg("SELECT CSName FROM Win32_OperatingSystem")
            .env_remove("RWMI_PASSWORD")
            .env_remove("RWMI_USER")
            .stdin(Stdio::null());
        match ccname {
            Some(name) => command.env("KRB5CCNAME", name),
            None => command.env_remove("KRB5CCNAME"),
        };
        let out = command.output().unwrap();
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    for (extra, ccname) in [
        (&["-k"][..], Some(cache.as_str())),
        (&["--ccache", &cache][..], None),
        (&["--keytab", &admin_keytab][..], None),
        (
            &["--keytab", &admin_keytab, "--auth-package", "negotiate"][..],
            None,
        ),
    ] {
        let (code, out, err) = query(extra, ccname);
        assert_eq!(code, Some(0), "{extra:?}: {out}{err}");
        assert_eq!(out.lines().count(), 1, "{extra:?}: {out}");
    }
    // A cache of another kind is named, not misread.
    let (code, _, err) = query(&["-k"], Some("KEYRING:persistent:0"));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("FILE caches only"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
