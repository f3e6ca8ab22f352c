//! Faults at scale: 200 virtual hosts on loopback (127.0.0.1 to 127.0.0.200), 20 of them with fault
//! profiles, queried concurrently through the library's fleet fan-out on a connection pool, as the CLI
//! runs a fleet. Every healthy host's rows arrive complete, every
//! faulty host gets its diagnosis, and every time-out fires within 10 % of its setting.

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rwmi::diagnosis::diagnose;
use rwmi::fleet::{FleetEvent, fan_out};
use rwmi::pool::{Pool, PoolConfig};
use rwmi::wmi::{ConnectOptions, Connection, WmiError, WmiStage};
use rwmi_sim::launch::{SimOptions, start};
use support::{sim_options, timed_options, with_password};

const HOSTS: usize = 200;
const SERVICES: usize = 20;
/// Both the connect and the call time-out, so that every time-out below is this long.
const TIMEOUT: Duration = Duration::from_millis(2000);
/// Hosts in flight at once, as the CLI's --concurrency bounds a fleet run.
const CONCURRENCY: usize = 16;
const QUERY: &str = "SELECT * FROM Win32_Service";

/// A fault profile, what the query must fail with and what `rwmi doctor` must conclude.
struct Fault {
    profile: &'static str,
    /// The stage at which the connect or query fails.
    stage: WmiStage,
    /// Whether the failure is a time-out (its stage then lasts `TIMEOUT`, within 10 %).
    timeout: bool,
    verdict: &'static str,
}

const FAULTS: [Fault; 5] = [
    Fault {
        profile: "drop-after=0",
        stage: WmiStage::Activation,
        timeout: false,
        verdict: "server-dropped-connection",
    },
    Fault {
        profile: "stall-after=0",
        stage: WmiStage::Activation,
        timeout: true,
        verdict: "connection-timeout",
    },
    Fault {
        profile: "lag=4000",
        stage: WmiStage::Bind,
        timeout: true,
        verdict: "connection-timeout",
    },
    Fault {
        profile: "firewalled-dynamic-port",
        stage: WmiStage::DynamicPort,
        timeout: true,
        verdict: "dynamic-port-filtered",
    },
    Fault {
        profile: "home-edition",
        stage: WmiStage::Activation,
        timeout: false,
        verdict: "unsupported-edition",
    },
];

/// Every tenth host, starting at 3, is faulty: 20 of 200, four of each profile.
fn fault_of(index: usize) -> Option<&'static Fault> {
    (index % 10 == 3).then(|| &FAULTS[(index / 10) % FAULTS.len()])
}

fn options(target: String) -> ConnectOptions {
    let credentials = with_password("Administrator", "Passw0rd!");
    let mut o = timed_options(&target, credentials, TIMEOUT);
    // Small batches: each host's rows come over several Next calls.
    o.batch_size = 7;
    o
}

fn name_of(row: &rwmi::WmiInstance) -> String {
    match row.get("Name") {
        Some(rwmi::Value::String(name)) => name.clone(),
        other => panic!("a service without a Name: {other:?}"),
    }
}

async fn query(options: ConnectOptions) -> Result<Vec<String>, WmiError> {
    let connection = Connection::connect(options).await?;
    let rows = connection.query(QUERY).await?.collect().await?;
    connection.close().await;
    Ok(rows.iter().map(name_of).collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_hosts_twenty_faulty() {
    let started = Instant::now();
    let profiles: Vec<String> = (0..HOSTS)
        .filter_map(|i| fault_of(i).map(|f| format!("{i}:{}", f.profile)))
        .collect();
    assert_eq!(profiles.len(), HOSTS / 10);
    let sim = SimOptions {
        virtual_hosts: HOSTS,
        profiles,
        synthetic: vec![format!("Win32_Service={SERVICES}")],
        ..sim_options()
    };
    let emulator = start(&sim).await.unwrap();
    let targets: Vec<String> = emulator
        .hosts()
        .iter()
        .map(|h| h.scm_addr.to_string())
        .collect();
    assert_eq!(targets.len(), HOSTS);
    assert_eq!(targets[199].split(':').next(), Some("127.0.0.200"));

    // What a healthy host holds, asked alone.
    let expected = query(options(targets[0].clone())).await.unwrap();
    assert!(expected.len() >= SERVICES, "{} services", expected.len());

    // The fleet shares one store of decoded classes, as `rwmi query -H @hosts` does.
    let classes = rwmi::wmi::shared_classes();
    let pool = Pool::new(PoolConfig {
        max_connections: CONCURRENCY,
        max_concurrency: CONCURRENCY,
        ..PoolConfig::default()
    });
    let hosts = targets.iter().map(|target| {
        let mut options = options(target.clone());
        options.shared_classes = Some(classes.clone());
        (target.clone(), options)
    });
    let mut events = fan_out(&pool, hosts, |pool, options, out| async move {
        let lease = pool.connection(&options).await?;
        let mut rows = lease.query(QUERY).await?;
        let mut count = 0;
        while let Some(row) = rows.next().await {
            out.emit(name_of(&row?)).await;
            count += 1;
        }
        Ok(count)
    });
    let index_of: HashMap<&str, usize> = targets
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    let mut names: HashMap<usize, Vec<String>> = HashMap::new();
    let mut healthy = 0;
    let mut faulty = Vec::new();
    while let Some(event) = events.next().await {
        match event {
            FleetEvent::Item { host, item } => {
                names.entry(index_of[&*host]).or_default().push(item)
            }
            FleetEvent::Done { host, result } => {
                let index = index_of[&*host];
                match (fault_of(index), result) {
                    (None, Ok(count)) => {
                        let names = names.remove(&index).unwrap_or_default();
                        assert_eq!(count, names.len(), "host {index}");
                        assert_eq!(names, expected, "host {index}");
                        healthy += 1;
                    }
                    (None, Err(e)) => panic!("healthy host {index} failed: {e}"),
                    (Some(fault), Ok(_)) => {
                        panic!("host {index} with {} succeeded", fault.profile)
                    }
                    (Some(fault), Err(e)) => faulty.push((index, fault, e)),
                }
            }
        }
    }
    assert!(pool.stats().open <= CONCURRENCY, "{:?}", pool.stats());
    pool.close_idle().await;
    assert_eq!(healthy, HOSTS - HOSTS / 10);
    assert_eq!(faulty.len(), HOSTS / 10);
    // Win32_Service was parsed by the first healthy hosts to answer and reused by the others, whose rows
    // still equal the lone host's.
    assert!(!classes.is_empty());
    assert!(
        classes.hits() >= (healthy - CONCURRENCY) as u64,
        "{} of {healthy} hosts reused a class: {classes:?}",
        classes.hits()
    );

    let mut timeouts = Vec::new();
    for (index, fault, error) in &faulty {
        assert_eq!(
            error.stage, fault.stage,
            "host {index} ({}): {error}",
            fault.profile
        );
        assert_eq!(error.is_timeout(), fault.timeout, "host {index}: {error}");
        if fault.timeout {
            // The failing stage's own duration: the time-out, not the stages before it.
            let (stage, elapsed) = *error.timings.last().expect("stage timings");
            assert_eq!(stage, fault.stage);
            timeouts.push(elapsed);
            assert!(
                elapsed >= TIMEOUT && elapsed <= TIMEOUT.mul_f64(1.1),
                "host {index} ({}): the {} ms time-out fired after {} ms",
                fault.profile,
                TIMEOUT.as_millis(),
                elapsed.as_millis()
            );
        }
    }

    // Every faulty host gets its diagnosis, all at once.
    let diagnoses: Vec<_> = faulty
        .iter()
        .map(|(index, _, _)| {
            let (index, target) = (*index, targets[*index].clone());
            tokio::spawn(async move { (index, diagnose(options(target)).await) })
        })
        .collect();
    for task in diagnoses {
        let (index, d) = task.await.unwrap();
        let fault = fault_of(index).expect("a faulty host");
        assert_eq!(
            d.verdict.id,
            fault.verdict,
            "host {index} ({}): {}",
            fault.profile,
            d.to_text()
        );
    }
    emulator.shutdown().await;

    let slowest = timeouts.iter().max().copied().unwrap_or_default();
    let fastest = timeouts.iter().min().copied().unwrap_or_default();
    eprintln!(
        "{healthy} healthy hosts complete with {} rows each; {} faulty hosts diagnosed; {} time-outs of \
         {} ms fired after {}..{} ms; total {} ms; classes shared: {classes:?}",
        expected.len(),
        faulty.len(),
        timeouts.len(),
        TIMEOUT.as_millis(),
        fastest.as_millis(),
        slowest.as_millis(),
        started.elapsed().as_millis()
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}
