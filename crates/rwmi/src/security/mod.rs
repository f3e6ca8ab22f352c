//! Security contexts for RPC associations: credentials, authentication levels, and NTLM through sspi.

pub mod credentials;
pub mod nlmp;
pub mod ntlm;

pub use credentials::{Credentials, Secret};
pub use ntlm::{AuthenticatedUser, NtlmAcceptor, NtlmAccounts, NtlmInitiator, NtlmSession};

use std::fmt;

/// The RPC authentication level (MS-RPCE 2.2.1.1.8). rwmi offers the three that NTLM and Kerberos give
/// meaning to; privacy is the default, as wmic and Impacket have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum AuthLevel {
    /// Authenticates the association once; PDUs carry no signature. Refused for DCOM activation by
    /// patched Windows (KB5004442).
    Connect,
    /// Every PDU is signed (RPC_C_AUTHN_LEVEL_PKT_INTEGRITY).
    Integrity,
    /// Every PDU is signed and its stub encrypted (RPC_C_AUTHN_LEVEL_PKT_PRIVACY).
    #[default]
    Privacy,
}

impl AuthLevel {
    /// The value carried in the sec_trailer's auth_level.
    pub fn wire_value(self) -> u8 {
        match self {
            AuthLevel::Connect => 2,
            AuthLevel::Integrity => 5,
            AuthLevel::Privacy => 6,
        }
    }

    /// Reads a received auth_level; the levels rwmi does not implement (none, call, packet) give `None`.
    pub fn from_wire(value: u8) -> Option<Self> {
        match value {
            2 => Some(AuthLevel::Connect),
            5 => Some(AuthLevel::Integrity),
            6 => Some(AuthLevel::Privacy),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            AuthLevel::Connect => "connect",
            AuthLevel::Integrity => "integrity",
            AuthLevel::Privacy => "privacy",
        }
    }
}

impl fmt::Display for AuthLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A failure of the security layer. Its text never contains a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityError {
    /// The peer rejected our credentials, or (acceptor side) the client's proof did not verify.
    LogonFailure(String),
    /// A token from the peer could not be processed.
    BadToken(String),
    /// A received PDU's signature did not verify, or it arrived out of sequence.
    BadSignature(String),
    /// Our own misuse of the context (a bug or an unsupported combination).
    Internal(String),
}

impl fmt::Display for SecurityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecurityError::LogonFailure(m) => write!(f, "logon failure: {m}"),
            SecurityError::BadToken(m) => write!(f, "bad security token: {m}"),
            SecurityError::BadSignature(m) => write!(f, "signature check failed: {m}"),
            SecurityError::Internal(m) => write!(f, "security context error: {m}"),
        }
    }
}

impl std::error::Error for SecurityError {}
