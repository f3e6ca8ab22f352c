//! `rwmi wmic-server` in its own process against `rwmi sim` in another, spoken to over real TCP the way
//! its consumers speak to aiowmi's contrib/wmic_server: `wmic_client.sh`'s curl POST, a GET with the
//! fields in the URL, check_wmi_os_security's `requests.post` (in tests/wmic_server/aiowmi_oracle.py,
//! which also runs aiowmi itself for what the original would have answered).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Answer, Sim, http, listening_address, parse_response, python};

const RWMI: &str = env!("CARGO_BIN_EXE_rwmi");
const PASSWORD: &str = "Passw0rd!";
const TOKEN: &str = "ADMINTOKEN-7f3e";
const GENERIC_TOKEN: &str = "GENERIC-2b9d";
/// The aiowmi comparison needs port 135 (aiowmi connects to no other): an address of its own, clear
/// of the other peer tests' (127.0.0.77 Impacket, 127.0.0.79 aiowmi).
const ORACLE_LISTEN: &str = "127.0.0.83:135";
const ORACLE_HOST: &str = "127.0.0.83";

fn sim(extra: &[&str]) -> Sim {
    Sim::with_typed_classes("127.0.0.1:0", extra)
}

/// The configuration the tests use, laid out as aiowmi's sample: an id with its own token, an id
/// unlocked by the generic token only, validation patterns that let `host:port` through.
fn config_text() -> String {
    format!(
        "admin:\n   user: Administrator\n   pass: {PASSWORD}\n   domain:\n   tokens:\n      - {TOKEN}\n\
         alice:\n   user: alice\n   pass: {PASSWORD}\n\
         bob:\n   user: bob\n   pass: {PASSWORD}\n   domain: EMU\n\
         tokens:\n   - {GENERIC_TOKEN}\n\
         validation:\n   id:\n      - ^[a-z0-9\\-_]+$\n   token:\n      - ^[a-z0-9\\-_]+$\n\
         \x20  host:\n      - ^[a-z0-9\\.\\-:]+$\n   query:\n      - ^select.+from\n\
         \x20  namespace:\n      - ^[a-z0-9]+/[a-z0-9]+$\n"
    )
}

/// A running `rwmi wmic-server`, stopped when dropped; its stderr goes to a file the tests read.
struct Server {
    child: Child,
    dir: PathBuf,
    /// `127.0.0.1:PORT`.
    addr: String,
}

impl Server {
    fn start(name: &str, config: &str) -> Server {
        let dir =
            std::env::temp_dir().join(format!("rwmi-wmic-server-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("wmic_server.yaml");
        std::fs::write(&path, config).unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        let mut child = Command::new(RWMI)
            .args([
                "wmic-server",
                "--listen",
                "127.0.0.1:0",
                "--debug",
                "--config",
            ])
            .arg(&path)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join("stderr")).unwrap())
            .spawn()
            .unwrap();
        let addr = listening_address(&mut child, &dir.join("stderr"));
        Server { child, dir, addr }
    }

    fn url(&self) -> String {
        format!("http://{}/wmic", self.addr)
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr")).unwrap_or_default()
    }

    /// POSTs the JSON body wmic_client.sh and check_wmi_os_security send.
    fn post(&self, id: &str, token: &str, host: &str, query: &str) -> Answer {
        let body = format!(
            r#"{{"id": {}, "token": {}, "host": {}, "query": {}, "namespace": "root/cimv2"}}"#,
            json(id),
            json(token),
            json(host),
            json(query)
        );
        http(
            &self.addr,
            "POST",
            "/wmic",
            Some(("application/json", &body)),
        )
    }

    fn pool(&self) -> (u64, u64) {
        let a = http(&self.addr, "GET", "/-/pool", None);
        let field = |name: &str| -> u64 {
            a.body
                .split(&format!("\"{name}\": "))
                .nth(1)
                .and_then(|r| r.split([',', '}']).next())
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or_else(|| panic!("no {name} in {}", a.body))
        };
        (field("connects"), field("reuses"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn json(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Every CIM type, as `json.dumps` writes aiowmi's wmic_server rows, with the right values where aiowmi
/// misread them (NULL as null, uint32 4294967295, CHAR16 as a character, boolean arrays as booleans).
const TYPED_ROWS: &str = r#"[{"Name": "full", "S8": -128, "U8": 255, "S16": -32768, "U16": 65535, "S32": -2147483648, "U32": 4294967295, "S64": -9223372036854775808, "U64": 18446744073709551615, "R32": 1.5, "R64": -0.25, "Flag": true, "When": "2026-12-03 10:45:00+060", "Letter": "W", "Text": "a|b, \"quoted\"", "Codes": [1, 2, 3], "Flags": [true, false], "Words": ["x", "y z"], "Ratios": [0.5]}, {"Name": "empty", "S8": null, "U8": null, "S16": null, "U16": null, "S32": null, "U32": null, "S64": null, "U64": null, "R32": null, "R64": null, "Flag": false, "When": null, "Letter": null, "Text": null, "Codes": [], "Flags": null, "Words": null, "Ratios": null}]"#;
const OTHER_ROWS: &str = r#"[{"Name": "other", "Count": 7}]"#;

#[test]
fn every_cim_type_answers_in_the_originals_json() {
    let sim = sim(&[]);
    let server = Server::start("types", &config_text());
    let a = server.post("admin", TOKEN, &sim.target, "SELECT * FROM Rwmi_Typed");
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.header("content-type"), Some("text/html; charset=utf-8"));
    // check_wmi_os_security reads Content-Length before the body.
    assert_eq!(
        a.header("content-length"),
        Some(a.body.len().to_string().as_str())
    );
    assert_eq!(a.body, TYPED_ROWS);

    // Two classes in one result: each row has its own class's properties.
    let a = server.post("admin", TOKEN, &sim.target, "SELECT * FROM Rwmi_Sample");
    assert!(
        a.body.contains(r#"{"Name": "other", "Count": 7}"#),
        "{}",
        a.body
    );
    assert!(
        a.body.contains(r#"{"Name": "full", "S8": -128"#),
        "{}",
        a.body
    );

    // The generic token unlocks every id; the namespace defaults to root/cimv2 when not sent.
    let a = http(
        &server.addr,
        "GET",
        &format!(
            "/wmic?id=admin&token={GENERIC_TOKEN}&host={}&query=SELECT+*+FROM+Rwmi_Other",
            sim.target
        ),
        None,
    );
    assert_eq!((a.status, a.body.as_str()), (200, OTHER_ROWS));
    let a = server.post(
        "admin",
        TOKEN,
        &sim.target,
        "SELECT * FROM Rwmi_Other WHERE Count > 7",
    );
    assert_eq!(a.body, "[]");
}

/// aiowmi's `wmic_client.sh` builds its request with this curl command line.
#[test]
fn wmic_client_sh_curl_request_gets_the_rows() {
    if Command::new("curl").arg("--version").output().is_err() {
        assert!(
            std::env::var("RWMI_REQUIRE_PEERS").as_deref() != Ok("1"),
            "RWMI_REQUIRE_PEERS=1 but curl is not installed"
        );
        eprintln!("SKIP: curl is not installed");
        return;
    }
    let sim = sim(&[]);
    let server = Server::start("curl", &config_text());
    let body = format!(
        r#"{{"id":"admin","token":"{TOKEN}","host":"{}","query":"SELECT * FROM Rwmi_Other","namespace":"root/cimv2"}}"#,
        sim.target
    );
    let out = Command::new("curl")
        .args([
            "-s",
            "-i",
            "-H",
            "Content-Type: application/json",
            "-X",
            "POST",
            "-d",
        ])
        .arg(&body)
        .arg(server.url())
        .output()
        .unwrap();
    let a = parse_response(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(a.status, 200);
    assert_eq!(a.body, OTHER_ROWS);
    assert_eq!(a.header("content-length"), Some("31"));
}

#[test]
fn each_failure_answers_the_originals_text_then_the_diagnosis() {
    let sim = sim(&[]);
    let server = Server::start("failures", &config_text());
    let q = "SELECT Name FROM Win32_Service";

    assert_eq!(
        server.post("admin", "WRONG", &sim.target, q).body,
        "ERROR: Invalid token"
    );
    // An id's own token does not unlock another id.
    assert_eq!(
        server.post("alice", TOKEN, &sim.target, q).body,
        "ERROR: Invalid token"
    );
    let a = server.post("nobody", GENERIC_TOKEN, &sim.target, q);
    assert!(a.body.starts_with("ERROR: Invalid id"), "{}", a.body);

    let cases = [
        // (id, host, query, prefix, what the diagnosis names)
        (
            "alice",
            sim.target.clone(),
            q,
            "Problem with the wmi query on the target host. ",
            "dcom-access-denied",
        ),
        (
            "alice",
            sim.target.clone(),
            q,
            "Problem with the wmi query on the target host. ",
            "0x80070005 = -2147024891",
        ),
        (
            "bob",
            sim.target.clone(),
            q,
            "Problem with the wmi query on the target host. ",
            "0x80041003 = -2147217405",
        ),
        (
            "admin",
            sim.target.clone(),
            "SELECT * FROM Win32_NoSuchClass",
            "Problem with the wmi query on the target host. ",
            "0x80041010 = -2147217392",
        ),
        (
            "admin",
            "127.0.0.1:1".into(),
            q,
            "Problem with connection to target host. ",
            "port-135-closed",
        ),
        (
            "admin",
            "bad host!".into(),
            q,
            "Problem with connection to target host. ",
            "does not match validation.host",
        ),
        (
            "admin",
            sim.target.clone(),
            "DELETE everything",
            "Problem with the wmi query on the target host. ",
            "does not match validation.query",
        ),
    ];
    for (id, host, query, prefix, names) in cases {
        let a = server.post(id, GENERIC_TOKEN, &host, query);
        assert_eq!(a.status, 200);
        assert!(
            a.body.starts_with(prefix),
            "{id} {host} {query}: {}",
            a.body
        );
        assert!(a.body.contains(names), "{id} {host} {query}: {}", a.body);
    }

    assert_eq!(http(&server.addr, "GET", "/other", None).status, 404);
    assert_eq!(http(&server.addr, "DELETE", "/wmic", None).status, 405);
    let a = http(
        &server.addr,
        "POST",
        "/wmic",
        Some(("application/json", "{not json")),
    );
    assert_eq!(a.status, 400);
    assert!(a.body.contains("not JSON"), "{}", a.body);
    let a = http(
        &server.addr,
        "POST",
        "/wmic",
        Some(("application/json", r#"{"id": 5}"#)),
    );
    assert_eq!(a.status, 400);

    // No password or token in what the server logged (debug is on) or answered.
    let log = server.stderr();
    assert!(log.contains("refused: invalid token"), "{log}");
    for secret in [PASSWORD, TOKEN, GENERIC_TOKEN] {
        assert!(!log.contains(secret), "{secret} in the log: {log}");
    }
}

#[test]
fn connections_are_kept_between_requests_and_hosts_do_not_wait_for_each_other() {
    // Three hosts on 127.0.0.1-3; the third stops answering after its first PDU.
    let sim = sim(&["--virtual-hosts", "3", "--profile", "2:stall-after=1"]);
    let port = sim.target.rsplit(':').next().unwrap().to_string();
    let host = |n: u8| format!("127.0.0.{n}:{port}");
    let server = Server::start("pool", &config_text());
    let q = "SELECT * FROM Rwmi_Other";

    for _ in 0..5 {
        assert_eq!(server.post("admin", TOKEN, &host(1), q).body, OTHER_ROWS);
    }
    assert_eq!(server.pool(), (1, 4), "one connect, then four reuses");
    assert_eq!(server.post("admin", TOKEN, &host(2), q).body, OTHER_ROWS);
    assert_eq!(
        server.pool(),
        (2, 4),
        "a second host has its own connection"
    );

    // A request to the stalled host is under way; the first host still answers meanwhile.
    let addr = server.addr.clone();
    let stalled_host = host(3);
    let stalled = std::thread::spawn(move || {
        let body = format!(
            r#"{{"id": "admin", "token": "{TOKEN}", "host": "{stalled_host}", "query": "SELECT * FROM Rwmi_Other"}}"#
        );
        http(&addr, "POST", "/wmic", Some(("application/json", &body)))
    });
    while server.pool().0 < 3 {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(server.post("admin", TOKEN, &host(1), q).body, OTHER_ROWS);
    assert!(
        !stalled.is_finished(),
        "the stalled host's request should still be waiting on that host"
    );
    drop(server);
    let _ = stalled.join();
}

#[test]
fn a_wrong_configuration_stops_the_server_with_the_reason() {
    let dir = std::env::temp_dir().join(format!("rwmi-wmic-server-{}-bad", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("wmic_server.yaml");
    // The sample file's query pattern, as aiowmi ships it: the original silently stopped validating.
    std::fs::write(
        &path,
        config_text().replace("^select.+from", "^select.+from)"),
    )
    .unwrap();
    let out = Command::new(RWMI)
        .args(["wmic-server", "--listen", "127.0.0.1:0", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("`validation.query[0]` = `^select.+from)` is not a regular expression"),
        "{stderr}"
    );
    let out = Command::new(RWMI)
        .args(["wmic-server", "--listen", "127.0.0.1:0", "--config"])
        .arg(dir.join("missing.yaml"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the configuration"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// aiowmi (PyPI) reads the same rows from the same emulator as aiowmi's wmic_server does; its answer,
/// with aiowmi's named misreadings replaced by the right values, is rwmi's answer byte for byte; and
/// check_wmi_os_security's request (requests.post, Content-Length, .json()) gets it.
#[test]
fn answers_are_what_aiowmis_wmic_server_answered_less_its_misreadings() {
    let Some(python) = python() else {
        return;
    };
    let sim = Sim::with_typed_classes(
        ORACLE_LISTEN,
        &[
            "--synthetic",
            "Win32_Process=300",
            "--synthetic",
            "Win32_Service=82",
        ],
    );
    assert_eq!(sim.target, ORACLE_LISTEN);
    let server = Server::start("oracle", &config_text());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wmic_server/aiowmi_oracle.py");
    let queries = [
        "SELECT * FROM Rwmi_Typed",
        "SELECT * FROM Rwmi_Other",
        "SELECT * FROM Win32_Service",
        "SELECT * FROM Win32_Process",
        "SELECT Name, State, StartMode FROM Win32_Service WHERE State = 'Running'",
    ];
    let out = Command::new(python)
        .arg(script)
        .args([ORACLE_HOST, "Administrator", &server.url(), "admin", TOKEN])
        .args(queries)
        .env("RWMI_AIOWMI_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), queries.len(), "{stdout}");
    for line in &lines {
        println!("{line}");
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["mismatches"], serde_json::json!([]), "{line}");
        assert_eq!(v["same_bytes"], true, "{line}");
        assert_eq!(v["content_length_ok"], true, "{line}");
        assert_eq!(v["status"], 200, "{line}");
        assert!(v["rows"].as_u64().unwrap() > 0, "{line}");
    }
    // The every-type class exercises the misreadings the README lists.
    assert!(
        lines[0].contains("char16-as-code") && lines[0].contains("boolean-array-as-variant-bool"),
        "{}",
        lines[0]
    );
}
