//! Kerberos principal names (RFC 4120 6.2) and their text form `comp1/comp2@REALM` as MIT prints and
//! parses it: `/` separates components, `@` starts the realm, a backslash escapes either (and itself);
//! `\n`, `\t`, `\b` and `\0` stand for those control characters.

use std::fmt;

use super::MAX_COMPONENTS;

/// RFC 4120 6.2 name types.
pub mod name_type {
    pub const UNKNOWN: u32 = 0;
    /// A user or a service; what `kinit` and `ktutil` write.
    pub const PRINCIPAL: u32 = 1;
    pub const SRV_INST: u32 = 2;
    /// `service/host`, the host part being a DNS name.
    pub const SRV_HST: u32 = 3;
}

/// A principal: its name components and realm. The name type travels with it in files but is not part
/// of its identity (`matches` ignores it, as MIT's principal comparison does).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Principal {
    pub name_type: u32,
    pub realm: String,
    pub components: Vec<String>,
}

impl Principal {
    pub fn new(name_type: u32, realm: &str, components: &[&str]) -> Self {
        Principal {
            name_type,
            realm: realm.to_owned(),
            components: components.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    /// `krbtgt/REALM@REALM`, the ticket-granting service of a realm.
    pub fn krbtgt(realm: &str) -> Self {
        Principal::new(name_type::SRV_INST, realm, &["krbtgt", realm])
    }

    /// Parses `alice@TEST.LOCAL` or `host/emu.test.local@TEST.LOCAL`. The realm is required (a sans-I/O
    /// core has no configured default realm). None for an empty name or realm, a dangling backslash, or
    /// more than `MAX_COMPONENTS` components.
    pub fn parse(text: &str, default_name_type: u32) -> Option<Self> {
        let mut components = vec![String::new()];
        let mut realm: Option<String> = None;
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            let literal = match c {
                '\\' => match chars.next()? {
                    'n' => '\n',
                    't' => '\t',
                    'b' => '\u{8}',
                    '0' => '\0',
                    other => other,
                },
                '@' if realm.is_none() => {
                    realm = Some(String::new());
                    continue;
                }
                // A second unescaped `@` is ambiguous.
                '@' => return None,
                '/' if realm.is_none() => {
                    if components.len() == MAX_COMPONENTS {
                        return None;
                    }
                    components.push(String::new());
                    continue;
                }
                other => other,
            };
            match realm.as_mut() {
                Some(r) => r.push(literal),
                None => components.last_mut()?.push(literal),
            }
        }
        let realm = realm.filter(|r| !r.is_empty())?;
        if matches!(components.as_slice(), [only] if only.is_empty()) {
            return None;
        }
        Some(Principal {
            name_type: default_name_type,
            realm,
            components,
        })
    }

    /// The components joined with `/`, unescaped: `host/emu.test.local`.
    pub fn name(&self) -> String {
        self.components.join("/")
    }

    /// Whether two principals name the same identity: the realm compared case-insensitively (ASCII),
    /// the components exactly, except the host part of a service principal (the second component) which
    /// is a DNS name and so case-insensitive. The name type is not compared.
    pub fn matches(&self, other: &Principal) -> bool {
        self.realm.eq_ignore_ascii_case(&other.realm)
            && self.components.len() == other.components.len()
            && self
                .components
                .iter()
                .zip(&other.components)
                .enumerate()
                .all(|(i, (a, b))| {
                    if i == 1 {
                        a.eq_ignore_ascii_case(b)
                    } else {
                        a == b
                    }
                })
    }
}

fn write_escaped(f: &mut fmt::Formatter<'_>, text: &str, special: &[char]) -> fmt::Result {
    for c in text.chars() {
        match c {
            '\n' => f.write_str("\\n")?,
            '\t' => f.write_str("\\t")?,
            '\u{8}' => f.write_str("\\b")?,
            '\0' => f.write_str("\\0")?,
            c if c == '\\' || special.contains(&c) => write!(f, "\\{c}")?,
            c => write!(f, "{c}")?,
        }
    }
    Ok(())
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, component) in self.components.iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            write_escaped(f, component, &['/', '@'])?;
        }
        f.write_str("@")?;
        write_escaped(f, &self.realm, &['@'])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_users_and_services() {
        let alice = Principal::parse("alice@TEST.LOCAL", name_type::PRINCIPAL).unwrap();
        assert_eq!(alice, Principal::new(1, "TEST.LOCAL", &["alice"]));
        let host = Principal::parse("host/emu.test.local@TEST.LOCAL", name_type::SRV_HST).unwrap();
        assert_eq!(host.components, ["host", "emu.test.local"]);
        assert_eq!(host.name_type, name_type::SRV_HST);
        assert_eq!(host.name(), "host/emu.test.local");
        assert_eq!(host.to_string(), "host/emu.test.local@TEST.LOCAL");
    }

    #[test]
    fn escapes_separators() {
        let p = Principal::parse(r"a\/b/c\@d@RE\@ALM", 1).unwrap();
        assert_eq!(p.components, ["a/b", "c@d"]);
        assert_eq!(p.realm, "RE@ALM");
        assert_eq!(p.to_string(), r"a\/b/c\@d@RE\@ALM");
        assert_eq!(p.name(), "a/b/c@d");
    }

    #[test]
    fn refuses_incomplete_names() {
        for text in [
            "",
            "alice",
            "alice@",
            "@TEST.LOCAL",
            "alice@A@B",
            "alice\\",
            "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q@R",
        ] {
            assert_eq!(Principal::parse(text, 1), None, "{text:?}");
        }
        assert!(Principal::parse("a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p@R", 1).is_some());
    }

    #[test]
    fn matching_ignores_case_of_realm_and_host_only() {
        let host = Principal::parse("host/emu.test.local@TEST.LOCAL", 1).unwrap();
        assert!(host.matches(&Principal::parse("host/EMU.Test.Local@test.local", 3).unwrap()));
        assert!(!host.matches(&Principal::parse("HOST/emu.test.local@TEST.LOCAL", 1).unwrap()));
        assert!(!host.matches(&Principal::parse("host@TEST.LOCAL", 1).unwrap()));
        let alice = Principal::parse("alice@TEST.LOCAL", 1).unwrap();
        assert!(!alice.matches(&Principal::parse("Alice@TEST.LOCAL", 1).unwrap()));
        assert!(Principal::krbtgt("TEST.LOCAL").matches(&Principal::krbtgt("test.local")));
    }

    proptest! {
        #[test]
        fn display_parses_back(
            components in proptest::collection::vec("[a-z/@\\\\\n .]{1,8}", 1..4),
            realm in "[A-Z@\\\\/.]{1,10}",
        ) {
            let p = Principal { name_type: 1, realm, components };
            prop_assert_eq!(Principal::parse(&p.to_string(), 1), Some(p));
        }
    }
}
