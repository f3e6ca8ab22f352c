//! rwmi's WMI client against the emulator: the whole path (ept-less activation, OXID bindings, login,
//! query, enumeration) with the client the CLI uses.

use std::sync::Arc;

use rwmi::security::{Credentials, Secret};
use rwmi::wmi::{ConnectOptions, Connection};
use rwmi_sim::accounts::{Accounts, BUILTIN_PASSWORD};
use rwmi_sim::emulator::{Emulator, EmulatorConfig};
use rwmi_sim::repository::Repository;
use rwmi_sim::server::RepositoryBackend;

#[tokio::test]
async fn rwmi_client_queries_the_emulator() {
    let mut repository = Repository::load_default("EMU").unwrap();
    repository.set_synthetic("Win32_Process", 2500).unwrap();
    let accounts = Arc::new(Accounts::builtin("EMU"));
    let backend = Arc::new(RepositoryBackend::new(
        Arc::new(repository),
        accounts.clone(),
    ));
    let mut config = EmulatorConfig::new(backend, accounts);
    config.listen = "127.0.0.1:0".parse().unwrap();
    let handle = Emulator::start(config).await.unwrap();
    let target = handle.hosts()[0].scm_addr.to_string();
    let credentials = Credentials::new(
        "Administrator",
        "EMU",
        Secret::Password(BUILTIN_PASSWORD.into()),
    );
    let options = ConnectOptions::new(&target, credentials).unwrap();
    let connection = Connection::connect(options).await.unwrap();
    let os = connection
        .query("SELECT * FROM Win32_OperatingSystem")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(os.len(), 1);
    let processes = connection
        .query("SELECT Name FROM Win32_Process")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(processes.len(), 2500);
    connection.close().await;
    handle.shutdown().await;
}
