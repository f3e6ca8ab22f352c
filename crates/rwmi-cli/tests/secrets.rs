//! The `rwmi` binary and secrets: a password in RWMI_PASSWORD never reaches the process's arguments, any
//! output or the emulator's verbose log; rwmi starts no child process; `-p` warns; going below packet
//! integrity takes an explicit flag and warns.

mod common;

use std::fs::File;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const RWMI: &str = env!("CARGO_BIN_EXE_rwmi");
const PASSWORD: &str = "Passw0rd!";
/// MD4 of the UTF-16LE password (MS-NLMP 3.3.1 NTOWFv1), as `--hashes` would take it.
fn nt_hash_hex() -> String {
    rwmi::security::nlmp::nt_hash(PASSWORD)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

struct Sim {
    child: Child,
    target: String,
    log: std::path::PathBuf,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// `rwmi sim --verbose`, its debug log going to a file (a pipe nobody reads could fill and block it).
fn sim(extra: &[&str]) -> Sim {
    let log = std::env::temp_dir().join(format!(
        "rwmi-secrets-{}-{}.log",
        std::process::id(),
        extra.join("_").replace(['=', ',', ':'], "-")
    ));
    let mut child = Command::new(RWMI)
        .args(["sim", "--verbose", "--listen", "127.0.0.1:0"])
        .args(extra)
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(File::create(&log).unwrap()))
        .spawn()
        .unwrap();
    let target = common::ready_target(&mut child);
    Sim { child, target, log }
}

fn command(args: &[&str], password: &str) -> Command {
    let mut c = Command::new(RWMI);
    c.args(args)
        .env("RWMI_PASSWORD", password)
        .env("RUST_LOG", "trace")
        .stdin(Stdio::null());
    c
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_clean(what: &str, text: &str) {
    let hash = nt_hash_hex();
    for secret in [PASSWORD, hash.as_str(), &hash.to_uppercase()] {
        assert!(
            !text.contains(secret),
            "{what} contains `{secret}`:\n{text}"
        );
    }
}

fn check_output(what: &str, out: &Output) {
    assert_clean(&format!("{what} stdout"), &text(&out.stdout));
    assert_clean(&format!("{what} stderr"), &text(&out.stderr));
}

/// The children of every thread of `pid` (Linux /proc/PID/task/TID/children).
fn children(pid: u32) -> Vec<String> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|c| c.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

#[test]
fn a_password_in_the_environment_stays_out_of_arguments_outputs_and_logs() {
    let sim = sim(&["--profile", "lag=150"]);
    let t = sim.target.as_str();
    let query = [
        "query",
        "-H",
        t,
        "-u",
        "Administrator",
        "SELECT * FROM Win32_OperatingSystem",
    ];

    // While the query runs (each answer lags), look at the live process: its arguments, its children.
    let mut child = command(&query, PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let started = Instant::now();
    let mut looked = 0;
    while started.elapsed() < Duration::from_secs(20) && child.try_wait().unwrap().is_none() {
        // Empty while the process is still being set up or already exiting.
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if !cmdline.is_empty() {
            assert!(
                text(&cmdline).contains("Administrator"),
                "{}",
                text(&cmdline)
            );
            assert_clean("/proc/PID/cmdline", &text(&cmdline));
            assert_eq!(
                children(pid),
                Vec::<String>::new(),
                "rwmi started a process"
            );
            looked += 1;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        looked > 3,
        "the query ended before it could be watched ({looked} looks in {} ms)",
        started.elapsed().as_millis()
    );
    check_output("query", &out);

    // A wrong password, the same through doctor, and JSON output.
    let out = command(&query, "Wr0ng-Passw0rd!").output().unwrap();
    assert_ne!(out.status.code(), Some(0));
    check_output("wrong-password query", &out);
    assert!(!text(&out.stderr).contains("Wr0ng-Passw0rd!"));
    let out = command(
        &["doctor", "-H", t, "-u", "Administrator"],
        "Wr0ng-Passw0rd!",
    )
    .output()
    .unwrap();
    check_output("doctor", &out);
    assert!(!text(&out.stdout).contains("Wr0ng-Passw0rd!"));
    let out = command(
        &["doctor", "-H", t, "-u", "Administrator", "--format", "json"],
        PASSWORD,
    )
    .output()
    .unwrap();
    check_output("doctor json", &out);

    let log = std::fs::read_to_string(&sim.log).unwrap();
    assert!(
        log.contains("authenticated"),
        "the sim logged nothing: {log}"
    );
    assert_clean("rwmi sim --verbose log", &log);
}

#[test]
fn below_integrity_takes_an_explicit_flag_and_warns() {
    let sim = sim(&[]);
    let t = sim.target.as_str();
    let base = [
        "query",
        "-H",
        t,
        "-u",
        "Administrator",
        "SELECT * FROM Win32_OperatingSystem",
    ];
    let out = command(&base, PASSWORD).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("unsigned"),
        "{}",
        text(&out.stderr)
    );

    let mut lowered = base.to_vec();
    lowered.splice(1..1, ["--auth-level", "connect"]);
    let out = command(&lowered, PASSWORD).output().unwrap();
    assert!(
        text(&out.stderr).contains("leaves packets unsigned and unencrypted"),
        "{}",
        text(&out.stderr)
    );
    // Patched Windows (and the emulator without `legacy`) refuses activation at that level.
    assert_ne!(out.status.code(), Some(0));
    check_output("connect-level query", &out);
}
