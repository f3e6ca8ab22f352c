//! User credentials, kept out of `Debug` output and error messages.

use std::fmt;

/// What proves the user's identity.
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    Password(String),
    /// The NT hash (MD4 of the UTF-16LE password), for pass-the-hash.
    NtHash([u8; 16]),
}

impl Secret {
    /// Parses `[LM:]NT` as Impacket's `-hashes` takes it; only the NT half is used.
    pub fn from_hashes(text: &str) -> Result<Self, String> {
        let nt = text.rsplit(':').next().unwrap_or(text).trim();
        if nt.len() != 32 {
            return Err(format!(
                "an NT hash is 32 hexadecimal digits, got {} characters",
                nt.len()
            ));
        }
        let mut hash = [0u8; 16];
        for (i, byte) in hash.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&nt[2 * i..2 * i + 2], 16)
                .map_err(|_| "the NT hash has a character that is not hexadecimal".to_string())?;
        }
        Ok(Secret::NtHash(hash))
    }

    pub fn nt_hash(&self) -> [u8; 16] {
        match self {
            Secret::Password(p) => super::nlmp::nt_hash(p),
            Secret::NtHash(h) => *h,
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Secret::Password(_) => f.write_str("Password(<redacted>)"),
            Secret::NtHash(_) => f.write_str("NtHash(<redacted>)"),
        }
    }
}

/// A user as ConnectServer takes it: `DOMAIN\user`, `user@domain` or a bare `user`.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    /// The NetBIOS domain, the DNS domain of a UPN, or empty for a local account.
    pub domain: String,
    pub secret: Secret,
}

impl Credentials {
    pub fn new(user: impl Into<String>, domain: impl Into<String>, secret: Secret) -> Self {
        Self {
            user: user.into(),
            domain: domain.into(),
            secret,
        }
    }

    /// Splits `DOMAIN\user` or `user@domain`; a bare name keeps `domain` empty.
    pub fn parse_user(text: &str, secret: Secret) -> Self {
        if let Some((domain, user)) = text.split_once('\\') {
            Self::new(user, domain, secret)
        } else if let Some((user, domain)) = text.rsplit_once('@') {
            Self::new(user, domain, secret)
        } else {
            Self::new(text, "", secret)
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("domain", &self.domain)
            .field("secret", &self.secret)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_forms() {
        let s = || Secret::Password("x".into());
        let c = Credentials::parse_user("TEST\\alice", s());
        assert_eq!((c.user.as_str(), c.domain.as_str()), ("alice", "TEST"));
        let c = Credentials::parse_user("alice@test.local", s());
        assert_eq!(
            (c.user.as_str(), c.domain.as_str()),
            ("alice", "test.local")
        );
        let c = Credentials::parse_user("alice", s());
        assert_eq!((c.user.as_str(), c.domain.as_str()), ("alice", ""));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let c = Credentials::parse_user("TEST\\alice", Secret::Password("Hunter2Secret".into()));
        let text = format!("{c:?}");
        assert!(!text.contains("Hunter2Secret"), "{text}");
        let h = Secret::from_hashes(
            "aad3b435b51404eeaad3b435b51404ee:8846f7eaee8fb117ad06bdd830b7586c",
        )
        .unwrap();
        assert_eq!(
            h,
            Secret::Password("password".into()).nt_hash().into_secret()
        );
        assert!(!format!("{h:?}").contains("8846"));
    }

    trait IntoSecret {
        fn into_secret(self) -> Secret;
    }
    impl IntoSecret for [u8; 16] {
        fn into_secret(self) -> Secret {
            Secret::NtHash(self)
        }
    }

    #[test]
    fn bad_hashes_are_refused() {
        assert!(Secret::from_hashes("1234").is_err());
        assert!(Secret::from_hashes(&"zz".repeat(16)).is_err());
    }
}
