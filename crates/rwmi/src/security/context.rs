//! The security mechanism of an association, whichever provider it is: NTLM and DCE-style Kerberos take
//! three legs (MS-RPCE 3.3.1.5.2): a token in the bind, the server's answer in the bind_ack, and the
//! client's last token in rpc_auth_3. Kerberos under SPNEGO (Negotiate) takes four: the client's last
//! token, with its mechListMIC, goes in an alter_context whose answer carries the server's
//! accept-completed and mechListMIC (MS-SPNG 3.3.5.1, RFC 4178 5).

use std::ops::Range;

use rwmi_core::rpc::{AuthType, PduProtection, ProtectionError};

use super::kerberos::spnego::{self, NegState, NegTokenResp};
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
    /// The same Kerberos inside SPNEGO (RPC_C_AUTHN_GSS_NEGOTIATE), the package Windows clients bind
    /// with; only Kerberos is offered in it.
    Negotiate(KerberosCredentials),
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
            Authentication::Negotiate(_) => AuthType::GSS_NEGOTIATE,
        }
    }

    pub fn mechanism_name(&self) -> &'static str {
        match self {
            Authentication::Ntlm(_) => "NTLM",
            Authentication::Kerberos(_) => "Kerberos",
            Authentication::Negotiate(_) => "Kerberos (Negotiate)",
        }
    }
}

/// What the client sends after the bind_ack.
pub enum ThirdLeg {
    /// rpc_auth_3 with this token; the server does not answer it (MS-RPCE 2.2.2.10).
    Auth3(Vec<u8>),
    /// An alter_context with this token; the server's token in the alter_context_resp goes to `check`.
    AlterContext(Vec<u8>, SpnegoCompletion),
}

/// The last step of an SPNEGO handshake: the server's final NegTokenResp.
pub struct SpnegoCompletion {
    /// The DER of the mechTypes we offered, which both mechListMICs cover.
    mech_types: Vec<u8>,
}

impl SpnegoCompletion {
    /// Checks the server's answer to the third leg: accept-completed, and its mechListMIC if it sent one
    /// (RFC 4178 5 lets it leave the MIC out when it took our first mechanism).
    pub fn check(self, reply: &[u8], session: &mut SecuritySession) -> Result<(), SecurityError> {
        let answer = NegTokenResp::from_der(reply).map_err(SecurityError::BadToken)?;
        match answer.state {
            Some(NegState::AcceptCompleted) => {}
            Some(NegState::Reject) => {
                return Err(SecurityError::LogonFailure(
                    "the server rejected the Kerberos context in its last SPNEGO token".into(),
                ));
            }
            other => {
                return Err(SecurityError::BadToken(format!(
                    "the server's last SPNEGO token is {other:?}, not accept-completed"
                )));
            }
        }
        match (answer.mech_list_mic, session) {
            (None, _) => Ok(()),
            (Some(mic), SecuritySession::Kerberos(kerberos)) => kerberos
                .verify(&self.mech_types, &mic)
                .map_err(|e| SecurityError::BadSignature(format!("the server's mechListMIC: {e}"))),
            (Some(_), SecuritySession::Ntlm(_)) => Err(SecurityError::Internal(
                "an SPNEGO completion for an NTLM session".into(),
            )),
        }
    }
}

/// The client side of a handshake in progress.
pub enum SecurityInitiator {
    Ntlm(Box<NtlmInitiator>),
    Kerberos(Box<KerberosInitiator>),
    Negotiate(Box<KerberosInitiator>),
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
            Authentication::Negotiate(c) => {
                SecurityInitiator::Negotiate(Box::new(KerberosInitiator::new(c, level)?))
            }
        })
    }

    /// The KDC a Kerberos initiator gets its tickets from; `None` for NTLM.
    pub fn kdc(&self) -> Option<std::net::SocketAddr> {
        match self {
            SecurityInitiator::Ntlm(_) => None,
            SecurityInitiator::Kerberos(k) | SecurityInitiator::Negotiate(k) => Some(k.kdc()),
        }
    }

    /// The token for the bind: NEGOTIATE, the AP-REQ, or a NegTokenInit around it. For Kerberos this
    /// talks to the KDC and blocks: call it off the async runtime's threads.
    pub fn first_token(&mut self) -> Result<Vec<u8>, SecurityError> {
        match self {
            SecurityInitiator::Ntlm(n) => n.negotiate(),
            SecurityInitiator::Kerberos(k) => k.ap_req(),
            SecurityInitiator::Negotiate(k) => Ok(spnego::client_neg_token_init(&k.ap_req()?)),
        }
    }

    /// Consumes the bind_ack's token and gives the third leg with the established session.
    /// `header_signing`: the bind_ack echoed PFC_SUPPORT_HEADER_SIGN (NTLM signs the header regardless).
    pub fn complete(
        self,
        reply: &[u8],
        header_signing: bool,
    ) -> Result<(ThirdLeg, SecuritySession), SecurityError> {
        match self {
            SecurityInitiator::Ntlm(n) => {
                let (token, session) = n.authenticate(reply)?;
                Ok((
                    ThirdLeg::Auth3(token),
                    SecuritySession::Ntlm(Box::new(session)),
                ))
            }
            SecurityInitiator::Kerberos(k) => {
                let (token, session) = k.complete(reply, header_signing)?;
                Ok((
                    ThirdLeg::Auth3(token),
                    SecuritySession::Kerberos(Box::new(session)),
                ))
            }
            SecurityInitiator::Negotiate(k) => {
                let answer = NegTokenResp::from_der(reply).map_err(SecurityError::BadToken)?;
                // A refusal still carries the KRB-ERROR (MS-KILE 3.4.5.1), which `complete` explains.
                let ap_rep = answer.response_token.ok_or_else(|| match answer.state {
                    Some(NegState::Reject) => SecurityError::LogonFailure(
                        "the server rejected the SPNEGO negotiation and said nothing more".into(),
                    ),
                    _ => SecurityError::BadToken(
                        "the server's NegTokenResp carries no Kerberos token".into(),
                    ),
                })?;
                let (ap_rep, mut session) = k.complete(&ap_rep, header_signing)?;
                let mech_types = spnego::offered_mech_types();
                let leg = NegTokenResp {
                    state: None,
                    supported_mech: None,
                    response_token: Some(ap_rep),
                    mech_list_mic: Some(session.sign(&mech_types)?),
                };
                Ok((
                    ThirdLeg::AlterContext(leg.to_der(), SpnegoCompletion { mech_types }),
                    SecuritySession::Kerberos(Box::new(session)),
                ))
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
            SecuritySession::Ntlm(s) => s.signature_len(),
            SecuritySession::Kerberos(s) => s.signature_len(),
        }
    }

    fn protect(
        &mut self,
        pdu: &mut [u8],
        sealed: Range<usize>,
        signature: Range<usize>,
    ) -> Result<(), ProtectionError> {
        match self {
            SecuritySession::Ntlm(s) => s.protect(pdu, sealed, signature)?,
            SecuritySession::Kerberos(s) => s.protect(pdu, sealed, signature)?,
        }
        Ok(())
    }

    fn unprotect(
        &mut self,
        pdu: &mut [u8],
        sealed: Range<usize>,
        signature: Range<usize>,
    ) -> Result<(), ProtectionError> {
        match self {
            SecuritySession::Ntlm(s) => s.unprotect(pdu, sealed, signature)?,
            SecuritySession::Kerberos(s) => s.unprotect(pdu, sealed, signature)?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sessions() -> (SecuritySession, KerberosSession) {
        (
            SecuritySession::Kerberos(Box::new(KerberosSession::with_test_key(
                AuthLevel::Privacy,
                false,
            ))),
            KerberosSession::with_test_key(AuthLevel::Privacy, true),
        )
    }

    fn completion() -> SpnegoCompletion {
        SpnegoCompletion {
            mech_types: spnego::offered_mech_types(),
        }
    }

    fn answer(state: Option<NegState>, mic: Option<Vec<u8>>) -> Vec<u8> {
        NegTokenResp {
            state,
            mech_list_mic: mic,
            ..NegTokenResp::default()
        }
        .to_der()
    }

    #[test]
    fn the_servers_completion_is_checked_with_its_mech_list_mic() {
        let (mut client, mut server) = sessions();
        let mic = server.sign(&spnego::offered_mech_types()).unwrap();
        completion()
            .check(
                &answer(Some(NegState::AcceptCompleted), Some(mic)),
                &mut client,
            )
            .unwrap();
        // Without a MIC: allowed for the client's first mechanism (RFC 4178 5).
        let (mut client, _) = sessions();
        completion()
            .check(&answer(Some(NegState::AcceptCompleted), None), &mut client)
            .unwrap();
    }

    #[test]
    fn a_bad_mic_a_rejection_or_an_unfinished_negotiation_fails() {
        let (mut client, mut server) = sessions();
        let mut mic = server.sign(&spnego::offered_mech_types()).unwrap();
        mic[27] ^= 0x80;
        let e = completion()
            .check(
                &answer(Some(NegState::AcceptCompleted), Some(mic)),
                &mut client,
            )
            .unwrap_err();
        assert!(matches!(e, SecurityError::BadSignature(_)), "{e}");
        let e = completion()
            .check(&answer(Some(NegState::Reject), None), &mut client)
            .unwrap_err();
        assert!(matches!(e, SecurityError::LogonFailure(_)), "{e}");
        for state in [
            Some(NegState::AcceptIncomplete),
            Some(NegState::RequestMic),
            None,
        ] {
            let e = completion()
                .check(&answer(state, None), &mut client)
                .unwrap_err();
            assert!(matches!(e, SecurityError::BadToken(_)), "{state:?}: {e}");
        }
        assert!(completion().check(b"\x30\x00", &mut client).is_err());
    }
}
