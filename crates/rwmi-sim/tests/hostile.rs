//! rwmi's client against every `hostile-*` profile of the emulator, over real TCP on loopback: each ends
//! in a typed `WmiError` at the expected stage, within the client's time-outs, without a panic, and the
//! process's peak resident set stays under 64 MiB.
//!
//! Memory is measured as the process's peak RSS (VmHWM in /proc/self/status). The tests of this binary are
//! run one at a time (a lock) and each resets the peak first (`echo 5 > /proc/self/clear_refs`, Linux 4.0+)
//! so the figure is that test's own peak; where the reset is not permitted, the peak since the process
//! started is used, a stricter bound. The figure includes the emulator, which runs in the same process:
//! the bound holds for client and server together.

mod support;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use rwmi::rpc::RpcError;
use rwmi::security::AuthLevel;
use rwmi::wmi::{Connection, WmiError, WmiStage};
use rwmi_core::DecodeErrorKind;
use rwmi_sim::launch::{SimOptions, start};
use support::{sim_options, target, timed_options, with_password};

const PEAK_RSS_LIMIT_KIB: u64 = 64 * 1024;
const TIMEOUT: Duration = Duration::from_millis(1500);

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets the peak RSS to the current RSS; false where the kernel does not let us.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

struct Outcome {
    error: WmiError,
    /// From the start of the connect to the error.
    elapsed: Duration,
    /// The failing stage's own duration: its entry in the connect's timings, or the time since the
    /// query started.
    stage_elapsed: Duration,
    peak_kib: u64,
}

/// What one connect and query against a hostile host came to.
struct Measured {
    /// The rows, with the connect's notes, or the failure.
    result: Result<(usize, Vec<String>), WmiError>,
    elapsed: Duration,
    query_elapsed: Option<Duration>,
    peak_kib: u64,
}

/// Connects to a one-host emulator with `profile` (each time-out `timeout`) and runs a query, measuring
/// time and peak RSS.
fn measure(profile: &str, timeout: Duration) -> Measured {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let reset = reset_peak_rss();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (result, elapsed, query_elapsed) = runtime.block_on(async {
        let options = SimOptions {
            profiles: vec![profile.to_string()],
            synthetic: vec!["Win32_Service=50".into()],
            ..sim_options()
        };
        let emulator = start(&options).await.unwrap();
        let credentials = with_password("Administrator", "Passw0rd!");
        let mut o = timed_options(&target(&emulator), credentials, timeout);
        o.auth_level = AuthLevel::Privacy;
        // The hostile objects come through IEnumWbemClassObject::Next; smart enumeration decodes with the
        // same limited MS-WMIO decoders, and its own packet decoder is covered by its unit tests and fuzzing.
        o.dcom.smart_enum = false;
        let started = Instant::now();
        let mut query_started = None;
        let work = async {
            let connection = Connection::connect(o).await?;
            let notes = connection.report().notes.clone();
            query_started = Some(Instant::now());
            let rows = connection
                .query("SELECT * FROM Win32_Service")
                .await?
                .collect()
                .await?;
            Ok::<_, WmiError>((rows.len(), notes))
        };
        // A watchdog, so that a client that hangs fails the test instead of stalling it.
        let result = tokio::time::timeout(timeout * 10, work)
            .await
            .unwrap_or_else(|_| panic!("{profile}: the client hung"));
        let elapsed = started.elapsed();
        let query_elapsed = query_started.map(|q| q.elapsed());
        emulator.shutdown().await;
        (result, elapsed, query_elapsed)
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
    let peak_kib = status_kib("VmHWM:").expect("/proc/self/status has VmHWM");
    eprintln!(
        "{profile}: {:?} after {} ms, peak RSS {} KiB ({})",
        result.as_ref().err().map(ToString::to_string),
        elapsed.as_millis(),
        peak_kib,
        if reset {
            "this test"
        } else {
            "since the process started"
        }
    );
    assert!(
        peak_kib < PEAK_RSS_LIMIT_KIB,
        "{profile}: peak RSS {peak_kib} KiB"
    );
    Measured {
        result,
        elapsed,
        query_elapsed,
        peak_kib,
    }
}

/// Connects to a one-host emulator with `profile` and runs a query; returns the failure.
fn run(profile: &str) -> Outcome {
    let Measured {
        result,
        elapsed,
        query_elapsed,
        peak_kib,
    } = measure(profile, TIMEOUT);
    let error = match result {
        Ok((rows, _)) => panic!("{profile}: the query succeeded with {rows} rows"),
        Err(e) => e,
    };
    let stage_elapsed = match (error.timings.last(), query_elapsed) {
        (Some((_, connect_stage)), _) => *connect_stage,
        (None, Some(query)) => query,
        (None, None) => elapsed,
    };
    Outcome {
        error,
        elapsed,
        stage_elapsed,
        peak_kib,
    }
}

/// No time-out was involved: the failure came as soon as the bad octets did.
fn prompt(outcome: &Outcome) {
    assert!(
        outcome.elapsed < TIMEOUT,
        "took {} ms",
        outcome.elapsed.as_millis()
    );
    assert!(!outcome.error.is_timeout(), "{}", outcome.error);
}

fn rpc(outcome: &Outcome) -> &RpcError {
    outcome
        .error
        .rpc
        .as_deref()
        .unwrap_or_else(|| panic!("no transport error under {}", outcome.error))
}

/// `profile` ends the login, promptly, in a transport error that `expected` accepts.
fn fails_promptly_at_login(profile: &str, expected: impl Fn(&RpcError) -> bool) {
    let outcome = run(profile);
    assert_eq!(outcome.error.stage, WmiStage::Login, "{}", outcome.error);
    assert!(expected(rpc(&outcome)), "{}", outcome.error);
    prompt(&outcome);
}

#[test]
fn lying_length_breaks_the_fragment_limit() {
    let outcome = run("hostile-lying-length");
    assert_eq!(outcome.error.stage, WmiStage::Login, "{}", outcome.error);
    assert_eq!(outcome.error.exceeded_limit(), Some("max_fragment"));
    assert!(matches!(rpc(&outcome), RpcError::Protocol { .. }));
    prompt(&outcome);
}

#[test]
fn deep_object_breaks_the_depth_limit() {
    let outcome = run("hostile-deep-object");
    assert_eq!(
        outcome.error.stage,
        WmiStage::Enumerate,
        "{}",
        outcome.error
    );
    assert_eq!(outcome.error.exceeded_limit(), Some("max_depth"));
    prompt(&outcome);
}

#[test]
fn cyclic_heap_is_a_malformed_object() {
    let outcome = run("hostile-cyclic-heap");
    assert_eq!(
        outcome.error.stage,
        WmiStage::Enumerate,
        "{}",
        outcome.error
    );
    let decode = outcome.error.decode_error().expect("a decode error");
    assert!(outcome.error.message.contains("malformed WMI object"));
    assert!(!matches!(decode.kind, DecodeErrorKind::TooDeep { .. }));
    prompt(&outcome);
}

#[test]
fn huge_array_breaks_the_array_count_limit() {
    let outcome = run("hostile-huge-array");
    assert_eq!(
        outcome.error.stage,
        WmiStage::Enumerate,
        "{}",
        outcome.error
    );
    assert_eq!(outcome.error.exceeded_limit(), Some("max_array_count"));
    assert!(matches!(
        outcome.error.decode_error().map(|e| &e.kind),
        Some(DecodeErrorKind::Limit {
            value: 0xFFFF_FFF0,
            ..
        })
    ));
    prompt(&outcome);
}

#[test]
fn truncated_fragment_is_a_close() {
    fails_promptly_at_login("hostile-truncated-fragment", |e| {
        matches!(e, RpcError::Closed { .. })
    });
}

#[test]
fn wrong_call_id_is_a_protocol_error() {
    let outcome = run("hostile-wrong-call-id");
    assert_eq!(outcome.error.stage, WmiStage::Login, "{}", outcome.error);
    let decode = outcome.error.decode_error().expect("a decode error");
    assert_eq!(decode.field, "call_id", "{}", outcome.error);
    prompt(&outcome);
}

#[test]
fn bad_signature_ends_the_association() {
    fails_promptly_at_login("hostile-bad-signature", |e| {
        matches!(e, RpcError::BadSignature { .. })
    });
}

#[test]
fn reset_mid_fragment_is_a_close() {
    fails_promptly_at_login("hostile-reset-mid-fragment", |e| {
        matches!(e, RpcError::Closed { .. })
    });
}

#[test]
fn slow_drip_ends_at_the_call_timeout() {
    let outcome = run("hostile-slow-drip");
    assert_eq!(outcome.error.stage, WmiStage::Login, "{}", outcome.error);
    assert!(outcome.error.is_timeout(), "{}", outcome.error);
    // The drip never lets the call time-out restart: the login stage ends one call time-out after it
    // started, within 10 %.
    within_ten_percent_of_the_timeout(&outcome);
    assert!(outcome.peak_kib < PEAK_RSS_LIMIT_KIB);
}

fn within_ten_percent_of_the_timeout(outcome: &Outcome) {
    let took = outcome.stage_elapsed;
    assert!(
        took >= TIMEOUT && took <= TIMEOUT.mul_f64(1.1),
        "the failing stage took {} ms for a {} ms time-out",
        took.as_millis(),
        TIMEOUT.as_millis()
    );
}

#[test]
fn oversized_batch_breaks_the_batch_size_limit() {
    let outcome = run("hostile-oversized-batch");
    assert_eq!(
        outcome.error.stage,
        WmiStage::Enumerate,
        "{}",
        outcome.error
    );
    assert_eq!(outcome.error.exceeded_limit(), Some("batch_size"));
    prompt(&outcome);
}

/// Regression: the client asked again after every WBEM_S_TIMEDOUT without objects, without end; a
/// server answering that at once, forever, hung the query (each call well within its time-out).
#[test]
fn endless_timedout_ends_at_the_call_timeout() {
    let outcome = run("hostile-endless-timedout");
    assert_eq!(
        outcome.error.stage,
        WmiStage::Enumerate,
        "{}",
        outcome.error
    );
    assert!(outcome.error.is_timeout(), "{}", outcome.error);
    within_ten_percent_of_the_timeout(&outcome);
}

/// MS-RPCE 3.3.1.5.2.2: a PDU that fails verification ends the association; later calls on it return the
/// same error instead of sending anything.
#[tokio::test]
async fn after_a_bad_signature_every_call_returns_the_same_error() {
    use rwmi::rpc::{AssociationOptions, ClientAssociation};
    use rwmi_core::dcom::OrpcThis;
    use rwmi_core::dcom::ids::IREM_UNKNOWN2_SYNTAX;
    use rwmi_core::dcom::scm::RemReleaseRequest;
    use rwmi_core::rpc::{Call, Stub};

    let options = SimOptions {
        profiles: vec!["hostile-bad-signature".into()],
        ..sim_options()
    };
    let emulator = start(&options).await.unwrap();
    let host = &emulator.hosts()[0];
    let addr = std::net::SocketAddr::new(host.scm_addr.ip(), host.dynamic_port);
    let credentials = with_password("Administrator", "Passw0rd!");
    let mut options = AssociationOptions::new(vec![IREM_UNKNOWN2_SYNTAX])
        .with_auth(credentials, AuthLevel::Integrity);
    options.call_timeout = TIMEOUT;
    let mut association = ClientAssociation::connect(addr, &options).await.unwrap();
    let request = RemReleaseRequest {
        orpc_this: OrpcThis::new(rwmi_core::Guid::from_u128(7)),
        refs: Vec::new(),
    }
    .to_stub();
    let ipid = Some(host.host.exporter.ipid_rem_unknown);
    let first = association
        .call(
            &IREM_UNKNOWN2_SYNTAX,
            <RemReleaseRequest as Call>::OPNUM,
            ipid,
            &request,
        )
        .await
        .unwrap_err();
    assert!(matches!(first, RpcError::BadSignature { .. }), "{first}");
    for _ in 0..2 {
        let again = association
            .call(
                &IREM_UNKNOWN2_SYNTAX,
                <RemReleaseRequest as Call>::OPNUM,
                ipid,
                &request,
            )
            .await
            .unwrap_err();
        assert_eq!(again, first);
    }
    emulator.shutdown().await;
}

/// Regression: the client tried every advertised OXID binding in turn, each costing a connect time-out;
/// thousands of unreachable ones kept the connect going for hours. Now at most a few are tried before the
/// address that answered port 135.
#[test]
fn many_bindings_cost_a_bounded_number_of_attempts() {
    let timeout = Duration::from_millis(300);
    let m = measure("hostile-many-bindings", timeout);
    let (rows, notes) = m.result.unwrap_or_else(|e| panic!("{e}\n{:?}", e.evidence));
    assert_eq!(rows, 50);
    assert!(
        notes.iter().any(|n| n.contains("only the first 16")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("used the address that answered port 135")),
        "{notes:?}"
    );
    // Each failed attempt is noted. Here every attempt is refused at once (loopback, nothing listens); against
    // a real network each could cost a connect time-out, which is what the cap bounds.
    let attempts = notes.iter().filter(|n| n.starts_with("127.254.")).count();
    assert!(
        (1..=8).contains(&attempts),
        "{attempts} attempts: {notes:?}"
    );
    // At most 8 attempts of one connect time-out each, and the query.
    let connect = m.elapsed - m.query_elapsed.unwrap_or_default();
    assert!(
        connect < timeout * 9,
        "the connect took {} ms",
        connect.as_millis()
    );
}
