//! Win32_Process.Create through rwmi's client: the emulator records a process (never runs it) that later
//! Win32_Process queries of the same virtual host list, with the ReturnValues of the Microsoft
//! documentation for bad parameters and for a caller who is not an administrator.

mod support;

use rwmi::status::wbem::WBEM_E_ACCESS_DENIED;
use rwmi::wmi::{ConnectOptions, Connection, WmiStage};
use rwmi_core::wmio::{Value, WmiInstance};
use rwmi_sim::emulator::EmulatorHandle;
use rwmi_sim::launch::{SimOptions, start};
use rwmi_sim::server::processes::WMI_PROVIDER_HOST_PID;
use support::{emu_account, sim_options};

async fn emulator(hosts: usize, config: Option<&str>) -> EmulatorHandle {
    let config = config.map(|text| {
        let path =
            std::env::temp_dir().join(format!("rwmi-process-create-{}.conf", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path
    });
    let handle = start(&SimOptions {
        virtual_hosts: hosts,
        synthetic: vec!["Win32_Process=5".into()],
        config: config.clone(),
        ..sim_options()
    })
    .await
    .unwrap();
    if let Some(path) = config {
        std::fs::remove_file(path).unwrap();
    }
    handle
}

async fn connect(
    handle: &EmulatorHandle,
    host: usize,
    user: &str,
) -> Result<Connection, rwmi::wmi::WmiError> {
    let target = handle.hosts()[host].scm_addr.to_string();
    Connection::connect(ConnectOptions::new(&target, emu_account(user)).unwrap()).await
}

async fn create(connection: &Connection, args: &[(&str, Value)]) -> WmiInstance {
    connection
        .exec_method("Win32_Process", "Create", args)
        .await
        .unwrap()
        .expect("Create has out-parameters")
}

fn uint(instance: &WmiInstance, name: &str) -> Option<u32> {
    match instance.get(name) {
        Some(Value::UInt32(v)) => Some(*v),
        _ => None,
    }
}

/// Only the five synthetic processes are listed.
async fn nothing_recorded(connection: &Connection) {
    let rows = connection
        .query("SELECT Name FROM Win32_Process")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 5, "nothing recorded: {rows:?}");
}

fn text(value: &str) -> Value {
    Value::String(value.into())
}

#[tokio::test]
async fn a_created_process_is_listed_on_its_host_only() {
    let handle = emulator(2, None).await;
    let admin = connect(&handle, 0, "Administrator").await.unwrap();
    let command = r#""C:\Program Files\Tools\tool.exe" --run "a b""#;
    let out = create(
        &admin,
        &[
            ("CommandLine", text(command)),
            ("CurrentDirectory", text(r"C:\")),
        ],
    )
    .await;
    assert_eq!(uint(&out, "ReturnValue"), Some(0));
    let pid = uint(&out, "ProcessId").expect("a ProcessId");

    let rows = admin
        .query(&format!(
            "SELECT * FROM Win32_Process WHERE ProcessId = {pid}"
        ))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(row.get("Name"), Some(&text("tool.exe")));
    assert_eq!(row.get("CommandLine"), Some(&text(command)));
    assert_eq!(
        row.get("ExecutablePath"),
        Some(&text(r"C:\Program Files\Tools\tool.exe"))
    );
    assert_eq!(uint(row, "ParentProcessId"), Some(WMI_PROVIDER_HOST_PID));
    assert!(
        matches!(row.get("CreationDate"), Some(Value::DateTime(_))),
        "{row:?}"
    );

    // Its parent, the WMI provider host, is listed too, and the synthetic processes are still there.
    let all = admin
        .query("SELECT Name, ProcessId FROM Win32_Process")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 5 + 2, "{all:?}");
    assert!(
        all.iter()
            .any(|p| uint(p, "ProcessId") == Some(WMI_PROVIDER_HOST_PID)
                && p.get("Name") == Some(&text("WmiPrvSE.exe")))
    );

    // The process has an owner and a path of its own.
    let owner = admin
        .exec_method(&format!("Win32_Process.Handle=\"{pid}\""), "GetOwner", &[])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(owner.get("User"), Some(&text("Administrator")));

    // A second one gets a new id.
    let again = create(&admin, &[("CommandLine", text("notepad.exe"))]).await;
    let second = uint(&again, "ProcessId").unwrap();
    assert_ne!(second, pid);
    admin.close().await;

    // The other virtual host has not seen either.
    let other = connect(&handle, 1, "Administrator").await.unwrap();
    let rows = other
        .query(&format!(
            "SELECT Name FROM Win32_Process WHERE ProcessId = {pid} OR ProcessId = {second}"
        ))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert!(rows.is_empty(), "{rows:?}");
    other.close().await;
    handle.shutdown().await;
}

#[tokio::test]
async fn bad_parameters_get_the_documented_return_values() {
    let handle = emulator(1, None).await;
    let admin = connect(&handle, 0, "Administrator").await.unwrap();
    let cases: [(&[(&str, Value)], u32); 3] = [
        // 21, "Invalid Parameter": no command line.
        (&[("CurrentDirectory", text(r"C:\"))], 21),
        (&[("CommandLine", text("  "))], 21),
        // 9, "Path Not Found": a current directory that is not a Windows path.
        (
            &[
                ("CommandLine", text("cmd.exe")),
                ("CurrentDirectory", text("relative")),
            ],
            9,
        ),
    ];
    for (args, expected) in cases {
        let out = create(&admin, args).await;
        assert_eq!(uint(&out, "ReturnValue"), Some(expected), "{args:?}");
        assert_eq!(uint(&out, "ProcessId"), None, "{args:?}");
    }
    nothing_recorded(&admin).await;
    admin.close().await;
    handle.shutdown().await;
}

#[tokio::test]
async fn a_standard_user_is_refused() {
    // bob (Distributed COM Users) may activate; given Remote Enable on root\cimv2 he reaches the method,
    // which answers 2, "Access Denied". Without it the namespace refuses him at NTLMLogin.
    let handle = emulator(1, Some("acl root\\cimv2 bob remote-enable\n")).await;
    let bob = connect(&handle, 0, "bob").await.unwrap();
    let out = create(&bob, &[("CommandLine", text("notepad.exe"))]).await;
    assert_eq!(uint(&out, "ReturnValue"), Some(2));
    assert_eq!(uint(&out, "ProcessId"), None);
    nothing_recorded(&bob).await;
    bob.close().await;
    handle.shutdown().await;

    let handle = emulator(1, None).await;
    let refused = connect(&handle, 0, "bob").await.unwrap_err();
    assert_eq!(
        (refused.stage, refused.code),
        (WmiStage::Login, Some(WBEM_E_ACCESS_DENIED))
    );
    handle.shutdown().await;
}
