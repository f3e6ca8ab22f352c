//! The enumerators of queries run one after the other share RemRelease calls (`DcomOptions::
//! release_delay`): a burst of queries costs one release round trip, not one per query, and the server
//! still gets every object back, never holding more than a batch or two of finished ones.

mod support;

use std::time::Duration;

use rwmi::wmi::{ConnectOptions, Connection};
use rwmi_sim::emulator::EmulatorHandle;
use rwmi_sim::launch::start;
use rwmi_sim::server::exporter::Exporter;
use support::{LogBuffer, emu_account, sim_options, target};

/// The `refs=N` of every RemRelease the emulator logged.
fn releases(log: &LogBuffer) -> Vec<usize> {
    log.text()
        .lines()
        .filter(|l| l.contains("RemRelease") && l.contains("rwmi_sim"))
        .filter_map(|l| {
            let rest = l.split(" refs=").nth(1)?;
            rest.split_whitespace().next()?.parse().ok()
        })
        .collect()
}

async fn connect(handle: &EmulatorHandle, release_delay: Duration) -> Connection {
    let mut options = ConnectOptions::new(&target(handle), emu_account("Administrator")).unwrap();
    options.dcom.ping_interval = None;
    options.dcom.release_delay = release_delay;
    Connection::connect(options).await.unwrap()
}

async fn one_query(connection: &Connection, wql: &str) {
    connection
        .query(wql)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
}

async fn wait_for_objects(exporter: &Exporter, count: usize) {
    for _ in 0..500 {
        if exporter.object_count() == count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(exporter.object_count(), count, "objects left on the server");
}

// One test: the log buffer is the process's.
#[tokio::test]
async fn finished_enumerations_share_their_remreleases() {
    let log = LogBuffer::capture_trace();
    let handle = start(&sim_options()).await.unwrap();
    let exporter = &handle.hosts()[0].host.exporter;

    // A delay longer than the test: only the batch size and the close send releases.
    let connection = connect(&handle, Duration::from_secs(3600)).await;
    let before = releases(&log).len();
    // Five queries, as one probe of the exporter makes: nothing released yet...
    for wql in [
        "SELECT * FROM Win32_OperatingSystem",
        "SELECT * FROM Win32_ComputerSystem",
        "SELECT Name FROM Win32_Service",
        "SELECT Name FROM Win32_LogicalDisk",
        "SELECT Name FROM Win32_Process",
    ] {
        one_query(&connection, wql).await;
    }
    assert_eq!(releases(&log)[before..], [] as [usize; 0]);
    // ... then forty more: released as they pile up to 16 (a batch's RemRelease may wait for the lock
    // behind the next query, so never more than two batches).
    for _ in 0..40 {
        one_query(&connection, "SELECT Name FROM Win32_OperatingSystem").await;
        assert!(
            exporter.object_count() <= 1 + 2 * 16,
            "finished enumerators piled up"
        );
    }
    // The close takes what still waits with it, and the IWbemServices.
    connection.close().await;
    wait_for_objects(exporter, 0).await;
    let sent = releases(&log)[before..].to_vec();
    // 45 enumerators, the login object (its release waited for the first RemRelease) and the
    // IWbemServices, in far fewer calls than 47.
    assert_eq!(sent.iter().sum::<usize>(), 47, "{sent:?}");
    assert!((2..=4).contains(&sent.len()), "{sent:?}");
    assert!(sent.iter().all(|&n| n <= 2 * 16 + 1), "{sent:?}");

    // With a short delay, the release comes by itself, the connection still open.
    let connection = connect(&handle, Duration::from_millis(20)).await;
    one_query(&connection, "SELECT Name FROM Win32_OperatingSystem").await;
    wait_for_objects(exporter, 1).await;
    connection.close().await;
    wait_for_objects(exporter, 0).await;
    handle.shutdown().await;
}
