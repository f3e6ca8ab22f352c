//! NTLM session security (MS-NLMP 3.4) in connection-oriented mode, computed here rather than by sspi.
//!
//! sspi makes the handshake; its exported session key and the AUTHENTICATE message's flags key this. Doing
//! the per-PDU work ourselves lets a PDU be signed and sealed in place, in one pass per region, with the
//! HMAC key schedule and RC4 state set up once per association: sspi allocated and re-keyed per message,
//! about a tenth of a polling fleet's CPU.
//!
//! Only extended session security with 128-bit keys is accepted: without it NTLM falls back to CRC32
//! checksums and 40- or 56-bit RC4 keys (MS-NLMP 3.4.4.1, 3.4.5.3), which protect nothing today, and no
//! Windows since Vista negotiates them unless its policy is weakened.

use hmac::Mac;
use md5::{Digest, Md5};

use super::super::SecurityError;
use super::super::nlmp::{HmacMd5, keyed_hmac_md5};
use super::rc4::Rc4;

/// Length of an NTLMSSP_MESSAGE_SIGNATURE (MS-NLMP 2.2.2.9.1).
pub(crate) const SIGNATURE_LEN: usize = 16;

// MS-NLMP 2.2.2.5 NegotiateFlags.
pub(crate) const NEGOTIATE_SIGN: u32 = 0x0000_0010;
pub(crate) const NEGOTIATE_SEAL: u32 = 0x0000_0020;
pub(crate) const NEGOTIATE_EXTENDED_SESSIONSECURITY: u32 = 0x0008_0000;
pub(crate) const NEGOTIATE_128: u32 = 0x2000_0000;
pub(crate) const NEGOTIATE_KEY_EXCH: u32 = 0x4000_0000;

/// Which end of the association this is: it picks the keys for each direction (MS-NLMP 3.4.5.2, 3.4.5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Client,
    Server,
}

/// The signing and sealing state of an established NTLM context: one direction out, one in.
pub(crate) struct SessionSecurity {
    outbound: Direction,
    inbound: Direction,
    /// With NTLMSSP_NEGOTIATE_KEY_EXCH the checksum is encrypted with the sealing key (MS-NLMP 3.4.4.2).
    encrypt_checksum: bool,
}

/// One direction's keys and counters (MS-NLMP 3.4.1: ClientHandle/ServerHandle and the sequence number).
struct Direction {
    /// HMAC_MD5 keyed with the direction's SIGNKEY; cloned per message so the key is hashed only once.
    mac: HmacMd5,
    /// The RC4 key state of the direction's SEALKEY, carried across messages (connection-oriented mode).
    rc4: Rc4,
    seq: u32,
}

impl Direction {
    fn new(exported_session_key: &[u8; 16], sender: Side) -> Self {
        let (sign_magic, seal_magic): (&[u8], &[u8]) = match sender {
            Side::Client => (
                b"session key to client-to-server signing key magic constant\0",
                b"session key to client-to-server sealing key magic constant\0",
            ),
            Side::Server => (
                b"session key to server-to-client signing key magic constant\0",
                b"session key to server-to-client sealing key magic constant\0",
            ),
        };
        let sign_key = derive_key(exported_session_key, sign_magic);
        let seal_key = derive_key(exported_session_key, seal_magic);
        Self {
            mac: keyed_hmac_md5(&sign_key),
            rc4: Rc4::new(&seal_key),
            seq: 0,
        }
    }

    /// HMAC_MD5(SigningKey, SeqNum || message)[0..8] over the plaintext regions in order (MS-NLMP 3.4.4.2).
    fn checksum(&self, regions: &[&[u8]]) -> [u8; 8] {
        let mut mac = self.mac.clone();
        mac.update(&self.seq.to_le_bytes());
        for region in regions {
            mac.update(region);
        }
        let full = mac.finalize().into_bytes();
        let mut checksum = [0u8; 8];
        for (c, f) in checksum.iter_mut().zip(full.iter()) {
            *c = *f;
        }
        checksum
    }
}

/// MS-NLMP 3.4.5.2 SIGNKEY and 3.4.5.3 SEALKEY with extended session security and 128-bit keys:
/// MD5(ExportedSessionKey || magic constant).
fn derive_key(exported_session_key: &[u8; 16], magic: &[u8]) -> [u8; 16] {
    let mut md5 = Md5::new();
    md5.update(exported_session_key);
    md5.update(magic);
    md5.finalize().into()
}

impl SessionSecurity {
    /// Keys the context from the exported session key and the flags of the AUTHENTICATE message (the
    /// final, negotiated set). `confidentiality` says whether PDUs will be sealed, which needs
    /// NTLMSSP_NEGOTIATE_SEAL; signing always needs NTLMSSP_NEGOTIATE_SIGN.
    pub(crate) fn new(
        exported_session_key: &[u8],
        negotiate_flags: u32,
        side: Side,
        confidentiality: bool,
    ) -> Result<Self, SecurityError> {
        let key: &[u8; 16] = exported_session_key.try_into().map_err(|_| {
            SecurityError::Internal(format!(
                "NTLM exported session key of {} octets, expected 16",
                exported_session_key.len()
            ))
        })?;
        let missing = |flag: &str, why: &str| {
            Err(SecurityError::BadToken(format!(
                "NTLM negotiated without {flag} (flags {negotiate_flags:#010x}): {why}"
            )))
        };
        if negotiate_flags & NEGOTIATE_EXTENDED_SESSIONSECURITY == 0 {
            return missing(
                "extended session security",
                "rwmi refuses NTLMv1 session security (CRC32 checksums)",
            );
        }
        if negotiate_flags & NEGOTIATE_128 == 0 {
            return missing("128-bit keys", "rwmi refuses 40- and 56-bit sealing keys");
        }
        if negotiate_flags & NEGOTIATE_SIGN == 0 {
            return missing("signing", "the authentication level asks for signed PDUs");
        }
        if confidentiality && negotiate_flags & NEGOTIATE_SEAL == 0 {
            return missing("sealing", "packet privacy asks for encrypted PDUs");
        }
        let (outbound, inbound) = match side {
            Side::Client => (Side::Client, Side::Server),
            Side::Server => (Side::Server, Side::Client),
        };
        Ok(Self {
            outbound: Direction::new(key, outbound),
            inbound: Direction::new(key, inbound),
            encrypt_checksum: negotiate_flags & NEGOTIATE_KEY_EXCH != 0,
        })
    }

    /// MS-NLMP 3.4.3 SEAL: the signature is over `before`, the plaintext of `sealed` and `after`, in that
    /// order; `sealed` is encrypted in place.
    pub(crate) fn seal(
        &mut self,
        before: &[u8],
        sealed: &mut [u8],
        after: &[u8],
    ) -> [u8; SIGNATURE_LEN] {
        let checksum = self.outbound.checksum(&[before, sealed, after]);
        // The message's keystream comes first, then the checksum's (SEAL, then MAC, on one handle).
        self.outbound.rc4.apply(sealed);
        self.finish_signature(checksum)
    }

    /// MS-NLMP 3.4.2 SIGN: the signature over `regions`, in order; nothing is encrypted.
    pub(crate) fn sign(&mut self, regions: &[&[u8]]) -> [u8; SIGNATURE_LEN] {
        let checksum = self.outbound.checksum(regions);
        self.finish_signature(checksum)
    }

    fn finish_signature(&mut self, mut checksum: [u8; 8]) -> [u8; SIGNATURE_LEN] {
        let out = &mut self.outbound;
        if self.encrypt_checksum {
            out.rc4.apply(&mut checksum);
        }
        let signature = message_signature(&checksum, out.seq);
        out.seq = out.seq.wrapping_add(1);
        signature
    }

    /// The receiving side of [`Self::seal`]: decrypts `sealed` in place and verifies `signature` against the
    /// plaintext and the expected sequence number. On an error the PDU must be discarded and the
    /// association ended; nothing in it may be used.
    pub(crate) fn unseal(
        &mut self,
        before: &[u8],
        sealed: &mut [u8],
        after: &[u8],
        signature: &[u8],
    ) -> Result<(), SecurityError> {
        let signature = signature_fields(signature)?;
        let mut rc4 = self.inbound.rc4.clone();
        rc4.apply(sealed);
        self.check(rc4, signature, &[before, sealed, after])
    }

    /// The receiving side of [`Self::sign`].
    pub(crate) fn verify(
        &mut self,
        regions: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), SecurityError> {
        let signature = signature_fields(signature)?;
        let rc4 = self.inbound.rc4.clone();
        self.check(rc4, signature, regions)
    }

    /// Verifies a received signature with `rc4`, the inbound key state advanced past the message; the
    /// state and the sequence number are kept only when the PDU verifies, so a refused PDU changes nothing.
    fn check(
        &mut self,
        mut rc4: Rc4,
        signature: &[u8; SIGNATURE_LEN],
        regions: &[&[u8]],
    ) -> Result<(), SecurityError> {
        let inbound = &mut self.inbound;
        let mut received = [0u8; 8];
        received.copy_from_slice(&signature[4..12]);
        if self.encrypt_checksum {
            rc4.apply(&mut received);
        }
        let version = u32::from_le_bytes([signature[0], signature[1], signature[2], signature[3]]);
        let seq = u32::from_le_bytes([signature[12], signature[13], signature[14], signature[15]]);
        if version != 1 {
            return Err(SecurityError::BadSignature(format!(
                "NTLM signature version {version}, expected 1 (MS-NLMP 2.2.2.9.1)"
            )));
        }
        // MS-NLMP 3.4.4: the receiver expects the sequence numbers in order, starting at 0.
        if seq != inbound.seq {
            return Err(SecurityError::BadSignature(format!(
                "NTLM sequence number {seq}, expected {} (a replayed, reordered or dropped PDU)",
                inbound.seq
            )));
        }
        let expected = inbound.checksum(regions);
        // Constant time: a mismatch must not tell an attacker how many leading octets were right.
        let differs = received
            .iter()
            .zip(expected.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if differs != 0 {
            return Err(SecurityError::BadSignature(
                "NTLM checksum does not match the PDU (altered in transit, or another session's key)"
                    .into(),
            ));
        }
        inbound.rc4 = rc4;
        inbound.seq = inbound.seq.wrapping_add(1);
        Ok(())
    }
}

fn signature_fields(signature: &[u8]) -> Result<&[u8; SIGNATURE_LEN], SecurityError> {
    signature.try_into().map_err(|_| {
        SecurityError::BadSignature(format!(
            "NTLM signature of {} octets, expected {SIGNATURE_LEN}",
            signature.len()
        ))
    })
}

/// NTLMSSP_MESSAGE_SIGNATURE with extended session security (MS-NLMP 2.2.2.9.2): version 1, the checksum,
/// the sequence number.
fn message_signature(checksum: &[u8; 8], seq: u32) -> [u8; SIGNATURE_LEN] {
    let mut signature = [0u8; SIGNATURE_LEN];
    signature[..4].copy_from_slice(&1u32.to_le_bytes());
    signature[4..12].copy_from_slice(checksum);
    signature[12..].copy_from_slice(&seq.to_le_bytes());
    signature
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::nlmp::tests::hex;

    const FLAGS: u32 = NEGOTIATE_SIGN
        | NEGOTIATE_SEAL
        | NEGOTIATE_EXTENDED_SESSIONSECURITY
        | NEGOTIATE_128
        | NEGOTIATE_KEY_EXCH;

    fn utf16le(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    /// MS-NLMP 4.2.4.4: the client's sealing and signing keys and the sealed "Plaintext" with its signature,
    /// from RandomSessionKey 0x55 repeated (the exported session key, as KEY_EXCH is negotiated).
    #[test]
    fn seal_matches_ms_nlmp_4_2_4_4() {
        let session_key = [0x55u8; 16];
        assert_eq!(
            derive_key(
                &session_key,
                b"session key to client-to-server sealing key magic constant\0"
            )
            .to_vec(),
            hex("59f600973cc4960a25480a7c196e4c58")
        );
        assert_eq!(
            derive_key(
                &session_key,
                b"session key to client-to-server signing key magic constant\0"
            )
            .to_vec(),
            hex("4788dc861b4782f35d43fd98fe1a2d39")
        );
        let mut client = SessionSecurity::new(&session_key, FLAGS, Side::Client, true).unwrap();
        let mut message = utf16le("Plaintext");
        let signature = client.seal(&[], &mut message, &[]);
        assert_eq!(message, hex("54e50165bf1936dc996020c1811b0f06fb5f"));
        assert_eq!(
            signature.to_vec(),
            hex("01000000 7fb38ec5c55d4976 00000000")
        );

        let mut server = SessionSecurity::new(&session_key, FLAGS, Side::Server, true).unwrap();
        server.unseal(&[], &mut message, &[], &signature).unwrap();
        assert_eq!(message, utf16le("Plaintext"));
    }

    fn pair(flags: u32) -> (SessionSecurity, SessionSecurity) {
        let key = [0x3cu8; 16];
        (
            SessionSecurity::new(&key, flags, Side::Client, true).unwrap(),
            SessionSecurity::new(&key, flags, Side::Server, true).unwrap(),
        )
    }

    #[test]
    fn both_directions_round_trip_across_many_messages() {
        for flags in [FLAGS, FLAGS & !NEGOTIATE_KEY_EXCH] {
            let (mut client, mut server) = pair(flags);
            for n in 0..20usize {
                let plain = vec![n as u8; n * 7];
                let mut body = plain.clone();
                let sig = client.seal(b"head", &mut body, b"trailer");
                assert_eq!(sig[12..], (n as u32).to_le_bytes());
                if !plain.is_empty() {
                    assert_ne!(body, plain);
                }
                server.unseal(b"head", &mut body, b"trailer", &sig).unwrap();
                assert_eq!(body, plain);
                let sig = server.seal(b"h", &mut body, b"");
                client.unseal(b"h", &mut body, b"", &sig).unwrap();
                assert_eq!(body, plain);
            }
        }
    }

    #[test]
    fn signing_covers_every_region_and_keeps_the_stream_in_step_with_sealing() {
        let (mut client, mut server) = pair(FLAGS);
        let sig = client.sign(&[b"head", b"stub", b"trailer"]);
        assert!(
            server
                .verify(&[b"head", b"stuB", b"trailer"], &sig)
                .is_err()
        );
        assert!(
            server
                .verify(&[b"head", b"stub", b"trailer!"], &sig)
                .is_err()
        );
        server
            .verify(&[b"head", b"stub", b"trailer"], &sig)
            .unwrap();
        // Signed and sealed PDUs share the sequence and key state.
        let mut body = b"sealed after a signed one".to_vec();
        let sig = client.seal(b"", &mut body, b"");
        server.unseal(b"", &mut body, b"", &sig).unwrap();
        assert_eq!(body, b"sealed after a signed one");
    }

    #[test]
    fn the_directions_use_different_keys() {
        let (mut client, _) = pair(FLAGS);
        let (mut other_client, _) = pair(FLAGS);
        let mut body = b"stub".to_vec();
        let sig = client.seal(b"", &mut body, b"");
        // A client cannot verify its own PDU: inbound keys are the server's.
        assert!(matches!(
            other_client.unseal(b"", &mut body, b"", &sig),
            Err(SecurityError::BadSignature(_))
        ));
    }

    #[test]
    fn tampering_replay_and_reordering_are_refused() {
        let (mut client, mut server) = pair(FLAGS);
        let mut first = b"first".to_vec();
        let first_sig = client.seal(b"head", &mut first, b"");
        let mut second = b"second".to_vec();
        let second_sig = client.seal(b"head", &mut second, b"");

        let mut reordered = second.clone();
        let err = server
            .unseal(b"head", &mut reordered, b"", &second_sig)
            .unwrap_err();
        assert!(
            err.to_string().contains("sequence number 1, expected 0"),
            "{err}"
        );

        for (position, tamper) in [(0usize, 0x01u8), (5, 0x80), (11, 0x10), (13, 0x01)] {
            let (mut c, mut s) = pair(FLAGS);
            let mut body = b"first".to_vec();
            let mut sig = c.seal(b"head", &mut body, b"");
            sig[position] ^= tamper;
            assert!(
                matches!(
                    s.unseal(b"head", &mut body, b"", &sig),
                    Err(SecurityError::BadSignature(_))
                ),
                "signature octet {position} altered"
            );
        }
        let (mut c, mut s) = pair(FLAGS);
        let mut body = b"first".to_vec();
        let sig = c.seal(b"head", &mut body, b"");
        assert!(s.unseal(b"Head", &mut body.clone(), b"", &sig).is_err());
        assert!(s.unseal(b"head", &mut body, b"", &sig[..15]).is_err());

        server.unseal(b"head", &mut first, b"", &first_sig).unwrap();
        let mut replayed = first.clone();
        assert!(
            server
                .unseal(b"head", &mut replayed, b"", &first_sig)
                .is_err()
        );
    }

    #[test]
    fn weak_or_missing_session_security_is_refused() {
        let key = [1u8; 16];
        for (flags, confidentiality, what) in [
            (
                FLAGS & !NEGOTIATE_EXTENDED_SESSIONSECURITY,
                true,
                "extended session security",
            ),
            (FLAGS & !NEGOTIATE_128, true, "128-bit keys"),
            (FLAGS & !NEGOTIATE_SIGN, false, "signing"),
            (FLAGS & !NEGOTIATE_SEAL, true, "sealing"),
        ] {
            let err = SessionSecurity::new(&key, flags, Side::Client, confidentiality)
                .err()
                .unwrap();
            assert!(err.to_string().contains(what), "{err}");
        }
        assert!(SessionSecurity::new(&key, FLAGS & !NEGOTIATE_SEAL, Side::Client, false).is_ok());
        assert!(SessionSecurity::new(&key[..8], FLAGS, Side::Client, true).is_err());
    }
}
