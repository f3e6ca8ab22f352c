//! Turns connection arguments into `ConnectOptions` for each host: host lists, credentials from the safest
//! source available, levels and time bounds.

use std::io::IsTerminal;
use std::time::Duration;

use rwmi::security::{AuthLevel, Credentials, Secret};
use rwmi::wmi::ConnectOptions;

use crate::args::{AuthLevelArg, ConnectArgs};

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

/// Options for each host, sharing one credential.
pub fn options_for(args: &ConnectArgs, hosts: &[String]) -> Result<Vec<ConnectOptions>, String> {
    if args.kerberos
        || args
            .authority
            .as_deref()
            .is_some_and(|a| a.to_ascii_lowercase().starts_with("kerberos:"))
    {
        return Err("Kerberos is not available in this build of rwmi yet; use NTLM (the default) or --hashes".into());
    }
    let user = args.user.clone().ok_or("-u/--user is required")?;
    let credentials = Credentials::parse_user(&user, secret(args)?);
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
    hosts
        .iter()
        .map(|host| {
            let mut o =
                ConnectOptions::new(host, credentials.clone()).map_err(|e| e.to_string())?;
            o = o.namespace(&args.namespace).map_err(|e| e.to_string())?;
            if let Some(authority) = &args.authority {
                o = o.authority(authority).map_err(|e| e.to_string())?;
            }
            o.locale = args.locale.clone();
            o.auth_level = level;
            o.connect_timeout = timeout;
            o.call_timeout = timeout;
            o.max_wait = max_wait;
            o.batch_size = args.batch_size.max(1);
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
}
