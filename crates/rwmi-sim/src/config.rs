//! The `--config FILE` format: one directive a line, words separated by blanks, `#` starts a comment.
//!
//! ```text
//! account NAME password=SECRET [groups=Administrators,dcom-users,Users]
//! account NAME nt-hash=32HEXDIGITS [groups=...]
//! mof PATH                                  # relative to the config file's directory
//! namespace NAME [requires-encryption [at=login|at=query]]  # creates the namespace (and parents)
//! acl NAMESPACE PRINCIPAL remote-enable|deny
//! synthetic CLASS=COUNT
//! keytab PATH                               # Kerberos keys of the emulator's service principals
//! domain-account NAME groups=G1,G2          # local groups of a domain account of the keytab's realm
//! ```
//!
//! A PRINCIPAL is `group:NAME`, `user:NAME`, or a bare name: a known group (`Administrators`,
//! `Distributed-COM-Users` / `dcom-users`, `Users`) or else an account. Group names cannot hold blanks;
//! write `-` or `_` for them. A RequiresEncryption namespace refuses a level below packet privacy at
//! NTLMLogin (`at=login`, the default) or lets the login through and refuses at the first
//! IWbemServices call (`at=query`, as a Windows Server did for `root\MSCluster`). Errors name the line.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::accounts::{Account, Accounts, Group};
use crate::policy::{AclEntry, EncryptionRefusal, NamespaceAccess, Principal};
use crate::repository::Repository;

/// One line of a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Directive {
    Account {
        name: String,
        secret: AccountSecret,
        groups: Vec<Group>,
    },
    Mof(PathBuf),
    Namespace {
        name: String,
        requires_encryption: bool,
        refused_at: EncryptionRefusal,
    },
    Acl {
        namespace: String,
        principal: PrincipalName,
        access: NamespaceAccess,
    },
    Synthetic {
        class: String,
        count: usize,
    },
    /// A keytab (read when the emulator starts; see [`Config::keytabs`]).
    Keytab(PathBuf),
    DomainAccount {
        name: String,
        groups: Vec<Group>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountSecret {
    Password(String),
    NtHash([u8; 16]),
}

/// A principal as written; bare names are resolved against the accounts when applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalName {
    Group(Group),
    User(String),
    Bare(String),
}

/// A configuration error, with its 1-based line (0 when not tied to a line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// A parsed configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// Each directive with its line number.
    pub directives: Vec<(usize, Directive)>,
}

impl Config {
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let mut directives = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let content = raw.split('#').next().unwrap_or("");
            let words: Vec<&str> = content.split_whitespace().collect();
            let Some((&keyword, arguments)) = words.split_first() else {
                continue;
            };
            let directive = parse_directive(keyword, arguments)
                .map_err(|message| ConfigError { line, message })?;
            directives.push((line, directive));
        }
        Ok(Config { directives })
    }

    /// Applies the directives in order. MOF paths are read relative to `base_dir`.
    pub fn apply(
        &self,
        repository: &mut Repository,
        accounts: &mut Accounts,
        base_dir: &Path,
    ) -> Result<(), ConfigError> {
        for (line, directive) in &self.directives {
            let fail = |message: String| ConfigError {
                line: *line,
                message,
            };
            match directive {
                Directive::Account {
                    name,
                    secret,
                    groups,
                } => {
                    let rid = accounts
                        .find("", name)
                        .map_or_else(|| accounts.next_rid(), |old| old.rid);
                    let nt_hash = match secret {
                        AccountSecret::Password(password) => {
                            rwmi::security::nlmp::nt_hash(password)
                        }
                        AccountSecret::NtHash(hash) => *hash,
                    };
                    accounts.insert(Account {
                        name: name.clone(),
                        nt_hash,
                        groups: groups.clone(),
                        rid,
                        domain: None,
                    });
                }
                Directive::Mof(path) => {
                    let full = base_dir.join(path);
                    let text = std::fs::read_to_string(&full)
                        .map_err(|e| fail(format!("cannot read `{}`: {e}", full.display())))?;
                    repository
                        .load_mof(&text, &full.display().to_string())
                        .map_err(|e| fail(e.to_string()))?;
                }
                Directive::Namespace {
                    name,
                    requires_encryption,
                    refused_at,
                } => {
                    repository
                        .create_namespace(name)
                        .ok_or_else(|| fail(format!("`{name}` is not a namespace path")))?;
                    repository.set_requires_encryption(name, *requires_encryption);
                    repository.set_encryption_refusal(name, *refused_at);
                }
                Directive::Acl {
                    namespace,
                    principal,
                    access,
                } => {
                    let principal = match principal {
                        PrincipalName::Group(group) => Principal::Group(group.clone()),
                        PrincipalName::User(user) => Principal::User(user.clone()),
                        PrincipalName::Bare(name) => match Group::parse(name) {
                            Group::Other(_) if accounts.find("", name).is_some() => {
                                Principal::User(name.clone())
                            }
                            group => Principal::Group(group),
                        },
                    };
                    if !repository.add_acl_entry(namespace, AclEntry::new(principal, *access)) {
                        return Err(fail(format!("no namespace `{namespace}`")));
                    }
                }
                Directive::Synthetic { class, count } => {
                    repository.set_synthetic(class, *count).map_err(fail)?;
                }
                Directive::DomainAccount { name, groups } => {
                    accounts.insert_domain_member(name, groups.clone());
                }
                // Keys are not accounts: the launcher reads them through `keytabs`.
                Directive::Keytab(_) => {}
            }
        }
        Ok(())
    }

    /// The keytab files the configuration names, relative paths resolved against `base_dir`.
    pub fn keytabs(&self, base_dir: &Path) -> Vec<PathBuf> {
        self.directives
            .iter()
            .filter_map(|(_, d)| match d {
                Directive::Keytab(path) => Some(base_dir.join(path)),
                _ => None,
            })
            .collect()
    }
}

fn parse_directive(keyword: &str, arguments: &[&str]) -> Result<Directive, String> {
    match keyword.to_ascii_lowercase().as_str() {
        "account" => parse_account(arguments),
        "mof" => match arguments {
            [path] => Ok(Directive::Mof(PathBuf::from(path))),
            _ => Err("`mof` takes one path".to_string()),
        },
        "namespace" => {
            let refusal = |place: &str| match strip_prefix_ignore_case(place, "at=") {
                Some(p) if p.eq_ignore_ascii_case("login") => Some(EncryptionRefusal::Login),
                Some(p) if p.eq_ignore_ascii_case("query") => Some(EncryptionRefusal::Query),
                _ => None,
            };
            let encrypted = |flag: &str| flag.eq_ignore_ascii_case("requires-encryption");
            let (name, requires_encryption, refused_at) = match arguments {
                [name] => (name, false, Some(EncryptionRefusal::Login)),
                [name, flag] if encrypted(flag) => (name, true, Some(EncryptionRefusal::Login)),
                [name, flag, place] if encrypted(flag) => (name, true, refusal(place)),
                _ => (&"", false, None),
            };
            match refused_at {
                Some(refused_at) => Ok(Directive::Namespace {
                    name: name.to_string(),
                    requires_encryption,
                    refused_at,
                }),
                None => Err(
                    "expected `namespace NAME [requires-encryption [at=login|at=query]]`"
                        .to_string(),
                ),
            }
        }
        "acl" => {
            let [namespace, principal, access] = arguments else {
                return Err("expected `acl NAMESPACE PRINCIPAL remote-enable|deny`".to_string());
            };
            let access = match access.to_ascii_lowercase().as_str() {
                "remote-enable" => NamespaceAccess::RemoteEnable,
                "deny" => NamespaceAccess::Deny,
                other => {
                    return Err(format!(
                        "unknown access `{other}`; expected remote-enable or deny"
                    ));
                }
            };
            let principal = if let Some(group) = strip_prefix_ignore_case(principal, "group:") {
                PrincipalName::Group(Group::parse(group))
            } else if let Some(user) = strip_prefix_ignore_case(principal, "user:") {
                PrincipalName::User(user.to_string())
            } else {
                PrincipalName::Bare(principal.to_string())
            };
            Ok(Directive::Acl {
                namespace: namespace.to_string(),
                principal,
                access,
            })
        }
        "synthetic" => {
            let parsed = match arguments {
                [assignment] => assignment
                    .split_once('=')
                    .and_then(|(class, count)| Some((class, count.parse::<usize>().ok()?))),
                _ => None,
            };
            match parsed {
                Some((class, count)) if !class.is_empty() => Ok(Directive::Synthetic {
                    class: class.to_string(),
                    count,
                }),
                _ => Err("expected `synthetic CLASS=COUNT`".to_string()),
            }
        }
        "keytab" => match arguments {
            [path] => Ok(Directive::Keytab(PathBuf::from(path))),
            _ => Err("`keytab` takes one path".to_string()),
        },
        "domain-account" => match arguments {
            [name, groups] => match strip_prefix_ignore_case(groups, "groups=") {
                Some(list) => Ok(Directive::DomainAccount {
                    name: name.to_string(),
                    groups: list
                        .split(',')
                        .filter(|g| !g.is_empty())
                        .map(Group::parse)
                        .collect(),
                }),
                None => Err("expected `domain-account NAME groups=G1,G2`".to_string()),
            },
            _ => Err("expected `domain-account NAME groups=G1,G2`".to_string()),
        },
        other => Err(format!(
            "unknown directive `{other}`; expected account, mof, namespace, acl, synthetic, keytab or domain-account"
        )),
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text.get(prefix.len()..))
        .flatten()
        .filter(|rest| !rest.is_empty())
}

fn parse_account(arguments: &[&str]) -> Result<Directive, String> {
    let Some((name, options)) = arguments.split_first() else {
        return Err("expected `account NAME password=... [groups=...]`".to_string());
    };
    let mut secret = None;
    let mut groups = None;
    for option in options {
        let Some((key, value)) = option.split_once('=') else {
            return Err(format!("`{option}` is not KEY=VALUE"));
        };
        let previous = match key.to_ascii_lowercase().as_str() {
            "password" => secret
                .replace(AccountSecret::Password(value.to_string()))
                .is_some(),
            "nt-hash" => secret
                .replace(AccountSecret::NtHash(parse_hash(value)?))
                .is_some(),
            "groups" => groups
                .replace(
                    value
                        .split(',')
                        .filter(|g| !g.is_empty())
                        .map(Group::parse)
                        .collect::<Vec<_>>(),
                )
                .is_some(),
            other => return Err(format!("unknown account option `{other}`")),
        };
        if previous {
            return Err(format!(
                "`{key}` given twice (or both password and nt-hash)"
            ));
        }
    }
    Ok(Directive::Account {
        name: name.to_string(),
        secret: secret.ok_or_else(|| format!("account `{name}` needs password= or nt-hash="))?,
        groups: groups.unwrap_or_else(|| vec![Group::Users]),
    })
}

fn parse_hash(hex: &str) -> Result<[u8; 16], String> {
    let bad = || format!("nt-hash `{hex}` is not 32 hexadecimal digits");
    if hex.len() != 32 || !hex.is_ascii() {
        return Err(bad());
    }
    let mut hash = [0u8; 16];
    for (index, byte) in hash.iter_mut().enumerate() {
        let digits = hex.get(index * 2..index * 2 + 2).ok_or_else(bad)?;
        *byte = u8::from_str_radix(digits, 16).map_err(|_| bad())?;
    }
    Ok(hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::check_namespace;
    use crate::profile::Profiles;
    use rwmi::security::{AuthLevel, NtlmAccounts};

    const SAMPLE: &str = "\
# emulator configuration
account carol password=S3cret groups=Administrators,dcom-users   # trailing comment
account dave nt-hash=8846F7EAEE8FB117AD06BDD830B7586C
namespace root\\lab requires-encryption
acl root\\cimv2 bob remote-enable
acl root\\lab group:Users deny
acl root USER:dave remote-enable
synthetic Win32_Service=12
keytab emu.keytab
domain-account monitor groups=dcom-users,Users
";

    #[test]
    fn parses_every_directive() {
        let config = Config::parse(SAMPLE).unwrap();
        let lines: Vec<usize> = config.directives.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(
            config.directives[0].1,
            Directive::Account {
                name: "carol".into(),
                secret: AccountSecret::Password("S3cret".into()),
                groups: vec![Group::Administrators, Group::DistributedComUsers],
            }
        );
        assert!(matches!(
            &config.directives[1].1,
            Directive::Account { secret: AccountSecret::NtHash(hash), groups, .. }
                if hash[0] == 0x88 && hash[15] == 0x6c && *groups == vec![Group::Users]
        ));
        assert_eq!(
            config.directives[5].1,
            Directive::Acl {
                namespace: "root".into(),
                principal: PrincipalName::User("dave".into()),
                access: NamespaceAccess::RemoteEnable,
            }
        );
    }

    #[test]
    fn applies_to_repository_and_accounts() {
        let dir = std::env::temp_dir().join(format!("rwmi-sim-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("extra.mof"), "#pragma namespace(\"root\\\\lab\")\nclass Lab { [key] string Id; };\ninstance of Lab { Id = \"a\"; };\n").unwrap();
        let text = format!("{SAMPLE}mof extra.mof\n");
        let mut repository = Repository::load_default("EMU").unwrap();
        let mut accounts = Accounts::builtin("EMU");
        Config::parse(&text)
            .unwrap()
            .apply(&mut repository, &mut accounts, &dir)
            .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();

        assert_eq!(
            accounts.nt_hash("EMU", "carol"),
            Some(rwmi::security::nlmp::nt_hash("S3cret"))
        );
        assert_eq!(accounts.find("", "carol").unwrap().rid, 1004);
        assert_eq!(accounts.nt_hash("", "dave").unwrap()[0], 0x88);
        assert!(
            repository
                .security(r"root\lab")
                .unwrap()
                .requires_encryption
        );
        assert_eq!(
            repository
                .instances(r"root\lab", "Lab", false)
                .unwrap()
                .count(),
            1
        );
        assert_eq!(
            repository
                .instances(r"root\cimv2", "Win32_Service", false)
                .unwrap()
                .count(),
            12
        );

        let healthy = Profiles::default();
        let bob = accounts.find("", "bob").unwrap();
        let cimv2 = repository.security(r"root\cimv2").unwrap();
        assert_eq!(
            check_namespace(bob, &cimv2, AuthLevel::Integrity, &healthy),
            Ok(())
        );
        let dave = accounts.find("", "dave").unwrap();
        let lab = repository.security(r"root\lab").unwrap();
        // dave has Remote Enable from root, but the deny for Users on root\lab wins.
        assert!(check_namespace(dave, &cimv2, AuthLevel::Privacy, &healthy).is_ok());
        assert!(check_namespace(dave, &lab, AuthLevel::Privacy, &healthy).is_err());
    }

    #[test]
    fn encryption_refused_at_the_query() {
        let text = "namespace root\\MSCluster requires-encryption at=query\n\
                    namespace root\\lab requires-encryption AT=Login\n";
        let config = Config::parse(text).unwrap();
        assert_eq!(
            config.directives[0].1,
            Directive::Namespace {
                name: r"root\MSCluster".into(),
                requires_encryption: true,
                refused_at: EncryptionRefusal::Query,
            }
        );
        let mut repository = Repository::new("EMU");
        let mut accounts = Accounts::builtin("EMU");
        config
            .apply(&mut repository, &mut accounts, Path::new("."))
            .unwrap();
        let cluster = repository.security(r"root\mscluster").unwrap();
        assert!(cluster.requires_encryption);
        assert_eq!(cluster.refused_at, EncryptionRefusal::Query);
        let lab = repository.security(r"root\lab").unwrap();
        assert!(lab.requires_encryption);
        assert_eq!(lab.refused_at, EncryptionRefusal::Login);
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            ("account", 1, "expected `account"),
            ("\naccount x", 2, "needs password"),
            ("account x password=a password=b", 1, "twice"),
            ("account x password=a nt-hash=00", 1, "32 hexadecimal"),
            ("account x pw=a", 1, "unknown account option"),
            ("account x password", 1, "KEY=VALUE"),
            ("mof", 1, "one path"),
            ("namespace root\\x encrypted", 1, "expected `namespace"),
            (
                "namespace root\\x requires-encryption at=ping",
                1,
                "expected `namespace",
            ),
            (
                "namespace root\\x requires-encryption query",
                1,
                "at=login|at=query",
            ),
            ("acl root bob", 1, "expected `acl"),
            ("acl root bob allow", 1, "unknown access"),
            ("synthetic Win32_Process", 1, "CLASS=COUNT"),
            ("synthetic =5", 1, "CLASS=COUNT"),
            ("\n\n  frobnicate", 3, "unknown directive"),
        ];
        for (text, line, message) in cases {
            let error = Config::parse(text).unwrap_err();
            assert_eq!(error.line, line, "{text}");
            assert!(error.message.contains(message), "{text}: {error}");
        }
    }

    #[test]
    fn apply_errors_name_the_line() {
        let mut repository = Repository::new("EMU");
        let mut accounts = Accounts::builtin("EMU");
        let dir = Path::new("/nonexistent-rwmi-dir");
        for (text, message) in [
            ("acl root\\none bob deny", "no namespace"),
            ("mof missing.mof", "cannot read"),
            ("synthetic No_Such_Class=1", "no namespace has"),
            ("namespace root\\\\x", "not a namespace path"),
        ] {
            let config = Config::parse(&format!("\n{text}")).unwrap();
            let error = config
                .apply(&mut repository, &mut accounts, dir)
                .unwrap_err();
            assert_eq!(error.line, 2, "{text}");
            assert!(error.message.contains(message), "{text}: {error}");
        }
    }
}
