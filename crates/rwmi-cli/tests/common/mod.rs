//! What the CLI's integration tests share: an `rwmi sim` child process and its ready line.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

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

/// An HTTP answer: status, headers, body.
#[derive(Debug)]
#[allow(dead_code)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

#[allow(dead_code)]
impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 exchange on a fresh TCP connection.
#[allow(dead_code)]
pub fn http(addr: &str, method: &str, target: &str, body: Option<(&str, &str)>) -> Answer {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let mut request =
        format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some((content_type, body)) = body {
        request.push_str(&format!(
            "Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ));
    } else {
        request.push_str("\r\n");
    }
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    parse_response(&String::from_utf8(raw).unwrap())
}

#[allow(dead_code)]
pub fn parse_response(raw: &str) -> Answer {
    let (head, body) = raw.split_once("\r\n\r\n").expect("a response head");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_string(),
    }
}

/// The `ADDRESS:PORT` of the first line a server child prints (`... listening on http://ADDR/...`),
/// read from its piped stdout; `stderr_file` is shown if the line is not there.
#[allow(dead_code)]
pub fn listening_address(child: &mut Child, stderr_file: &std::path::Path) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("the server's stdout is piped"))
        .read_line(&mut line)
        .expect("the server prints its address");
    line.split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| {
            panic!(
                "no listening line: {line:?}; stderr: {}",
                std::fs::read_to_string(stderr_file).unwrap_or_default()
            )
        })
        .to_string()
}
