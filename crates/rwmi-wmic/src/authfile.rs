//! The smbclient authentication file that `wmic -A FILE` reads (Samba's `cli_credentials_parse_file`):
//! one `name = value` per line, names `username`, `password`, `domain`; other lines are ignored; a
//! `username` of `DOMAIN\user` or `DOMAIN/user` names the domain as well.

use std::fmt;

/// What an authentication file says. `Debug` never shows the password.
#[derive(Default, Clone, PartialEq, Eq)]
pub struct AuthFile {
    pub username: Option<String>,
    pub password: Option<String>,
    pub domain: Option<String>,
}

impl fmt::Debug for AuthFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthFile")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("domain", &self.domain)
            .finish()
    }
}

impl AuthFile {
    pub fn parse(text: &str) -> AuthFile {
        let mut file = AuthFile::default();
        for line in text.lines() {
            let Some((name, value)) = line.split_once('=') else {
                continue;
            };
            // Samba trims the name and the value's leading blanks; the value's end is kept but for the
            // line break, so a password may end in a space.
            let value = value
                .trim_start()
                .trim_end_matches(['\r', '\n'])
                .to_string();
            match name.trim().to_ascii_lowercase().as_str() {
                "username" => file.username = Some(value),
                "password" => file.password = Some(value),
                "domain" => file.domain = Some(value),
                _ => {}
            }
        }
        file
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_names_and_nothing_else() {
        let f = AuthFile::parse(
            "# a comment\nusername = TEST\\alice\npassword = Pass word \ndomain=TEST\nworkgroup = X\r\n",
        );
        assert_eq!(f.username.as_deref(), Some("TEST\\alice"));
        assert_eq!(f.password.as_deref(), Some("Pass word "));
        assert_eq!(f.domain.as_deref(), Some("TEST"));
        assert!(!format!("{f:?}").contains("Pass word"));
    }
}
