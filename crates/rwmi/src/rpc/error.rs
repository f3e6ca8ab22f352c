//! What can go wrong on an RPC association, typed so that a diagnosis can say which stage failed and why.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use rwmi_core::DecodeError;
use rwmi_core::rpc::{BindNakReason, ProviderReason, SyntaxId};
use rwmi_core::status;

use crate::security::SecurityError;

/// The stage of an association at which something failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Turning a host name into addresses.
    Resolve,
    /// The TCP connection.
    Connect,
    /// bind / bind_ack / alter_context.
    Bind,
    /// The security handshake legs (bind token, auth3).
    Authenticate,
    /// A request and its response.
    Call,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Resolve => "name resolution",
            Stage::Connect => "TCP connect",
            Stage::Bind => "RPC bind",
            Stage::Authenticate => "authentication",
            Stage::Call => "RPC call",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a TCP connect failed: the distinction between a refusal and silence is what tells a closed port
/// from a firewall that drops packets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectFailure {
    /// The host answered with a reset: nothing listens on that port.
    Refused,
    /// No answer within the time-out: a firewall drops the packets, or the host is down.
    TimedOut(Duration),
    /// The network or host is unreachable (an ICMP error, no route).
    Unreachable(String),
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RpcError {
    Resolve {
        host: String,
        message: String,
    },
    Connect {
        addr: SocketAddr,
        failure: ConnectFailure,
    },
    /// The peer said nothing for longer than the time-out allowed at this stage.
    Timeout {
        stage: Stage,
        after: Duration,
    },
    /// The peer closed the connection.
    Closed {
        stage: Stage,
    },
    Io {
        stage: Stage,
        message: String,
    },
    BindNak {
        reason: BindNakReason,
    },
    /// The server does not offer this interface (or none of our transfer syntaxes for it).
    ContextRejected {
        interface: SyntaxId,
        reason: ProviderReason,
    },
    /// Our security layer failed, or the server refused our credentials.
    Security {
        stage: Stage,
        error: SecurityError,
    },
    /// The server answered a call with a fault PDU.
    Fault {
        opnum: u16,
        status: u32,
    },
    /// A PDU that does not follow the protocol: the association is no longer usable.
    Protocol {
        stage: Stage,
        error: DecodeError,
    },
    /// A received PDU failed its signature check; the association has been ended.
    BadSignature {
        message: String,
    },
    /// The endpoint mapper knows no endpoint for the interface (the service is not running there).
    NotRegistered {
        interface: SyntaxId,
        status: u32,
    },
    /// Something we were asked to send does not fit (a stub beyond the limits).
    Encode {
        message: String,
    },
}

impl RpcError {
    pub fn stage(&self) -> Stage {
        match self {
            RpcError::Resolve { .. } => Stage::Resolve,
            RpcError::Connect { .. } => Stage::Connect,
            RpcError::Timeout { stage, .. }
            | RpcError::Closed { stage }
            | RpcError::Io { stage, .. }
            | RpcError::Security { stage, .. }
            | RpcError::Protocol { stage, .. } => *stage,
            RpcError::BindNak { .. } | RpcError::ContextRejected { .. } => Stage::Bind,
            RpcError::Fault { .. }
            | RpcError::BadSignature { .. }
            | RpcError::Encode { .. }
            | RpcError::NotRegistered { .. } => Stage::Call,
        }
    }

    /// The status code this failure corresponds to, as Windows clients would report it (an RPC or Win32
    /// status for transport failures, the fault status for faults).
    pub fn code(&self) -> Option<u32> {
        use status::win32::*;
        match self {
            RpcError::Resolve { .. } | RpcError::Connect { .. } => Some(RPC_S_SERVER_UNAVAILABLE),
            RpcError::Timeout { .. } => Some(ERROR_TIMEOUT),
            RpcError::Closed { .. } | RpcError::Io { .. } => Some(RPC_S_CALL_FAILED),
            RpcError::BindNak { .. } | RpcError::Protocol { .. } | RpcError::Encode { .. } => {
                Some(RPC_S_PROTOCOL_ERROR)
            }
            RpcError::ContextRejected { .. } => Some(RPC_S_UNKNOWN_IF),
            RpcError::Security { error, .. } if error.is_logon_failure() => {
                Some(ERROR_LOGON_FAILURE)
            }
            RpcError::Security { .. } | RpcError::BadSignature { .. } => Some(RPC_S_SEC_PKG_ERROR),
            RpcError::Fault { status, .. } => Some(*status),
            RpcError::NotRegistered { .. } => Some(EPT_S_NOT_REGISTERED),
        }
    }

    /// The symbolic name of `code()`, from the status table.
    pub fn code_name(&self) -> Option<&'static str> {
        self.code()
            .and_then(|c| status::lookup(c).first().map(|i| i.name))
    }

    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            RpcError::Timeout { .. }
                | RpcError::Connect {
                    failure: ConnectFailure::TimedOut(_),
                    ..
                }
        )
    }

    /// True when the server refused who we are (wrong password, unknown account), as opposed to what we
    /// asked for.
    pub fn is_logon_failure(&self) -> bool {
        matches!(self, RpcError::Security { error, .. } if error.is_logon_failure())
    }
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RpcError::Resolve { host, message } => write!(f, "cannot resolve {host}: {message}")?,
            RpcError::Connect { addr, failure } => match failure {
                ConnectFailure::Refused => {
                    write!(f, "connection to {addr} refused (nothing listens there)")?
                }
                ConnectFailure::TimedOut(d) => write!(
                    f,
                    "no answer from {addr} within {} ms (filtered or host down)",
                    d.as_millis()
                )?,
                ConnectFailure::Unreachable(m) => write!(f, "{addr} is unreachable: {m}")?,
                ConnectFailure::Other(m) => write!(f, "cannot connect to {addr}: {m}")?,
            },
            RpcError::Timeout { stage, after } => {
                write!(f, "{stage}: no answer within {} ms", after.as_millis())?
            }
            RpcError::Closed { stage } => write!(f, "{stage}: the server closed the connection")?,
            RpcError::Io { stage, message } => write!(f, "{stage}: {message}")?,
            RpcError::BindNak { reason } => {
                write!(
                    f,
                    "bind rejected: {}",
                    reason.name().unwrap_or("unknown reason")
                )?;
                write!(f, " (reason {})", reason.0)?
            }
            RpcError::ContextRejected { interface, reason } => write!(
                f,
                "the server does not offer interface {} v{}.{} ({})",
                interface.uuid,
                interface.major(),
                interface.minor(),
                reason.name().unwrap_or("unknown reason")
            )?,
            RpcError::Security { stage, error } => write!(f, "{stage}: {error}")?,
            RpcError::Fault { opnum, .. } => write!(f, "call (opnum {opnum}) failed with a fault")?,
            RpcError::Protocol { stage, error } => write!(f, "{stage}: protocol error: {error}")?,
            RpcError::BadSignature { message } => write!(
                f,
                "a response failed its signature check, association closed: {message}"
            )?,
            RpcError::Encode { message } => write!(f, "cannot send: {message}")?,
            RpcError::NotRegistered { interface, .. } => write!(
                f,
                "the endpoint mapper has no endpoint for interface {}",
                interface.uuid
            )?,
        }
        if let Some(code) = self.code() {
            let name = self.code_name().unwrap_or("status");
            write!(f, " [{name} {}]", status::hex_and_decimal(code))?;
        }
        Ok(())
    }
}

impl std::error::Error for RpcError {}

/// Why a typed call (`ClientAssociation::invoke`) failed: the call itself, or the stub of its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvokeError {
    Rpc(RpcError),
    /// The response arrived but its stub did not decode.
    Response(DecodeError),
}

impl fmt::Display for InvokeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvokeError::Rpc(e) => e.fmt(f),
            InvokeError::Response(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for InvokeError {}

/// For callers that report every failure as the association's: an undecodable answer is a protocol
/// error of the call.
impl From<InvokeError> for RpcError {
    fn from(e: InvokeError) -> Self {
        match e {
            InvokeError::Rpc(e) => e,
            InvokeError::Response(error) => RpcError::Protocol {
                stage: Stage::Call,
                error,
            },
        }
    }
}
