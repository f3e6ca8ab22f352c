//! What the CLI's integration tests share: an `rwmi sim` child process and its ready line.

use std::io::{BufRead, BufReader};
use std::process::Child;

/// The address in the first line `rwmi sim` prints, "rwmi sim: ready on 127.0.0.1:PORT (dynamic port N);
/// ...", read from the child's piped stdout.
pub fn ready_target(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("the sim's stdout is piped"))
        .read_line(&mut line)
        .expect("the sim prints its ready line");
    line.split("ready on ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no ready line: {line:?}"))
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
