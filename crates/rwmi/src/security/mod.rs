//! Security contexts for RPC associations: credentials, authentication levels, and NTLM and Kerberos
//! through sspi.

// The security contexts decode what peers send (NTLM messages, SPNEGO, AP-REQ, MIC and wrap tokens,
// KDC replies): no indexing, unwrap or panic outside tests, as in rwmi-core.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

pub mod context;
pub mod credentials;
pub mod kdc;
pub mod kerberos;
pub mod nlmp;
pub mod ntlm;

/// Kerberos files: the FILE credential cache `kinit` writes and keytabs, for `KerberosSecret`s.
pub mod krb5 {
    pub use rwmi_core::krb5::ccache::CredentialCache;
    pub use rwmi_core::krb5::keytab::Keytab;
    pub use rwmi_core::krb5::principal::Principal;

    /// The file of a credential cache name (`KRB5CCNAME`): `FILE:` dropped; the other cache types
    /// (KEYRING:, KCM:, DIR:) are refused by name, as rwmi reads FILE caches only.
    pub fn credential_cache_file(name: &str) -> Result<String, String> {
        match name.split_once(':') {
            Some((kind, path)) if kind.eq_ignore_ascii_case("FILE") => Ok(path.to_string()),
            Some((kind, _)) if kind.len() > 1 && kind.chars().all(|c| c.is_ascii_alphabetic()) => {
                Err(format!(
                    "the credential cache {name} is of type {kind}: rwmi reads FILE caches only (kinit -c FILE:/path)"
                ))
            }
            _ => Ok(name.to_string()),
        }
    }
}

pub use context::{Authentication, SecurityInitiator, SecuritySession, SpnegoCompletion, ThirdLeg};
pub use credentials::{Credentials, Secret};
pub use kerberos::{
    ApRefusal, CachedTgt, KerberosAcceptor, KerberosCredentials, KerberosInitiator, KerberosSecret,
    KerberosService, KerberosSession, ServiceKey,
};
pub use ntlm::{AuthenticatedUser, NtlmAcceptor, NtlmAccounts, NtlmInitiator, NtlmSession};

use std::fmt;
use std::net::SocketAddr;
use std::ops::Range;
use std::sync::LazyLock;

use rwmi_core::status::{self, StatusKind, kerberos as krb};

/// The token sspi wrote into the one output buffer of a security context step. sspi fills the buffer in
/// place and cannot remove it, so an empty slice only means an empty token.
pub(crate) fn output_token(output: &mut [sspi::SecurityBuffer]) -> Vec<u8> {
    output
        .first_mut()
        .map(|buffer| std::mem::take(&mut buffer.buffer))
        .unwrap_or_default()
}

/// Runs a call into sspi with tracing switched off on this thread. At TRACE level sspi logs its
/// arguments and results whole: NTLM's AUTHENTICATE message with the NTLMv2 response (enough to crack the
/// password offline), Kerberos sub-session keys, and the plaintext of every sealed PDU. rwmi's own logs
/// never carry them, and a subscriber set to TRACE for debugging must not either. (sspi's calls are
/// synchronous, so a thread-scoped dispatcher covers them.) The silent dispatcher is made once: making
/// one registers it with every callsite under a global lock, which a fleet of associations, each
/// sealing every PDU, would contend for.
pub(crate) fn quietly<T>(sspi_call: impl FnOnce() -> T) -> T {
    static SILENT: LazyLock<tracing::Dispatch> =
        LazyLock::new(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
    tracing::dispatcher::with_default(&SILENT, sspi_call)
}

/// The regions of a PDU for its mechanism: before the sealed part (the header), the sealed part (stub and
/// padding), between it and the auth_value (the sec_trailer), and the auth_value at the end, of
/// `signature_len` octets when the mechanism fixes it.
pub(crate) fn split_pdu<'a>(
    pdu: &'a mut [u8],
    sealed: &Range<usize>,
    signature: &Range<usize>,
    signature_len: Option<usize>,
) -> Result<[&'a mut [u8]; 4], SecurityError> {
    let ok = sealed.start <= sealed.end
        && sealed.end <= signature.start
        && signature.start <= signature.end
        && signature.end == pdu.len()
        && signature_len.is_none_or(|len| signature.len() == len);
    if !ok {
        return Err(SecurityError::Internal(format!(
            "PDU ranges do not fit: sealed {sealed:?}, signature {signature:?}, length {}",
            pdu.len()
        )));
    }
    let (head, rest) = pdu.split_at_mut(sealed.start);
    let (body, rest) = rest.split_at_mut(sealed.len());
    let (trailer, token) = rest.split_at_mut(signature.start - sealed.end);
    Ok([head, body, trailer, token])
}

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
    /// The KDC (or the server, in place of an AP-REP) answered with a KRB-ERROR.
    Kerberos {
        code: KerberosErrorCode,
        message: String,
    },
    /// No answer from the KDC: nothing listens, a firewall, or a time-out.
    KdcUnreachable { kdc: SocketAddr, message: String },
}

/// How the RPC layer sees a mechanism's failure to protect or verify a PDU: a bad signature (the
/// association must end, MS-RPCE 2.2.2.5 invalid_checksum) or any other error.
impl From<SecurityError> for rwmi_core::rpc::ProtectionError {
    fn from(e: SecurityError) -> Self {
        match e {
            SecurityError::BadSignature(m) => Self::bad_signature(m),
            other => Self::new(other.to_string()),
        }
    }
}

impl SecurityError {
    /// The Kerberos error code, when the failure was a KRB-ERROR.
    pub fn kerberos_code(&self) -> Option<KerberosErrorCode> {
        match self {
            SecurityError::Kerberos { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// True when the credentials themselves were refused (as opposed to the service or the network).
    pub fn is_logon_failure(&self) -> bool {
        match self {
            SecurityError::LogonFailure(_) => true,
            SecurityError::Kerberos { code, .. } => code.is_logon_failure(),
            _ => false,
        }
    }
}

/// A Kerberos error code (RFC 4120 7.5.9), as carried in KRB-ERROR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KerberosErrorCode(pub u32);

impl KerberosErrorCode {
    pub const KDC_ERR_C_PRINCIPAL_UNKNOWN: Self = Self(krb::KDC_ERR_C_PRINCIPAL_UNKNOWN);
    pub const KDC_ERR_S_PRINCIPAL_UNKNOWN: Self = Self(krb::KDC_ERR_S_PRINCIPAL_UNKNOWN);
    pub const KDC_ERR_ETYPE_NOSUPP: Self = Self(krb::KDC_ERR_ETYPE_NOSUPP);
    pub const KDC_ERR_CLIENT_REVOKED: Self = Self(krb::KDC_ERR_CLIENT_REVOKED);
    pub const KDC_ERR_KEY_EXPIRED: Self = Self(krb::KDC_ERR_KEY_EXPIRED);
    pub const KDC_ERR_PREAUTH_FAILED: Self = Self(krb::KDC_ERR_PREAUTH_FAILED);
    pub const KDC_ERR_PREAUTH_REQUIRED: Self = Self(krb::KDC_ERR_PREAUTH_REQUIRED);
    pub const KRB_AP_ERR_TKT_EXPIRED: Self = Self(krb::KRB_AP_ERR_TKT_EXPIRED);
    pub const KRB_AP_ERR_TKT_NYV: Self = Self(krb::KRB_AP_ERR_TKT_NYV);
    pub const KRB_AP_ERR_NOT_US: Self = Self(krb::KRB_AP_ERR_NOT_US);
    pub const KRB_AP_ERR_BADMATCH: Self = Self(krb::KRB_AP_ERR_BADMATCH);
    pub const KRB_AP_ERR_SKEW: Self = Self(krb::KRB_AP_ERR_SKEW);
    pub const KRB_AP_ERR_MSG_TYPE: Self = Self(krb::KRB_AP_ERR_MSG_TYPE);
    pub const KRB_AP_ERR_MODIFIED: Self = Self(krb::KRB_AP_ERR_MODIFIED);
    pub const KRB_AP_ERR_BADKEYVER: Self = Self(krb::KRB_AP_ERR_BADKEYVER);
    pub const KRB_AP_ERR_NOKEY: Self = Self(krb::KRB_AP_ERR_NOKEY);
    pub const KRB_ERR_RESPONSE_TOO_BIG: Self = Self(krb::KRB_ERR_RESPONSE_TOO_BIG);
    pub const KRB_ERR_GENERIC: Self = Self(krb::KRB_ERR_GENERIC);

    /// The code's name from the status table.
    pub fn name(self) -> Option<&'static str> {
        status::lookup(self.0)
            .into_iter()
            .find(|e| e.kind == StatusKind::Kerberos)
            .map(|e| e.name)
    }

    /// What the code usually means for someone connecting.
    pub fn meaning(self) -> &'static str {
        match self {
            Self::KDC_ERR_C_PRINCIPAL_UNKNOWN => "the KDC does not know this user",
            Self::KDC_ERR_S_PRINCIPAL_UNKNOWN => {
                "the KDC knows no account with this service principal name (check the SPN and the host's FQDN)"
            }
            Self::KDC_ERR_PREAUTH_FAILED => "wrong password",
            Self::KDC_ERR_CLIENT_REVOKED => "the account is disabled or locked out",
            Self::KDC_ERR_KEY_EXPIRED => "the password has expired",
            Self::KRB_AP_ERR_SKEW => {
                "the clocks of client and server differ by more than 5 minutes"
            }
            Self::KDC_ERR_ETYPE_NOSUPP => "no encryption type in common (rwmi uses AES)",
            Self::KRB_AP_ERR_MODIFIED => {
                "the ticket did not decrypt: the SPN belongs to another account than the server's"
            }
            Self::KRB_AP_ERR_NOT_US => {
                "the ticket is for another service than this server (the SPN names another host)"
            }
            Self::KRB_AP_ERR_BADKEYVER => {
                "the server has no key of the ticket's version: its keytab is older than the account's password"
            }
            Self::KRB_AP_ERR_NOKEY => {
                "the server has no key of the ticket's encryption type (typically an RC4 ticket for a service \
                 whose keytab holds AES keys only: set msDS-SupportedEncryptionTypes=24 on the service account)"
            }
            Self::KRB_AP_ERR_TKT_EXPIRED => "the ticket has expired: get a new one (kinit)",
            Self::KRB_AP_ERR_TKT_NYV => "the ticket is not valid yet: the clocks differ",
            _ => "a Kerberos failure",
        }
    }

    /// Whether the credentials (not the target or the clock) were refused.
    pub fn is_logon_failure(self) -> bool {
        matches!(
            self,
            Self::KDC_ERR_C_PRINCIPAL_UNKNOWN
                | Self::KDC_ERR_PREAUTH_FAILED
                | Self::KDC_ERR_CLIENT_REVOKED
                | Self::KDC_ERR_KEY_EXPIRED
        )
    }
}

impl fmt::Display for KerberosErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({})", self.0),
            None => write!(f, "Kerberos error {}", self.0),
        }
    }
}

impl fmt::Display for SecurityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecurityError::LogonFailure(m) => write!(f, "logon failure: {m}"),
            SecurityError::BadToken(m) => write!(f, "bad security token: {m}"),
            SecurityError::BadSignature(m) => write!(f, "signature check failed: {m}"),
            SecurityError::Internal(m) => write!(f, "security context error: {m}"),
            SecurityError::Kerberos { code, message } => {
                write!(f, "Kerberos {code}: {}; {message}", code.meaning())
            }
            SecurityError::KdcUnreachable { kdc, message } => {
                write!(f, "the KDC at {kdc} does not answer: {message}")
            }
        }
    }
}

impl std::error::Error for SecurityError {}
