//! What the tests of independent Python clients against the emulator share (`impacket.rs`,
//! `aiowmi.rs`): finding the peers' Python, running a client script and reading the JSON lines it
//! prints, CIM values as JSON, and rwmi's own rows to compare with. It builds on `support`, which the
//! files that use it declare too.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use rwmi::wmi::{ConnectOptions, Connection};
use rwmi_core::wmio::Value;
use rwmi_sim::emulator::EmulatorHandle;
use rwmi_sim::launch::{SimOptions, start};
use serde_json::{Map, Value as Json};

use crate::support::emu_account;

pub const OS_QUERY: &str = "SELECT * FROM Win32_OperatingSystem";

/// Win32_OperatingSystem properties read from the clock or /proc at each query: they may differ
/// between the two clients' queries.
pub const VOLATILE_OS_PROPERTIES: &[&str] = &[
    "LocalDateTime",
    "FreePhysicalMemory",
    "FreeVirtualMemory",
    "FreeSpaceInPagingFiles",
    "NumberOfProcesses",
];

/// `RWMI_PYTHON`, or `None` (skip) when it is unset and peers are not required.
pub fn peer_python() -> Option<PathBuf> {
    match std::env::var_os("RWMI_PYTHON") {
        Some(path) => Some(PathBuf::from(path)),
        None if std::env::var("RWMI_REQUIRE_PEERS").as_deref() == Ok("1") => panic!(
            "RWMI_REQUIRE_PEERS=1 but RWMI_PYTHON (a Python with scripts/requirements-peers.txt) is not set"
        ),
        None => {
            eprintln!("skipped: RWMI_PYTHON is not set (scripts/test.sh sets it)");
            None
        }
    }
}

/// What a client script printed, one JSON object a line.
pub struct ScriptOutput {
    pub lines: Vec<Map<String, Json>>,
}

impl ScriptOutput {
    pub fn rows(&self, op: u64) -> Vec<&Map<String, Json>> {
        self.lines
            .iter()
            .filter(|l| l.get("op").and_then(Json::as_u64) == Some(op))
            .filter_map(|l| l.get("row").and_then(Json::as_object))
            .collect()
    }

    pub fn line_with(&self, op: u64, key: &str) -> &Map<String, Json> {
        self.lines
            .iter()
            .find(|l| l.get("op").and_then(Json::as_u64) == Some(op) && l.contains_key(key))
            .unwrap_or_else(|| panic!("no `{key}` line for operation {op}: {:?}", self.lines))
    }

    pub fn error(&self) -> Option<(&str, &str)> {
        let line = self.lines.iter().find(|l| l.contains_key("error"))?;
        Some((
            line.get("error")?.as_str()?,
            line.get("stage").and_then(Json::as_str).unwrap_or(""),
        ))
    }
}

/// Runs `python script args...` with `env` in a blocking thread (the emulator runs on the test's
/// runtime), killed after `timeout`; it must exit 0.
pub async fn run_python(
    python: &Path,
    script: &Path,
    args: &[String],
    env: &[(&str, &str)],
    timeout: Duration,
) -> ScriptOutput {
    let name = script.file_name().map_or_else(
        || script.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut command = Command::new(python);
    command
        .arg(script)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let pid = child.id();
    let waiting = tokio::task::spawn_blocking(move || child.wait_with_output());
    let output = match tokio::time::timeout(timeout, waiting).await {
        Ok(joined) => joined.unwrap().unwrap(),
        Err(_) => {
            // The child is ours and has not been reaped (wait_with_output is still blocked on it).
            // SAFETY: kill(2) on our own child's pid; no memory is involved.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            panic!("{name} did not finish within {timeout:?}");
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{name} {args:?} failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    let lines = stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match serde_json::from_str::<Json>(l) {
            Ok(Json::Object(map)) => map,
            other => panic!("{name} printed `{l}`, not a JSON object ({other:?})"),
        })
        .collect();
    ScriptOutput { lines }
}

/// A CIM value as the client scripts print what their library decodes; `None` for values they cannot
/// show the same way (embedded objects).
pub fn as_json(value: &Value) -> Option<Json> {
    Some(match value {
        Value::SInt8(v) => Json::from(*v),
        Value::UInt8(v) => Json::from(*v),
        Value::SInt16(v) => Json::from(*v),
        Value::UInt16(v) => Json::from(*v),
        Value::SInt32(v) => Json::from(*v),
        Value::UInt32(v) => Json::from(*v),
        Value::SInt64(v) => Json::from(*v),
        Value::UInt64(v) => Json::from(*v),
        Value::Real32(v) => Json::from(f64::from(*v)),
        Value::Real64(v) => Json::from(*v),
        Value::Boolean(v) => Json::from(*v),
        Value::String(v) | Value::DateTime(v) | Value::Reference(v) => Json::from(v.as_str()),
        Value::Char16(v) => Json::from(*v),
        Value::Object(_) => return None,
        Value::Array(items) => Json::Array(items.iter().map(as_json).collect::<Option<_>>()?),
    })
}

/// The emulator on `listen` (port 135 of a loopback address: the peers dial 135) with `synthetic`
/// instances (`Class=count`), so that every client sees the same rows.
pub async fn start_emulator(listen: &str, synthetic: Vec<String>) -> EmulatorHandle {
    let options = SimOptions {
        listen: listen.parse().unwrap(),
        synthetic,
        ..SimOptions::default()
    };
    start(&options)
        .await
        .unwrap_or_else(|e| panic!("emulator on {listen} (needs root for port 135): {e}"))
}

/// rwmi's own connection to `listen` as the built-in Administrator.
pub async fn administrator_connection(listen: &str) -> Connection {
    let credentials = emu_account("Administrator");
    Connection::connect(ConnectOptions::new(listen, credentials).unwrap())
        .await
        .unwrap()
}
