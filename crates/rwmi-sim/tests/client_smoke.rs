use std::sync::Arc;

use rwmi::security::{Credentials, Secret};
use rwmi::wmi::{ConnectOptions, Connection};
use rwmi_sim::accounts::Accounts;
use rwmi_sim::emulator::{Emulator, EmulatorConfig};
use rwmi_sim::repository::Repository;
use rwmi_sim::server::repository_backend::RepositoryBackend;

#[tokio::test]
async fn client_queries_the_emulator() {
    let repo = Arc::new(Repository::load_default("EMU").unwrap());
    let accounts = Arc::new(Accounts::builtin("EMU"));
    let backend = Arc::new(RepositoryBackend::new(repo, accounts.clone()));
    let mut config = EmulatorConfig::new(backend, accounts);
    config.listen = "127.0.0.1:0".parse().unwrap();
    let emulator = Emulator::start(config).await.unwrap();
    let addr = emulator.hosts()[0].scm_addr;
    let creds = Credentials::parse_user("Administrator", Secret::Password("Passw0rd!".into()));
    let options = ConnectOptions::new(&addr.to_string(), creds).unwrap();
    let conn = Connection::connect(options).await.unwrap_or_else(|e| panic!("{e} {:?}", e.evidence));
    let rows = conn.query("SELECT * FROM Win32_OperatingSystem").await.unwrap().collect().await.unwrap();
    for r in &rows {
        println!("{}", rwmi_core::wmio::instance_to_json(r));
    }
    assert_eq!(rows.len(), 1);
}
