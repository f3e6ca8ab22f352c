//! What the CLI's integration tests share: an `rwmi sim` child process and its ready line.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The address in the first line `rwmi sim` prints, "rwmi sim: ready on 127.0.0.1:PORT (dynamic port N);
/// ..." (host 0's with virtual hosts), read from the child's piped stdout.
pub fn ready_target(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("the sim's stdout is piped"))
        .read_line(&mut line)
        .expect("the sim prints its ready line");
    // With virtual hosts: "ready on 3 hosts, 127.0.0.1:PORT to 127.0.0.3:PORT; ...".
    let rest = line
        .split("ready on ")
        .nth(1)
        .unwrap_or_else(|| panic!("no ready line: {line:?}"));
    let rest = rest.split_once(" hosts, ").map_or(rest, |(_, r)| r);
    rest.split_whitespace()
        .next()
        .unwrap_or_else(|| panic!("no address in the ready line: {line:?}"))
        .to_string()
}

/// An `rwmi sim` child, stopped when dropped. (Not every test binary that includes this module uses it.)
#[allow(dead_code)]
pub struct Sim {
    pub child: Child,
    /// Host 0's endpoint mapper address, `127.0.0.1:PORT`.
    pub target: String,
}

#[allow(dead_code)]
impl Sim {
    /// Waits for the ready line of `child` (spawned with a piped stdout).
    pub fn ready(mut child: Child) -> Sim {
        let target = ready_target(&mut child);
        Sim { child, target }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[allow(dead_code)]
impl Sim {
    /// Starts `rwmi sim --listen LISTEN` with `args` and waits until it is ready.
    pub fn start(listen: &str, args: &[&std::ffi::OsStr]) -> Sim {
        let child = Command::new(env!("CARGO_BIN_EXE_rwmi"))
            .args(["sim", "--listen", listen])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Sim::ready(child)
    }
}

#[allow(dead_code)]
impl Sim {
    /// `rwmi sim` with tests/wmic's MOF of every CIM type (tests/wmic/sim.conf) and `extra` arguments.
    pub fn with_typed_classes(listen: &str, extra: &[&str]) -> Sim {
        let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wmic/sim.conf");
        let mut args = vec![std::ffi::OsStr::new("--config"), config.as_os_str()];
        args.extend(extra.iter().map(std::ffi::OsStr::new));
        Sim::start(listen, &args)
    }
}

/// The Python of the test venv (`RWMI_PYTHON`); `None` skips, unless the run requires its peers.
#[allow(dead_code)]
pub fn python() -> Option<String> {
    match std::env::var("RWMI_PYTHON") {
        Ok(p) => Some(p),
        Err(_) if std::env::var("RWMI_REQUIRE_PEERS").as_deref() == Ok("1") => {
            panic!("RWMI_REQUIRE_PEERS=1 but RWMI_PYTHON is not set")
        }
        Err(_) => {
            eprintln!(
                "SKIP: RWMI_PYTHON is not set (a Python with scripts/requirements-peers.txt)"
            );
            None
        }
    }
}
