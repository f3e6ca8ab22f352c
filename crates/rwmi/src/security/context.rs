//! The security mechanism of an association, whichever provider it is: both NTLM and DCE-style Kerberos
//! take three legs (MS-RPCE 3.3.1.5.2): a token in the bind, the server's answer in the bind_ack, and the
//! client's last token in rpc_auth_3.

use std::ops::Range;

use rwmi_core::rpc::{AuthType, PduProtection, ProtectionError};

use super::{
    AuthLevel, Credentials, KerberosCredentials, KerberosInitiator, KerberosSession, NtlmInitiator,
    NtlmSession, SecurityError,
};

/// Who we are and how we prove it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authentication {
    /// NTLMv2 with a password or an NT hash (RPC_C_AUTHN_WINNT).
    Ntlm(Credentials),
    /// Kerberos with tickets from an explicit KDC (RPC_C_AUTHN_GSS_KERBEROS).
    Kerberos(KerberosCredentials),
}

impl From<Credentials> for Authentication {
    fn from(credentials: Credentials) -> Self {
        Authentication::Ntlm(credentials)
    }
}

impl From<KerberosCredentials> for Authentication {
    fn from(credentials: KerberosCredentials) -> Self {
        Authentication::Kerberos(credentials)
    }
}

impl Authentication {
    /// The auth_type written in every sec_trailer (MS-RPCE 2.2.1.1.7).
    pub fn auth_type(&self) -> AuthType {
        match self {
            Authentication::Ntlm(_) => AuthType::WINNT,
            Authentication::Kerberos(_) => AuthType::GSS_KERBEROS,
        }
    }

    pub fn mechanism_name(&self) -> &'static str {
        match self {
            Authentication::Ntlm(_) => "NTLM",
            Authentication::Kerberos(_) => "Kerberos",
        }
    }
}

/// The client side of a handshake in progress.
pub enum SecurityInitiator {
    Ntlm(Box<NtlmInitiator>),
    Kerberos(Box<KerberosInitiator>),
}

impl SecurityInitiator {
    pub fn new(authentication: &Authentication, level: AuthLevel) -> Result<Self, SecurityError> {
        Ok(match authentication {
            Authentication::Ntlm(c) => {
                SecurityInitiator::Ntlm(Box::new(NtlmInitiator::new(c, level)?))
            }
            Authentication::Kerberos(c) => {
                SecurityInitiator::Kerberos(Box::new(KerberosInitiator::new(c, level)?))
            }
        })
    }

    /// The KDC a Kerberos initiator gets its tickets from; `None` for NTLM.
    pub fn kdc(&self) -> Option<std::net::SocketAddr> {
        match self {
            SecurityInitiator::Ntlm(_) => None,
            SecurityInitiator::Kerberos(k) => Some(k.kdc()),
        }
    }

    /// The token for the bind: NEGOTIATE, or the AP-REQ. For Kerberos this talks to the KDC and blocks:
    /// call it off the async runtime's threads.
    pub fn first_token(&mut self) -> Result<Vec<u8>, SecurityError> {
        match self {
            SecurityInitiator::Ntlm(n) => n.negotiate(),
            SecurityInitiator::Kerberos(k) => k.ap_req(),
        }
    }

    /// Consumes the bind_ack's token and gives the token for rpc_auth_3 with the established session.
    /// `header_signing`: the bind_ack echoed PFC_SUPPORT_HEADER_SIGN (NTLM signs the header regardless).
    pub fn complete(
        self,
        reply: &[u8],
        header_signing: bool,
    ) -> Result<(Vec<u8>, SecuritySession), SecurityError> {
        match self {
            SecurityInitiator::Ntlm(n) => {
                let (token, session) = n.authenticate(reply)?;
                Ok((token, SecuritySession::Ntlm(Box::new(session))))
            }
            SecurityInitiator::Kerberos(k) => {
                let (token, session) = k.complete(reply, header_signing)?;
                Ok((token, SecuritySession::Kerberos(Box::new(session))))
            }
        }
    }
}

/// An established context of either mechanism.
#[derive(Debug)]
pub enum SecuritySession {
    Ntlm(Box<NtlmSession>),
    Kerberos(Box<KerberosSession>),
}

impl PduProtection for SecuritySession {
    fn signature_len(&self) -> usize {
        match self {
            SecuritySession::Ntlm(s) => PduProtection::signature_len(s.as_ref()),
            SecuritySession::Kerberos(s) => PduProtection::signature_len(s.as_ref()),
        }
    }

    fn protect(
        &mut self,
        pdu: &mut [u8],
        sealed: Range<usize>,
        signature: Range<usize>,
    ) -> Result<(), ProtectionError> {
        match self {
            SecuritySession::Ntlm(s) => PduProtection::protect(s.as_mut(), pdu, sealed, signature),
            SecuritySession::Kerberos(s) => {
                PduProtection::protect(s.as_mut(), pdu, sealed, signature)
            }
        }
    }

    fn unprotect(
        &mut self,
        pdu: &mut [u8],
        sealed: Range<usize>,
        signature: Range<usize>,
    ) -> Result<(), ProtectionError> {
        match self {
            SecuritySession::Ntlm(s) => {
                PduProtection::unprotect(s.as_mut(), pdu, sealed, signature)
            }
            SecuritySession::Kerberos(s) => {
                PduProtection::unprotect(s.as_mut(), pdu, sealed, signature)
            }
        }
    }
}
