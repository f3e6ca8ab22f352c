//! NTLMv2 for RPC associations, on both sides: the handshake through the sspi crate, session security
//! (signing and sealing, `session_security`) our own.
//!
//! The handshake is the three-leg DCE one (MS-RPCE 3.3.1.5.2): NEGOTIATE in bind, CHALLENGE in bind_ack,
//! AUTHENTICATE in auth3 (or alter_context). Per-PDU protection signs the whole PDU but the auth_value and,
//! at privacy, encrypts the stub and its padding (MS-RPCE 3.3.1.5.2.2; NTLM always signs the header).

use std::ops::Range;

mod rc4;
mod session_security;

use sspi::{
    AuthIdentity, BufferType, ClientRequestFlags, CredentialUse, DataRepresentation, Ntlm,
    SecurityBuffer, SecurityStatus, ServerRequestFlags, Sspi, SspiEx, SspiImpl, Username,
};

use super::nlmp::{AuthenticateMessage, server_challenge};
use super::{AuthLevel, Credentials, Secret, SecurityError, output_token, quietly, split_pdu};
use session_security::{SessionSecurity, Side};

/// Length of an NTLM signature (MS-NLMP 2.2.2.9.1), the auth_value of every protected PDU.
pub const NTLM_SIGNATURE_LEN: usize = session_security::SIGNATURE_LEN;

fn identity(user: &str, domain: &str, secret: &Secret) -> Result<AuthIdentity, SecurityError> {
    let domain = (!domain.is_empty()).then_some(domain);
    let username = Username::new(user, domain)
        .map_err(|e| SecurityError::Internal(format!("user name: {e}")))?;
    let password = match secret {
        Secret::Password(p) => p.clone(),
        Secret::NtHash(h) => sspi::NtlmHash::from_bytes(*h).to_string_for_sspi(),
    };
    Ok(AuthIdentity {
        username,
        password: password.into(),
    })
}

trait SspiPassword {
    fn to_string_for_sspi(self) -> String;
}

impl SspiPassword for sspi::NtlmHash {
    // sspi takes an NT hash in the password field behind this prefix (sspi::NTLM_HASH_PREFIX).
    fn to_string_for_sspi(self) -> String {
        let mut s = String::from(sspi::NTLM_HASH_PREFIX);
        for b in self.as_bytes() {
            s.push_str(&format!("{b:02x}"));
        }
        s
    }
}

fn sspi_error(context: &str, e: sspi::Error) -> SecurityError {
    use sspi::ErrorKind as K;
    let text = format!("{context}: {}", e.description);
    match e.error_type {
        K::LogonDenied | K::NoCredentials | K::UnknownCredentials => {
            SecurityError::LogonFailure(text)
        }
        K::MessageAltered | K::OutOfSequence => SecurityError::BadSignature(text),
        K::InvalidToken => SecurityError::BadToken(text),
        _ => SecurityError::Internal(text),
    }
}

/// An established NTLM context: signs, seals, verifies and unseals PDUs (MS-NLMP 3.4, through
/// [`SessionSecurity`]; sspi made the handshake and is done).
pub struct NtlmSession {
    security: SessionSecurity,
    level: AuthLevel,
}

impl std::fmt::Debug for NtlmSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NtlmSession")
            .field("level", &self.level)
            .finish_non_exhaustive()
    }
}

impl NtlmSession {
    /// Keys the session from the finished sspi context and the AUTHENTICATE message's flags.
    fn established(
        ntlm: &mut Ntlm,
        authenticate: &AuthenticateMessage,
        side: Side,
        level: AuthLevel,
    ) -> Result<Self, SecurityError> {
        let key = quietly(|| ntlm.query_context_session_key())
            .map_err(|e| sspi_error("NTLM session key", e))?;
        let security = SessionSecurity::new(
            key.session_key.as_ref(),
            authenticate.negotiate_flags,
            side,
            level == AuthLevel::Privacy,
        )?;
        Ok(Self { security, level })
    }

    pub fn level(&self) -> AuthLevel {
        self.level
    }

    pub fn signature_len(&self) -> usize {
        NTLM_SIGNATURE_LEN
    }

    /// Signs `pdu` (all but the signature range) and at privacy encrypts `sealed` in place. NTLM always
    /// signs the header (MS-RPCE 3.3.1.5.2.2).
    pub fn protect(
        &mut self,
        pdu: &mut [u8],
        sealed: Range<usize>,
        signature: Range<usize>,
    ) -> Result<(), SecurityError> {
        let [head, body, trailer, token] =
            split_pdu(pdu, &sealed, &signature, Some(NTLM_SIGNATURE_LEN))?;
        let computed = if self.level == AuthLevel::Privacy {
            self.security.seal(head, body, trailer)
        } else {
            self.security.sign(&[head, body, trailer])
        };
        token.copy_from_slice(&computed);
        Ok(())
    }

    /// Verifies the signature of a received PDU and at privacy decrypts `sealed` in place. Any failure is an
    /// error: the caller must end the association.
    pub fn unprotect(
        &mut self,
        pdu: &mut [u8],
        sealed: Range<usize>,
        signature: Range<usize>,
    ) -> Result<(), SecurityError> {
        let [head, body, trailer, token] =
            split_pdu(pdu, &sealed, &signature, Some(NTLM_SIGNATURE_LEN))?;
        if self.level == AuthLevel::Privacy {
            self.security.unseal(head, body, trailer, token)
        } else {
            self.security.verify(&[head, body, trailer], token)
        }
    }
}

/// The client side: makes NEGOTIATE, answers CHALLENGE with AUTHENTICATE.
pub struct NtlmInitiator {
    ntlm: Ntlm,
    handle: Option<sspi::AuthIdentityBuffers>,
    level: AuthLevel,
}

impl NtlmInitiator {
    pub fn new(credentials: &Credentials, level: AuthLevel) -> Result<Self, SecurityError> {
        let mut ntlm = Ntlm::new();
        let id = identity(&credentials.user, &credentials.domain, &credentials.secret)?;
        let acquired = quietly(|| {
            ntlm.acquire_credentials_handle()
                .with_credential_use(CredentialUse::Outbound)
                .with_auth_data(&id)
                .execute(&mut ntlm)
        })
        .map_err(|e| sspi_error("acquiring credentials", e))?;
        Ok(Self {
            ntlm,
            handle: acquired.credentials_handle,
            level,
        })
    }

    fn flags(&self) -> ClientRequestFlags {
        let mut flags = ClientRequestFlags::ALLOCATE_MEMORY | ClientRequestFlags::USE_DCE_STYLE;
        flags |= ClientRequestFlags::INTEGRITY | ClientRequestFlags::CONFIDENTIALITY;
        flags
    }

    fn step(&mut self, input: Option<&[u8]>) -> Result<(Vec<u8>, SecurityStatus), SecurityError> {
        let flags = self.flags();
        let mut output = vec![SecurityBuffer::new(Vec::new(), BufferType::Token)];
        let mut input_buffers =
            input.map(|t| vec![SecurityBuffer::new(t.to_vec(), BufferType::Token)]);
        let result = quietly(|| {
            let mut builder = self
                .ntlm
                .initialize_security_context()
                .with_credentials_handle(&mut self.handle)
                .with_context_requirements(flags)
                .with_target_data_representation(DataRepresentation::Native)
                .with_output(&mut output);
            if let Some(input) = input_buffers.as_mut() {
                builder = builder.with_input(input);
            }
            self.ntlm
                .initialize_security_context_impl(&mut builder)
                .and_then(|mut g| g.resolve_to_result())
        })
        .map_err(|e| sspi_error("NTLM initiator", e))?;
        Ok((output_token(&mut output), result.status))
    }

    /// The NEGOTIATE_MESSAGE for the bind.
    pub fn negotiate(&mut self) -> Result<Vec<u8>, SecurityError> {
        Ok(self.step(None)?.0)
    }

    /// Consumes the server's CHALLENGE_MESSAGE and gives the AUTHENTICATE_MESSAGE for auth3 together with
    /// the established session.
    pub fn authenticate(
        mut self,
        challenge: &[u8],
    ) -> Result<(Vec<u8>, NtlmSession), SecurityError> {
        let (token, _status) = self.step(Some(challenge))?;
        // The flags our AUTHENTICATE states are the negotiated set the server keys its side from.
        let sent = AuthenticateMessage::decode(&token)
            .map_err(|e| SecurityError::Internal(format!("our AUTHENTICATE message: {e}")))?;
        let session = NtlmSession::established(&mut self.ntlm, &sent, Side::Client, self.level)?;
        Ok((token, session))
    }
}

/// Where the acceptor finds an account's NT hash. `None` means no such account.
pub trait NtlmAccounts {
    fn nt_hash(&self, domain: &str, user: &str) -> Option<[u8; 16]>;
}

/// Who authenticated, as the acceptor saw it on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedUser {
    pub user: String,
    pub domain: String,
    pub workstation: String,
}

/// The server side: answers NEGOTIATE with CHALLENGE, then verifies AUTHENTICATE.
pub struct NtlmAcceptor {
    ntlm: Ntlm,
    challenge: Option<[u8; 8]>,
}

impl Default for NtlmAcceptor {
    fn default() -> Self {
        Self::new()
    }
}

impl NtlmAcceptor {
    pub fn new() -> Self {
        Self {
            ntlm: Ntlm::new(),
            challenge: None,
        }
    }

    fn accept(&mut self, token: &[u8]) -> Result<(Vec<u8>, SecurityStatus), SecurityError> {
        let mut input = vec![SecurityBuffer::new(token.to_vec(), BufferType::Token)];
        let mut output = vec![SecurityBuffer::new(Vec::new(), BufferType::Token)];
        let mut handle: Option<sspi::AuthIdentityBuffers> = None;
        let result = quietly(|| {
            let builder = self
                .ntlm
                .accept_security_context()
                .with_credentials_handle(&mut handle)
                .with_context_requirements(
                    ServerRequestFlags::ALLOCATE_MEMORY | ServerRequestFlags::USE_DCE_STYLE,
                )
                .with_target_data_representation(DataRepresentation::Native)
                .with_input(&mut input)
                .with_output(&mut output);
            self.ntlm
                .accept_security_context_impl(builder)
                .and_then(|mut g| g.resolve_to_result())
        })
        .map_err(|e| sspi_error("NTLM acceptor", e))?;
        Ok((output_token(&mut output), result.status))
    }

    /// Consumes the client's NEGOTIATE_MESSAGE and gives the CHALLENGE_MESSAGE for bind_ack.
    pub fn challenge(&mut self, negotiate: &[u8]) -> Result<Vec<u8>, SecurityError> {
        let (token, _) = self.accept(negotiate)?;
        let challenge =
            server_challenge(&token).map_err(|e| SecurityError::Internal(e.to_string()))?;
        self.challenge = Some(challenge);
        Ok(token)
    }

    /// Verifies the client's AUTHENTICATE_MESSAGE against `accounts` and gives the established session.
    pub fn authenticate(
        mut self,
        authenticate: &[u8],
        accounts: &dyn NtlmAccounts,
        level: AuthLevel,
    ) -> Result<(AuthenticatedUser, NtlmSession), SecurityError> {
        let challenge = self.challenge.ok_or_else(|| {
            SecurityError::BadToken("AUTHENTICATE arrived before NEGOTIATE".into())
        })?;
        let message = AuthenticateMessage::decode(authenticate)
            .map_err(|e| SecurityError::BadToken(e.to_string()))?;
        let who = || format!("{}\\{}", message.domain, message.user);
        let hash = accounts
            .nt_hash(&message.domain, &message.user)
            .ok_or_else(|| SecurityError::LogonFailure(format!("no account {}", who())))?;
        if !message.verify_ntlmv2(&hash, &challenge) {
            return Err(SecurityError::LogonFailure(format!(
                "wrong password for {}",
                who()
            )));
        }
        let (_, status) = self.accept(authenticate)?;
        let id = identity(&message.user, &message.domain, &Secret::NtHash(hash))?;
        quietly(|| self.ntlm.custom_set_auth_identity(id))
            .map_err(|e| sspi_error("NTLM acceptor", e))?;
        if matches!(
            status,
            SecurityStatus::CompleteNeeded | SecurityStatus::CompleteAndContinue
        ) {
            quietly(|| self.ntlm.complete_auth_token(&mut []))
                .map_err(|e| sspi_error("NTLM acceptor", e))?;
        }
        let session = NtlmSession::established(&mut self.ntlm, &message, Side::Server, level)?;
        let user = AuthenticatedUser {
            user: message.user,
            domain: message.domain,
            workstation: message.workstation,
        };
        Ok((user, session))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct OneAccount;
    impl NtlmAccounts for OneAccount {
        fn nt_hash(&self, _domain: &str, user: &str) -> Option<[u8; 16]> {
            user.eq_ignore_ascii_case("alice")
                .then(|| super::super::nlmp::nt_hash("Passw0rd!"))
        }
    }

    fn handshake(
        secret: Secret,
        level: AuthLevel,
    ) -> Result<(NtlmSession, NtlmSession), SecurityError> {
        let creds = Credentials::new("alice", "EMU", secret);
        let mut client = NtlmInitiator::new(&creds, level)?;
        let mut server = NtlmAcceptor::new();
        let negotiate = client.negotiate()?;
        let challenge = server.challenge(&negotiate)?;
        let (authenticate, client_session) = client.authenticate(&challenge)?;
        let (user, server_session) = server.authenticate(&authenticate, &OneAccount, level)?;
        assert_eq!(user.user, "alice");
        Ok((client_session, server_session))
    }

    fn pdu() -> (Vec<u8>, Range<usize>, Range<usize>) {
        let mut pdu = b"HEADER--------24stub data of the call!!\0pad\0TRAILER!".to_vec();
        let sealed = 24..44;
        let sig_start = pdu.len();
        pdu.extend_from_slice(&[0; 16]);
        (pdu, sealed, sig_start..sig_start + 16)
    }

    #[test]
    fn privacy_round_trip_both_directions() {
        let (mut c, mut s) =
            handshake(Secret::Password("Passw0rd!".into()), AuthLevel::Privacy).unwrap();
        for _ in 0..3 {
            let (mut p, sealed, sig) = pdu();
            let plain = p.clone();
            c.protect(&mut p, sealed.clone(), sig.clone()).unwrap();
            assert_ne!(
                p[sealed.clone()],
                plain[sealed.clone()],
                "privacy encrypts the stub"
            );
            assert_eq!(p[..24], plain[..24], "the header stays readable");
            s.unprotect(&mut p, sealed.clone(), sig.clone()).unwrap();
            assert_eq!(p[..sig.start], plain[..sig.start]);
            let (mut p, sealed, sig) = pdu();
            s.protect(&mut p, sealed.clone(), sig.clone()).unwrap();
            c.unprotect(&mut p, sealed, sig).unwrap();
        }
    }

    #[test]
    fn integrity_signs_but_does_not_encrypt_and_tampering_is_caught() {
        let (mut c, mut s) =
            handshake(Secret::Password("Passw0rd!".into()), AuthLevel::Integrity).unwrap();
        let (mut p, sealed, sig) = pdu();
        let plain = p.clone();
        c.protect(&mut p, sealed.clone(), sig.clone()).unwrap();
        assert_eq!(p[..sig.start], plain[..sig.start]);
        let mut tampered = p.clone();
        tampered[3] ^= 1; // a header byte: header signing must catch it
        assert!(matches!(
            s.unprotect(&mut tampered, sealed.clone(), sig.clone()),
            Err(SecurityError::BadSignature(_))
        ));
    }

    /// sspi's own per-message protection, as an independent implementation of MS-NLMP 3.4 to hold ours to.
    fn sspi_transform(
        ntlm: &mut Ntlm,
        pdu: &mut [u8],
        sealed: &Range<usize>,
        sig: &Range<usize>,
        level: AuthLevel,
        seal: bool,
    ) -> sspi::Result<()> {
        use sspi::{EncryptionFlags, SecurityBufferFlags, SecurityBufferRef};
        let [head, body, trailer, token] = split_pdu(pdu, sealed, sig, Some(16)).unwrap();
        let ro = SecurityBufferFlags::SECBUFFER_READONLY_WITH_CHECKSUM;
        let body_flags = if level == AuthLevel::Privacy {
            SecurityBufferFlags::NONE
        } else {
            ro
        };
        let mut buffers = [
            SecurityBufferRef::data_buf(head).with_flags(ro),
            SecurityBufferRef::data_buf(body).with_flags(body_flags),
            SecurityBufferRef::data_buf(trailer).with_flags(ro),
            SecurityBufferRef::token_buf(token),
        ];
        if seal {
            ntlm.encrypt_message(EncryptionFlags::empty(), &mut buffers)
                .map(|_| ())
        } else {
            ntlm.decrypt_message(&mut buffers).map(|_| ())
        }
    }

    /// Our session security against sspi's, both directions, several PDUs, both levels: sspi's client
    /// context keeps protecting after the handshake while our server session verifies and answers.
    #[test]
    fn session_security_interoperates_with_sspi() {
        for level in [AuthLevel::Integrity, AuthLevel::Privacy] {
            let creds = Credentials::new("alice", "EMU", Secret::Password("Passw0rd!".into()));
            let mut client = NtlmInitiator::new(&creds, level).unwrap();
            let mut server = NtlmAcceptor::new();
            let negotiate = client.negotiate().unwrap();
            let challenge = server.challenge(&negotiate).unwrap();
            let (authenticate, _) = client.step(Some(&challenge)).unwrap();
            let (_, mut ours) = server
                .authenticate(&authenticate, &OneAccount, level)
                .unwrap();
            for _ in 0..4 {
                let (mut p, sealed, sig) = pdu();
                let plain = p.clone();
                sspi_transform(&mut client.ntlm, &mut p, &sealed, &sig, level, true).unwrap();
                ours.unprotect(&mut p, sealed.clone(), sig.clone()).unwrap();
                assert_eq!(p[..sig.start], plain[..sig.start]);

                let (mut p, sealed, sig) = pdu();
                ours.protect(&mut p, sealed.clone(), sig.clone()).unwrap();
                sspi_transform(&mut client.ntlm, &mut p, &sealed, &sig, level, false).unwrap();
                assert_eq!(p[..sig.start], plain[..sig.start]);
            }
        }
    }

    #[test]
    fn pass_the_hash_authenticates() {
        let hash = super::super::nlmp::nt_hash("Passw0rd!");
        handshake(Secret::NtHash(hash), AuthLevel::Privacy).unwrap();
    }

    #[test]
    fn wrong_password_is_a_logon_failure() {
        let err = handshake(Secret::Password("wrong".into()), AuthLevel::Privacy)
            .err()
            .unwrap();
        assert!(matches!(err, SecurityError::LogonFailure(_)), "{err}");
        assert!(!err.to_string().contains("wrong\""));
    }
}
