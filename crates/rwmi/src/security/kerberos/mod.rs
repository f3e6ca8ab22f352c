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
pub mod spnego;

pub use acceptor::{
    ApRefusal, DEFAULT_MAX_SKEW, KerberosAcceptor, KerberosService, ServiceKey, kerberos_time,
    krb_error, unix_seconds,
};
pub use cached_tgt::CachedTgt;

use std::ops::Range;
use std::time::Duration;

use picky_krb::constants::key_usages::{ACCEPTOR_SIGN, INITIATOR_SIGN};
use picky_krb::crypto::{ChecksumSuite, CipherSuite};
use sspi::{
    AuthIdentity, BufferType, ClientRequestFlags, CredentialUse, CredentialsBuffers,
    DataRepresentation, EncryptionFlags, Kerberos, KerberosConfig, KeytabIdentity, SecurityBuffer,
    SecurityBufferFlags, SecurityBufferRef, Sspi, SspiImpl, Username,
};

use super::kdc::{KdcClient, KdcObservation, krb_error_code, krb_error_server_time};
use super::{AuthLevel, KerberosErrorCode, SecurityError, output_token, quietly, split_pdu};

/// Length of a MIC token with an HMAC-SHA1-96 checksum: 16 octets of header and 12 of checksum.
pub const MIC_TOKEN_LEN: usize = 28;
const MIC_HEADER_LEN: usize = 16;
const MIC_TOKEN_ID: [u8; 2] = [0x04, 0x04];
/// RFC 4121 4.2.2 flags.
const FLAG_SENT_BY_ACCEPTOR: u8 = 0x01;
const FLAG_SEALED: u8 = 0x02;
const FLAG_ACCEPTOR_SUBKEY: u8 = 0x04;

/// What proves the user's identity to the KDC.
#[derive(Clone, PartialEq, Eq)]
pub enum KerberosSecret {
    /// sspi derives the AES keys from it with the salt the KDC announces (RFC 3962).
    Password(String),
    /// A long-term AES key ("pass-the-key", Impacket's `-aesKey`, or a keytab's entry): 32 octets for
    /// aes256-cts-hmac-sha1-96, 16 for aes128-cts-hmac-sha1-96.
    AesKey(Vec<u8>),
    /// A TGT from a credential cache: no password or key at all, the KDC is only asked for the
    /// service ticket.
    CachedTgt(Box<CachedTgt>),
}

impl KerberosSecret {
    /// Parses an AES key written in hexadecimal (64 or 32 digits).
    pub fn aes_key_from_hex(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if !matches!(text.len(), 32 | 64) {
            return Err(format!(
                "an AES key is 32 or 64 hexadecimal digits, got {} characters",
                text.len()
            ));
        }
        let key = (0..text.len() / 2)
            .map(|i| {
                text.get(2 * i..2 * i + 2)
                    .and_then(|pair| u8::from_str_radix(pair, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| "the AES key has a character that is not hexadecimal".to_string())?;
        Ok(KerberosSecret::AesKey(key))
    }

    /// The aes256-cts-hmac-sha1-96 long-term key of `password` with `salt` (RFC 3962 string-to-key; AD's
    /// salt for a user is the upper-case realm followed by the account name, `TEST.LOCALAdministrator`).
    pub fn aes256_key_from_password(password: &str, salt: &str) -> Result<Self, SecurityError> {
        CipherSuite::Aes256CtsHmacSha196
            .cipher()
            .generate_key_from_password(password.as_bytes(), salt.as_bytes())
            .map(KerberosSecret::AesKey)
            .map_err(|e| SecurityError::Internal(format!("AES string-to-key: {e}")))
    }
}

impl std::fmt::Debug for KerberosSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KerberosSecret::Password(_) => f.write_str("Password(<redacted>)"),
            KerberosSecret::AesKey(_) => f.write_str("AesKey(<redacted>)"),
            KerberosSecret::CachedTgt(tgt) => write!(f, "CachedTgt({tgt:?})"),
        }
    }
}

/// How to obtain tickets and for which service.
#[derive(Clone, PartialEq, Eq)]
pub struct KerberosCredentials {
    /// The user's name without realm (`Administrator`).
    pub user: String,
    /// The realm (`TEST.LOCAL`); upper case is what AD and Samba use.
    pub realm: String,
    /// A password or a long-term AES key (sspi 0.23 reads no credential cache and no keytab file).
    pub secret: KerberosSecret,
    /// The KDC, reached over TCP.
    pub kdc: std::net::SocketAddr,
    /// The service principal of the target: `host/<fqdn>` or `RPCSS/<fqdn>` for DCOM.
    pub spn: String,
    /// Time-out for each KDC connection and answer.
    pub kdc_timeout: Duration,
}

impl KerberosCredentials {
    pub fn new(
        user: impl Into<String>,
        realm: impl Into<String>,
        password: impl Into<String>,
        kdc: std::net::SocketAddr,
        spn: impl Into<String>,
    ) -> Self {
        Self {
            user: user.into(),
            realm: realm.into(),
            secret: KerberosSecret::Password(password.into()),
            kdc,
            spn: spn.into(),
            kdc_timeout: Duration::from_secs(10),
        }
    }
}

impl std::fmt::Debug for KerberosCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KerberosCredentials")
            .field("user", &self.user)
            .field("realm", &self.realm)
            .field("secret", &self.secret)
            .field("kdc", &self.kdc)
            .field("spn", &self.spn)
            .finish()
    }
}

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

/// The client side: the AP-REQ for the bind, then the AP-REP for rpc_auth_3.
pub struct KerberosInitiator {
    kerberos: Kerberos,
    handle: Option<CredentialsBuffers>,
    kdc: KdcClient,
    spn: String,
    level: AuthLevel,
}

impl KerberosInitiator {
    pub fn new(credentials: &KerberosCredentials, level: AuthLevel) -> Result<Self, SecurityError> {
        if !credentials.spn.contains('/') {
            return Err(SecurityError::Internal(format!(
                "the service principal name {:?} has no service class (host/<fqdn>)",
                credentials.spn
            )));
        }
        let mut kdc = KdcClient::new(credentials.kdc, credentials.kdc_timeout);
        let config = KerberosConfig::new_with_kdc_url(
            &format!("tcp://{}", credentials.kdc),
            "rwmi".to_owned(),
        );
        let mut kerberos = Kerberos::new_client_from_config(config)
            .map_err(|e| sspi_error("Kerberos initiator", e))?;
        let realm = credentials.realm.to_uppercase();
        let username = Username::new(&credentials.user, Some(&realm))
            .map_err(|e| SecurityError::Internal(format!("user name: {e}")))?;
        let auth_data: sspi::Credentials = match &credentials.secret {
            KerberosSecret::Password(password) => AuthIdentity {
                username,
                password: password.clone().into(),
            }
            .into(),
            KerberosSecret::CachedTgt(tgt) => {
                let now = acceptor::unix_now();
                if !tgt.is_valid_at(now) {
                    return Err(SecurityError::Kerberos {
                        code: KerberosErrorCode::KRB_AP_ERR_TKT_EXPIRED,
                        message: format!(
                            "the cached TGT of {}@{} expired {} s ago: run kinit again",
                            tgt.client.join("/"),
                            tgt.client_realm,
                            now.saturating_sub(tgt.end_time)
                        ),
                    });
                }
                let key_enctype = tgt.cipher_suite().map_err(SecurityError::Internal)?;
                kdc = kdc.with_cached_tgt(std::sync::Arc::new((**tgt).clone()));
                KeytabIdentity {
                    principal: Username::new(&tgt.client.join("/"), Some(&tgt.client_realm))
                        .map_err(|e| SecurityError::Internal(format!("user name: {e}")))?,
                    key: tgt.carrier_key().into(),
                    key_enctype,
                }
                .into()
            }
            KerberosSecret::AesKey(key) => {
                let key_enctype = match key.len() {
                    32 => CipherSuite::Aes256CtsHmacSha196,
                    16 => CipherSuite::Aes128CtsHmacSha196,
                    n => {
                        return Err(SecurityError::Internal(format!(
                            "an AES key has 16 or 32 octets, not {n}"
                        )));
                    }
                };
                KeytabIdentity {
                    principal: username,
                    key: key.clone().into(),
                    key_enctype,
                }
                .into()
            }
        };
        let acquired = quietly(|| {
            kerberos
                .acquire_credentials_handle()
                .with_credential_use(CredentialUse::Outbound)
                .with_auth_data(&auth_data)
                .execute(&mut kerberos)
        })
        .map_err(|e| sspi_error("acquiring Kerberos credentials", e))?;
        Ok(Self {
            kerberos,
            handle: acquired.credentials_handle,
            kdc,
            spn: credentials.spn.clone(),
            level,
        })
    }

    /// The context flags, which reach the server as GSS flags in the authenticator checksum (RFC 4121
    /// 4.1.1.1). GSS_C_CONF_FLAG only at privacy: with it Samba sizes every auth_value as a Wrap token, also
    /// the MIC tokens of integrity, and faults the first response.
    fn flags(level: AuthLevel) -> ClientRequestFlags {
        let flags = ClientRequestFlags::ALLOCATE_MEMORY
            | ClientRequestFlags::USE_DCE_STYLE
            | ClientRequestFlags::MUTUAL_AUTH
            | ClientRequestFlags::INTEGRITY
            | ClientRequestFlags::SEQUENCE_DETECT
            | ClientRequestFlags::REPLAY_DETECT;
        if level == AuthLevel::Privacy {
            flags | ClientRequestFlags::CONFIDENTIALITY
        } else {
            flags
        }
    }

    fn step(&mut self, input: Option<&[u8]>) -> Result<Vec<u8>, SecurityError> {
        let mut output = vec![SecurityBuffer::new(Vec::new(), BufferType::Token)];
        let mut input_buffers = vec![SecurityBuffer::new(
            input.unwrap_or_default().to_vec(),
            BufferType::Token,
        )];
        let mut builder = self
            .kerberos
            .initialize_security_context()
            .with_credentials_handle(&mut self.handle)
            .with_context_requirements(Self::flags(self.level))
            .with_target_data_representation(DataRepresentation::Native)
            .with_target_name(&self.spn)
            .with_input(&mut input_buffers)
            .with_output(&mut output);
        let kdc = &self.kdc;
        let result = quietly(|| {
            self.kerberos
                .initialize_security_context_impl(&mut builder)
                .and_then(|mut g| g.resolve_with_client(kdc))
        });
        match result {
            Ok(_) => Ok(output_token(&mut output)),
            Err(e) => Err(self.explain(e)),
        }
    }

    /// Names a failure by what the KDC said last, which sspi only reports as text.
    fn explain(&self, e: sspi::Error) -> SecurityError {
        match self.kdc.last_observation() {
            Some(KdcObservation::Unreachable(message)) => SecurityError::KdcUnreachable {
                kdc: self.kdc.kdc(),
                message,
            },
            Some(KdcObservation::KrbError(code)) => {
                // sspi appends e-data as a hex dump: useless to a reader.
                let text = e.description.as_str();
                let text = text
                    .split_once(". Additional error data")
                    .map_or(text, |(head, _)| head);
                SecurityError::Kerberos {
                    code: KerberosErrorCode(code),
                    message: format!("the KDC refused: {text}"),
                }
            }
            None => sspi_error("Kerberos initiator", e),
        }
    }

    /// The KDC this initiator asks for tickets.
    pub fn kdc(&self) -> std::net::SocketAddr {
        self.kdc.kdc()
    }

    /// Gets a TGT and a service ticket from the KDC (blocking network I/O) and gives the AP-REQ for the bind.
    pub fn ap_req(&mut self) -> Result<Vec<u8>, SecurityError> {
        self.step(None)
    }

    /// Consumes the server's AP-REP from the bind_ack and gives the client's AP-REP for rpc_auth_3 together
    /// with the established session. `header_signing` is whether the bind_ack echoed PFC_SUPPORT_HEADER_SIGN.
    pub fn complete(
        mut self,
        ap_rep: &[u8],
        header_signing: bool,
    ) -> Result<(Vec<u8>, KerberosSession), SecurityError> {
        if let Some(code) = krb_error_code(ap_rep) {
            let mut message = "the server refused the AP-REQ".to_string();
            // RFC 4120 5.9.1: stime is the server's clock; with a skew, say by how much.
            if KerberosErrorCode(code) == KerberosErrorCode::KRB_AP_ERR_SKEW
                && let Some(server) = krb_error_server_time(ap_rep)
            {
                let local = acceptor::unix_now();
                let ahead = server.saturating_sub(local);
                message.push_str(&format!(
                    "; the server's clock is {} s {} this machine's",
                    ahead.saturating_abs(),
                    if ahead >= 0 { "ahead of" } else { "behind" }
                ));
            }
            return Err(SecurityError::Kerberos {
                code: KerberosErrorCode(code),
                message,
            });
        }
        let token = self.step(Some(ap_rep))?;
        let session = KerberosSession::established(self.kerberos, self.level, header_signing)?;
        Ok((token, session))
    }
}

/// An established Kerberos context: signs, seals, verifies and unseals PDUs.
pub struct KerberosSession {
    kerberos: Kerberos,
    level: AuthLevel,
    header_signing: bool,
    /// The context key (the acceptor's subkey), for MIC tokens.
    key: Vec<u8>,
    checksum: ChecksumSuite,
    signature_len: usize,
    /// The sequence number of the peer's last verified token: each next one must be one more.
    peer_seq: Option<u64>,
    /// Which side of the context this is: the flags and key usages of MIC tokens depend on it.
    acceptor: bool,
}

impl std::fmt::Debug for KerberosSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KerberosSession")
            .field("level", &self.level)
            .field("header_signing", &self.header_signing)
            .finish_non_exhaustive()
    }
}

impl KerberosSession {
    /// Wraps an sspi context that has finished its handshake (either side).
    fn established(
        kerberos: Kerberos,
        level: AuthLevel,
        header_signing: bool,
    ) -> Result<Self, SecurityError> {
        let mut kerberos = kerberos;
        let key = quietly(|| kerberos.query_context_session_key())
            .map_err(|e| sspi_error("Kerberos session key", e))?
            .session_key
            .as_ref()
            .to_vec();
        let checksum = match key.len() {
            32 => ChecksumSuite::HmacSha196Aes256,
            16 => ChecksumSuite::HmacSha196Aes128,
            n => {
                return Err(SecurityError::Internal(format!(
                    "a {n}-octet Kerberos session key: only AES contexts are supported"
                )));
            }
        };
        let signature_len = if level == AuthLevel::Privacy {
            usize::try_from(
                quietly(|| kerberos.query_context_sizes())
                    .map_err(|e| sspi_error("Kerberos context sizes", e))?
                    .security_trailer,
            )
            .unwrap_or(usize::MAX)
        } else {
            MIC_TOKEN_LEN
        };
        let acceptor = !kerberos.is_client();
        Ok(KerberosSession {
            kerberos,
            level,
            header_signing,
            key,
            checksum,
            signature_len,
            peer_seq: None,
            acceptor,
        })
    }

    /// A session over a fixed AES-256 key for tests of the MIC paths, which need no sspi handshake.
    #[cfg(test)]
    pub(crate) fn with_test_key(level: AuthLevel, acceptor: bool) -> Self {
        let config = KerberosConfig::new_with_kdc_url("tcp://127.0.0.1:88", "rwmi".into());
        KerberosSession {
            kerberos: Kerberos::new_client_from_config(config).expect("an sspi Kerberos context"),
            level,
            header_signing: false,
            key: (0u8..32).collect(),
            checksum: ChecksumSuite::HmacSha196Aes256,
            signature_len: MIC_TOKEN_LEN,
            peer_seq: None,
            acceptor,
        }
    }

    /// The flags of our MIC tokens, and the key usages of ours and of the peer's (RFC 4121 2 and 4.2.2).
    fn mic_roles(&self) -> (u8, i32, i32) {
        if self.acceptor {
            (
                FLAG_SENT_BY_ACCEPTOR | FLAG_ACCEPTOR_SUBKEY,
                ACCEPTOR_SIGN,
                INITIATOR_SIGN,
            )
        } else {
            (FLAG_ACCEPTOR_SUBKEY, INITIATOR_SIGN, ACCEPTOR_SIGN)
        }
    }

    pub fn level(&self) -> AuthLevel {
        self.level
    }

    pub fn header_signing(&self) -> bool {
        self.header_signing
    }

    pub fn signature_len(&self) -> usize {
        self.signature_len
    }

    fn mic(
        &self,
        flags: u8,
        seq: u64,
        signed: &[&[u8]],
        usage: i32,
    ) -> Result<Vec<u8>, SecurityError> {
        let mut header = [0u8; MIC_HEADER_LEN];
        header[..2].copy_from_slice(&MIC_TOKEN_ID);
        header[2] = flags;
        header[3..8].fill(0xff);
        header[8..].copy_from_slice(&seq.to_be_bytes());
        // RFC 4121 4.2.4: the checksum covers the data followed by the token header.
        let mut data: Vec<u8> = signed.concat();
        data.extend_from_slice(&header);
        let checksum = self
            .checksum
            .hasher()
            .checksum(&self.key, usage, &data)
            .map_err(|e| SecurityError::Internal(format!("MIC checksum: {e}")))?;
        let mut token = header.to_vec();
        token.extend_from_slice(&checksum);
        Ok(token)
    }

    fn accept_peer_seq(&mut self, seq: u64) -> Result<(), SecurityError> {
        if let Some(last) = self.peer_seq
            && Some(seq) != last.checked_add(1)
        {
            return Err(SecurityError::BadSignature(format!(
                "token sequence number {seq} after {last}: replayed or out of order"
            )));
        }
        self.peer_seq = Some(seq);
        Ok(())
    }

    /// A MIC token (RFC 4121 4.2.6.1) over `data` under the next sequence number of ours: SPNEGO's
    /// mechListMIC (RFC 4178 5). It takes a number from the same counter as the PDUs' tokens, as the peer
    /// counts it.
    pub fn sign(&mut self, data: &[u8]) -> Result<Vec<u8>, SecurityError> {
        self.sign_parts(&[data])
    }

    /// Verifies the peer's MIC token over `data`, whose sequence number must follow the peer's last.
    pub fn verify(&mut self, data: &[u8], token: &[u8]) -> Result<(), SecurityError> {
        self.verify_parts(&[data], token)
    }

    fn sign_parts(&mut self, signed: &[&[u8]]) -> Result<Vec<u8>, SecurityError> {
        let seq = u64::from(self.kerberos.next_seq_number());
        let (flags, usage, _) = self.mic_roles();
        self.mic(flags, seq, signed, usage)
    }

    fn verify_parts(&mut self, signed: &[&[u8]], token: &[u8]) -> Result<(), SecurityError> {
        let (header, checksum) = token
            .split_first_chunk::<MIC_HEADER_LEN>()
            .ok_or_else(|| SecurityError::BadSignature("MIC token too short".into()))?;
        let flags = header[2];
        let (_, _, peer_usage) = self.mic_roles();
        let from_peer = (flags & FLAG_SENT_BY_ACCEPTOR != 0) != self.acceptor;
        let well_formed = header[..2] == MIC_TOKEN_ID
            && header[3..8] == [0xff; 5]
            && from_peer
            && flags & FLAG_SEALED == 0;
        if !well_formed {
            return Err(SecurityError::BadSignature(
                "not a MIC token from the peer".into(),
            ));
        }
        let mut seq_bytes = [0u8; 8];
        seq_bytes.copy_from_slice(&header[8..16]);
        let seq = u64::from_be_bytes(seq_bytes);
        let expected = self.mic(flags, seq, signed, peer_usage)?;
        if expected.get(MIC_HEADER_LEN..) != Some(checksum) {
            return Err(SecurityError::BadSignature(
                "the MIC token does not verify".into(),
            ));
        }
        self.accept_peer_seq(seq)
    }

    /// Signs `pdu` and at privacy encrypts `sealed` in place; the auth_value is `signature`.
    pub fn protect(
        &mut self,
        pdu: &mut [u8],
        sealed: Range<usize>,
        signature: Range<usize>,
    ) -> Result<(), SecurityError> {
        if signature.len() != self.signature_len {
            return Err(SecurityError::Internal(format!(
                "auth_value of {} octets, the context makes {}",
                signature.len(),
                self.signature_len
            )));
        }
        let header_signing = self.header_signing;
        let [head, body, trailer, token] = split_pdu(pdu, &sealed, &signature, None)?;
        match self.level {
            AuthLevel::Privacy => {
                let ro = SecurityBufferFlags::SECBUFFER_READONLY_WITH_CHECKSUM;
                let mut buffers = Vec::with_capacity(4);
                if header_signing {
                    buffers.push(SecurityBufferRef::data_buf(head).with_flags(ro));
                }
                buffers.push(SecurityBufferRef::data_buf(body));
                if header_signing {
                    buffers.push(SecurityBufferRef::data_buf(trailer).with_flags(ro));
                }
                buffers.push(SecurityBufferRef::token_buf(token));
                quietly(|| {
                    self.kerberos
                        .encrypt_message(EncryptionFlags::empty(), &mut buffers)
                })
                .map_err(|e| sspi_error("sealing a PDU", e))?;
            }
            AuthLevel::Integrity => {
                let signed: Vec<&[u8]> = if header_signing {
                    vec![head, body, trailer]
                } else {
                    vec![body]
                };
                let mic = self.sign_parts(&signed)?;
                token.copy_from_slice(&mic);
            }
            AuthLevel::Connect => {
                return Err(SecurityError::Internal(
                    "connect level does not protect PDUs".into(),
                ));
            }
        }
        Ok(())
    }

    /// Verifies a received PDU and at privacy decrypts `sealed` in place. Any failure is an error: the caller
    /// must end the association.
    pub fn unprotect(
        &mut self,
        pdu: &mut [u8],
        sealed: Range<usize>,
        signature: Range<usize>,
    ) -> Result<(), SecurityError> {
        let header_signing = self.header_signing;
        let [head, body, trailer, token] = split_pdu(pdu, &sealed, &signature, None)?;
        match self.level {
            AuthLevel::Privacy => {
                // The Wrap token header is in the clear: SND_SEQ at octets 8..16.
                let seq = token
                    .get(8..16)
                    .and_then(|s| <[u8; 8]>::try_from(s).ok())
                    .map(u64::from_be_bytes)
                    .ok_or_else(|| SecurityError::BadSignature("Wrap token too short".into()))?;
                let ro = SecurityBufferFlags::SECBUFFER_READONLY_WITH_CHECKSUM;
                let mut buffers = Vec::with_capacity(4);
                if header_signing {
                    buffers.push(SecurityBufferRef::data_buf(head).with_flags(ro));
                }
                buffers.push(SecurityBufferRef::data_buf(body));
                if header_signing {
                    buffers.push(SecurityBufferRef::data_buf(trailer).with_flags(ro));
                }
                buffers.push(SecurityBufferRef::token_buf(token));
                quietly(|| self.kerberos.decrypt_message(&mut buffers)).map_err(|e| {
                    match sspi_error("unsealing a PDU", e) {
                        SecurityError::Internal(m) | SecurityError::BadToken(m) => {
                            SecurityError::BadSignature(m)
                        }
                        other => other,
                    }
                })?;
                self.accept_peer_seq(seq)
            }
            AuthLevel::Integrity => {
                let signed: Vec<&[u8]> = if header_signing {
                    vec![head, body, trailer]
                } else {
                    vec![body]
                };
                self.verify_parts(&signed, token)
            }
            AuthLevel::Connect => Err(SecurityError::Internal(
                "connect level does not protect PDUs".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A session over a fixed AES-256 key, as `complete` leaves it, but without a KDC: enough for the MIC
    /// path, which does not need an established sspi context.
    fn session(level: AuthLevel, header_signing: bool) -> KerberosSession {
        KerberosSession {
            header_signing,
            ..KerberosSession::with_test_key(level, false)
        }
    }

    /// header | stub and padding | sec_trailer | zeroed auth_value.
    fn pdu() -> (Vec<u8>, Range<usize>, Range<usize>) {
        let mut pdu = b"HEADER--------24stub data of the call!!\0pad\0TRAILER!".to_vec();
        let sealed = 24..44;
        let start = pdu.len();
        pdu.extend_from_slice(&[0; MIC_TOKEN_LEN]);
        (pdu, sealed, start..start + MIC_TOKEN_LEN)
    }

    /// Signs `pdu` as the acceptor would (RFC 4121 4.2.6.1, ACCEPTOR_SIGN, SentByAcceptor).
    fn sign_as_acceptor(
        s: &KerberosSession,
        pdu: &mut [u8],
        sealed: &Range<usize>,
        sig: &Range<usize>,
        seq: u64,
    ) {
        let signed: Vec<u8> = if s.header_signing {
            pdu[..sig.start].to_vec()
        } else {
            pdu[sealed.clone()].to_vec()
        };
        let flags = FLAG_SENT_BY_ACCEPTOR | FLAG_ACCEPTOR_SUBKEY;
        let mic = s.mic(flags, seq, &[&signed], ACCEPTOR_SIGN).unwrap();
        pdu[sig.clone()].copy_from_slice(&mic);
    }

    #[test]
    fn integrity_makes_an_initiator_mic_token_over_the_whole_pdu() {
        let mut s = session(AuthLevel::Integrity, true);
        let (mut p, sealed, sig) = pdu();
        let plain = p.clone();
        s.protect(&mut p, sealed.clone(), sig.clone()).unwrap();
        assert_eq!(
            p[..sig.start],
            plain[..sig.start],
            "integrity does not encrypt"
        );
        let token = &p[sig.clone()];
        assert_eq!(token[..2], MIC_TOKEN_ID);
        assert_eq!(token[2], FLAG_ACCEPTOR_SUBKEY, "initiator, not sealed");
        assert_eq!(token[3..8], [0xff; 5]);
        // The checksum is HMAC-SHA1-96 over data | token header with the initiator's signing usage.
        let seq = u64::from_be_bytes(token[8..16].try_into().unwrap());
        let expected = s
            .mic(
                FLAG_ACCEPTOR_SUBKEY,
                seq,
                &[&plain[..sig.start]],
                INITIATOR_SIGN,
            )
            .unwrap();
        assert_eq!(token, &expected[..]);
        // The next PDU takes the next sequence number.
        let (mut q, sealed, sig) = pdu();
        s.protect(&mut q, sealed, sig.clone()).unwrap();
        let next = u64::from_be_bytes(q[sig.start + 8..sig.start + 16].try_into().unwrap());
        assert_eq!(next, (seq + 1) & 0xffff_ffff);
    }

    #[test]
    fn without_header_signing_only_the_stub_is_signed() {
        let mut s = session(AuthLevel::Integrity, false);
        let (mut p, sealed, sig) = pdu();
        sign_as_acceptor(&s, &mut p, &sealed, &sig, 7);
        let mut header_changed = p.clone();
        header_changed[3] ^= 1;
        s.unprotect(&mut header_changed, sealed.clone(), sig.clone())
            .unwrap();
        let mut s = session(AuthLevel::Integrity, false);
        let mut stub_changed = p.clone();
        stub_changed[sealed.start] ^= 1;
        assert!(matches!(
            s.unprotect(&mut stub_changed, sealed, sig),
            Err(SecurityError::BadSignature(_))
        ));
    }

    #[test]
    fn with_header_signing_a_changed_header_or_trailer_is_caught() {
        let (p, sealed, sig) = pdu();
        for at in [3, sealed.start, sig.start - 2] {
            let mut s = session(AuthLevel::Integrity, true);
            let mut signed = p.clone();
            sign_as_acceptor(&s, &mut signed, &sealed, &sig, 1);
            let mut ok = signed.clone();
            s.unprotect(&mut ok, sealed.clone(), sig.clone()).unwrap();
            let mut s = session(AuthLevel::Integrity, true);
            signed[at] ^= 0x80;
            assert!(
                matches!(
                    s.unprotect(&mut signed, sealed.clone(), sig.clone()),
                    Err(SecurityError::BadSignature(_))
                ),
                "byte {at}"
            );
        }
    }

    #[test]
    fn replayed_or_reordered_tokens_are_refused() {
        let mut s = session(AuthLevel::Integrity, true);
        let (p, sealed, sig) = pdu();
        let signed = |seq| {
            let mut q = p.clone();
            sign_as_acceptor(&s, &mut q, &sealed, &sig, seq);
            q
        };
        let (first, second, skipped) = (signed(100), signed(101), signed(103));
        s.unprotect(&mut first.clone(), sealed.clone(), sig.clone())
            .unwrap();
        s.unprotect(&mut second.clone(), sealed.clone(), sig.clone())
            .unwrap();
        for mut bad in [second, first, skipped] {
            assert!(matches!(
                s.unprotect(&mut bad, sealed.clone(), sig.clone()),
                Err(SecurityError::BadSignature(_))
            ));
        }
    }

    #[test]
    fn our_own_tokens_and_malformed_tokens_are_refused() {
        let (p, sealed, sig) = pdu();
        // An initiator token reflected back: SentByAcceptor is clear.
        let mut reflected = p.clone();
        session(AuthLevel::Integrity, true)
            .protect(&mut reflected, sealed.clone(), sig.clone())
            .unwrap();
        let mut s = session(AuthLevel::Integrity, true);
        assert!(
            s.unprotect(&mut reflected, sealed.clone(), sig.clone())
                .is_err()
        );
        // Wrong token id, filler, a Sealed flag.
        let mut good = p.clone();
        sign_as_acceptor(&s, &mut good, &sealed, &sig, 5);
        for (offset, value) in [(0, 0x05), (4, 0x00), (2, 0x07)] {
            let mut bad = good.clone();
            bad[sig.start + offset] = value;
            assert!(s.unprotect(&mut bad, sealed.clone(), sig.clone()).is_err());
        }
        // Truncated auth_values of every length.
        for cut in 0..MIC_TOKEN_LEN {
            let mut short = good[..sig.start + cut].to_vec();
            let end = short.len();
            assert!(
                s.unprotect(&mut short, sealed.clone(), sig.start..end)
                    .is_err(),
                "auth_value of {cut} octets"
            );
        }
    }

    #[test]
    fn mech_list_mics_verify_across_the_roles_and_catch_a_changed_list() {
        let mut client = KerberosSession::with_test_key(AuthLevel::Privacy, false);
        let mut server = KerberosSession::with_test_key(AuthLevel::Privacy, true);
        let mech_types = spnego::offered_mech_types();
        let ours = client.sign(&mech_types).unwrap();
        assert_eq!(ours.len(), MIC_TOKEN_LEN);
        assert!(client.verify(&mech_types, &ours).is_err(), "our own MIC");
        // A list with the first OID removed: what a downgrade would leave.
        let mut fewer = mech_types.clone();
        fewer.drain(2..13);
        fewer[1] -= 11;
        assert!(server.verify(&fewer, &ours).is_err(), "another list");
        let mut tampered = ours.clone();
        tampered[20] ^= 1;
        assert!(server.verify(&mech_types, &tampered).is_err());
        server.verify(&mech_types, &ours).unwrap();
        assert!(server.verify(&mech_types, &ours).is_err(), "a replay");
        let theirs = server.sign(&mech_types).unwrap();
        client.verify(&mech_types, &theirs).unwrap();
        assert!(client.verify(&mech_types, &theirs[..20]).is_err());
    }

    #[test]
    fn ranges_that_do_not_fit_are_errors_not_panics() {
        let mut s = session(AuthLevel::Integrity, true);
        let (mut p, sealed, sig) = pdu();
        let len = p.len();
        assert!(s.protect(&mut p, sealed.clone(), 10..len).is_err());
        assert!(
            s.unprotect(&mut p, Range { start: 30, end: 20 }, sig.clone())
                .is_err()
        );
        assert!(
            s.unprotect(&mut p, sealed.clone(), sig.start..len + 4)
                .is_err()
        );
        assert!(s.unprotect(&mut p, 0..len, sig).is_err());
    }

    #[test]
    fn credentials_never_show_the_password() {
        let c = KerberosCredentials::new(
            "alice",
            "TEST.LOCAL",
            "Hunter2Secret",
            "127.0.0.1:88".parse().unwrap(),
            "host/dc1.test.local",
        );
        assert!(!format!("{c:?}").contains("Hunter2Secret"));
    }

    #[test]
    fn a_bad_key_length_or_a_spn_without_service_class_is_refused_up_front() {
        let kdc = "127.0.0.1:88".parse().unwrap();
        let mut c = KerberosCredentials::new("alice", "TEST.LOCAL", "pw", kdc, "dc1.test.local");
        assert!(KerberosInitiator::new(&c, AuthLevel::Privacy).is_err());
        c.spn = "host/dc1.test.local".into();
        c.secret = KerberosSecret::AesKey(vec![0; 20]);
        assert!(KerberosInitiator::new(&c, AuthLevel::Privacy).is_err());
        c.secret = KerberosSecret::AesKey(vec![0; 32]);
        assert!(KerberosInitiator::new(&c, AuthLevel::Privacy).is_ok());
    }

    /// RFC 3962 appendix B: aes256 string-to-key of "password" with salt "ATHENA.MIT.EDUraeburn" at 4096
    /// iterations (the default count).
    #[test]
    fn aes256_string_to_key_matches_rfc_3962() {
        let KerberosSecret::AesKey(key) =
            KerberosSecret::aes256_key_from_password("password", "ATHENA.MIT.EDUraeburn").unwrap()
        else {
            unreachable!()
        };
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "01b897121d933ab44b47eb5494db15e50eb74530dbdae9b634d65020ff5d88c1"
        );
    }

    #[test]
    fn aes_keys_parse_from_hex_and_never_show() {
        let k = KerberosSecret::aes_key_from_hex(&"0a".repeat(32)).unwrap();
        assert_eq!(k, KerberosSecret::AesKey(vec![0x0a; 32]));
        assert!(!format!("{k:?}").contains("10"));
        assert!(KerberosSecret::aes_key_from_hex(&"0a".repeat(16)).is_ok());
        assert!(KerberosSecret::aes_key_from_hex("abc").is_err());
        assert!(KerberosSecret::aes_key_from_hex(&"zz".repeat(32)).is_err());
        assert!(KerberosSecret::aes_key_from_hex(&"é".repeat(16)).is_err());
    }

    #[test]
    fn a_krb_error_in_place_of_the_ap_rep_is_typed() {
        let kdc = "127.0.0.1:9".parse().unwrap();
        let c = KerberosCredentials::new("alice", "TEST.LOCAL", "pw", kdc, "host/x.test.local");
        let initiator = KerberosInitiator::new(&c, AuthLevel::Privacy).unwrap();
        let skew = super::super::kdc::encoded_krb_error(37);
        let err = initiator.complete(&skew, true).unwrap_err();
        assert_eq!(
            err.kerberos_code(),
            Some(KerberosErrorCode::KRB_AP_ERR_SKEW)
        );
        assert!(err.to_string().contains("clocks"), "{err}");
        assert!(!err.is_logon_failure());
        // Anything else before the AP-REQ was made is an error, not a panic.
        let initiator = KerberosInitiator::new(&c, AuthLevel::Privacy).unwrap();
        assert!(initiator.complete(&[0x6f, 0x03, 0x02, 0x01], true).is_err());
    }
}
