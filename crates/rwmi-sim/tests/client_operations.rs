//! rwmi's WMI client API against the emulator: OpenNamespace, CreateInstanceEnum, ExecNotificationQuery,
//! Reset, smart enumeration, keep-alive pinging, and query/get/exec_method, at packet integrity and
//! privacy with small fragments, and a 10,000-row query streamed batch by batch.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use rwmi::security::AuthLevel;
use rwmi::wmi::{ConnectOptions, Connection, QueryStream};
use rwmi_core::status::WbemStatus;
use rwmi_core::wmio::{Value, WmiInstance, WmiObject};
use rwmi_sim::emulator::EmulatorHandle;
use rwmi_sim::launch::{SimOptions, start};
use support::{emu_account, rows, sim_options, strings, target};

const SMALL_FRAG: u16 = 256;

async fn emulator(max_frag: u16, synthetic: &[&str]) -> EmulatorHandle {
    start(&SimOptions {
        synthetic: strings(synthetic),
        max_frag,
        ..sim_options()
    })
    .await
    .unwrap()
}

fn connect_options(handle: &EmulatorHandle, level: AuthLevel, max_frag: u16) -> ConnectOptions {
    let mut options = ConnectOptions::new(&target(handle), emu_account("Administrator")).unwrap();
    options.auth_level = level;
    options.dcom.max_frag = max_frag;
    options
}

fn string(instance: &WmiInstance, name: &str) -> String {
    match instance.get(name) {
        Some(Value::String(s)) => s.clone(),
        other => panic!("{name} is {other:?}"),
    }
}

async fn relpaths(stream: QueryStream) -> BTreeSet<String> {
    let rows = stream.collect().await.unwrap();
    let paths: BTreeSet<String> = rows.iter().map(|i| i.relpath().unwrap()).collect();
    assert_eq!(paths.len(), rows.len());
    assert!(
        rows.iter()
            .map(|i| i.class.name())
            .collect::<BTreeSet<_>>()
            .len()
            > 2,
        "several classes"
    );
    paths
}

/// Waits until the emulator holds `count` exported objects (releases run in the background).
async fn objects_settle(handle: &EmulatorHandle, count: usize) {
    let exporter = &handle.hosts()[0].host.exporter;
    for _ in 0..200 {
        if exporter.object_count() == count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(exporter.object_count(), count, "objects left on the server");
}

/// Every operation of the client on one connection.
async fn exercise(handle: &EmulatorHandle, connection: &Connection, level: AuthLevel) {
    // The IWbemServices, and the login object: its release waits for the connection's next RemRelease.
    objects_settle(handle, 2).await;

    // query and get.
    let os = rows(connection, "SELECT * FROM Win32_OperatingSystem").await;
    assert_eq!(os.len(), 1);
    // The enumerator's release took the login object's along: only the IWbemServices is left.
    objects_settle(handle, 1).await;
    let WmiObject::Class(class) = connection.get("Win32_Process").await.unwrap() else {
        panic!("GetObject of a class name returns the class");
    };
    assert_eq!(class.name(), "Win32_Process");
    let processes = rows(connection, "SELECT * FROM Win32_Process").await;
    let first = processes.first().expect("the repository has processes");
    let path = first.relpath().unwrap();
    let WmiObject::Instance(again) = connection.get(&path).await.unwrap() else {
        panic!("GetObject of an instance path returns the instance");
    };
    assert_eq!(string(&again, "Handle"), string(first, "Handle"));

    // exec_method: a static method, an instance method, and (below) typed in-parameters large enough
    // to be fragmented (Create records a process: tests/process_create.rs). A method the emulator has
    // no code for (Terminate) is answered as Windows does for such a method.
    let out = connection
        .exec_method("RwmiSim_Echo", "Echo", &[])
        .await
        .unwrap()
        .expect("Echo has out-parameters");
    assert_eq!(out.get("ReturnValue"), Some(&Value::UInt32(0)));
    let error = connection
        .exec_method(&path, "Terminate", &[("Reason", Value::UInt32(1))])
        .await
        .unwrap_err();
    assert_eq!(
        error.wbem_status(),
        Some(WbemStatus::MethodNotImplemented),
        "{error}"
    );
    let owner = connection
        .exec_method(&path, "GetOwner", &[])
        .await
        .unwrap()
        .expect("GetOwner has out-parameters");
    assert_eq!(owner.get("ReturnValue"), Some(&Value::UInt32(0)));
    assert!(matches!(owner.get("User"), Some(Value::String(_))));

    // create_instance_enum sees what the query sees.
    let enumerated = connection
        .create_instance_enum("Win32_Process")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(enumerated.len(), processes.len());

    // reset on a live enumerator: start again after the first rows.
    let mut stream = connection
        .create_instance_enum("Win32_Process")
        .await
        .unwrap();
    let before: Vec<String> = [
        stream.next().await.unwrap().unwrap(),
        stream.next().await.unwrap().unwrap(),
    ]
    .iter()
    .map(|i| string(i, "Handle"))
    .collect();
    stream.reset().await.unwrap();
    assert_eq!(stream.buffered(), 0);
    let after = stream.collect().await.unwrap();
    assert_eq!(after.len(), processes.len());

    // Create's in-parameters, large enough to be fragmented; it comes after the counts above, since
    // the process it records is listed from then on.
    let created = connection
        .exec_method(
            "Win32_Process",
            "Create",
            &[
                ("CommandLine", Value::String("x".repeat(600))),
                ("CurrentDirectory", Value::String("C:\\".into())),
            ],
        )
        .await
        .unwrap()
        .expect("Create has out-parameters");
    assert_eq!(created.get("ReturnValue"), Some(&Value::UInt32(0)));
    assert!(matches!(created.get("ProcessId"), Some(Value::UInt32(_))));
    let handles: Vec<String> = after.iter().take(2).map(|i| string(i, "Handle")).collect();
    assert_eq!(handles, before);

    // exec_notification_query: the emulator has no event provider.
    let error = connection
        .exec_notification_query(
            "SELECT * FROM __InstanceCreationEvent WITHIN 1 WHERE TargetInstance ISA 'Win32_Process'",
        )
        .await
        .unwrap_err();
    assert_eq!(
        error.wbem_status(),
        Some(WbemStatus::NotSupported),
        "{error}"
    );
    assert_eq!(error.call, Some("IWbemServices::ExecNotificationQuery"));

    // open_namespace shares the association; its objects are its own. The TPM namespace requires
    // encryption (MS-WMI 2.2.30.3), so below privacy it refuses.
    if level < AuthLevel::Privacy {
        let refused = connection
            .open_namespace("Security/MicrosoftTpm")
            .await
            .unwrap_err();
        assert_eq!(
            refused.wbem_status(),
            Some(WbemStatus::AccessDenied),
            "{refused}"
        );
        objects_settle(handle, 1).await;
        return;
    }
    let tpm_namespace = connection
        .open_namespace("Security/MicrosoftTpm")
        .await
        .unwrap();
    assert_eq!(
        tpm_namespace.namespace(),
        "root\\cimv2\\Security\\MicrosoftTpm"
    );
    let tpm = rows(&tpm_namespace, "SELECT * FROM Win32_Tpm").await;
    assert_eq!(tpm.len(), 1);
    let elsewhere = match connection.query("SELECT * FROM Win32_Tpm").await {
        Ok(stream) => stream.collect().await,
        Err(e) => Err(e),
    };
    assert!(
        elsewhere.is_err(),
        "the class lives only in the child namespace"
    );
    let missing = connection
        .open_namespace("NoSuchNamespace")
        .await
        .unwrap_err();
    assert_eq!(
        missing.wbem_status(),
        Some(WbemStatus::InvalidNamespace),
        "{missing}"
    );
    tpm_namespace.close().await;
    // Every enumerator, smart enumerator and the child namespace were released.
    objects_settle(handle, 1).await;
    // The parent still works after the child is closed.
    assert_eq!(
        rows(connection, "SELECT * FROM Win32_OperatingSystem")
            .await
            .len(),
        1
    );
}

fn options_root(handle: &EmulatorHandle, level: AuthLevel, smart_enum: bool) -> ConnectOptions {
    let mut options = connect_options(handle, level, SMALL_FRAG)
        .with_namespace("root")
        .unwrap();
    options.dcom.smart_enum = smart_enum;
    options
}

#[tokio::test]
async fn every_operation_at_integrity_and_privacy_with_small_fragments() {
    // Synthetic processes: the host's own would come and go between two enumerations.
    let handle = emulator(SMALL_FRAG, &["Win32_Process=40"]).await;
    for level in [AuthLevel::Integrity, AuthLevel::Privacy] {
        for smart_enum in [true, false] {
            let mut options = connect_options(&handle, level, SMALL_FRAG);
            options.dcom.smart_enum = smart_enum;
            // Several batches per enumeration, so that Reset finds the enumerator alive.
            options.batch_size = 6;
            let connection = Connection::connect(options).await.unwrap();
            exercise(&handle, &connection, level).await;
            connection.close().await;
            objects_settle(&handle, 0).await;

            // OpenNamespace from `root`, at every level.
            let root = Connection::connect(options_root(&handle, level, smart_enum))
                .await
                .unwrap();
            let cimv2 = root.open_namespace("cimv2").await.unwrap();
            assert_eq!(cimv2.namespace(), "root\\cimv2");
            let os = cimv2
                .create_instance_enum("Win32_OperatingSystem")
                .await
                .unwrap()
                .collect()
                .await
                .unwrap();
            assert_eq!(os.len(), 1);
            objects_settle(&handle, 2).await;
            cimv2.close().await;
            root.close().await;
            objects_settle(&handle, 0).await;
        }
    }
    handle.shutdown().await;
}

#[tokio::test]
async fn smart_enumeration_returns_what_plain_next_returns() {
    // Synthetic rows are the same in every enumeration; the host's processes are not.
    let handle = emulator(5840, &["Win32_Process=120", "Win32_Service=60"]).await;
    let mut plain_options = connect_options(&handle, AuthLevel::Privacy, 5840);
    plain_options.dcom.smart_enum = false;
    plain_options.batch_size = 7;
    let plain = Connection::connect(plain_options).await.unwrap();
    let mut smart_options = connect_options(&handle, AuthLevel::Privacy, 5840);
    smart_options.batch_size = 7;
    let smart = Connection::connect(smart_options).await.unwrap();

    for wql in [
        "SELECT * FROM Win32_Service",
        "SELECT Name, ProcessId FROM Win32_Process",
    ] {
        let mut plain_stream = plain.query(wql).await.unwrap();
        let mut smart_stream = smart.query(wql).await.unwrap();
        let (mut plain_rows, mut smart_rows) = (Vec::new(), Vec::new());
        while let Some(row) = plain_stream.next().await {
            plain_rows.push(row.unwrap());
        }
        while let Some(row) = smart_stream.next().await {
            smart_rows.push(row.unwrap());
        }
        // The first batch comes through plain Next; the smart enumerator serves the rest.
        assert!(!plain_stream.uses_smart_enum());
        assert!(smart_stream.uses_smart_enum(), "{wql}");
        assert!(plain_rows.len() > 7, "{wql}: several batches");
        assert_eq!(plain_rows.len(), smart_rows.len(), "{wql}");
        for (p, s) in plain_rows.iter().zip(&smart_rows) {
            assert_eq!(p.class.name(), s.class.name(), "{wql}");
            for property in p.class.properties() {
                assert_eq!(
                    p.get(&property.name),
                    s.get(&property.name),
                    "{wql}: {}",
                    property.name
                );
            }
        }
    }
    // Instances of several classes in one enumeration: each class travels with its first instance.
    // (Compared by path: the operating system's counters change between two enumerations.)
    assert_eq!(
        relpaths(
            plain
                .query("SELECT * FROM CIM_LogicalElement")
                .await
                .unwrap()
        )
        .await,
        relpaths(
            smart
                .query("SELECT * FROM CIM_LogicalElement")
                .await
                .unwrap()
        )
        .await
    );
    assert_eq!(
        relpaths(
            plain
                .create_instance_enum("CIM_LogicalElement")
                .await
                .unwrap()
        )
        .await,
        relpaths(
            smart
                .create_instance_enum("CIM_LogicalElement")
                .await
                .unwrap()
        )
        .await
    );
    // Enumerators, IWbemFetchSmartEnum and IWbemWCOSmartEnum IPIDs are all released.
    objects_settle(&handle, 2).await;
    plain.close().await;
    smart.close().await;
    objects_settle(&handle, 0).await;
    handle.shutdown().await;
}

#[tokio::test]
async fn reset_needs_a_live_enumerator_that_is_not_forward_only() {
    let handle = emulator(5840, &[]).await;
    let mut options = connect_options(&handle, AuthLevel::Privacy, 5840);
    options.batch_size = 2;
    let connection = Connection::connect(options).await.unwrap();

    // Regression (emulator): ExecQuery's enumerator is forward-only, and MS-WMI 3.1.4.4.1 requires
    // WBEM_E_INVALID_OPERATION for Reset on it.
    let mut forward_only = connection
        .query("SELECT * FROM Win32_Service")
        .await
        .unwrap();
    forward_only.next().await.unwrap().unwrap();
    let refused = forward_only.reset().await.unwrap_err();
    assert_eq!(
        refused.wbem_status(),
        Some(WbemStatus::InvalidOperation),
        "{refused}"
    );
    // The enumeration goes on where it was.
    assert!(forward_only.next().await.unwrap().is_ok());
    drop(forward_only);

    let mut stream = connection
        .query("SELECT * FROM Win32_OperatingSystem")
        .await
        .unwrap();
    while let Some(row) = stream.next().await {
        row.unwrap();
    }
    let error = stream.reset().await.unwrap_err();
    assert!(error.message.contains("released"), "{error}");
    connection.close().await;
    handle.shutdown().await;
}

#[tokio::test]
async fn keep_alive_creates_and_pings_a_set_until_the_connection_goes() {
    let handle = emulator(5840, &[]).await;
    let exporter = &handle.hosts()[0].host.exporter;
    let mut options = connect_options(&handle, AuthLevel::Privacy, SMALL_FRAG);
    options.dcom.ping_interval = Some(Duration::from_millis(100));
    // Small batches keep the enumerator below alive after its first row.
    options.batch_size = 5;
    let connection = Connection::connect(options).await.unwrap();

    // Wait for the set and a few SimplePings.
    let mut pinged = None;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let status = connection.keep_alive();
        if status.simple_pings >= 2 {
            pinged = Some(status);
            break;
        }
    }
    let status = pinged.expect("the keep-alive task pings");
    assert_eq!(status.last_error, None);
    assert_ne!(status.set_id, 0);
    let sets = exporter.ping_sets();
    let set = sets.get(&status.set_id).expect("the server knows the set");
    assert!(
        set.pings >= 3,
        "ComplexPing then SimplePings: {}",
        set.pings
    );
    // The set holds the OID of the namespace object (the only object held).
    assert_eq!(status.oids.len(), 1);
    assert_eq!(set.oids, status.oids.iter().copied().collect());

    // An enumerator (and its smart enumerator) held across a period join the set with a ComplexPing,
    // and leave it after release.
    let mut stream = connection
        .query("SELECT * FROM Win32_Service")
        .await
        .unwrap();
    stream.next().await.unwrap().unwrap();
    let mut grown = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if connection.keep_alive().oids.len() > 1 {
            grown = true;
            break;
        }
    }
    assert!(
        grown,
        "the enumerator's OID was added: {:?}",
        connection.keep_alive()
    );
    let grown = connection.keep_alive();
    assert_eq!(grown.set_id, status.set_id);
    assert_eq!(
        exporter.ping_sets()[&status.set_id].oids,
        grown.oids.iter().copied().collect(),
        "the server saw AddToSet"
    );
    drop(stream);
    let mut shrunk = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if connection.keep_alive().oids.len() == 1 {
            shrunk = true;
            break;
        }
    }
    assert!(shrunk, "the released enumerator left the set");
    assert_eq!(exporter.ping_sets()[&status.set_id].oids, set.oids);

    // Closing the connection stops the pings.
    connection.close().await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let pings = exporter.ping_sets()[&status.set_id].pings;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(exporter.ping_sets()[&status.set_id].pings, pings);

    // So does dropping it, and with pinging off there is no set at all.
    let mut options = connect_options(&handle, AuthLevel::Integrity, 5840);
    options.dcom.ping_interval = Some(Duration::from_millis(100));
    let dropped = Connection::connect(options.clone()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(350)).await;
    let set_id = dropped.keep_alive().set_id;
    assert_ne!(set_id, 0);
    drop(dropped);
    tokio::time::sleep(Duration::from_millis(150)).await;
    let pings = exporter.ping_sets()[&set_id].pings;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(exporter.ping_sets()[&set_id].pings, pings);

    let sets_before = exporter.ping_sets().len();
    options.dcom.ping_interval = None;
    let silent = Connection::connect(options).await.unwrap();
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(silent.keep_alive().set_id, 0);
    assert_eq!(exporter.ping_sets().len(), sets_before);
    silent.close().await;
    handle.shutdown().await;
}

/// Streams `wql`, counting rows and batches as they come; returns (rows, batches).
async fn stream_counting(connection: &Connection, wql: &str, batch_size: u32) -> (u64, u64) {
    let mut stream = connection.query(wql).await.unwrap();
    let mut rows = 0u64;
    let mut batches_seen = 0u64;
    while let Some(row) = stream.next().await {
        row.unwrap();
        rows += 1;
        let buffered = stream.buffered();
        assert!(
            buffered < batch_size as usize,
            "at most one batch (less the row just taken) is held: {buffered}"
        );
        if stream.batches_received() != batches_seen {
            batches_seen = stream.batches_received();
            // A fresh batch: this row was its first, the rest of it is waiting.
            assert_eq!(
                buffered as u64 + 1,
                (10_000 - rows + 1).min(u64::from(batch_size))
            );
        }
    }
    (rows, stream.batches_received())
}

#[tokio::test]
async fn ten_thousand_instances_stream_one_batch_at_a_time() {
    let handle = emulator(5840, &["Win32_Process=10000"]).await;
    for smart_enum in [true, false] {
        let mut options = connect_options(&handle, AuthLevel::Privacy, 5840);
        options.batch_size = 500;
        options.dcom.smart_enum = smart_enum;
        let connection = Connection::connect(options).await.unwrap();
        let (rows, batches) =
            stream_counting(&connection, "SELECT Handle, Name FROM Win32_Process", 500).await;
        assert_eq!(rows, 10_000);
        // 20 full batches, and the Next that says WBEM_S_FALSE with no rows.
        assert_eq!(batches, 21, "smart_enum={smart_enum}");
        connection.close().await;
    }
    handle.shutdown().await;
}

/// Holds `count` IWbemServices objects on the connection's association (OpenNamespace).
async fn hold_namespaces(root: &Connection, count: usize) -> Vec<Connection> {
    let mut held = Vec::with_capacity(count);
    for _ in 0..count {
        held.push(root.open_namespace("cimv2").await.unwrap());
    }
    held
}

#[tokio::test]
async fn smart_enumeration_falls_back_to_next_when_the_server_refuses_it() {
    use rwmi_sim::server::exporter::MAX_OBJECTS_PER_ACCOUNT;
    // Ten rows in batches of three: the smart enumerator is asked for after the first batch.
    let handle = emulator(5840, &["Win32_Service=10"]).await;
    let exporter = &handle.hosts()[0].host.exporter;
    let mut options = connect_options(&handle, AuthLevel::Integrity, 5840)
        .with_namespace("root")
        .unwrap();
    options.dcom.ping_interval = None;
    options.batch_size = 3;
    let root = Connection::connect(options).await.unwrap();
    // A first enumeration's release takes the login object's along, leaving only the IWbemServices.
    rows(&root, "SELECT * FROM __Namespace").await;
    objects_settle(&handle, 1).await;
    // The emulator refuses to export more than MAX_OBJECTS_PER_ACCOUNT objects per account:
    // fill it so that the enumerator is exported but GetSmartEnum's IWbemWCOSmartEnum is not.
    let mut held = hold_namespaces(&root, MAX_OBJECTS_PER_ACCOUNT - 3).await;
    objects_settle(&handle, MAX_OBJECTS_PER_ACCOUNT - 2).await;
    let cimv2 = held.last().unwrap().clone();
    let count_rows = |mut stream: rwmi::wmi::QueryStream| async move {
        let mut rows = 0;
        while let Some(row) = stream.next().await {
            row.unwrap();
            rows += 1;
        }
        (rows, stream.uses_smart_enum())
    };

    let mut stream = cimv2.query("SELECT * FROM Win32_Service").await.unwrap();
    stream.next().await.unwrap().unwrap();
    // The first batch arrived and the smart enumerator was asked for and refused; IWbemFetchSmartEnum was
    // released again: the enumerator is the only new object.
    assert!(!stream.uses_smart_enum());
    assert_eq!(exporter.object_count(), MAX_OBJECTS_PER_ACCOUNT - 1);
    assert_eq!(
        count_rows(stream).await,
        (9, false),
        "the rest came through plain Next"
    );
    objects_settle(&handle, MAX_OBJECTS_PER_ACCOUNT - 2).await;

    // One more object held: now RemQueryInterface itself fails.
    held.push(root.open_namespace("cimv2").await.unwrap());
    let mut stream = cimv2.query("SELECT * FROM Win32_Service").await.unwrap();
    stream.next().await.unwrap().unwrap();
    assert!(!stream.uses_smart_enum());
    assert_eq!(exporter.object_count(), MAX_OBJECTS_PER_ACCOUNT);
    assert_eq!(count_rows(stream).await, (9, false));
    objects_settle(&handle, MAX_OBJECTS_PER_ACCOUNT - 1).await;
    drop(held);
    handle.shutdown().await;
}

#[tokio::test]
async fn a_result_that_fits_one_batch_never_opens_a_smart_enumerator() {
    let handle = emulator(5840, &[]).await;
    let exporter = &handle.hosts()[0].host.exporter;
    let mut options = connect_options(&handle, AuthLevel::Privacy, 5840);
    options.dcom.ping_interval = None;
    let connection = Connection::connect(options).await.unwrap();
    let before = exporter.object_count();
    let mut stream = connection
        .query("SELECT * FROM Win32_OperatingSystem")
        .await
        .unwrap();
    assert!(stream.next().await.unwrap().is_ok());
    assert!(stream.next().await.is_none());
    assert!(!stream.uses_smart_enum());
    // Only the enumerator was made, and the stream released it at the end.
    assert!(exporter.object_count() <= before + 1);
    drop(stream);
    connection.close().await;
    handle.shutdown().await;
}
