//! Turns connection arguments into `ConnectOptions` for each host: host lists, credentials from the safest
//! source available, levels and time bounds.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::time::Duration;

use rwmi::security::krb5::{Keytab, Principal};
use rwmi::security::{AuthLevel, CachedTgt, Credentials, KerberosSecret, Secret};
use rwmi::wmi::{ConnectOptions, KerberosPackage, KerberosSettings};

use crate::args::{AuthLevelArg, AuthPackageArg, ConnectArgs};

/// Expands `-H a,b -H @file` into a list of host[:port] strings, in order, without duplicates.
pub fn expand_hosts(values: &[String]) -> Result<Vec<String>, String> {
    let mut hosts: Vec<String> = Vec::new();
    for value in values {
        let items: Vec<String> = match value.strip_prefix('@') {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read host list {path}: {e}"))?
                .lines()
                .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
                .collect(),
            None => value.split(',').map(|s| s.trim().to_string()).collect(),
        };
        for item in items.into_iter().filter(|i| !i.is_empty()) {
            if !hosts.contains(&item) {
                hosts.push(item);
            }
        }
    }
    if hosts.is_empty() {
        return Err("no host given".into());
    }
    Ok(hosts)
}

/// The secret, from (in order) --hashes, -p, --password-file, RWMI_PASSWORD, or a prompt without echo.
fn secret(args: &ConnectArgs) -> Result<Secret, String> {
    if let Some(hashes) = &args.hashes {
        return Secret::from_hashes(hashes);
    }
    if let Some(password) = &args.password {
        eprintln!(
            "rwmi: warning: a password given with -p can be read by other users from the process list; use RWMI_PASSWORD or --password-file"
        );
        return Ok(Secret::Password(password.clone()));
    }
    if let Some(path) = &args.password_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read password file {path}: {e}"))?;
        return Ok(Secret::Password(
            text.lines().next().unwrap_or("").to_string(),
        ));
    }
    if let Ok(password) = std::env::var("RWMI_PASSWORD") {
        return Ok(Secret::Password(password));
    }
    if std::io::stdin().is_terminal() {
        let user = args.user.as_deref().unwrap_or("");
        return rpassword::prompt_password(format!("Password for {user}: "))
            .map(Secret::Password)
            .map_err(|e| format!("cannot read the password: {e}"));
    }
    Err("no password: set RWMI_PASSWORD, use --password-file or --hashes, or run on a terminal to be asked".into())
}

/// Whether the arguments ask for Kerberos: -k, a `kerberos:` authority, an AES key, a keytab or a cache.
fn wants_kerberos(args: &ConnectArgs) -> bool {
    args.kerberos
        || args.aes_key.is_some()
        || args.keytab.is_some()
        || args.ccache.is_some()
        || args
            .authority
            .as_deref()
            .is_some_and(|a| a.to_ascii_lowercase().starts_with("kerberos:"))
}

/// The KDC's address from `--kdc HOST[:PORT]`.
pub fn kdc_address(text: &str) -> Result<SocketAddr, String> {
    rwmi::security::kdc::resolve_kdc(text).map_err(|e| format!("--kdc: {e}"))
}

/// Whether a password was given in any of the ways `secret` reads.
fn password_given(args: &ConnectArgs) -> bool {
    args.password.is_some()
        || args.password_file.is_some()
        || args.hashes.is_some()
        || std::env::var_os("RWMI_PASSWORD").is_some()
}

/// The credential cache to use: --ccache, or KRB5CCNAME with -k when no password or key is given.
/// `FILE:` prefixes are dropped; other cache types (KEYRING:, KCM:, DIR:) are refused by name.
fn credential_cache_path(args: &ConnectArgs) -> Result<Option<String>, String> {
    let from_env = || {
        (args.kerberos && args.aes_key.is_none() && args.keytab.is_none() && !password_given(args))
            .then(|| std::env::var("KRB5CCNAME").ok())
            .flatten()
            .filter(|v| !v.is_empty())
    };
    let Some(name) = args.ccache.clone().or_else(from_env) else {
        return Ok(None);
    };
    rwmi::security::krb5::credential_cache_file(&name).map(Some)
}

/// What proves the Kerberos identity when it is not a password: a key (--aes-key or --keytab) or a
/// cached TGT, with the principal that a keytab or a cache names.
fn kerberos_secret(args: &ConnectArgs) -> Result<Option<(KerberosSecret, Option<String>)>, String> {
    if let Some(hex) = &args.aes_key {
        return Ok(Some((KerberosSecret::aes_key_from_hex(hex)?, None)));
    }
    if let Some(path) = &args.keytab {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read keytab {path}: {e}"))?;
        let keytab = Keytab::decode(&bytes).map_err(|e| format!("keytab {path}: {e}"))?;
        let wanted = args
            .user
            .as_deref()
            .map(|u| Principal::parse(&user_principal_text(u, args.realm.as_deref()), 1));
        let entry = keytab
            .entries
            .iter()
            .filter(|e| e.key.is_aes_sha1())
            .filter(|e| match &wanted {
                Some(Some(p)) => e.principal.matches(p),
                Some(None) => false,
                None => true,
            })
            .max_by_key(|e| (e.kvno, e.key.enctype))
            .ok_or_else(|| {
                format!(
                    "keytab {path} has no AES key{} (it holds: {})",
                    args.user
                        .as_deref()
                        .map_or(String::new(), |u| format!(" for {u}")),
                    keytab
                        .principals()
                        .iter()
                        .map(|p| p.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
        return Ok(Some((
            KerberosSecret::AesKey(entry.key.value.clone()),
            Some(entry.principal.to_string()),
        )));
    }
    if let Some(path) = credential_cache_path(args)? {
        let tgt = CachedTgt::from_cache_name(&path, args.realm.as_deref())?;
        let principal = format!("{}@{}", tgt.client.join("/"), tgt.client_realm);
        return Ok(Some((
            KerberosSecret::CachedTgt(Box::new(tgt)),
            Some(principal),
        )));
    }
    Ok(None)
}

/// `user@REALM` from -u in any of its forms and --realm.
fn user_principal_text(user: &str, realm: Option<&str>) -> String {
    let parsed = Credentials::parse_user(user, Secret::Password(String::new()));
    let realm = realm
        .map(str::to_string)
        .unwrap_or_else(|| parsed.domain.clone())
        .to_ascii_uppercase();
    format!("{}@{realm}", parsed.user)
}

/// Kerberos settings from -k, --kdc, --realm and --aes-key; without --kdc the realm's DNS name is asked.
fn kerberos_settings(
    args: &ConnectArgs,
    credentials: &Credentials,
    secret: Option<KerberosSecret>,
) -> Result<KerberosSettings, String> {
    let realm = args.realm.clone().filter(|r| !r.trim().is_empty());
    let kdc = match &args.kdc {
        Some(kdc) => kdc_address(kdc)?,
        None => {
            let domain = realm.clone().unwrap_or_else(|| credentials.domain.clone());
            if domain.is_empty() || domain == "." {
                return Err("Kerberos needs a KDC: give --kdc HOST (a domain controller), or a realm (--realm or -u user@REALM) whose DNS name leads to one".into());
            }
            kdc_address(&domain.to_ascii_lowercase())
                .map_err(|e| format!("{e}; give the KDC with --kdc HOST"))?
        }
    };
    Ok(KerberosSettings {
        realm,
        kdc,
        spn: None,
        secret,
        package: match args.auth_package {
            Some(AuthPackageArg::Negotiate) => KerberosPackage::Negotiate,
            Some(AuthPackageArg::Kerberos) | None => KerberosPackage::Kerberos,
        },
    })
}

/// Options for each host, sharing one credential.
pub fn options_for(args: &ConnectArgs, hosts: &[String]) -> Result<Vec<ConnectOptions>, String> {
    let kerberos = wants_kerberos(args);
    if !kerberos && (args.kdc.is_some() || args.realm.is_some() || args.auth_package.is_some()) {
        return Err("--kdc, --realm and --auth-package are for Kerberos: add -k".into());
    }
    // With a key or a cached TGT the password is not used: Kerberos proves the identity with it alone.
    let kerberos_secret = if kerberos {
        kerberos_secret(args)?
    } else {
        None
    };
    let (user, secret) = match &kerberos_secret {
        Some((_, principal)) => (
            args.user.clone().or_else(|| principal.clone()),
            Secret::Password(String::new()),
        ),
        None => (args.user.clone(), secret(args)?),
    };
    let user = user.ok_or("-u/--user is required")?;
    let credentials = Credentials::parse_user(&user, secret);
    let kerberos = kerberos
        .then(|| kerberos_settings(args, &credentials, kerberos_secret.map(|(s, _)| s)))
        .transpose()?;
    let level = match args.auth_level {
        AuthLevelArg::Connect => AuthLevel::Connect,
        AuthLevelArg::Integrity => AuthLevel::Integrity,
        AuthLevelArg::Privacy => AuthLevel::Privacy,
    };
    if level < AuthLevel::Integrity {
        eprintln!(
            "rwmi: warning: --auth-level {} leaves packets unsigned and unencrypted, and patched Windows refuses DCOM activation below integrity",
            level.name()
        );
    }
    let timeout = seconds(args.timeout, "--timeout")?;
    let max_wait = args
        .max_wait
        .map(|s| seconds(s, "--max-wait"))
        .transpose()?;
    // One store of decoded classes for the whole run: a fleet of like hosts parses each class once.
    let classes = rwmi::wmi::shared_classes();
    hosts
        .iter()
        .map(|host| {
            let mut o =
                ConnectOptions::new(host, credentials.clone()).map_err(|e| e.to_string())?;
            o = o
                .with_namespace(&args.namespace)
                .map_err(|e| e.to_string())?;
            if let Some(authority) = &args.authority {
                o = o.with_authority(authority).map_err(|e| e.to_string())?;
            }
            if let Some(settings) = &kerberos {
                o = o
                    .with_kerberos(settings.clone())
                    .map_err(|e| e.to_string())?;
            }
            o.locale = args.locale.clone();
            o.auth_level = level;
            o.connect_timeout = timeout;
            o.call_timeout = timeout;
            o.max_wait = max_wait;
            o.batch_size = args.batch_size.max(1);
            o.shared_classes = Some(classes.clone());
            Ok(o)
        })
        .collect()
}

/// The hosts and one `ConnectOptions` each, or the usage exit code after saying what is wrong.
pub fn prepare(args: &ConnectArgs) -> Result<(Vec<String>, Vec<ConnectOptions>), u8> {
    let usage = |e: String| {
        eprintln!("rwmi: {e}");
        crate::exit::USAGE
    };
    let hosts = expand_hosts(&args.hosts).map_err(usage)?;
    let options = options_for(args, &hosts).map_err(usage)?;
    Ok((hosts, options))
}

fn seconds(value: f64, flag: &str) -> Result<Duration, String> {
    if value.is_finite() && value > 0.0 {
        Ok(Duration::from_secs_f64(value))
    } else {
        Err(format!("{flag} takes a positive number of seconds"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_lists() {
        let dir = std::env::temp_dir().join(format!("rwmi-hosts-{}", std::process::id()));
        std::fs::write(&dir, "a\n# comment\nb:1135  # the second\n\n").unwrap();
        let hosts =
            expand_hosts(&["x,y".into(), format!("@{}", dir.display()), "x".into()]).unwrap();
        assert_eq!(hosts, ["x", "y", "a", "b:1135"]);
        std::fs::remove_file(dir).unwrap();
        assert!(expand_hosts(&[",".into()]).is_err());
    }

    #[test]
    fn kdc_addresses() {
        assert_eq!(
            kdc_address("127.0.200.1").unwrap(),
            "127.0.200.1:88".parse::<SocketAddr>().unwrap()
        );
        assert_eq!(
            kdc_address("127.0.200.1:1088").unwrap(),
            "127.0.200.1:1088".parse::<SocketAddr>().unwrap()
        );
        assert_eq!(
            kdc_address("[::1]").unwrap(),
            "[::1]:88".parse::<SocketAddr>().unwrap()
        );
        assert_eq!(kdc_address("localhost:1088").unwrap().port(), 1088);
        assert!(kdc_address("localhost:kerberos").is_err());
        assert!(kdc_address(":88").is_err());
    }
}
