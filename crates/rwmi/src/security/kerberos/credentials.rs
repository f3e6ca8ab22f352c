//! What a Kerberos initiator proves itself with: the user, realm, secret, KDC and target SPN, and the
//! identity they make for sspi.

use std::time::Duration;

use picky_krb::crypto::CipherSuite;
use sspi::{AuthIdentity, KeytabIdentity, Username};

use super::CachedTgt;
use super::acceptor::unix_now;
use crate::security::{KerberosErrorCode, SecurityError};

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

impl KerberosCredentials {
    /// The identity sspi acquires its credentials handle with: the password, the long-term key, or the
    /// cached TGT's session key (which `CachedTgt` answers sspi's AS-REQ with). An expired TGT or a key
    /// of another length is refused here, before any KDC is asked.
    pub(super) fn sspi_identity(&self) -> Result<sspi::Credentials, SecurityError> {
        let realm = self.realm.to_uppercase();
        let username = Username::new(&self.user, Some(&realm))
            .map_err(|e| SecurityError::Internal(format!("user name: {e}")))?;
        Ok(match &self.secret {
            KerberosSecret::Password(password) => AuthIdentity {
                username,
                password: password.clone().into(),
            }
            .into(),
            KerberosSecret::CachedTgt(tgt) => {
                let now = unix_now();
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
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
