//! An established Kerberos context, either side (MS-RPCE 3.3.1.5.2.2, MS-KILE 3.4.5.4 and 3.4.5.6):
//! Wrap tokens at privacy through sspi, our own MIC tokens at integrity and for SPNEGO's mechListMIC,
//! and the peer's sequence numbers.

use std::ops::Range;

use picky_krb::constants::key_usages::{ACCEPTOR_SIGN, INITIATOR_SIGN};
use picky_krb::crypto::ChecksumSuite;
use sspi::{EncryptionFlags, Kerberos, SecurityBufferFlags, SecurityBufferRef, Sspi};

use super::sspi_error;
use crate::security::{AuthLevel, SecurityError, quietly, split_pdu};

/// Length of a MIC token with an HMAC-SHA1-96 checksum: 16 octets of header and 12 of checksum.
pub const MIC_TOKEN_LEN: usize = 28;
const MIC_HEADER_LEN: usize = 16;
const MIC_TOKEN_ID: [u8; 2] = [0x04, 0x04];
/// RFC 4121 4.2.2 flags.
const FLAG_SENT_BY_ACCEPTOR: u8 = 0x01;
const FLAG_SEALED: u8 = 0x02;
const FLAG_ACCEPTOR_SUBKEY: u8 = 0x04;

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
    pub(super) fn established(
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
        let config = sspi::KerberosConfig::new_with_kdc_url("tcp://127.0.0.1:88", "rwmi".into());
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
                let mut buffers = wrap_buffers(header_signing, [head, body, trailer, token]);
                quietly(|| {
                    self.kerberos
                        .encrypt_message(EncryptionFlags::empty(), &mut buffers)
                })
                .map_err(|e| sspi_error("sealing a PDU", e))?;
            }
            AuthLevel::Integrity => {
                let signed = mic_parts(header_signing, head, body, trailer);
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
                let mut buffers = wrap_buffers(header_signing, [head, body, trailer, token]);
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
                let signed = mic_parts(header_signing, head, body, trailer);
                self.verify_parts(&signed, token)
            }
            AuthLevel::Connect => Err(SecurityError::Internal(
                "connect level does not protect PDUs".into(),
            )),
        }
    }
}

/// The sspi buffers of a DCE-style Wrap token over a PDU's regions: the stub sealed, the header and
/// sec_trailer only signed and only with header signing (MS-RPCE 3.3.1.5.2.2).
fn wrap_buffers(header_signing: bool, regions: [&mut [u8]; 4]) -> Vec<SecurityBufferRef<'_>> {
    let [head, body, trailer, token] = regions;
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
    buffers
}

/// What a MIC token of a PDU covers: the whole PDU but the auth_value with header signing, else the stub.
fn mic_parts<'a>(
    header_signing: bool,
    head: &'a [u8],
    body: &'a [u8],
    trailer: &'a [u8],
) -> Vec<&'a [u8]> {
    if header_signing {
        vec![head, body, trailer]
    } else {
        vec![body]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::kerberos::spnego;

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
}
