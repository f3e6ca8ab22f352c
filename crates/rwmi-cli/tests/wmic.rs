//! `rwmi wmic` and the binary called `wmic` against `rwmi sim` in another process: the exact output Samba's
//! wmic printed (openvas-smb wmi/wmic.c), for every CIM type, several classes in one result, and each
//! failure's lines. Credentials travel in an authentication file (`-A`), never in arguments.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const RWMI: &str = env!("CARGO_BIN_EXE_rwmi");

use common::{Sim, python};

fn sim(extra: &[&str]) -> Sim {
    Sim::with_typed_classes("127.0.0.1:0", extra)
}

/// A directory of this test's own with an authentication file and a `wmic` symlink to rwmi.
struct Place {
    dir: PathBuf,
}

impl Place {
    fn new(name: &str, user: &str, password: &str) -> Place {
        let dir = std::env::temp_dir().join(format!("rwmi-wmic-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("auth"),
            format!("username = {user}\npassword = {password}\ndomain = EMU\n"),
        )
        .unwrap();
        std::os::unix::fs::symlink(RWMI, dir.join("wmic")).unwrap();
        Place { dir }
    }

    fn auth(&self) -> String {
        self.dir.join("auth").display().to_string()
    }

    /// Runs the `wmic` symlink (argv[0] `wmic`) with `args`.
    fn wmic(&self, args: &[&str]) -> Output {
        Command::new(self.dir.join("wmic"))
            .args(args)
            .env_remove("PASSWD")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_cim_type_prints_as_wmic_printed_it() {
    let sim = sim(&[]);
    let place = Place::new("types", "Administrator", "Passw0rd!");
    let host = format!("//{}", sim.target);
    let out = place.wmic(&[
        "-A",
        &place.auth(),
        &host,
        "SELECT * FROM Rwmi_Typed WHERE Name = 'full'",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The header in PropertyLookupTable order (by name, as Samba's decoder filled properties[]);
    // REAL32/64 as numbers and CHAR16 as its character, where wmic printed integer bits and
    // `Unsupported` (README, "Replacing wmic").
    assert_eq!(
        text(&out.stdout),
        "CLASS: Rwmi_Typed\n\
         Codes|Flag|Flags|Letter|Name|R32|R64|Ratios|S16|S32|S64|S8|Text|U16|U32|U64|U8|When|Words\n\
         (1,2,3)|True|(True,False)|W|full|1.500000|-0.250000|(0.500000)|-32768|-2147483648|-9223372036854775808|-128|a|b, \"quoted\"|65535|4294967295|18446744073709551615|255|20261203104500.000000+060|(x,y z)\n"
    );

    // NULL scalars `(null)`, NULL arrays `NULL`, an empty array `()`; another delimiter; `rwmi wmic`
    // is the same program as `wmic`.
    let out = Command::new(RWMI)
        .args(["wmic", "--delimiter=,", "-A", &place.auth(), &host])
        .arg("SELECT Name, Flag, Codes, Words, S8, Text FROM Rwmi_Typed WHERE Name = 'empty'")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "CLASS: Rwmi_Typed\nCodes,Flag,Name,S8,Text,Words\n(),False,empty,(null),(null),NULL\n"
    );
}

#[test]
fn several_classes_in_one_result_repeat_the_class_line() {
    let sim = sim(&[]);
    let place = Place::new("classes", "Administrator", "Passw0rd!");
    let out = place.wmic(&[
        "-A",
        &place.auth(),
        "--namespace=root/cimv2",
        &format!("//{}", sim.target),
        "SELECT * FROM Rwmi_Sample",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let class_lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("CLASS: "))
        .collect();
    assert_eq!(class_lines.len(), 2, "{stdout}");
    assert!(
        stdout.contains("CLASS: Rwmi_Other\nCount|Name\n7|other\n"),
        "{stdout}"
    );
    // Two rows of Rwmi_Typed under one header.
    let typed = stdout.split("CLASS: Rwmi_Other").next().unwrap();
    assert_eq!(typed.lines().count(), 4, "{stdout}");

    // An empty result prints nothing and succeeds.
    let out = place.wmic(&[
        "-A",
        &place.auth(),
        &format!("//{}", sim.target),
        "SELECT * FROM Rwmi_Other WHERE Count = 8",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "");
}

/// wmic's two lines (stdout, then the first line of stderr) and exit code 1, then rwmi's diagnosis.
fn assert_failure(out: &Output, error_line: &str, ntstatus_line: &str, verdict: &str) {
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), format!("{error_line}\n"));
    let stderr = text(&out.stderr);
    let mut lines = stderr.lines();
    assert_eq!(lines.next(), Some(ntstatus_line), "{stderr}");
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with(&format!("rwmi: diagnosis [{verdict}"))),
        "{stderr}"
    );
}

#[test]
fn each_failure_prints_wmics_lines_then_the_diagnosis() {
    let sim = sim(&["--profile", "home-edition"]);
    let normal = self::sim(&[]);
    let host = format!("//{}", normal.target);

    let wrong = Place::new("wrong", "alice", "not-her-password");
    assert_failure(
        &wrong.wmic(&["-A", &wrong.auth(), &host, "SELECT * FROM Rwmi_Other"]),
        "[wmi/wmic.c:196:main()] ERROR: Login to remote object.",
        "NTSTATUS: NT_STATUS_LOGON_FAILURE - Logon failure",
        "logon-failure",
    );

    // alice is a standard user: DCOM refuses her activation with E_ACCESSDENIED.
    let alice = Place::new("alice", "alice", "Passw0rd!");
    assert_failure(
        &alice.wmic(&["-A", &alice.auth(), &host, "SELECT * FROM Rwmi_Other"]),
        "[wmi/wmic.c:196:main()] ERROR: Login to remote object.",
        "NTSTATUS: NT_STATUS_ACCESS_DENIED - Access denied",
        "dcom-access-denied",
    );

    // bob may activate but has no rights on the namespace: WBEM_E_ACCESS_DENIED at the login.
    let bob = Place::new("bob", "bob", "Passw0rd!");
    assert_failure(
        &bob.wmic(&["-A", &bob.auth(), &host, "SELECT * FROM Rwmi_Other"]),
        "[wmi/wmic.c:196:main()] ERROR: Login to remote object.",
        "NTSTATUS: NT code 0x80041003 - NT code 0x80041003",
        "namespace-access-denied",
    );

    let admin = Place::new("admin", "Administrator", "Passw0rd!");
    assert_failure(
        &admin.wmic(&["-A", &admin.auth(), &host, "SELECT * FROM Rwmi_Missing"]),
        "[wmi/wmic.c:200:main()] ERROR: WMI query execute.",
        "NTSTATUS: NT code 0x80041010 - NT code 0x80041010",
        "query-failed",
    );

    // An edition without remote WMI refuses the activation.
    let home = admin.wmic(&[
        "-A",
        &admin.auth(),
        &format!("//{}", sim.target),
        "SELECT * FROM Rwmi_Other",
    ]);
    assert_eq!(home.status.code(), Some(1));
    assert_eq!(
        text(&home.stdout),
        "[wmi/wmic.c:196:main()] ERROR: Login to remote object.\n"
    );
    assert!(text(&home.stderr).starts_with("NTSTATUS: "));

    // Nothing listens: refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    assert_failure(
        &admin.wmic(&[
            "-A",
            &admin.auth(),
            &format!("//127.0.0.1:{port}"),
            "SELECT * FROM Rwmi_Other",
        ]),
        "[wmi/wmic.c:196:main()] ERROR: Login to remote object.",
        "NTSTATUS: NT_STATUS_CONNECTION_REFUSED - NT_STATUS_CONNECTION_REFUSED",
        "",
    );

    assert!(!text(&home.stderr).contains("Passw0rd!"));
}

/// The dynamic port filtered (the emulator's `firewalled-dynamic-port`): the TCP connect to it times out,
/// which wmic users know as `NT_STATUS_IO_TIMEOUT - NT_STATUS_IO_TIMEOUT` after `ERROR: Login to remote
/// object.`; rwmi then says which port did not answer.
#[test]
fn a_filtered_dynamic_port_is_an_io_timeout() {
    let sim = sim(&["--profile", "firewalled-dynamic-port"]);
    let admin = Place::new("filtered", "Administrator", "Passw0rd!");
    assert_failure(
        &admin.wmic(&[
            "-A",
            &admin.auth(),
            &format!("//{}", sim.target),
            "SELECT Name FROM Win32_Service",
        ]),
        "[wmi/wmic.c:196:main()] ERROR: Login to remote object.",
        "NTSTATUS: NT_STATUS_IO_TIMEOUT - NT_STATUS_IO_TIMEOUT",
        "dynamic-port-filtered",
    );
}

/// Rows as check_wmi_plus reads wmic's output (check_wmi_plus.pl `get_wmi_data`, read from its source, not
/// copied): it runs `wmic ... 2>&1`, so stderr is in the text; it finds the first `CLASS: \w+` line,
/// takes the next line as the header split on the delimiter, and keeps each following line whose field
/// count is the header's or one less and that is not the header or the class line again.
fn check_wmi_plus_rows(merged: &str) -> Vec<Vec<(String, String)>> {
    let Some(start) = merged.lines().position(|l| {
        l.strip_prefix("CLASS: ")
            .is_some_and(|c| !c.is_empty() && c.chars().all(|ch| ch.is_alphanumeric() || ch == '_'))
    }) else {
        return Vec::new();
    };
    let lines: Vec<&str> = merged.lines().collect();
    let class_line = lines[start];
    let Some(header) = lines.get(start + 1) else {
        return Vec::new();
    };
    let columns: Vec<&str> = header.split('|').collect();
    lines[start + 2..]
        .iter()
        .filter(|row| **row != *header && **row != class_line)
        .map(|row| row.split('|').collect::<Vec<_>>())
        .filter(|fields| {
            columns.len().saturating_sub(fields.len()) <= 1 && fields.len() <= columns.len()
        })
        .map(|fields| {
            columns
                .iter()
                .zip(fields)
                .map(|(c, f)| (c.to_string(), f.to_string()))
                .collect()
        })
        .collect()
}

/// check_wmi_plus's command line (`-A FILE`, `--namespace root/cimv2` as two arguments, an extra
/// `--option` users add) and its parse of the merged output give the rows rwmi's JSON has: the note
/// rwmi prints for `--option` on stderr does not disturb it.
#[test]
fn check_wmi_plus_reads_the_rows_from_the_merged_output() {
    let sim = sim(&[]);
    let place = Place::new("cwp", "Administrator", "Passw0rd!");
    let merged = place.dir.join("merged");
    let file = std::fs::File::create(&merged).unwrap();
    let status = Command::new(place.dir.join("wmic"))
        .args([
            "-A",
            &place.auth(),
            "--option=client ntlmv2 auth=Yes",
            "--namespace",
            "root/cimv2",
            &format!("//{}", sim.target),
            "SELECT Name, State FROM Win32_Service",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::from(file.try_clone().unwrap()))
        .stderr(Stdio::from(file))
        .status()
        .unwrap();
    assert!(status.success());
    let merged = std::fs::read_to_string(&merged).unwrap();
    assert!(merged.contains("--option"), "{merged}");
    let rows = check_wmi_plus_rows(&merged);

    let json = Command::new(RWMI)
        .args([
            "query",
            "-H",
            &sim.target,
            "-u",
            "Administrator",
            "--format",
            "ndjson",
        ])
        .arg("SELECT Name, State FROM Win32_Service")
        .env("RWMI_PASSWORD", "Passw0rd!")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(json.status.success(), "{}", text(&json.stderr));
    let field = |line: &str, name: &str| {
        let key = format!("\"{name}\": \"");
        let at = line.find(&key).map(|i| i + key.len());
        at.and_then(|i| line[i..].split('"').next())
            .unwrap_or("")
            .to_string()
    };
    let expected: Vec<Vec<(String, String)>> = text(&json.stdout)
        .lines()
        .map(|l| {
            vec![
                ("Name".to_string(), field(l, "Name")),
                ("State".to_string(), field(l, "State")),
            ]
        })
        .collect();
    assert!(expected.len() > 10, "{}", text(&json.stdout));
    assert_eq!(rows, expected);
}

#[test]
fn a_wrong_command_line_prints_the_usage_and_exits_1() {
    let place = Place::new("usage", "Administrator", "Passw0rd!");
    let out = place.wmic(&["//host"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).starts_with("Usage: "));
    let out = place.wmic(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("//host query"));
}

/// wmi-client-wrapper-py3 runs `wmic` from PATH (here rwmi, through the symlink) with its own command
/// line and parses the output into the rows `rwmi query --format json` returns for the same queries, read
/// as that parser reads values (tests/wmic/wrapper_check.py). It puts the password in wmic's arguments,
/// as it does for its users; here that is the emulator's published demo password.
#[test]
fn wmi_client_wrapper_parses_rwmi_wmic_output_into_the_same_rows() {
    let Some(python) = python() else {
        return;
    };
    let sim = sim(&[]);
    let place = Place::new("wrapper", "Administrator", "Passw0rd!");
    let path = format!(
        "{}:{}",
        place.dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wmic/wrapper_check.py");
    let out = Command::new(python)
        .arg(script)
        .args([RWMI, &sim.target, "Administrator", "EMU"])
        .args([
            "SELECT * FROM Win32_Service",
            "SELECT * FROM Rwmi_Sample",
            "SELECT Name, Caption, Version, BuildNumber, OSArchitecture, Primary FROM Win32_OperatingSystem",
        ])
        .env("PATH", path)
        .env("RWMI_PASSWORD", "Passw0rd!")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    let summaries: Vec<&str> = stdout.lines().collect();
    assert_eq!(summaries.len(), 3, "{stdout}");
    assert!(
        summaries[1].contains(r#""classes": ["Rwmi_Other", "Rwmi_Typed"]"#),
        "{stdout}"
    );
    assert!(summaries[1].contains(r#""rows": 3"#), "{stdout}");
    assert!(!summaries[0].contains(r#""rows": 0"#), "{stdout}");
}

/// `wmic -k yes` against the emulator running as a service account of the test Samba domain: with the
/// TGT of a credential cache (kinit), with or without -U, and with the password of an -A file. The KDC
/// and the service principal come from RWMI_KDC and RWMI_SPN (the target is an address).
#[test]
fn kerberos_with_a_credential_cache_or_a_password() {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(kdc), Some(password)) = (var("RWMI_SAMBA_HOST"), var("RWMI_SAMBA_PASSWORD")) else {
        assert!(
            var("RWMI_REQUIRE_PEERS").is_none(),
            "RWMI_REQUIRE_PEERS is set but no Samba DC is configured"
        );
        eprintln!("skipped: no Samba DC (run ./scripts/test.sh)");
        return;
    };
    let realm = var("RWMI_SAMBA_REALM").unwrap_or_else(|| "TEST.LOCAL".into());
    let emu_keytab = var("RWMI_SAMBA_EMU_KEYTAB").expect("RWMI_SAMBA_EMU_KEYTAB");
    let admin_keytab = var("RWMI_SAMBA_ADMIN_KEYTAB").expect("RWMI_SAMBA_ADMIN_KEYTAB");
    let sim = sim(&["--keytab", &emu_keytab]);
    let place = Place::new("kerberos", "Administrator", &password);
    std::fs::write(
        place.auth(),
        format!("username = Administrator\npassword = {password}\ndomain = {realm}\n"),
    )
    .unwrap();
    let cache = format!("FILE:{}", place.dir.join("krb5cc").display());
    let kinit = Command::new("kinit")
        .args(["-k", "-t", &admin_keytab, "-c", &cache])
        .arg(format!("Administrator@{realm}"))
        .env(
            "KRB5_CONFIG",
            var("RWMI_SAMBA_KRB5_CONFIG").expect("RWMI_SAMBA_KRB5_CONFIG"),
        )
        .status()
        .unwrap();
    assert!(kinit.success());
    let target = format!("//{}", sim.target);
    let user = format!("{realm}/Administrator");
    let wmic = |args: &[&str], ccname: Option<&str>| {
        let mut command = Command::new(place.dir.join("wmic"));
        command
            .args(args)
            .env("RWMI_KDC", &kdc)
            .env("RWMI_SPN", "host/emu.test.local")
            .env_remove("PASSWD")
            .stdin(Stdio::null());
        match ccname {
            Some(name) => command.env("KRB5CCNAME", name),
            None => command.env_remove("KRB5CCNAME"),
        };
        command.output().unwrap()
    };
    let query = "SELECT * FROM Rwmi_Other";
    let expected = "CLASS: Rwmi_Other\nCount|Name\n7|other\n";
    for (args, ccname) in [
        (
            vec!["-k", "yes", "-U", &user, &target, query],
            Some(cache.as_str()),
        ),
        // The user is the cache's principal when -U is not given.
        (vec!["--kerberos=yes", &target, query], Some(cache.as_str())),
        (vec!["-k", "yes", "-A", &place.auth(), &target, query], None),
    ] {
        let out = wmic(&args, ccname);
        assert_eq!(
            text(&out.stdout),
            expected,
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(0));
    }
    // No password and no cache: said, not prompted for.
    let out = wmic(&["-k", "yes", "-U", &user, &target, query], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("run kinit"),
        "{}",
        text(&out.stderr)
    );
}
