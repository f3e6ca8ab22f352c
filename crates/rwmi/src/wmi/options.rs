//! What `IWbemLocator::ConnectServer` takes, checked up front: target, namespace, user, authority, locale,
//! authentication level, and the time bounds.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rwmi_core::wmio::{Limits, SharedClasses};

use rwmi_core::rpc::SyntaxId;

use super::dcom::DcomOptions;
use crate::rpc::AssociationOptions;
use crate::security::{
    AuthLevel, Authentication, Credentials, KerberosCredentials, KerberosSecret, Secret,
};

/// `wbemConnectFlagUseMaxWait` (WBEM_FLAG_CONNECT_USE_MAX_WAIT, 0x80): ConnectServer returns within two
/// minutes. rwmi's `max_wait` may be shorter but never longer than this.
pub const MAX_WAIT_CAP: Duration = Duration::from_secs(120);

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
    /// `kerberos:PRINCIPAL`: Kerberos with this service principal (`host/server.domain`, an optional
    /// `@REALM` dropped).
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
            "kerberos" => Ok(Authority::Kerberos(service_principal(value)?)),
            _ => Err(OptionError(format!(
                "authority scheme `{scheme}` is neither ntlmdomain nor kerberos"
            ))),
        }
    }
}

/// The SPN of a `kerberos:` authority. Windows documents `kerberos:DOMAIN\\server` too, but a NetBIOS
/// pair does not say which service class and FQDN to ask the KDC for, so rwmi wants the SPN itself.
fn service_principal(principal: &str) -> Result<String, OptionError> {
    let spn = principal
        .split_once('@')
        .map_or(principal, |(spn, _realm)| spn);
    match spn.split_once('/') {
        Some((class, host)) if !class.is_empty() && !host.is_empty() && !spn.contains('\\') => {
            Ok(spn.to_string())
        }
        _ => Err(OptionError(format!(
            "`kerberos:{principal}` does not name a service principal; write it as \
             kerberos:host/server.domain (or kerberos:RPCSS/server.domain)"
        ))),
    }
}

/// Kerberos in place of NTLM: where the KDC is, the realm, and the target's service principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KerberosSettings {
    /// The realm (upper-cased when used); `None` takes it from the user name (`user@REALM`, `REALM\\user`).
    pub realm: Option<String>,
    /// The KDC, reached over TCP (port 88 as a rule).
    pub kdc: SocketAddr,
    /// The target's service principal; `None` takes it from a `kerberos:` authority, else `host/<target host>`.
    pub spn: Option<String>,
    /// A long-term AES key used in place of the password (pass-the-key).
    pub secret: Option<KerberosSecret>,
    /// The security package the binds name: Kerberos itself, or Negotiate (SPNEGO) around it.
    pub package: KerberosPackage,
}

impl KerberosSettings {
    pub fn new(kdc: SocketAddr) -> Self {
        Self {
            realm: None,
            kdc,
            spn: None,
            secret: None,
            package: KerberosPackage::Kerberos,
        }
    }
}

/// How a Kerberos context is named in the binds (MS-RPCE 2.2.1.1.7). Windows servers accept both; the
/// tokens and keys inside are the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KerberosPackage {
    /// RPC_C_AUTHN_GSS_KERBEROS (16): three legs, the least traffic.
    #[default]
    Kerberos,
    /// RPC_C_AUTHN_GSS_NEGOTIATE (9), as Windows clients bind: SPNEGO around the same tokens, one more
    /// round trip (an alter_context) per association for the mechListMICs.
    Negotiate,
}

/// A namespace as WMI names it (`root\cimv2`): `/` is accepted for `\`, and a `\\server\` or `//./`
/// prefix is dropped since the server is the target.
pub fn normalize_namespace(text: &str) -> Result<String, OptionError> {
    let ns = rwmi_core::wmi::path::namespace_of_resource(text);
    if ns.is_empty() || ns.split('\\').any(str::is_empty) {
        return Err(OptionError(format!(
            "`{text}` is not a namespace such as root\\cimv2"
        )));
    }
    Ok(ns)
}

/// A store of decoded classes for several connections to share (`ConnectOptions::shared_classes`), made
/// for the decoder limits every connection uses.
pub fn shared_classes() -> Arc<SharedClasses> {
    Arc::new(SharedClasses::new(Limits::default()))
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

/// Everything `connect` needs, whatever the transport. What the builders check (the target, namespace,
/// credentials, authority and Kerberos settings, which constrain each other) is read through methods
/// and set only through them; the rest are plain fields. What only DCOM uses is in `dcom`.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub(crate) target: Target,
    /// Normalised, e.g. `root\cimv2`.
    pub(crate) namespace: String,
    pub(crate) credentials: Credentials,
    pub(crate) authority: Option<Authority>,
    /// Set: every association authenticates with Kerberos instead of NTLM.
    pub(crate) kerberos: Option<KerberosSettings>,
    /// `MS_409` style; `None` lets the server choose.
    pub locale: Option<String>,
    pub auth_level: AuthLevel,
    /// Each TCP connect.
    pub connect_timeout: Duration,
    /// Each call.
    pub call_timeout: Duration,
    /// Bounds the whole connect (all stages), as `wbemConnectFlagUseMaxWait` does; capped at two minutes.
    pub max_wait: Option<Duration>,
    /// Objects asked for per batch of a query (IEnumWbemClassObject::Next's uCount).
    pub batch_size: u32,
    /// Classes decoded by other connections (a fleet polling the same classes): a class whose octets
    /// another connection has already parsed is reused instead of parsed again. Shared by exact octets
    /// only, so no host can change what another host's objects mean. `None`: this connection's own cache.
    pub shared_classes: Option<Arc<SharedClasses>>,
    /// The DCOM transport's own settings: fragment size, smart enumeration, the keep-alive period.
    pub dcom: DcomOptions,
}

impl ConnectOptions {
    pub fn new(target: &str, credentials: Credentials) -> Result<Self, OptionError> {
        Ok(Self {
            target: Target::parse(target)?,
            namespace: "root\\cimv2".into(),
            credentials,
            locale: None,
            authority: None,
            kerberos: None,
            auth_level: AuthLevel::Privacy,
            connect_timeout: Duration::from_secs(10),
            call_timeout: Duration::from_secs(60),
            max_wait: None,
            batch_size: 256,
            shared_classes: None,
            dcom: DcomOptions::default(),
        })
    }

    /// The target host and port.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The namespace, normalised (`root\cimv2`).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The user, domain and secret (the domain of an `ntlmdomain:` authority included).
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// ConnectServer's strAuthority, if one was given.
    pub fn authority(&self) -> Option<&Authority> {
        self.authority.as_ref()
    }

    /// The Kerberos settings, when Kerberos (or Negotiate) replaces NTLM.
    pub fn kerberos(&self) -> Option<&KerberosSettings> {
        self.kerberos.as_ref()
    }

    pub fn with_namespace(mut self, namespace: &str) -> Result<Self, OptionError> {
        self.namespace = normalize_namespace(namespace)?;
        Ok(self)
    }

    /// Applies ConnectServer's rule: the domain may be given in the user name or in the authority, not both.
    pub fn with_authority(mut self, authority: &str) -> Result<Self, OptionError> {
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
        if self.kerberos.is_some() {
            self.kerberos_credentials()?;
        }
        Ok(self)
    }

    /// Authenticates with Kerberos; refused here already when the realm or the SPN cannot be worked out.
    pub fn with_kerberos(mut self, settings: KerberosSettings) -> Result<Self, OptionError> {
        self.kerberos = Some(settings);
        self.kerberos_credentials()?;
        Ok(self)
    }

    /// What both associations authenticate with: Kerberos when `kerberos` is set, NTLM otherwise. A
    /// `kerberos:` authority without Kerberos settings is refused, as the KDC would be unknown.
    pub fn authentication(&self) -> Result<Authentication, OptionError> {
        if let Some(settings) = &self.kerberos {
            let credentials = self.kerberos_credentials()?;
            return Ok(match settings.package {
                KerberosPackage::Kerberos => Authentication::Kerberos(credentials),
                KerberosPackage::Negotiate => Authentication::Negotiate(credentials),
            });
        }
        if let Some(Authority::Kerberos(principal)) = &self.authority {
            return Err(OptionError(format!(
                "the authority kerberos:{principal} asks for Kerberos, but no KDC is given"
            )));
        }
        Ok(Authentication::Ntlm(self.credentials.clone()))
    }

    /// The Kerberos credentials for this target, from `kerberos` and the user.
    pub fn kerberos_credentials(&self) -> Result<KerberosCredentials, OptionError> {
        let settings = self
            .kerberos
            .as_ref()
            .ok_or_else(|| OptionError("Kerberos is not enabled for this connection".into()))?;
        let secret = match (&settings.secret, &self.credentials.secret) {
            (Some(secret), _) => secret.clone(),
            (None, Secret::Password(password)) => KerberosSecret::Password(password.clone()),
            (None, Secret::NtHash(_)) => {
                return Err(OptionError(
                    "Kerberos takes a password or an AES key, not an NT hash (rwmi offers only AES \
                     encryption types); drop -k to pass the hash with NTLM"
                        .into(),
                ));
            }
        };
        let mut credentials = KerberosCredentials::new(
            self.credentials.user.clone(),
            self.kerberos_realm()?,
            String::new(),
            settings.kdc,
            self.kerberos_spn()?,
        );
        credentials.secret = secret;
        credentials.kdc_timeout = self.connect_timeout;
        Ok(credentials)
    }

    /// The realm: the explicit one, else the user's domain, upper-cased.
    pub fn kerberos_realm(&self) -> Result<String, OptionError> {
        let explicit = self.kerberos.as_ref().and_then(|k| k.realm.as_deref());
        let domain = self.credentials.domain.as_str();
        match explicit {
            Some(realm) if !realm.trim().is_empty() => Ok(realm.trim().to_uppercase()),
            _ if !domain.is_empty() && domain != "." => Ok(domain.to_uppercase()),
            _ => Err(OptionError(format!(
                "Kerberos needs a realm: give the user as {0}@REALM or REALM\\{0}, or name the realm",
                self.credentials.user
            ))),
        }
    }

    /// The service principal: the explicit one, else a `kerberos:` authority's, else `host/<target host>`,
    /// which only works when the target is named by its host name (the KDC knows no SPN for an address).
    pub fn kerberos_spn(&self) -> Result<String, OptionError> {
        if let Some(spn) = self.kerberos.as_ref().and_then(|k| k.spn.clone()) {
            return service_principal(&spn);
        }
        if let Some(Authority::Kerberos(spn)) = &self.authority {
            return Ok(spn.clone());
        }
        if self.target.host.parse::<IpAddr>().is_ok() {
            return Err(OptionError(format!(
                "Kerberos needs the target's host name, not the address {}: connect to its fully \
                 qualified name, or give the service principal (kerberos:host/server.domain)",
                self.target.host
            )));
        }
        Ok(format!("host/{}", self.target.host))
    }

    /// The options of one association this connection makes: `interfaces` offered in its bind,
    /// `authentication` (this connection's, from [`Self::authentication`]) at `level`, and this
    /// connection's time bounds and fragment size. The activation's, the object exporter's and the
    /// pinger's associations all come from here, so none can authenticate otherwise than the others.
    pub(crate) fn association(
        &self,
        interfaces: Vec<SyntaxId>,
        authentication: Authentication,
        level: AuthLevel,
    ) -> AssociationOptions {
        let mut options = AssociationOptions::new(interfaces).with_auth(authentication, level);
        options.connect_timeout = self.connect_timeout;
        options.call_timeout = self.call_timeout;
        options.max_frag = self.dcom.max_frag;
        options
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
            .with_authority("ntlmdomain:CORP")
            .unwrap();
        assert_eq!(o.credentials.domain, "CORP");
        let e = ConnectOptions::new("h", creds("CORP\\alice"))
            .unwrap()
            .with_authority("ntlmdomain:CORP")
            .unwrap_err();
        assert!(e.0.contains("given twice"), "{e}");
        assert!(
            ConnectOptions::new("h", creds("a"))
                .unwrap()
                .with_authority("kerberos:host/x")
                .is_ok()
        );
        assert!(Authority::parse("ntlm:X").is_err());
        assert!(Authority::parse("kerberos:").is_err());
    }

    fn kerberos_options(target: &str, user: &str) -> ConnectOptions {
        ConnectOptions::new(
            target,
            Credentials::parse_user(user, Secret::Password("p".into())),
        )
        .unwrap()
    }

    fn kdc() -> KerberosSettings {
        KerberosSettings::new("127.0.200.1:88".parse().unwrap())
    }

    #[test]
    fn kerberos_realm_comes_from_the_user_or_the_option() {
        let o = kerberos_options("dc1.test.local", "Administrator@test.local")
            .with_kerberos(kdc())
            .unwrap();
        let c = o.kerberos_credentials().unwrap();
        assert_eq!(
            (c.user.as_str(), c.realm.as_str()),
            ("Administrator", "TEST.LOCAL")
        );
        assert_eq!(c.spn, "host/dc1.test.local");
        assert_eq!(c.secret, KerberosSecret::Password("p".into()));
        assert_eq!(c.kdc_timeout, o.connect_timeout);
        let o = kerberos_options("dc1", "test.local\\alice")
            .with_kerberos(kdc())
            .unwrap();
        assert_eq!(o.kerberos_realm().unwrap(), "TEST.LOCAL");
        let explicit = KerberosSettings {
            realm: Some("corp.example".into()),
            ..kdc()
        };
        let o = kerberos_options("dc1", "CORP\\alice")
            .with_kerberos(explicit.clone())
            .unwrap();
        assert_eq!(o.kerberos_realm().unwrap(), "CORP.EXAMPLE");
        let e = kerberos_options("dc1", "alice")
            .with_kerberos(kdc())
            .unwrap_err();
        assert!(e.0.contains("needs a realm"), "{e}");
        assert!(
            kerberos_options("dc1", "alice")
                .with_kerberos(explicit)
                .is_ok()
        );
    }

    #[test]
    fn kerberos_spn_from_option_authority_or_host() {
        let user = "a@TEST.LOCAL";
        let e = kerberos_options("127.0.200.1", user)
            .with_kerberos(kdc())
            .unwrap_err();
        assert!(e.0.contains("not the address 127.0.200.1"), "{e}");
        let e = kerberos_options("[::1]:135", user)
            .with_kerberos(kdc())
            .unwrap_err();
        assert!(e.0.contains("host name"), "{e}");
        // The authority names the SPN, before or after Kerberos is switched on.
        let o = kerberos_options("127.0.200.1", user)
            .with_authority("kerberos:host/dc1.test.local@TEST.LOCAL")
            .unwrap()
            .with_kerberos(kdc())
            .unwrap();
        assert_eq!(o.kerberos_spn().unwrap(), "host/dc1.test.local");
        let o = kerberos_options("127.0.200.1", user)
            .with_kerberos(KerberosSettings {
                spn: Some("RPCSS/dc1.test.local".into()),
                ..kdc()
            })
            .unwrap()
            .with_authority("kerberos:host/other.test.local")
            .unwrap();
        assert_eq!(o.kerberos_spn().unwrap(), "RPCSS/dc1.test.local");
        assert!(Authority::parse("kerberos:TEST\\dc1").is_err());
        assert!(Authority::parse("kerberos:dc1.test.local").is_err());
        assert!(Authority::parse("kerberos:/dc1").is_err());
    }

    #[test]
    fn authentication_follows_the_settings() {
        let o = kerberos_options("dc1.test.local", "a@TEST.LOCAL");
        assert!(matches!(o.authentication(), Ok(Authentication::Ntlm(_))));
        let with_authority = o
            .clone()
            .with_authority("kerberos:host/dc1.test.local")
            .unwrap();
        assert!(
            with_authority
                .authentication()
                .unwrap_err()
                .0
                .contains("no KDC")
        );
        let o = o.with_kerberos(kdc()).unwrap();
        assert!(matches!(
            o.authentication(),
            Ok(Authentication::Kerberos(_))
        ));
        let negotiate = KerberosSettings {
            package: KerberosPackage::Negotiate,
            ..kdc()
        };
        let o = o.with_kerberos(negotiate).unwrap();
        assert!(matches!(
            o.authentication(),
            Ok(Authentication::Negotiate(_))
        ));
        let hashed = ConnectOptions::new(
            "dc1.test.local",
            Credentials::parse_user("a@TEST.LOCAL", Secret::NtHash([1; 16])),
        )
        .unwrap();
        let e = hashed.clone().with_kerberos(kdc()).unwrap_err();
        assert!(e.0.contains("not an NT hash"), "{e}");
        let key = KerberosSecret::AesKey(vec![7; 32]);
        let o = hashed
            .with_kerberos(KerberosSettings {
                secret: Some(key.clone()),
                ..kdc()
            })
            .unwrap();
        assert_eq!(o.kerberos_credentials().unwrap().secret, key);
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
