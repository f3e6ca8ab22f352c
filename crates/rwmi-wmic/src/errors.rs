//! rwmi's failures in wmic's words. What wmic printed on a failure (wmic.c `WERR_CHECK` and its `error:`
//! label): `ERROR: <step>` through `DEBUG(0, ...)`, which a command-line Samba tool writes to stdout with
//! Samba's debug header, `[wmi/wmic.c:LINE:main()] `, then on stderr
//! `NTSTATUS: <nt_errstr> - <get_friendly_nt_error_msg>` for the WERROR turned into an NTSTATUS, and exit
//! code 1. The steps and the lines of the wmic every distribution shipped (1.3.x, openvas-smb), as its
//! users pasted them and as consumers match them whole (`'[wmi/wmic.c:196:main()] ERROR: Login to remote
//! object.' in lines`): 196 `Login to remote object.` for everything up to the namespace login
//! (WBEM_ConnectServer), 200 `WMI query execute.` for ExecQuery, 212 `Retrieve result data.` for the
//! batches. Parsers that search for `ERROR: Login to remote object` find it inside.
//!
//! Samba's `nt_errstr` prints a status it has no name for as `NT code 0x%08x` (a WMI status such as
//! 0x80041010 passes through `werror_to_ntstatus` unchanged), and its friendly-message table has an
//! entry for only some names; for the others the friendly text is the name again
//! (`NT_STATUS_IO_TIMEOUT - NT_STATUS_IO_TIMEOUT`). check_wmi_plus and similar parsers match on those.

use rwmi::wmi::{WmiError, WmiStage};

/// The two lines wmic printed for a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WmicFailure {
    /// For stdout: `[wmi/wmic.c:196:main()] ERROR: Login to remote object.`
    pub error_line: String,
    /// For stderr: `NTSTATUS: NT_STATUS_ACCESS_DENIED - Access denied`
    pub ntstatus_line: String,
}

/// The step of wmic.c whose `WERR_CHECK` a failure at `stage` corresponds to, with its source line.
pub fn step(stage: WmiStage) -> (u32, &'static str) {
    if stage.is_connect() {
        (196, "Login to remote object.")
    } else if stage == WmiStage::Query {
        (200, "WMI query execute.")
    } else {
        (212, "Retrieve result data.")
    }
}

/// The NTSTATUS name and friendly message wmic would have printed for `error`. Users' pasted output shows
/// the access-denied, logon-failure, time-out and `NT code` forms; for the other transport failures
/// (refused, unreachable, reset, no name, no KDC) the name is the NTSTATUS Samba's socket and credential
/// layers use for that condition.
pub fn nt_status(error: &WmiError) -> (String, String) {
    use rwmi::rpc::error::{ConnectFailure, RpcError};
    use rwmi::security::SecurityError;
    let named = |name: &str| {
        let friendly = match name {
            "NT_STATUS_ACCESS_DENIED" => "Access denied",
            "NT_STATUS_LOGON_FAILURE" => "Logon failure",
            other => other,
        };
        (name.to_string(), friendly.to_string())
    };
    let from_rpc = error.rpc.as_deref().and_then(|rpc| match rpc {
        RpcError::Connect { failure, .. } => Some(match failure {
            ConnectFailure::Refused => "NT_STATUS_CONNECTION_REFUSED",
            ConnectFailure::TimedOut(_) => "NT_STATUS_IO_TIMEOUT",
            ConnectFailure::Unreachable(_) => "NT_STATUS_HOST_UNREACHABLE",
            ConnectFailure::Other(_) => "NT_STATUS_UNSUCCESSFUL",
        }),
        RpcError::Resolve { .. } => Some("NT_STATUS_BAD_NETWORK_NAME"),
        RpcError::Timeout { .. } => Some("NT_STATUS_IO_TIMEOUT"),
        RpcError::Closed { .. } => Some("NT_STATUS_CONNECTION_RESET"),
        RpcError::Security { error, .. } => match error {
            SecurityError::LogonFailure(_) | SecurityError::Kerberos { .. } => {
                Some("NT_STATUS_LOGON_FAILURE")
            }
            SecurityError::KdcUnreachable { .. } => Some("NT_STATUS_NO_LOGON_SERVERS"),
            _ => None,
        },
        _ => None,
    });
    if let Some(name) = from_rpc {
        return named(name);
    }
    match error.code {
        // E_ACCESSDENIED and Win32's ERROR_ACCESS_DENIED are WERR_ACCESS_DENIED to Samba.
        Some(0x8007_0005) | Some(5) => named("NT_STATUS_ACCESS_DENIED"),
        Some(0x8007_052e) => named("NT_STATUS_LOGON_FAILURE"),
        Some(code) => {
            let text = format!("NT code 0x{code:08x}");
            (text.clone(), text)
        }
        None => named("NT_STATUS_UNSUCCESSFUL"),
    }
}

/// What wmic printed for `error`.
pub fn failure(error: &WmiError) -> WmicFailure {
    let (name, friendly) = nt_status(error);
    let (line, step) = step(error.stage);
    WmicFailure {
        error_line: format!("[wmi/wmic.c:{line}:main()] ERROR: {step}"),
        ntstatus_line: format!("NTSTATUS: {name} - {friendly}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The transport failures that cannot be produced on loopback (an unreachable host, a reset)
    /// print the NTSTATUS names Samba's socket layer uses.
    #[test]
    fn transport_failures_have_their_ntstatus_names() {
        use rwmi::rpc::error::{ConnectFailure, RpcError, Stage};
        let addr = "192.0.2.1:135".parse().unwrap();
        let cases = [
            (
                RpcError::Connect {
                    addr,
                    failure: ConnectFailure::Unreachable("No route to host".into()),
                },
                "NTSTATUS: NT_STATUS_HOST_UNREACHABLE - NT_STATUS_HOST_UNREACHABLE",
            ),
            (
                RpcError::Connect {
                    addr,
                    failure: ConnectFailure::Refused,
                },
                "NTSTATUS: NT_STATUS_CONNECTION_REFUSED - NT_STATUS_CONNECTION_REFUSED",
            ),
            (
                RpcError::Resolve {
                    host: "nowhere.invalid".into(),
                    message: "no such host".into(),
                },
                "NTSTATUS: NT_STATUS_BAD_NETWORK_NAME - NT_STATUS_BAD_NETWORK_NAME",
            ),
            (
                RpcError::Closed { stage: Stage::Call },
                "NTSTATUS: NT_STATUS_CONNECTION_RESET - NT_STATUS_CONNECTION_RESET",
            ),
        ];
        for (rpc, line) in cases {
            let e = WmiError::rpc(WmiStage::Connect, None, rpc);
            let f = failure(&e);
            assert_eq!(f.ntstatus_line, line);
            assert_eq!(
                f.error_line,
                "[wmi/wmic.c:196:main()] ERROR: Login to remote object."
            );
        }
    }

    #[test]
    fn wmi_codes_pass_through_as_nt_codes() {
        let e = WmiError::status(
            WmiStage::Enumerate,
            "IEnumWbemClassObject::Next",
            0x8004_1010,
        );
        let f = failure(&e);
        assert_eq!(
            f.error_line,
            "[wmi/wmic.c:212:main()] ERROR: Retrieve result data."
        );
        assert_eq!(
            f.ntstatus_line,
            "NTSTATUS: NT code 0x80041010 - NT code 0x80041010"
        );
        let e = WmiError::status(
            WmiStage::Activation,
            "IRemoteSCMActivator::RemoteCreateInstance",
            0x8007_0005,
        );
        let f = failure(&e);
        assert_eq!(
            f.error_line,
            "[wmi/wmic.c:196:main()] ERROR: Login to remote object."
        );
        assert_eq!(
            f.ntstatus_line,
            "NTSTATUS: NT_STATUS_ACCESS_DENIED - Access denied"
        );
        let e = WmiError::status(WmiStage::Query, "IWbemServices::ExecQuery", 0x8004_1017);
        assert_eq!(
            failure(&e).error_line,
            "[wmi/wmic.c:200:main()] ERROR: WMI query execute."
        );
    }
}
