//! Runs the `dcerpc` crate's own WMI calls against a server and prints one line per step:
//!
//! ```text
//! dcerpc-client connect TARGET USER DOMAIN WORKSTATION
//! dcerpc-client exec TARGET USER DOMAIN WORKSTATION COMMAND
//! ```
//!
//! The password comes from `RWMI_DCERPC_PASSWORD` only (never an argument: `ps` shows those).
//! `connect` calls `dcerpc::dcom_wmi::wmi_connect` (activation, OXID binding, NTLMLogin into
//! root\cimv2) and prints `connected port=P ipid=HEX oxid=HEX`; `exec` calls
//! `dcerpc::dcom_wmi::wmi_exec` (the same, then ExecMethod Win32_Process.Create on a new
//! connection) and prints `exec hresult=0xHHHHHHHH`. A failure prints `error: MESSAGE` and exits 1.

use std::process::ExitCode;

const PASSWORD_VARIABLE: &str = "RWMI_DCERPC_PASSWORD";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Ok(password) = std::env::var(PASSWORD_VARIABLE) else {
        eprintln!("error: set {PASSWORD_VARIABLE}");
        return ExitCode::from(2);
    };
    let outcome = match args.as_slice() {
        [mode, target, user, domain, workstation] if mode == "connect" => {
            dcerpc::dcom_wmi::wmi_connect(target, domain, user, &password, None, workstation)
                .await
                .map(|session| {
                    format!(
                        "connected port={} ipid={} oxid={:016x}",
                        session.port,
                        hex(&session.services_ipid),
                        session.oxid
                    )
                })
        }
        [mode, target, user, domain, workstation, command] if mode == "exec" => {
            dcerpc::dcom_wmi::wmi_exec(target, domain, user, &password, None, workstation, command)
                .await
                .map(|hresult| format!("exec hresult={:#010x}", hresult as u32))
        }
        _ => {
            eprintln!(
                "usage: dcerpc-client connect TARGET USER DOMAIN WORKSTATION\n       dcerpc-client exec TARGET USER DOMAIN WORKSTATION COMMAND"
            );
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            println!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
