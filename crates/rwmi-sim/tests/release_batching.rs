//! The enumerators of queries run one after the other share RemRelease calls (`Session::release_soon`):
//! a burst of queries costs one release round trip, not one per query, and the server still gets every
//! object back, never holding more than a batch of finished ones.

mod support;

use std::time::Duration;

use rwmi::wmi::Connection;
use rwmi_sim::launch::start;
use support::{LogBuffer, emu_account, sim_options, target};

/// The `refs=N` of every RemRelease the emulator logged.
fn releases(log: &str) -> Vec<usize> {
    log.lines()
        .filter(|l| l.contains("RemRelease") && l.contains("rwmi_sim"))
        .filter_map(|l| {
            let rest = l.split(" refs=").nth(1)?;
            rest.split_whitespace().next()?.parse().ok()
        })
        .collect()
}

#[tokio::test]
async fn a_burst_of_queries_shares_its_remreleases() {
    let log = LogBuffer::capture_trace();
    let handle = start(&sim_options()).await.unwrap();
    let exporter = &handle.hosts()[0].host.exporter;
    let mut options =
        rwmi::wmi::ConnectOptions::new(&target(&handle), emu_account("Administrator")).unwrap();
    options.dcom.ping_interval = None;
    let connection = Connection::connect(options).await.unwrap();

    // Five queries, as one probe of the exporter makes: one RemRelease for all five enumerators, the
    // login object's release riding along.
    let before = releases(&log.text()).len();
    for wql in [
        "SELECT * FROM Win32_OperatingSystem",
        "SELECT * FROM Win32_ComputerSystem",
        "SELECT Name FROM Win32_Service",
        "SELECT Name FROM Win32_LogicalDisk",
        "SELECT Name FROM Win32_Process",
    ] {
        connection
            .query(wql)
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
    }
    wait_for_objects(exporter, 1).await;
    let burst: Vec<usize> = releases(&log.text())[before..].to_vec();
    assert_eq!(
        burst,
        vec![6],
        "one RemRelease: five enumerators and the login object"
    );

    // Forty: released in batches as they pile up (a batch's RemRelease may wait for the lock behind the
    // next query, so two batches at most), and every one released in the end.
    let before = releases(&log.text()).len();
    for _ in 0..40 {
        one_query(&connection).await;
        assert!(
            exporter.object_count() <= 1 + 2 * 16,
            "finished enumerators piled up"
        );
    }
    wait_for_objects(exporter, 1).await;
    let many: Vec<usize> = releases(&log.text())[before..].to_vec();
    assert_eq!(many.iter().sum::<usize>(), 40, "{many:?}");
    assert!(many.len() >= 3 && many.len() < 40, "{many:?}");
    assert!(many.iter().all(|&n| n <= 2 * 16), "{many:?}");

    // A closed connection takes what still waits with it.
    one_query(&connection).await;
    let before = releases(&log.text()).len();
    connection.close().await;
    wait_for_objects(exporter, 0).await;
    assert_eq!(
        releases(&log.text())[before..].to_vec(),
        vec![2],
        "the enumerator and the IWbemServices"
    );
    handle.shutdown().await;
}

async fn one_query(connection: &Connection) {
    connection
        .query("SELECT Name FROM Win32_OperatingSystem")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
}

async fn wait_for_objects(exporter: &rwmi_sim::server::exporter::Exporter, count: usize) {
    for _ in 0..300 {
        if exporter.object_count() == count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(exporter.object_count(), count, "objects left on the server");
}
