//! `rwmi exporter` against `rwmi sim` with virtual hosts, scraped by Debian's `prometheus` (a real
//! Prometheus server) with snmp_exporter's relabelling, and checked by `promtool check metrics`.
//! Values are read back through Prometheus' HTTP API and compared with `rwmi query`'s.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Sim, http, listening_address};
use serde_json::Value as Json;

const RWMI: &str = env!("CARGO_BIN_EXE_rwmi");
const PASSWORD: &str = "Passw0rd!";
const MODULES: [&str; 8] = [
    "os",
    "cpu",
    "memory",
    "logical_disk",
    "net",
    "service",
    "process",
    "system",
];

/// A scratch directory of this test's own.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rwmi-exporter-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `rwmi exporter` on a free port with a password file for Administrator (auth `default`) and alice
/// (auth `alice`); returns it with its `127.0.0.1:PORT`.
fn exporter(dir: &Path) -> (Running, String) {
    exporter_with(dir, "")
}

/// As [`exporter`], with `extra` appended to the configuration file.
fn exporter_with(dir: &Path, extra: &str) -> (Running, String) {
    std::fs::write(dir.join("password"), format!("{PASSWORD}\n")).unwrap();
    let config = dir.join("exporter.yml");
    std::fs::write(
        &config,
        format!(
            "auths:\n  default:\n    user: Administrator\n    password_file: {pw}\n  alice:\n    user: alice\n    password_file: {pw}\n{extra}",
            pw = dir.join("password").display()
        ),
    )
    .unwrap();
    let mut child = Command::new(RWMI)
        .args(["exporter", "--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.join("exporter.stderr")).unwrap())
        .spawn()
        .unwrap();
    let addr = listening_address(&mut child, &dir.join("exporter.stderr"));
    (Running(child), addr)
}

fn tool(name: &str) -> Option<String> {
    let found = Command::new(name).arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var("RWMI_REQUIRE_PEERS").as_deref() != Ok("1"),
            "RWMI_REQUIRE_PEERS=1 but {name} is not installed (Debian package prometheus)"
        );
        eprintln!("SKIP: {name} is not installed");
    }
    found.then(|| name.to_string())
}

fn promtool_ok(text: &str) -> Result<(), String> {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A Prometheus server with `scrape` as its only scrape config, on a free port.
fn prometheus(dir: &Path, name: &str, scrape: &str) -> (Running, String) {
    let config = dir.join(format!("{name}.yml"));
    std::fs::write(
        &config,
        format!("global:\n  scrape_interval: 2s\n  scrape_timeout: 2s\nscrape_configs:\n{scrape}"),
    )
    .unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join(format!("{name}-data")).display()
        ))
        .arg(format!("--web.listen-address={addr}"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join(format!("{name}.log"))).unwrap())
        .spawn()
        .unwrap();
    (Running(child), addr)
}

/// The snmp_exporter relabelling: the target becomes `?target=`, the instance label keeps it, and
/// the exporter is what Prometheus connects to.
fn scrape_config(
    job: &str,
    modules: &str,
    targets: &[String],
    exporter: &str,
    extra: &str,
) -> String {
    let list: Vec<String> = targets.iter().map(|t| format!("'{t}'")).collect();
    format!(
        "  - job_name: {job}\n    metrics_path: /probe\n    params:\n      module: [{modules}]\n\
         \x20   static_configs:\n      - targets: [{}]\n    relabel_configs:\n\
         \x20     - source_labels: [__address__]\n        target_label: __param_target\n\
         \x20     - source_labels: [__param_target]\n        target_label: instance\n\
         {extra}\
         \x20     - target_label: __address__\n        replacement: {exporter}\n",
        list.join(", ")
    )
}

/// A GET over HTTP/1.0 (so that Go's server sends the body whole, not chunked); `None` while the
/// server is not up yet.
fn get(addr: &str, target: &str) -> Option<String> {
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .ok()?;
    std::io::Write::write_all(
        &mut stream,
        format!("GET {target} HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes(),
    )
    .ok()?;
    let mut raw = String::new();
    std::io::Read::read_to_string(&mut stream, &mut raw).ok()?;
    let (head, body) = raw.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.0 200")
        .then(|| body.to_string())
        .or_else(|| head.starts_with("HTTP/1.1 200").then(|| body.to_string()))
}

/// Prometheus' instant query `expr`: each result's labels and value.
fn query(prom: &str, expr: &str) -> Vec<(Json, f64)> {
    let encoded: String = form_urlencoded_byte_serialize(expr);
    let Some(body) = get(prom, &format!("/api/v1/query?query={encoded}")) else {
        return Vec::new();
    };
    let v: Json = serde_json::from_str(&body).unwrap_or(Json::Null);
    v["data"]["result"]
        .as_array()
        .map(|results| {
            results
                .iter()
                .map(|r| {
                    let value = r["value"][1]
                        .as_str()
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(f64::NAN);
                    (r["metric"].clone(), value)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn form_urlencoded_byte_serialize(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Waits until `done` holds (Prometheus scrapes every 2 s), for at most two minutes.
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let begin = Instant::now();
    while !done() {
        assert!(
            begin.elapsed() < Duration::from_secs(120),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn rwmi_query(target: &str, wql: &str) -> Json {
    let out = Command::new(RWMI)
        .args([
            "query",
            "-H",
            target,
            "-u",
            "Administrator",
            "--format",
            "json",
            wql,
        ])
        .env("RWMI_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every built-in module's probe passes `promtool check metrics`, and so does /metrics.
#[test]
fn every_module_passes_promtool() {
    if tool("promtool").is_none() {
        return;
    }
    let sim = Sim::start("127.0.0.1:0", &[]);
    let dir = scratch("promtool");
    let (_exporter, addr) = exporter(&dir);
    for module in MODULES {
        let a = http(
            &addr,
            "GET",
            &format!("/probe?target={}&module={module}", sim.target),
            None,
        );
        assert_eq!(a.status, 200, "{module}: {}", a.body);
        assert!(
            a.body.contains("rwmi_probe_success 1"),
            "{module}: {}",
            a.body
        );
        promtool_ok(&a.body).unwrap_or_else(|e| panic!("{module}: {e}\n{}", a.body));
    }
    // Raw counters that must move between two scrapes.
    let cpu = |a: &str| -> f64 {
        let body = http(
            a,
            "GET",
            &format!("/probe?target={}&module=cpu", sim.target),
            None,
        )
        .body;
        body.lines()
            .filter(|l| l.starts_with("windows_cpu_time_total{"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    let first = cpu(&addr);
    wait_for("the CPU counters to move", || cpu(&addr) > first);
    let a = http(&addr, "GET", "/metrics", None);
    assert!(
        a.body.contains("rwmi_exporter_connection_reuses_total"),
        "{}",
        a.body
    );
    promtool_ok(&a.body).unwrap();
    // The password is nowhere the exporter writes.
    let stderr = std::fs::read_to_string(dir.join("exporter.stderr")).unwrap();
    assert!(!stderr.contains(PASSWORD) && !a.body.contains(PASSWORD));
}

/// The series windows_exporter's own Grafana dashboard queries (every metric name in the PromQL of
/// its `dashboard/windows-exporter-dashboard.json`, at its commit 589ec15d), so that the dashboard
/// works on the exporter's built-in modules. `windows_system_exception_dispatches_total` is queried
/// too, but the emulator has no such count (Linux keeps none): against Windows it comes from
/// Win32_PerfRawData_PerfOS_System.ExceptionDispatchesPersec.
const DASHBOARD_SERIES: [&str; 27] = [
    "windows_cpu_core_frequency_mhz",
    "windows_cpu_logical_processor",
    "windows_cpu_time_total",
    "windows_logical_disk_free_bytes",
    "windows_logical_disk_read_bytes_total",
    "windows_logical_disk_reads_total",
    "windows_logical_disk_size_bytes",
    "windows_logical_disk_write_bytes_total",
    "windows_logical_disk_writes_total",
    "windows_memory_commit_limit",
    "windows_memory_committed_bytes",
    "windows_memory_physical_free_bytes",
    "windows_memory_physical_total_bytes",
    "windows_net_bytes_received_total",
    "windows_net_bytes_sent_total",
    "windows_net_bytes_total",
    "windows_net_current_bandwidth_bytes",
    "windows_net_packets_outbound_discarded_total",
    "windows_net_packets_outbound_errors_total",
    "windows_net_packets_received_discarded_total",
    "windows_net_packets_received_errors_total",
    "windows_os_hostname",
    "windows_os_info",
    "windows_service_state",
    "windows_system_boot_time_timestamp",
    "windows_system_processes",
    "windows_system_threads",
];

/// A probe of every built-in module has each series windows_exporter's dashboard reads, with the
/// labels it selects on, and CPU series per logical processor only (the dashboard averages them).
#[test]
fn windows_exporters_dashboard_finds_its_series() {
    let sim = Sim::start("127.0.0.1:0", &[]);
    let dir = scratch("dashboard");
    let (_exporter, addr) = exporter(&dir);
    let a = http(
        &addr,
        "GET",
        &format!("/probe?target={}&module={}", sim.target, MODULES.join(",")),
        None,
    );
    assert!(a.body.contains("rwmi_probe_success 1"), "{}", a.body);
    let samples: Vec<&str> = a.body.lines().filter(|l| !l.starts_with('#')).collect();
    let named = |name: &str| -> Vec<&str> {
        samples
            .iter()
            .copied()
            .filter(|l| {
                l.strip_prefix(name)
                    .is_some_and(|r| r.starts_with(['{', ' ']))
            })
            .collect()
    };
    for name in DASHBOARD_SERIES {
        assert!(!named(name).is_empty(), "no {name} in\n{}", a.body);
    }
    // The dashboard's host list: label_values(windows_os_hostname, hostname).
    let host = rwmi_query(&sim.target, "SELECT DNSHostName FROM Win32_ComputerSystem");
    let hostname = host[0]["DNSHostName"].as_str().unwrap().to_string();
    assert!(
        named("windows_os_hostname")[0].contains(&format!("hostname=\"{hostname}\"")),
        "{}",
        a.body
    );
    // avg(irate(windows_cpu_time_total{mode="idle"})) is a share of one processor only when every
    // series is one processor: no totals, one core label per logical processor.
    let cpu = named("windows_cpu_time_total");
    assert!(cpu.iter().all(|l| !l.contains("Total")), "{cpu:?}");
    let logical: usize = named("windows_cpu_logical_processor")[0]
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let cores: std::collections::BTreeSet<&str> = cpu
        .iter()
        .filter_map(|l| l.split("core=\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(cores.len(), logical, "{cores:?}");
    for mode in ["idle", "user", "privileged", "interrupt"] {
        assert_eq!(
            cpu.iter()
                .filter(|l| l.contains(&format!("mode=\"{mode}\"")))
                .count(),
            logical
        );
    }
    // Disk transfers by volume, the totals left out as well.
    let reads = named("windows_logical_disk_read_bytes_total");
    assert!(
        reads
            .iter()
            .all(|l| l.contains("volume=\"") && !l.contains("Total")),
        "{reads:?}"
    );
}

/// Modules that read the same query (`os` and `memory` both read Win32_OperatingSystem) cost one
/// query per probe, and a module named twice is probed once.
#[test]
fn a_probe_sends_each_distinct_query_once() {
    let sim = Sim::start("127.0.0.1:0", &[]);
    let dir = scratch("distinct");
    let (_exporter, addr) = exporter(&dir);
    let sent = || -> u64 {
        let body = http(&addr, "GET", "/metrics", None).body;
        body.lines()
            .find_map(|l| l.strip_prefix("rwmi_exporter_queries_total "))
            .map_or(0, |v| v.trim().parse().unwrap())
    };
    let probe = |modules: &str| {
        let a = http(
            &addr,
            "GET",
            &format!("/probe?target={}&module={modules}", sim.target),
            None,
        );
        assert!(a.body.contains("rwmi_probe_success 1"), "{}", a.body);
        a.body
    };
    let before = sent();
    probe("os");
    let os = sent() - before;
    assert_eq!(os, 2, "Win32_OperatingSystem and Win32_ComputerSystem");
    let both = probe("os,memory");
    assert_eq!(sent() - before - os, 3, "memory adds its counters only");
    for series in [
        "windows_os_info{",
        "windows_memory_physical_total_bytes ",
        "windows_memory_physical_free_bytes ",
    ] {
        assert_eq!(
            both.lines().filter(|l| l.starts_with(series)).count(),
            1,
            "{series} in\n{both}"
        );
    }
    let twice = probe("os,os");
    assert_eq!(sent() - before - os - 3, 2);
    assert_eq!(
        twice
            .lines()
            .filter(|l| l.starts_with("windows_os_info{"))
            .count(),
        1
    );
}

/// A failing target answers at once with its verdict, and never holds up another target.
#[test]
fn a_failing_target_answers_with_the_doctors_verdict() {
    let sim = Sim::start(
        "127.0.0.1:0",
        &[
            "--virtual-hosts".as_ref(),
            "3".as_ref(),
            "--profile".as_ref(),
            "1:home-edition".as_ref(),
            "--profile".as_ref(),
            "2:firewalled-dynamic-port".as_ref(),
        ],
    );
    let port = sim.target.rsplit(':').next().unwrap().to_string();
    let dir = scratch("verdicts");
    let (_exporter, addr) = exporter(&dir);
    let probe = |target: &str, extra: &str| {
        http(
            &addr,
            "GET",
            &format!("/probe?target={target}:{port}&module=os{extra}"),
            None,
        )
        .body
    };
    let home = probe("127.0.0.2", "");
    assert!(home.contains("rwmi_probe_success 0"), "{home}");
    assert!(home.contains(r#"verdict="unsupported-edition""#), "{home}");
    let alice = probe("127.0.0.1", "&auth=alice");
    assert!(alice.contains(r#"verdict="dcom-access-denied""#), "{alice}");
    assert!(alice.contains(r#"stage="activation""#), "{alice}");
    assert!(alice.contains(r#"code="0x80070005""#), "{alice}");
    // A filtered dynamic port ends at the scrape's deadline (Prometheus' header), with a verdict.
    let slow_addr = addr.clone();
    let slow_target = format!("/probe?target=127.0.0.3:{port}&module=os");
    let slow = std::thread::spawn(move || {
        let mut stream = std::net::TcpStream::connect(&slow_addr).unwrap();
        std::io::Write::write_all(
            &mut stream,
            format!("GET {slow_target} HTTP/1.1\r\nHost: x\r\nX-Prometheus-Scrape-Timeout-Seconds: 3\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .unwrap();
        let mut body = String::new();
        std::io::Read::read_to_string(&mut stream, &mut body).unwrap();
        body
    });
    // Meanwhile a good host answers.
    assert!(probe("127.0.0.1", "").contains("rwmi_probe_success 1"));
    let slow = slow.join().unwrap();
    assert!(slow.contains("rwmi_probe_success 0"), "{slow}");
    assert!(
        slow.contains(r#"verdict="dynamic-port-filtered""#)
            || slow.contains(r#"verdict="connection-timeout""#),
        "{slow}"
    );
    let metrics = http(&addr, "GET", "/metrics", None).body;
    assert!(
        metrics.contains(r#"rwmi_exporter_probe_failures_total{verdict="unsupported-edition"} 1"#),
        "{metrics}"
    );
}

/// Prometheus scrapes two emulated hosts through the exporter; the series it stores equal what
/// `rwmi query` reads from the same hosts; connections are reused across scrapes.
#[test]
fn prometheus_scrapes_the_exporter_and_holds_the_right_values() {
    if tool("prometheus").is_none() {
        return;
    }
    let sim = Sim::start(
        "127.0.0.1:0",
        &[
            "--virtual-hosts".as_ref(),
            "2".as_ref(),
            "--synthetic".as_ref(),
            "Win32_Service=25".as_ref(),
        ],
    );
    let port = sim.target.rsplit(':').next().unwrap().to_string();
    let targets = vec![format!("127.0.0.1:{port}"), format!("127.0.0.2:{port}")];
    let dir = scratch("prometheus");
    let (_exporter, addr) = exporter(&dir);
    let (_prom, prom) = prometheus(
        &dir,
        "prom",
        &scrape_config("wmi", "os,service,system", &targets, &addr, ""),
    );
    wait_for("both targets scraped", || {
        let r = query(&prom, "windows_cs_logical_processors");
        r.len() == 2
    });
    for target in &targets {
        let cs = rwmi_query(
            target,
            "SELECT NumberOfLogicalProcessors, TotalPhysicalMemory FROM Win32_ComputerSystem",
        );
        let want = cs[0]["NumberOfLogicalProcessors"].as_f64().unwrap();
        let got = query(
            &prom,
            &format!("windows_cs_logical_processors{{instance=\"{target}\"}}"),
        );
        assert_eq!(got.len(), 1, "{target}");
        assert_eq!(got[0].1, want);
        let got = query(
            &prom,
            &format!("windows_cs_physical_memory_bytes{{instance=\"{target}\"}}"),
        );
        assert_eq!(got[0].1, cs[0]["TotalPhysicalMemory"].as_f64().unwrap());
        // Every service's state: 1 for the state rwmi query reads, 0 for the others.
        let services = rwmi_query(target, "SELECT Name, State FROM Win32_Service");
        let services = services.as_array().unwrap();
        assert_eq!(services.len(), 25);
        let on = query(
            &prom,
            &format!("windows_service_state{{instance=\"{target}\"}} == 1"),
        );
        let stored: BTreeSet<(String, String)> = on
            .iter()
            .map(|(m, _)| {
                (
                    m["name"].as_str().unwrap().to_string(),
                    m["state"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let read: BTreeSet<(String, String)> = services
            .iter()
            .map(|s| {
                (
                    s["Name"].as_str().unwrap().to_string(),
                    s["State"].as_str().unwrap().to_ascii_lowercase(),
                )
            })
            .collect();
        assert_eq!(stored, read, "{target}");
        let up = query(
            &prom,
            &format!("rwmi_probe_success{{instance=\"{target}\"}}"),
        );
        assert_eq!(up[0].1, 1.0);
    }
    // Later scrapes reuse the two connections (the first scrape of each target made them).
    wait_for("a reuse", || {
        let m = http(&addr, "GET", "/metrics", None).body;
        m.lines().any(|l| {
            l.strip_prefix("rwmi_exporter_connection_reuses_total ")
                .and_then(|v| v.parse::<f64>().ok())
                .is_some_and(|v| v >= 6.0)
        })
    });
    let metrics = http(&addr, "GET", "/metrics", None).body;
    assert!(
        metrics.contains("rwmi_exporter_connects_total 2\n"),
        "{metrics}"
    );
}

/// Two Prometheus servers each keep one `hashmod` shard of 200 targets: together they scrape every
/// target, and no target twice.
#[test]
fn two_prometheus_servers_split_200_targets_by_hashmod() {
    if tool("prometheus").is_none() {
        return;
    }
    let sim = Sim::start("127.0.0.1:0", &["--virtual-hosts".as_ref(), "200".as_ref()]);
    let port = sim.target.rsplit(':').next().unwrap().to_string();
    let targets: Vec<String> = (1..=200).map(|n| format!("127.0.0.{n}:{port}")).collect();
    let dir = scratch("hashmod");
    let (_exporter, addr) = exporter(&dir);
    let shard = |n: u32| {
        format!(
            "\x20     - source_labels: [__param_target]\n        modulus: 2\n        target_label: __tmp_hash\n        action: hashmod\n\
             \x20     - source_labels: [__tmp_hash]\n        regex: '{n}'\n        action: keep\n"
        )
    };
    let (_p0, prom0) = prometheus(
        &dir,
        "shard0",
        &scrape_config("wmi", "os", &targets, &addr, &shard(0)),
    );
    let (_p1, prom1) = prometheus(
        &dir,
        "shard1",
        &scrape_config("wmi", "os", &targets, &addr, &shard(1)),
    );
    let instances = |prom: &str| -> BTreeSet<String> {
        query(prom, "rwmi_probe_success == 1")
            .iter()
            .filter_map(|(m, _)| m["instance"].as_str().map(str::to_string))
            .collect()
    };
    wait_for("every target scraped by one of the two", || {
        instances(&prom0).len() + instances(&prom1).len() >= 200
    });
    let (a, b) = (instances(&prom0), instances(&prom1));
    assert!(a.is_disjoint(&b), "a target scraped by both servers");
    let all: BTreeSet<String> = a.union(&b).cloned().collect();
    assert_eq!(all, targets.iter().cloned().collect::<BTreeSet<_>>());
    assert!(!a.is_empty() && !b.is_empty(), "one server has no shard");
    // Neither server has even a target of the other's shard.
    let active = |prom: &str| -> usize {
        let t: Json =
            serde_json::from_str(&get(prom, "/api/v1/targets?state=active").unwrap_or_default())
                .unwrap_or(Json::Null);
        t["data"]["activeTargets"].as_array().map_or(0, Vec::len)
    };
    assert_eq!(active(&prom0) + active(&prom1), 200);
}

/// `POST /-/reload` and SIGHUP read the file again; connections stay open across a reload; a wrong
/// file is refused with its reason and the configuration in force stays.
#[test]
fn reload_reads_the_file_again_and_keeps_the_connections() {
    let sim = Sim::start("127.0.0.1:0", &[]);
    let dir = scratch("reload");
    let (exporter_child, addr) = exporter(&dir);
    let probe = |module: &str| {
        http(
            &addr,
            "GET",
            &format!("/probe?target={}&module={module}", sim.target),
            None,
        )
    };
    assert!(probe("os").body.contains("rwmi_probe_success 1"));
    assert_eq!(probe("mine").status, 400, "no such module yet");
    let config = dir.join("exporter.yml");
    let original = std::fs::read_to_string(&config).unwrap();
    let with_module = |name: &str| {
        format!(
            "{original}modules:\n  {name}:\n    queries:\n      - query: SELECT Name, State FROM Win32_Service\n        metrics:\n          - name: {name}_service_up\n            labels: {{ name: Name }}\n            state: {{ property: State, label: state, values: [running] }}\n"
        )
    };
    std::fs::write(&config, with_module("mine")).unwrap();
    let a = http(&addr, "POST", "/-/reload", Some(("text/plain", "")));
    assert_eq!((a.status, a.body.as_str()), (200, "reloaded\n"));
    let mine = probe("mine").body;
    assert!(
        mine.contains("mine_service_up{name=") && mine.contains("rwmi_probe_success 1"),
        "{mine}"
    );
    let metrics = http(&addr, "GET", "/metrics", None).body;
    assert!(
        metrics.contains("rwmi_exporter_connects_total 1\n"),
        "the reload kept the connection: {metrics}"
    );
    // A file that does not parse: refused, and the module loaded before still answers.
    std::fs::write(&config, format!("{original}modules: [not, a, mapping]\n")).unwrap();
    let a = http(&addr, "POST", "/-/reload", Some(("text/plain", "")));
    assert_eq!(a.status, 500);
    assert!(a.body.contains("exporter.yml"), "{}", a.body);
    assert!(probe("mine").body.contains("rwmi_probe_success 1"));
    // SIGHUP, as a service manager's reload sends it.
    std::fs::write(&config, with_module("theirs")).unwrap();
    let status = Command::new("kill")
        .args(["-HUP", &exporter_child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    wait_for("the SIGHUP reload", || probe("theirs").status == 200);
    assert!(probe("theirs").body.contains("theirs_service_up"));
}

/// An auth with a Kerberos keytab (no password in the file), against the emulator running as a
/// service account of the test Samba domain.
#[test]
fn a_kerberos_keytab_auth_probes() {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(kdc), Some(keytab), Some(emu_keytab)) = (
        var("RWMI_SAMBA_HOST"),
        var("RWMI_SAMBA_ADMIN_KEYTAB"),
        var("RWMI_SAMBA_EMU_KEYTAB"),
    ) else {
        assert!(
            var("RWMI_REQUIRE_PEERS").is_none(),
            "RWMI_REQUIRE_PEERS is set but no Samba DC is configured"
        );
        eprintln!("skipped: no Samba DC (run ./scripts/test.sh)");
        return;
    };
    let realm = var("RWMI_SAMBA_REALM").unwrap_or_else(|| "TEST.LOCAL".into());
    let sim = Sim::start("127.0.0.1:0", &["--keytab".as_ref(), emu_keytab.as_ref()]);
    let dir = scratch("kerberos");
    let config = dir.join("exporter.yml");
    std::fs::write(
        &config,
        format!(
            "auths:\n  domain:\n    user: Administrator\n    domain: {realm}\n    kerberos:\n      kdc: {kdc}\n      realm: {realm}\n      keytab: {keytab}\n      spn: host/emu.test.local\n"
        ),
    )
    .unwrap();
    let mut child = Command::new(RWMI)
        .args(["exporter", "--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.join("exporter.stderr")).unwrap())
        .spawn()
        .unwrap();
    let addr = listening_address(&mut child, &dir.join("exporter.stderr"));
    let _running = Running(child);
    let a = http(
        &addr,
        "GET",
        &format!("/probe?target={}&module=os", sim.target),
        None,
    );
    assert!(a.body.contains("rwmi_probe_success 1"), "{}", a.body);
}

/// With `allowed_targets`, a probe of another host is refused before any connection, so the
/// exporter's credentials go to the listed hosts only; without it, the exporter warns at start.
#[test]
fn allowed_targets_keep_the_credentials_to_the_listed_hosts() {
    let sim = Sim::start("127.0.0.1:0", &["--virtual-hosts".as_ref(), "2".as_ref()]);
    let port = sim.target.rsplit(':').next().unwrap().to_string();
    let dir = scratch("allowed");
    let (_exporter, addr) =
        exporter_with(&dir, "allowed_targets:\n  - '^127\\.0\\.0\\.1:[0-9]+$'\n");
    let probe = |host: &str| {
        http(
            &addr,
            "GET",
            &format!("/probe?target={host}:{port}&module=os"),
            None,
        )
    };
    assert!(probe("127.0.0.1").body.contains("rwmi_probe_success 1"));
    let refused = probe("127.0.0.2");
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused.body.contains("not in allowed_targets"),
        "{}",
        refused.body
    );
    let metrics = http(&addr, "GET", "/metrics", None).body;
    assert!(
        metrics.contains("rwmi_exporter_connects_total 1\n"),
        "no connection to the refused host: {metrics}"
    );
    let open_dir = scratch("open");
    let (_open, _) = exporter(&open_dir);
    let warning = std::fs::read_to_string(open_dir.join("exporter.stderr")).unwrap();
    assert!(warning.contains("no allowed_targets"), "{warning}");
}
