//! RequiresEncryption namespaces refusing below packet privacy in the two places Windows does (MS-WMI
//! 3.1.4): at NTLMLogin (`root\cimv2\Security\MicrosoftTpm`, a config's `at=login`) and only at the
//! IWbemServices calls after a successful login (the built-in `root\MSCluster`, a config's `at=query`, as
//! in github.com/cesbit/aiowmi issue 38); and rwmi's pool running an operation again at privacy after
//! either refusal.

mod support;

use rwmi::status::wbem::WBEM_E_ACCESS_DENIED;
use std::sync::atomic::{AtomicUsize, Ordering};

use rwmi::pool::{Pool, PoolConfig};
use rwmi::security::AuthLevel;
use rwmi::wmi::{ConnectOptions, Connection, WmiStage};
use rwmi_sim::emulator::EmulatorHandle;
use rwmi_sim::launch::{SimOptions, start};
use rwmi_sim::repository::{CLUSTER_NAMESPACE, TPM_NAMESPACE};
use support::{emu_account, sim_options, target};

async fn emulator(config: Option<&str>) -> (EmulatorHandle, Option<std::path::PathBuf>) {
    let path = config.map(|text| {
        let path = std::env::temp_dir().join(format!(
            "rwmi-encrypted-namespaces-{}.conf",
            std::process::id()
        ));
        std::fs::write(&path, text).unwrap();
        path
    });
    let handle = start(&SimOptions {
        config: path.clone(),
        ..sim_options()
    })
    .await
    .unwrap();
    (handle, path)
}

fn options(handle: &EmulatorHandle, namespace: &str, level: AuthLevel) -> ConnectOptions {
    let mut options = ConnectOptions::new(&target(handle), emu_account("Administrator"))
        .unwrap()
        .with_namespace(namespace)
        .unwrap();
    options.auth_level = level;
    options
}

/// Every IWbemServices call the client makes on `connection` is refused with WBEM_E_ACCESS_DENIED.
async fn every_call_refused(connection: &Connection) {
    let query = connection
        .query("SELECT * FROM __NAMESPACE")
        .await
        .unwrap_err();
    assert_eq!(
        (query.stage, query.code),
        (WmiStage::Query, Some(WBEM_E_ACCESS_DENIED))
    );
    let get = connection.get("__NAMESPACE").await.unwrap_err();
    assert_eq!(
        (get.stage, get.code),
        (WmiStage::GetObject, Some(WBEM_E_ACCESS_DENIED))
    );
    let enumerate = connection
        .create_instance_enum("__NAMESPACE")
        .await
        .unwrap_err();
    assert_eq!(enumerate.code, Some(WBEM_E_ACCESS_DENIED));
}

#[tokio::test]
async fn the_cluster_namespace_refuses_at_the_query_below_privacy() {
    let (handle, _) = emulator(None).await;
    let integrity = Connection::connect(options(&handle, CLUSTER_NAMESPACE, AuthLevel::Integrity))
        .await
        .expect("NTLMLogin into root\\MSCluster succeeds at integrity");
    every_call_refused(&integrity).await;
    integrity.close().await;

    let privacy = Connection::connect(options(&handle, CLUSTER_NAMESPACE, AuthLevel::Privacy))
        .await
        .unwrap();
    let nodes = privacy
        .query("SELECT Name, State FROM MSCluster_Node")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let names: Vec<_> = nodes.iter().filter_map(|n| n.get("Name")).collect();
    assert_eq!(names.len(), 2, "{nodes:?}");
    assert!(matches!(
        privacy.get("MSCluster_Cluster.Name=\"EMUCLUSTER\"").await,
        Ok(rwmi::WmiObject::Instance(_))
    ));
    privacy.close().await;

    // The TPM namespace keeps refusing at the login.
    let tpm = Connection::connect(options(&handle, TPM_NAMESPACE, AuthLevel::Integrity))
        .await
        .unwrap_err();
    assert_eq!(
        (tpm.stage, tpm.code),
        (WmiStage::Login, Some(WBEM_E_ACCESS_DENIED))
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn a_config_chooses_where_a_namespace_refuses() {
    let (handle, path) = emulator(Some(
        "namespace root\\lab\\late requires-encryption at=query\n\
         namespace root\\lab\\early requires-encryption at=login\n",
    ))
    .await;
    let late = Connection::connect(options(&handle, "root\\lab\\late", AuthLevel::Integrity))
        .await
        .unwrap();
    every_call_refused(&late).await;
    late.close().await;
    let early = Connection::connect(options(&handle, "root\\lab\\early", AuthLevel::Integrity))
        .await
        .unwrap_err();
    assert_eq!(
        (early.stage, early.code),
        (WmiStage::Login, Some(WBEM_E_ACCESS_DENIED))
    );
    for namespace in ["root\\lab\\late", "root\\lab\\early"] {
        let connection = Connection::connect(options(&handle, namespace, AuthLevel::Privacy))
            .await
            .unwrap();
        connection
            .query("SELECT * FROM __NAMESPACE")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        connection.close().await;
    }
    handle.shutdown().await;
    if let Some(path) = path {
        std::fs::remove_file(path).unwrap();
    }
}

#[tokio::test]
async fn the_pool_runs_an_operation_again_at_privacy_after_either_refusal() {
    let (handle, _) = emulator(None).await;
    let pool = Pool::new(PoolConfig::default());
    for (namespace, class, refused_at) in [
        (CLUSTER_NAMESPACE, "MSCluster_Node", WmiStage::Query),
        (TPM_NAMESPACE, "Win32_Tpm", WmiStage::Login),
    ] {
        let runs = AtomicUsize::new(0);
        let mut retries = Vec::new();
        let rows = pool
            .run_raising_to_privacy(
                &options(&handle, namespace, AuthLevel::Integrity),
                |connection| {
                    runs.fetch_add(1, Ordering::Relaxed);
                    async move {
                        connection
                            .query(&format!("SELECT * FROM {class}"))
                            .await?
                            .collect()
                            .await
                    }
                },
                |retry| retries.push(retry.clone()),
            )
            .await
            .unwrap();
        assert!(!rows.is_empty(), "{namespace}");
        assert_eq!(retries.len(), 1, "{namespace}");
        assert_eq!(retries[0].stage, refused_at, "{namespace}");
        assert_eq!(retries[0].refused_level, AuthLevel::Integrity);
        // A refusal at the login never reaches the operation.
        let expected_runs = if refused_at == WmiStage::Login { 1 } else { 2 };
        assert_eq!(runs.load(Ordering::Relaxed), expected_runs, "{namespace}");
    }
    // At privacy, or for a namespace that does not refuse, nothing is retried.
    let mut retried = false;
    pool.run_raising_to_privacy(
        &options(&handle, "root\\cimv2", AuthLevel::Integrity),
        |connection| async move {
            connection
                .query("SELECT * FROM __NAMESPACE")
                .await?
                .collect()
                .await
        },
        |_| retried = true,
    )
    .await
    .unwrap();
    assert!(!retried);
    pool.close_idle().await;
    handle.shutdown().await;
}
