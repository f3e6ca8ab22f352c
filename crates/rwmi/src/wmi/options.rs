//! What `IWbemLocator::ConnectServer` takes, checked up front: target, namespace, user, authority, locale,
//! authentication level, and the time bounds.

use std::fmt;
use std::time::Duration;

use crate::security::{AuthLevel, Credentials};

/// `wbemConnectFlagUseMaxWait` (WBEM_FLAG_CONNECT_USE_MAX_WAIT, 0x80): ConnectServer returns within two
/// minutes. rwmi's `max_wait` may be shorter but never longer than this.
pub const MAX_WAIT_CAP: Duration = Duration::from_secs(120);

/// The ping period of MS-DCOM 3.2.6 (the global timer Windows runs every two minutes); the server keeps an
/// object for three periods without a ping.
pub const PING_PERIOD: Duration = Duration::from_secs(120);

/// Where to connect: a host name or address, and the endpoint mapper's port (135 unless told).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
}

impl Target {
    /// `host`, `host:port`, `[v6]`, `[v6]:port`; a bare IPv6 address is taken whole.
    pub fn parse(text: &str) -> Result<Self, OptionError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(OptionError("the target host is empty".into()));
        }
        let port = |p: &str| {
            p.parse::<u16>()
                .map_err(|_| OptionError(format!("`{p}` is not a TCP port")))
        };
        if let Some(rest) = text.strip_prefix('[') {
            let (host, after) = rest
                .split_once(']')
                .ok_or_else(|| OptionError(format!("`{text}`: `[` without `]`")))?;
            let port = match after.strip_prefix(':') {
                Some(p) => port(p)?,
                None if after.is_empty() => 135,
                None => return Err(OptionError(format!("`{text}`: unexpected text after `]`"))),
            };
            return Ok(Target {
                host: host.to_string(),
                port,
            });
        }
        match text.rsplit_once(':') {
            Some((host, p)) if !host.contains(':') => Ok(Target {
                host: host.to_string(),
                port: port(p)?,
            }),
            _ => Ok(Target {
                host: text.to_string(),
                port: 135,
            }),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// ConnectServer's strAuthority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authority {
    /// `ntlmdomain:DOMAIN`: NTLM with this domain.
    NtlmDomain(String),
    /// `kerberos:PRINCIPAL`: Kerberos with this service principal.
    Kerberos(String),
}

impl Authority {
    pub fn parse(text: &str) -> Result<Self, OptionError> {
        let (scheme, value) = text.split_once(':').ok_or_else(|| {
            OptionError(format!(
                "authority `{text}` is not `ntlmdomain:X` or `kerberos:P`"
            ))
        })?;
        if value.is_empty() {
            return Err(OptionError(format!(
                "authority `{text}` names nothing after the colon"
            )));
        }
        match scheme.to_ascii_lowercase().as_str() {
            "ntlmdomain" => Ok(Authority::NtlmDomain(value.to_string())),
            "kerberos" => Ok(Authority::Kerberos(value.to_string())),
            _ => Err(OptionError(format!(
                "authority scheme `{scheme}` is neither ntlmdomain nor kerberos"
            ))),
        }
    }
}

/// A namespace as WMI names it (`root\cimv2`): `/` is accepted for `\`, and a `\\server\` or `//./`
/// prefix is dropped since the server is the target.
pub fn normalize_namespace(text: &str) -> Result<String, OptionError> {
    let mut ns = text.trim().replace('/', "\\");
    if let Some(rest) = ns.strip_prefix("\\\\") {
        ns = rest
            .split_once('\\')
            .map(|(_, n)| n.to_string())
            .unwrap_or_default();
    }
    let ns = ns.trim_matches('\\').to_string();
    if ns.is_empty() || ns.split('\\').any(str::is_empty) {
        return Err(OptionError(format!(
            "`{text}` is not a namespace such as root\\cimv2"
        )));
    }
    Ok(ns)
}

/// A wrong option, said in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionError(pub String);

impl fmt::Display for OptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OptionError {}

/// Everything `connect` needs.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub target: Target,
    /// Normalised, e.g. `root\cimv2`.
    pub namespace: String,
    pub credentials: Credentials,
    /// `MS_409` style; `None` lets the server choose.
    pub locale: Option<String>,
    pub authority: Option<Authority>,
    pub auth_level: AuthLevel,
    /// Each TCP connect.
    pub connect_timeout: Duration,
    /// Each call.
    pub call_timeout: Duration,
    /// Bounds the whole connect (all stages), as `wbemConnectFlagUseMaxWait` does; capped at two minutes.
    pub max_wait: Option<Duration>,
    /// Objects asked for per IEnumWbemClassObject::Next.
    pub batch_size: u32,
    /// Fragment size to offer (smaller values exercise fragmentation).
    pub max_frag: u16,
    /// Enumerate through IWbemWCOSmartEnum (MS-WMI 3.1.4.6/3.1.4.7) when the enumerator offers it: one
    /// ObjectArray per batch, with each class sent once, instead of one marshaled object per row.
    pub smart_enum: bool,
    /// How often the keep-alive task pings the server's object resolver (MS-DCOM 3.2.6: two minutes on
    /// Windows); `None` sends no pings, and the server may then collect our objects after three periods.
    pub ping_interval: Option<Duration>,
}

impl ConnectOptions {
    pub fn new(target: &str, credentials: Credentials) -> Result<Self, OptionError> {
        Ok(Self {
            target: Target::parse(target)?,
            namespace: "root\\cimv2".into(),
            credentials,
            locale: None,
            authority: None,
            auth_level: AuthLevel::Privacy,
            connect_timeout: Duration::from_secs(10),
            call_timeout: Duration::from_secs(60),
            max_wait: None,
            batch_size: 256,
            max_frag: crate::rpc::client::DEFAULT_MAX_FRAG,
            smart_enum: true,
            ping_interval: Some(PING_PERIOD),
        })
    }

    pub fn namespace(mut self, namespace: &str) -> Result<Self, OptionError> {
        self.namespace = normalize_namespace(namespace)?;
        Ok(self)
    }

    /// Applies ConnectServer's rule: the domain may be given in the user name or in the authority, not both.
    pub fn authority(mut self, authority: &str) -> Result<Self, OptionError> {
        let authority = Authority::parse(authority)?;
        if let Authority::NtlmDomain(domain) = &authority {
            if !self.credentials.domain.is_empty() {
                return Err(OptionError(format!(
                    "the domain is given twice: `{}` in the user name and `{domain}` in the authority; \
                     give it in one place only",
                    self.credentials.domain
                )));
            }
            self.credentials.domain = domain.clone();
        }
        self.authority = Some(authority);
        Ok(self)
    }

    /// The bound for the whole connect: `max_wait` capped at two minutes.
    pub fn connect_budget(&self) -> Option<Duration> {
        self.max_wait.map(|w| w.min(MAX_WAIT_CAP))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::Secret;

    #[test]
    fn targets() {
        assert_eq!(
            Target::parse("host").unwrap(),
            Target {
                host: "host".into(),
                port: 135
            }
        );
        assert_eq!(
            Target::parse("10.0.0.1:1135").unwrap(),
            Target {
                host: "10.0.0.1".into(),
                port: 1135
            }
        );
        assert_eq!(
            Target::parse("[::1]:99").unwrap(),
            Target {
                host: "::1".into(),
                port: 99
            }
        );
        assert_eq!(
            Target::parse("fe80::1").unwrap(),
            Target {
                host: "fe80::1".into(),
                port: 135
            }
        );
        assert!(Target::parse("host:http").is_err());
        assert!(Target::parse("").is_err());
    }

    #[test]
    fn namespaces() {
        assert_eq!(normalize_namespace("root/cimv2").unwrap(), "root\\cimv2");
        assert_eq!(
            normalize_namespace("\\\\.\\root\\cimv2").unwrap(),
            "root\\cimv2"
        );
        assert_eq!(
            normalize_namespace("//server/root/default").unwrap(),
            "root\\default"
        );
        assert!(normalize_namespace("root\\\\x").is_err());
        assert!(normalize_namespace("").is_err());
    }

    #[test]
    fn authority_rules() {
        let creds = |u: &str| Credentials::parse_user(u, Secret::Password("p".into()));
        let o = ConnectOptions::new("h", creds("alice"))
            .unwrap()
            .authority("ntlmdomain:CORP")
            .unwrap();
        assert_eq!(o.credentials.domain, "CORP");
        let e = ConnectOptions::new("h", creds("CORP\\alice"))
            .unwrap()
            .authority("ntlmdomain:CORP")
            .unwrap_err();
        assert!(e.0.contains("given twice"), "{e}");
        assert!(
            ConnectOptions::new("h", creds("a"))
                .unwrap()
                .authority("kerberos:host/x")
                .is_ok()
        );
        assert!(Authority::parse("ntlm:X").is_err());
        assert!(Authority::parse("kerberos:").is_err());
    }

    #[test]
    fn max_wait_is_capped_at_two_minutes() {
        let mut o = ConnectOptions::new(
            "h",
            Credentials::parse_user("a", Secret::Password("p".into())),
        )
        .unwrap();
        assert_eq!(o.connect_budget(), None);
        o.max_wait = Some(Duration::from_secs(600));
        assert_eq!(o.connect_budget(), Some(MAX_WAIT_CAP));
        o.max_wait = Some(Duration::from_secs(5));
        assert_eq!(o.connect_budget(), Some(Duration::from_secs(5)));
    }
}
