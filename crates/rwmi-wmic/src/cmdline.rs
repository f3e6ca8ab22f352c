//! Samba wmic's command line, as its popt table took it (wmic.c `parse_args` with POPT_COMMON_SAMBA,
//! POPT_COMMON_CONNECTION and POPT_COMMON_CREDENTIALS): options in any order, `-Uvalue`, `-U value`,
//! `--user=value` and `--user value` alike, then exactly two arguments, `//host` and the query.
//!
//! What means nothing to rwmi (smb.conf options, NetBIOS scope, signing: rwmi always seals) is taken
//! and reported in [`WmicArgs::notes`], so a plugin's command line keeps working unchanged.

use std::fmt;

/// What a wmic command line asks for. `Debug` never shows the password.
#[derive(Default, Clone, PartialEq, Eq)]
pub struct WmicArgs {
    /// From `-U`/`--user`, without its domain and password parts.
    pub user: Option<String>,
    /// From `-U DOMAIN/user`, `-U DOMAIN\user` or `-W`.
    pub domain: Option<String>,
    /// From `-U user%password` or `--password`.
    pub password: Option<String>,
    pub auth_file: Option<String>,
    pub no_pass: bool,
    pub kerberos: bool,
    pub namespace: Option<String>,
    pub delimiter: Option<String>,
    pub debug_level: u32,
    /// The host of `//host`, with a `[binding options]` suffix removed.
    pub host: String,
    pub query: String,
    /// Options taken but without effect in rwmi, one line each for stderr.
    pub notes: Vec<String>,
}

impl fmt::Debug for WmicArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WmicArgs")
            .field("user", &self.user)
            .field("domain", &self.domain)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("auth_file", &self.auth_file)
            .field("no_pass", &self.no_pass)
            .field("kerberos", &self.kerberos)
            .field("namespace", &self.namespace)
            .field("delimiter", &self.delimiter)
            .field("host", &self.host)
            .field("query", &self.query)
            .finish()
    }
}

/// What the command line asks for instead of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Run(Box<WmicArgs>),
    Help,
    Version,
}

/// The usage line wmic printed (its `poptSetOtherOptionHelp`), for errors and `--help`.
pub const USAGE: &str = "Usage: [-?|--help] [--usage] [-d|--debuglevel DEBUGLEVEL] [--debug-stderr]
        [-s|--configfile CONFIGFILE] [--option=name=value] [-l|--log-basename LOGFILEBASE]
        [--leak-report] [--leak-report-full] [-R|--name-resolve NAME-RESOLVE-ORDER]
        [-O|--socket-options SOCKETOPTIONS] [-n|--netbiosname NETBIOSNAME] [-W|--workgroup WORKGROUP]
        [--realm=REALM] [-i|--scope SCOPE] [-m|--maxprotocol MAXPROTOCOL] [-U|--user [DOMAIN/]USERNAME[%PASSWORD]]
        [-N|--no-pass] [--password=STRING] [-A|--authentication-file FILE] [-S|--signing on|off|required]
        [-P|--machine-pass] [--simple-bind-dn=STRING] [-k|--kerberos STRING] [--use-security-mechanisms=STRING]
        [-V|--version] [--namespace=STRING] [--delimiter=STRING]
        //host query

Example: wmic -U [domain/]adminuser%password //host \"select * from Win32_ComputerSystem\"
rwmi: packet privacy is always used; prefer -A FILE (or PASSWD in the environment) to a password in -U.";

/// Options that take a value and mean nothing to rwmi.
const IGNORED_WITH_VALUE: &[(&str, Option<char>)] = &[
    ("configfile", Some('s')),
    ("option", None),
    ("log-basename", Some('l')),
    ("name-resolve", Some('R')),
    ("socket-options", Some('O')),
    ("netbiosname", Some('n')),
    ("realm", None),
    ("scope", Some('i')),
    ("maxprotocol", Some('m')),
    ("signing", Some('S')),
    ("simple-bind-dn", None),
    ("use-security-mechanisms", None),
];

/// Flags that mean nothing to rwmi.
const IGNORED_FLAGS: &[(&str, Option<char>)] = &[
    ("debug-stderr", None),
    ("leak-report", None),
    ("leak-report-full", None),
    ("machine-pass", Some('P')),
];

/// Parses wmic's arguments (without the program name).
pub fn parse(args: &[String]) -> Result<Parsed, String> {
    let mut out = WmicArgs::default();
    let mut positional = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            positional.extend(args[i..].iter().cloned());
            break;
        }
        let (name, inline): (String, Option<String>) = if let Some(long) = arg.strip_prefix("--") {
            match long.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (long.to_string(), None),
            }
        } else if let Some(short) = arg.strip_prefix('-').filter(|s| !s.is_empty()) {
            let mut chars = short.chars();
            let letter = chars.next().unwrap_or('?');
            let rest: String = chars.collect();
            let Some(long) = long_name(letter) else {
                return Err(format!("unknown option -{letter}"));
            };
            (long.to_string(), (!rest.is_empty()).then_some(rest))
        } else {
            positional.push(arg.clone());
            continue;
        };
        let mut value = |what: &str| -> Result<String, String> {
            if let Some(v) = &inline {
                return Ok(v.clone());
            }
            let v = args
                .get(i)
                .cloned()
                .ok_or_else(|| format!("--{what} needs a value"))?;
            i += 1;
            Ok(v)
        };
        match name.as_str() {
            "help" | "usage" => return Ok(Parsed::Help),
            "version" => return Ok(Parsed::Version),
            "user" => {
                let v = value("user")?;
                set_user(&mut out, &v);
            }
            "password" => out.password = Some(value("password")?),
            "no-pass" => out.no_pass = true,
            "authentication-file" => out.auth_file = Some(value("authentication-file")?),
            "workgroup" => out.domain = Some(value("workgroup")?),
            "namespace" => out.namespace = Some(value("namespace")?),
            "delimiter" => out.delimiter = Some(value("delimiter")?),
            "debuglevel" => {
                let v = value("debuglevel")?;
                out.debug_level = v
                    .trim()
                    .parse()
                    .map_err(|_| format!("--debuglevel `{v}` is not a number"))?;
            }
            "kerberos" => {
                // Samba 4's -k takes yes/no; a bare -k (older wmic builds) means yes.
                let v = match &inline {
                    Some(v) => v.clone(),
                    None => match args.get(i).map(|s| s.to_ascii_lowercase()) {
                        Some(s)
                            if ["yes", "no", "true", "false", "1", "0"].contains(&s.as_str()) =>
                        {
                            i += 1;
                            s
                        }
                        _ => "yes".to_string(),
                    },
                };
                out.kerberos = matches!(v.to_ascii_lowercase().as_str(), "yes" | "true" | "1");
            }
            other => {
                if IGNORED_WITH_VALUE.iter().any(|(n, _)| *n == other) {
                    let v = value(other)?;
                    out.notes.push(format!(
                        "rwmi wmic: --{other}={} has no effect in rwmi (ignored)",
                        if other == "option" { v.as_str() } else { "..." }
                    ));
                } else if IGNORED_FLAGS.iter().any(|(n, _)| *n == other) {
                    out.notes.push(format!(
                        "rwmi wmic: --{other} has no effect in rwmi (ignored)"
                    ));
                } else {
                    return Err(format!("unknown option --{other}"));
                }
            }
        }
    }
    let [host, query] = positional.as_slice() else {
        return Err(format!(
            "expected //host and a query, got {} argument(s)",
            positional.len()
        ));
    };
    let Some(host) = host.strip_prefix("//") else {
        return Err(format!("the host must be written //host, got `{host}`"));
    };
    // A DCE/RPC binding suffix (`//host[sign,seal]`): rwmi always seals.
    let host = match host.split_once('[') {
        Some((h, options)) => {
            out.notes.push(format!(
                "rwmi wmic: binding options [{} have no effect: rwmi always uses packet privacy",
                options
            ));
            h
        }
        None => host,
    };
    if host.is_empty() {
        return Err("the host after // is empty".into());
    }
    out.host = host.to_string();
    out.query = query.clone();
    Ok(Parsed::Run(Box::new(out)))
}

fn long_name(letter: char) -> Option<&'static str> {
    Some(match letter {
        '?' => "help",
        'U' => "user",
        'N' => "no-pass",
        'A' => "authentication-file",
        'W' => "workgroup",
        'd' => "debuglevel",
        'k' => "kerberos",
        'V' => "version",
        other => {
            return IGNORED_WITH_VALUE
                .iter()
                .chain(IGNORED_FLAGS)
                .find(|(_, short)| *short == Some(other))
                .map(|(long, _)| *long);
        }
    })
}

/// `[DOMAIN/]user[%password]`, `DOMAIN\user` too (Samba's `cli_credentials_parse_string`): the first `%`
/// starts the password, so a password may hold `%`.
fn set_user(out: &mut WmicArgs, text: &str) {
    let (who, password) = match text.split_once('%') {
        Some((who, password)) => (who, Some(password.to_string())),
        None => (text, None),
    };
    if password.is_some() {
        out.password = password;
    }
    match who.split_once(['/', '\\']) {
        Some((domain, user)) => {
            out.domain = Some(domain.to_string());
            out.user = Some(user.to_string());
        }
        None => out.user = Some(who.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> WmicArgs {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        match parse(&args).unwrap() {
            Parsed::Run(a) => *a,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn check_wmi_plus_command_lines() {
        // check_wmi_plus.pl builds `$wmic_command -U ${wmi_domain}/${wmi_user}%${wmi_pass} //$host ...`
        // or `-A $auth_file` (its README), with `--namespace` and `--delimiter` where it needs them.
        let a = run(&[
            "-U",
            "TEST/alice%p%ss",
            "--namespace=root/cimv2",
            "//10.0.0.1",
            "SELECT Name FROM Win32_Service",
        ]);
        assert_eq!(a.domain.as_deref(), Some("TEST"));
        assert_eq!(a.user.as_deref(), Some("alice"));
        assert_eq!(a.password.as_deref(), Some("p%ss"));
        assert_eq!(a.namespace.as_deref(), Some("root/cimv2"));
        assert_eq!(a.host, "10.0.0.1");
        assert_eq!(a.query, "SELECT Name FROM Win32_Service");
        assert!(!format!("{a:?}").contains("p%ss"));

        let a = run(&[
            "-A/etc/wmi.auth",
            "--delimiter",
            ",",
            "-k",
            "//host[sign]",
            "q",
        ]);
        assert_eq!(a.auth_file.as_deref(), Some("/etc/wmi.auth"));
        assert_eq!(a.delimiter.as_deref(), Some(","));
        assert!(a.kerberos);
        assert_eq!(a.host, "host");
        assert_eq!(a.notes.len(), 1);

        let a = run(&[
            "--user=TEST\\bob",
            "--no-pass",
            "-W",
            "OTHER",
            "--option=client ntlmv2 auth=Yes",
            "-d0",
            "//h:1135",
            "q",
        ]);
        assert_eq!(a.user.as_deref(), Some("bob"));
        assert_eq!(a.domain.as_deref(), Some("OTHER"));
        assert!(a.no_pass);
        assert_eq!(a.host, "h:1135");
        assert!(a.notes[0].contains("client ntlmv2 auth=Yes"));
    }

    #[test]
    fn wrong_command_lines_are_errors() {
        let parse_strs =
            |args: &[&str]| parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert!(parse_strs(&["//h"]).is_err());
        assert!(parse_strs(&["h", "q"]).is_err());
        assert!(parse_strs(&["-Z", "//h", "q"]).is_err());
        assert!(parse_strs(&["//h", "q", "-U"]).is_err());
        assert_eq!(parse_strs(&["--help"]).unwrap(), Parsed::Help);
        assert_eq!(parse_strs(&["-V"]).unwrap(), Parsed::Version);
    }
}
