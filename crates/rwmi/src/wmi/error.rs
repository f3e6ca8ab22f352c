//! WMI failures, typed by the stage of the ConnectServer/query sequence at which they happened, with the
//! call, the status code and the evidence gathered: the raw material of `rwmi doctor`.

use std::fmt;

use rwmi_core::status;
use rwmi_core::{DecodeError, DecodeErrorKind};

use crate::rpc::{InvokeError, RpcError};

/// The stages of reaching WMI on a remote machine, in order. Those from `Activation` to `DynamicPort`
/// are DCOM's; another transport adds its own, hence `non_exhaustive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum WmiStage {
    /// The host name to addresses.
    Resolve,
    /// TCP to the endpoint mapper port (135).
    Connect,
    /// RPC bind and authentication on port 135.
    Bind,
    /// IRemoteSCMActivator::RemoteCreateInstance of WbemLevel1Login.
    Activation,
    /// Choosing and reaching the OXID string binding (the dynamic port).
    OxidBinding,
    /// RPC bind and authentication on the dynamic port.
    DynamicPort,
    /// IWbemLevel1Login::NTLMLogin into the namespace.
    Login,
    /// IWbemServices::ExecQuery / CreateInstanceEnum.
    Query,
    /// IEnumWbemClassObject::Next and decoding what it returns.
    Enumerate,
    GetObject,
    ExecMethod,
}

impl WmiStage {
    /// Whether the stage is part of connecting (up to and including the namespace login), as opposed
    /// to an operation on a connection already made.
    pub fn is_connect(self) -> bool {
        match self {
            WmiStage::Resolve
            | WmiStage::Connect
            | WmiStage::Bind
            | WmiStage::Activation
            | WmiStage::OxidBinding
            | WmiStage::DynamicPort
            | WmiStage::Login => true,
            WmiStage::Query | WmiStage::Enumerate | WmiStage::GetObject | WmiStage::ExecMethod => {
                false
            }
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            WmiStage::Resolve => "name resolution",
            WmiStage::Connect => "TCP to port 135",
            WmiStage::Bind => "RPC bind and authentication",
            WmiStage::Activation => "DCOM activation",
            WmiStage::OxidBinding => "OXID binding",
            WmiStage::DynamicPort => "dynamic port bind",
            WmiStage::Login => "NTLMLogin into the namespace",
            WmiStage::Query => "query",
            WmiStage::Enumerate => "enumeration",
            WmiStage::GetObject => "GetObject",
            WmiStage::ExecMethod => "ExecMethod",
        }
    }

    /// A stable identifier for JSON output.
    pub fn id(self) -> &'static str {
        match self {
            WmiStage::Resolve => "resolve",
            WmiStage::Connect => "connect",
            WmiStage::Bind => "bind",
            WmiStage::Activation => "activation",
            WmiStage::OxidBinding => "oxid-binding",
            WmiStage::DynamicPort => "dynamic-port",
            WmiStage::Login => "login",
            WmiStage::Query => "query",
            WmiStage::Enumerate => "enumerate",
            WmiStage::GetObject => "get-object",
            WmiStage::ExecMethod => "exec-method",
        }
    }
}

impl fmt::Display for WmiStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WmiError {
    pub stage: WmiStage,
    /// The call that failed, e.g. `IRemoteSCMActivator::RemoteCreateInstance`.
    pub call: Option<&'static str>,
    /// The status (an HRESULT where the failure has one).
    pub code: Option<u32>,
    pub message: String,
    /// The transport failure underneath, if any.
    pub rpc: Option<Box<RpcError>>,
    /// Why a response's stub or an object in it was refused, if that is what failed.
    pub decode: Option<Box<DecodeError>>,
    /// What was observed on the way (advertised bindings, addresses tried), for the diagnosis.
    pub evidence: Vec<String>,
    /// How long each stage before the failing one took (filled by `Connection::connect`).
    pub timings: Vec<(WmiStage, std::time::Duration)>,
}

/// A Win32 error carried in a fault, as the HRESULT a Windows client reports (HRESULT_FROM_WIN32).
pub use rwmi_core::status::hresult_from_win32;

impl WmiError {
    pub fn new(
        stage: WmiStage,
        call: Option<&'static str>,
        code: Option<u32>,
        message: impl Into<String>,
    ) -> Self {
        WmiError {
            stage,
            call,
            code,
            message: message.into(),
            rpc: None,
            decode: None,
            evidence: Vec::new(),
            timings: Vec::new(),
        }
    }

    /// A response (or an object in it) that could not be decoded or broke a limit; `what` names it.
    pub fn malformed(
        stage: WmiStage,
        call: Option<&'static str>,
        what: &str,
        error: DecodeError,
    ) -> Self {
        WmiError {
            decode: Some(Box::new(error.clone())),
            ..WmiError::new(stage, call, None, format!("malformed {what}: {error}"))
        }
    }

    /// The decoding failure underneath: of a stub or object, or of a PDU on the transport.
    pub fn decode_error(&self) -> Option<&DecodeError> {
        match (self.decode.as_deref(), self.rpc.as_deref()) {
            (Some(e), _) | (None, Some(RpcError::Protocol { error: e, .. })) => Some(e),
            _ => None,
        }
    }

    /// The configured limit the server's answer exceeded (`max_fragment`, `max_depth`, ...), if that is
    /// what failed.
    pub fn exceeded_limit(&self) -> Option<&'static str> {
        match self.decode_error()?.kind {
            DecodeErrorKind::Limit { limit, .. } => Some(limit),
            _ => None,
        }
    }

    /// A call that returned a failing HRESULT (or WBEMSTATUS).
    pub fn status(stage: WmiStage, call: &'static str, hresult: u32) -> Self {
        let meaning = status::lookup(hresult)
            .first()
            .map_or("the server returned an error", |i| i.meaning);
        WmiError::new(stage, Some(call), Some(hresult), meaning)
    }

    /// A transport failure during `stage`. Faults carrying Win32 errors become their HRESULT.
    pub fn rpc(stage: WmiStage, call: Option<&'static str>, error: RpcError) -> Self {
        let code = match &error {
            RpcError::Fault { status, .. } => Some(hresult_from_win32(*status)),
            other => other.code().map(hresult_from_win32),
        };
        WmiError {
            stage,
            call,
            code,
            message: error.to_string(),
            rpc: Some(Box::new(error)),
            decode: None,
            evidence: Vec::new(),
            timings: Vec::new(),
        }
    }

    /// A typed call that failed: on the wire (as [`WmiError::rpc`]) or in its response's stub (as
    /// [`WmiError::malformed`]).
    pub fn invoke(stage: WmiStage, call: Option<&'static str>, error: InvokeError) -> Self {
        match error {
            InvokeError::Rpc(e) => WmiError::rpc(stage, call, e),
            InvokeError::Response(e) => WmiError::malformed(stage, call, "response", e),
        }
    }

    pub fn with_evidence(mut self, evidence: Vec<String>) -> Self {
        self.evidence.extend(evidence);
        self
    }

    pub fn code_name(&self) -> Option<&'static str> {
        self.code
            .and_then(|c| status::lookup(c).first().map(|i| i.name))
    }

    /// The failure as a WMI status, when its code is one (e.g. `WbemStatus::NotSupported` from an
    /// ExecNotificationQuery the server has no event provider for).
    pub fn wbem_status(&self) -> Option<status::WbemStatus> {
        self.code.and_then(status::WbemStatus::from_u32)
    }

    pub fn is_timeout(&self) -> bool {
        self.rpc.as_deref().is_some_and(RpcError::is_timeout)
    }

    pub fn is_logon_failure(&self) -> bool {
        self.rpc.as_deref().is_some_and(RpcError::is_logon_failure)
    }
}

impl fmt::Display for WmiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.stage)?;
        if let Some(call) = self.call {
            write!(f, " ({call})")?;
        }
        write!(f, ": {}", self.message)?;
        if let (None, Some(code)) = (&self.rpc, self.code) {
            write!(
                f,
                " [{} {}]",
                self.code_name().unwrap_or("status"),
                status::hex_and_decimal(code)
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for WmiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_become_hresults() {
        let e = WmiError::rpc(
            WmiStage::Activation,
            Some("x"),
            RpcError::Fault {
                opnum: 4,
                status: status::win32::ERROR_ACCESS_DENIED,
            },
        );
        assert_eq!(e.code, Some(status::hresult::E_ACCESSDENIED));
        assert_eq!(e.code_name(), Some("E_ACCESSDENIED"));
        assert_eq!(e.wbem_status(), None);
        let e = WmiError::status(
            WmiStage::Login,
            "IWbemLevel1Login::NTLMLogin",
            status::wbem::WBEM_E_ACCESS_DENIED,
        );
        assert!(
            e.to_string()
                .contains("WBEM_E_ACCESS_DENIED 0x80041003 (-2147217405)"),
            "{e}"
        );
        assert_eq!(e.wbem_status(), Some(status::WbemStatus::AccessDenied));
    }

    #[test]
    fn limits_are_named_whether_in_a_stub_or_in_a_pdu() {
        let limit = DecodeError::new(
            "EncodingUnit",
            "ArrayCount",
            40,
            DecodeErrorKind::Limit {
                limit: "max_array_count",
                value: 0xFFFF_FFF0,
                max: 1 << 20,
            },
        );
        let e = WmiError::malformed(WmiStage::Enumerate, None, "WMI object", limit.clone());
        assert_eq!(e.exceeded_limit(), Some("max_array_count"));
        assert!(
            e.to_string().contains("exceeds the limit max_array_count"),
            "{e}"
        );

        let pdu = WmiError::rpc(
            WmiStage::Login,
            None,
            RpcError::Protocol {
                stage: crate::rpc::Stage::Call,
                error: DecodeError {
                    kind: DecodeErrorKind::Limit {
                        limit: "max_fragment",
                        value: 65535,
                        max: 5840,
                    },
                    ..limit
                },
            },
        );
        assert_eq!(pdu.exceeded_limit(), Some("max_fragment"));

        let other = WmiError::new(WmiStage::Query, None, None, "x");
        assert_eq!((other.decode_error(), other.exceeded_limit()), (None, None));
    }
}
