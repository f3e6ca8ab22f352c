//! The parts of MS-NLMP that rwmi computes itself rather than through sspi.
//!
//! sspi's NTLM acceptor derives the session keys but only checks the MIC, and a client may omit the MIC, so
//! the emulator verifies the NTLMv2 response (NTProofStr, MS-NLMP 3.3.2) here before trusting a logon.
//! The same primitives turn a password into the NT hash for pass-the-hash credentials.

use hmac::{KeyInit, Mac};
use md4::{Digest, Md4};
use rwmi_core::codec::utf16le_units;
use rwmi_core::{DecodeResult, Reader};

pub(crate) type HmacMd5 = hmac::Hmac<md5::Md5>;

/// HMAC-MD5 keyed with `key`, ready for `update`.
// HMAC takes keys of any length (RFC 2104 2: a longer key is hashed, a shorter one padded), and
// `Hmac::new_from_slice` fails only for MACs with a fixed key size, so this expect cannot fire.
#[allow(clippy::expect_used)]
pub(crate) fn keyed_hmac_md5(key: &[u8]) -> HmacMd5 {
    HmacMd5::new_from_slice(key).expect("HMAC takes keys of any length")
}

/// MS-NLMP 3.3.1 NTOWFv1: MD4 of the UTF-16LE password. The "NT hash" of pass-the-hash.
pub fn nt_hash(password: &str) -> [u8; 16] {
    let mut md4 = Md4::new();
    for unit in password.encode_utf16() {
        md4.update(unit.to_le_bytes());
    }
    md4.finalize().into()
}

fn hmac_md5(key: &[u8], parts: &[&[u8]]) -> [u8; 16] {
    let mut mac = keyed_hmac_md5(key);
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// MS-NLMP 3.3.2 NTOWFv2: HMAC_MD5(NT hash, UNICODE(Uppercase(User) || UserDom)).
pub fn ntowf_v2(nt_hash: &[u8; 16], user: &str, domain: &str) -> [u8; 16] {
    let mut identity = utf16le(&user.to_uppercase());
    identity.extend_from_slice(&utf16le(domain));
    hmac_md5(nt_hash, &[&identity])
}

/// MS-NLMP 3.3.2: NTProofStr = HMAC_MD5(ResponseKeyNT, ServerChallenge || temp), where temp is the rest of
/// the NTLMv2 response after its first 16 bytes.
pub fn nt_proof_str(
    response_key_nt: &[u8; 16],
    server_challenge: &[u8; 8],
    temp: &[u8],
) -> [u8; 16] {
    hmac_md5(response_key_nt, &[server_challenge, temp])
}

/// MS-NLMP 3.3.2: SessionBaseKey = HMAC_MD5(ResponseKeyNT, NTProofStr).
pub fn session_base_key(response_key_nt: &[u8; 16], nt_proof: &[u8; 16]) -> [u8; 16] {
    hmac_md5(response_key_nt, &[nt_proof])
}

/// The fields of an AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3) that the acceptor needs.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthenticateMessage {
    pub negotiate_flags: u32,
    pub domain: String,
    pub user: String,
    pub workstation: String,
    pub nt_challenge_response: Vec<u8>,
}

impl std::fmt::Debug for AuthenticateMessage {
    // The response is a password-equivalent proof: keep it out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthenticateMessage")
            .field(
                "negotiate_flags",
                &format_args!("{:#010x}", self.negotiate_flags),
            )
            .field("domain", &self.domain)
            .field("user", &self.user)
            .field("workstation", &self.workstation)
            .field(
                "nt_challenge_response",
                &format_args!("<{} bytes>", self.nt_challenge_response.len()),
            )
            .finish()
    }
}

const NEGOTIATE_UNICODE: u32 = 0x0000_0001;

/// MS-NLMP 2.2.1.2: the server challenge sits at offset 24 of a CHALLENGE_MESSAGE.
pub fn server_challenge(challenge_message: &[u8]) -> DecodeResult<[u8; 8]> {
    let mut r = Reader::new("NTLM CHALLENGE_MESSAGE", challenge_message);
    let signature = r.array::<8>("Signature")?;
    if &signature != b"NTLMSSP\0" {
        return Err(r.invalid("Signature", "not an NTLMSSP message"));
    }
    let message_type = r.u32("MessageType")?;
    if message_type != 2 {
        return Err(r.bad_value("MessageType", message_type.into()));
    }
    r.skip("TargetNameFields", 8)?;
    r.skip("NegotiateFlags", 4)?;
    r.array::<8>("ServerChallenge")
}

impl AuthenticateMessage {
    /// MS-NLMP 2.2.1.3. Every payload field is an (length, max length, offset) triple into the message.
    pub fn decode(message: &[u8]) -> DecodeResult<Self> {
        let mut r = Reader::new("NTLM AUTHENTICATE_MESSAGE", message);
        let signature = r.array::<8>("Signature")?;
        if &signature != b"NTLMSSP\0" {
            return Err(r.invalid("Signature", "not an NTLMSSP message"));
        }
        let message_type = r.u32("MessageType")?;
        if message_type != 3 {
            return Err(r.bad_value("MessageType", message_type.into()));
        }
        let _lm = payload_field(&mut r, message, "LmChallengeResponseFields")?;
        let nt = payload_field(&mut r, message, "NtChallengeResponseFields")?;
        let domain = payload_field(&mut r, message, "DomainNameFields")?;
        let user = payload_field(&mut r, message, "UserNameFields")?;
        let workstation = payload_field(&mut r, message, "WorkstationFields")?;
        let _session_key = payload_field(&mut r, message, "EncryptedRandomSessionKeyFields")?;
        let negotiate_flags = r.u32("NegotiateFlags")?;
        let unicode = negotiate_flags & NEGOTIATE_UNICODE != 0;
        let text = |bytes: &[u8], field: &'static str| -> DecodeResult<String> {
            if unicode {
                if !bytes.len().is_multiple_of(2) {
                    return Err(r.invalid(field, "odd length for a UTF-16 string"));
                }
                char::decode_utf16(utf16le_units(bytes))
                    .collect::<Result<String, _>>()
                    .map_err(|_| r.invalid(field, "invalid UTF-16"))
            } else {
                Ok(bytes.iter().map(|&b| char::from(b)).collect())
            }
        };
        Ok(Self {
            negotiate_flags,
            domain: text(domain, "DomainName")?,
            user: text(user, "UserName")?,
            workstation: text(workstation, "Workstation")?,
            nt_challenge_response: nt.to_vec(),
        })
    }

    /// MS-NLMP 3.3.2: recomputes NTProofStr from the account's NT hash and compares it with the one the
    /// client sent. The user and domain are those on the wire, as the client used them.
    pub fn verify_ntlmv2(&self, account_nt_hash: &[u8; 16], server_challenge: &[u8; 8]) -> bool {
        // An NTLMv2 response is NTProofStr (16) followed by at least the fixed 28-byte head of the
        // NTLMv2_CLIENT_CHALLENGE (MS-NLMP 2.2.2.7); anything shorter is NTLMv1 or garbage.
        if self.nt_challenge_response.len() < 16 + 28 {
            return false;
        }
        let (proof, temp) = self.nt_challenge_response.split_at(16);
        let key = ntowf_v2(account_nt_hash, &self.user, &self.domain);
        let expected = nt_proof_str(&key, server_challenge, temp);
        // Constant time: the comparison must not tell an attacker how many leading bytes matched.
        proof
            .iter()
            .zip(expected.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

fn payload_field<'a>(
    r: &mut Reader<'_>,
    message: &'a [u8],
    field: &'static str,
) -> DecodeResult<&'a [u8]> {
    let len = r.u16(field)?;
    let _max = r.u16(field)?;
    let offset = r.u32(field)?;
    let start = offset as usize;
    let field_bytes = start
        .checked_add(usize::from(len))
        .and_then(|end| message.get(start..end));
    match field_bytes {
        Some(bytes) => Ok(bytes),
        None => Err(r.error(
            field,
            rwmi_core::DecodeErrorKind::LengthPastEnd {
                length: u64::from(offset) + u64::from(len),
                available: message.len(),
            },
        )),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // MS-NLMP 4.2.4.3, the AUTHENTICATE_MESSAGE.
    const AUTHENTICATE: &str = "4e544c4d53535000030000001800180 06c00000054005400840000000c000c00
        48000000080008005400000010001000 5c00000010001000d8000000358288e2
        0501280a0000000f44006f006d00610069006e00550073006500720043004f00
        4d00500055005400450052008 6c35097ac9cec102554764a57cccc19aaaaaaaa
        aaaaaaaa68cd0ab851e51c96aabc927bebef6a1c010100000000000000000000
        00000000aaaaaaaaaaaaaaaa0000000002000c0044006f006d00610069006e00
        01000c005300650072007600650072000000000000000000c5dad2544fc97990
        94ce1ce90bc9d03e";
    const SERVER_CHALLENGE: [u8; 8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];

    #[test]
    fn ntowf_v2_matches_ms_nlmp_4_2_4_1_1() {
        let key = ntowf_v2(&nt_hash("Password"), "User", "Domain");
        assert_eq!(key.to_vec(), hex("0c868a403bfd7a93a3001ef22ef02e3f"));
    }

    #[test]
    fn proof_and_session_base_key_match_ms_nlmp_4_2_4() {
        let message = hex(AUTHENTICATE);
        let auth = AuthenticateMessage::decode(&message).unwrap();
        assert_eq!(
            (
                auth.user.as_str(),
                auth.domain.as_str(),
                auth.workstation.as_str()
            ),
            ("User", "Domain", "COMPUTER")
        );
        let key = ntowf_v2(&nt_hash("Password"), &auth.user, &auth.domain);
        let (proof, temp) = auth.nt_challenge_response.split_at(16);
        let computed = nt_proof_str(&key, &SERVER_CHALLENGE, temp);
        assert_eq!(computed.to_vec(), hex("68cd0ab851e51c96aabc927bebef6a1c"));
        assert_eq!(proof, computed);
        assert_eq!(
            session_base_key(&key, &computed).to_vec(),
            hex("8de40ccadbc14a82f15cb0ad0de95ca3")
        );
        assert!(auth.verify_ntlmv2(&nt_hash("Password"), &SERVER_CHALLENGE));
        assert!(!auth.verify_ntlmv2(&nt_hash("password"), &SERVER_CHALLENGE));
        assert!(!auth.verify_ntlmv2(&nt_hash("Password"), &[0; 8]));
    }

    #[test]
    fn challenge_message_yields_its_server_challenge() {
        let challenge = hex(
            "4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef
             00000000000000002400240044000000060070170000000f5300650072007600
             6500720002000c0044006f006d00610069006e0001000c005300650072007600
             6500720000000000",
        );
        assert_eq!(server_challenge(&challenge).unwrap(), SERVER_CHALLENGE);
    }

    #[test]
    fn truncated_or_lying_messages_are_errors() {
        let message = hex(AUTHENTICATE);
        for len in 0..message.len() {
            // Either a clean error or a parse that still only reads inside the slice.
            let _ = AuthenticateMessage::decode(&message[..len]);
        }
        let mut lying = message.clone();
        lying[20] = 0xff; // NtChallengeResponse offset far past the end
        lying[21] = 0xff;
        let err = AuthenticateMessage::decode(&lying).unwrap_err();
        assert_eq!(err.field, "NtChallengeResponseFields");
    }
}
