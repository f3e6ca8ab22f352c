//! Kerberos for RPC associations (client side), through sspi, DCE style.
//!
//! The handshake has three legs (MS-RPCE 3.3.1.5.2, MS-KILE 3.4.5.1 with ISC_REQ_USE_DCE_STYLE): the bind
//! carries the raw AP-REQ (no GSS-API framing), the bind_ack the server's AP-REP, and the client's own
//! AP-REP goes in rpc_auth_3, since the number of legs is odd. The tickets come from the KDC over TCP/88
//! ([`KdcClient`]) while the first token is built.
//!
//! Per-PDU protection (MS-RPCE 3.3.1.5.2.2, MS-KILE 3.4.5.4 and 3.4.5.6):
//! - privacy: a DCE-style Wrap token (RFC 4121 4.2.6.2, EC 16, RRC 28) whose first 76 octets are the
//!   auth_value; the stub and its padding are encrypted in place; sspi builds it.
//! - integrity: a MIC token (RFC 4121 4.2.6.1) of 28 octets. sspi has no MIC for Kerberos, so this module
//!   computes it with the context's (acceptor) subkey and sspi's own sequence counter.
//!
//! Both cover the whole PDU but the auth_value only if header signing was negotiated (PFC_SUPPORT_HEADER_SIGN
//! echoed in the bind_ack); otherwise only the stub and its padding.

mod acceptor;
mod cached_tgt;
mod credentials;
mod initiator;
mod session;
pub mod spnego;

pub use acceptor::{
    ApRefusal, DEFAULT_MAX_SKEW, KerberosAcceptor, KerberosService, ServiceKey, kerberos_time,
    krb_error, unix_seconds,
};
pub use cached_tgt::CachedTgt;
pub use credentials::{KerberosCredentials, KerberosSecret};
pub use initiator::KerberosInitiator;
pub use session::{KerberosSession, MIC_TOKEN_LEN};

use super::SecurityError;

fn sspi_error(context: &str, e: sspi::Error) -> SecurityError {
    use sspi::ErrorKind as K;
    let text = format!("{context}: {}", e.description);
    match e.error_type {
        K::LogonDenied | K::NoCredentials | K::UnknownCredentials | K::TimeSkew => {
            SecurityError::LogonFailure(text)
        }
        K::MessageAltered | K::OutOfSequence => SecurityError::BadSignature(text),
        K::InvalidToken => SecurityError::BadToken(text),
        _ => SecurityError::Internal(text),
    }
}
