//! rwmi's WMI client against the emulator: the whole path (ept-less activation, OXID bindings, login,
//! query, enumeration) with the client the CLI uses.

mod support;

use rwmi::wmi::{ConnectOptions, Connection};
use rwmi_sim::emulator::Emulator;
use support::{emu_account, emulator_config, rows, target};

#[tokio::test]
async fn rwmi_client_queries_the_emulator() {
    let config = emulator_config(|repository| {
        repository.set_synthetic("Win32_Process", 2500).unwrap();
    });
    let handle = Emulator::start(config).await.unwrap();
    let options = ConnectOptions::new(&target(&handle), emu_account("Administrator")).unwrap();
    let connection = Connection::connect(options).await.unwrap();
    let os = rows(&connection, "SELECT * FROM Win32_OperatingSystem").await;
    assert_eq!(os.len(), 1);
    let processes = rows(&connection, "SELECT Name FROM Win32_Process").await;
    assert_eq!(processes.len(), 2500);
    connection.close().await;
    handle.shutdown().await;
}
