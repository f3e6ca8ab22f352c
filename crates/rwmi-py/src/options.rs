//! `connect()`'s keyword arguments as rwmi's `ConnectOptions`. Packet privacy unless `auth_level` says
//! otherwise (the Python layer warns when it does).

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rwmi::security::{AuthLevel, Credentials, Secret};
use rwmi::wmi::{ConnectOptions, KerberosSettings};

/// What `connect`, `doctor` and `query_many` take. `Debug` is not derived: it would show the password.
#[derive(Clone)]
pub struct ConnectArgs {
    pub host: String,
    user: String,
    password: Option<String>,
    domain: Option<String>,
    namespace: String,
    auth_level: AuthLevel,
    hashes: Option<String>,
    timeout: Option<f64>,
    locale: Option<String>,
    authority: Option<String>,
    kerberos: bool,
    kdc: Option<String>,
    realm: Option<String>,
}

const KNOWN: [&str; 12] = [
    "user",
    "password",
    "domain",
    "namespace",
    "auth_level",
    "hashes",
    "timeout",
    "locale",
    "authority",
    "kerberos",
    "kdc",
    "realm",
];

impl ConnectArgs {
    pub fn from_python(host: String, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let mut args = ConnectArgs {
            host,
            user: String::new(),
            password: None,
            domain: None,
            namespace: "root/cimv2".into(),
            auth_level: AuthLevel::Privacy,
            hashes: None,
            timeout: None,
            locale: None,
            authority: None,
            kerberos: false,
            kdc: None,
            realm: None,
        };
        let Some(kwargs) = kwargs else {
            return Err(PyTypeError::new_err("connect() needs user="));
        };
        for (key, value) in kwargs.iter() {
            let key: String = key.extract()?;
            if value.is_none() {
                continue;
            }
            let text = || -> PyResult<String> {
                value
                    .extract::<String>()
                    .map_err(|_| PyTypeError::new_err(format!("{key} must be a str")))
            };
            match key.as_str() {
                "user" => args.user = text()?,
                "password" => args.password = Some(text()?),
                "domain" => args.domain = Some(text()?),
                "namespace" => args.namespace = text()?,
                "auth_level" => {
                    args.auth_level = match text()?.to_ascii_lowercase().as_str() {
                        "privacy" | "pkt_privacy" => AuthLevel::Privacy,
                        "integrity" | "pkt_integrity" => AuthLevel::Integrity,
                        "connect" => AuthLevel::Connect,
                        other => {
                            return Err(PyValueError::new_err(format!(
                                "auth_level {other:?}: use \"privacy\", \"integrity\" or \"connect\""
                            )));
                        }
                    }
                }
                "hashes" => args.hashes = Some(text()?),
                "timeout" => {
                    args.timeout = Some(
                        value
                            .extract::<f64>()
                            .map_err(|_| PyTypeError::new_err("timeout must be seconds"))?,
                    )
                }
                "locale" => args.locale = Some(text()?),
                "authority" => args.authority = Some(text()?),
                "kerberos" => args.kerberos = value.is_truthy()?,
                "kdc" => args.kdc = Some(text()?),
                "realm" => args.realm = Some(text()?),
                other => {
                    return Err(PyTypeError::new_err(format!(
                        "unexpected keyword argument {other:?} (takes {})",
                        KNOWN.join(", ")
                    )));
                }
            }
        }
        if args.user.is_empty() {
            return Err(PyTypeError::new_err("connect() needs user="));
        }
        Ok(args)
    }

    /// `DOMAIN\user` as given, for `repr()`.
    pub fn user_label(&self) -> String {
        match &self.domain {
            Some(d) if !d.is_empty() => format!("{d}\\{}", self.user),
            _ => self.user.clone(),
        }
    }

    pub fn options(&self) -> PyResult<ConnectOptions> {
        let secret = match (&self.hashes, &self.password) {
            (Some(hashes), _) => Secret::from_hashes(hashes).map_err(PyValueError::new_err)?,
            (None, Some(p)) => Secret::Password(p.clone()),
            (None, None) if self.kerberos => Secret::Password(String::new()),
            (None, None) => {
                return Err(PyTypeError::new_err(
                    "connect() needs password= (or hashes=, or kerberos=True)",
                ));
            }
        };
        let mut credentials = Credentials::parse_user(&self.user, secret);
        if let Some(domain) = &self.domain {
            credentials.domain = domain.clone();
        }
        let value_error = |e: rwmi::wmi::OptionError| PyValueError::new_err(e.to_string());
        let mut options = ConnectOptions::new(&self.host, credentials)
            .and_then(|o| o.with_namespace(&self.namespace))
            .map_err(value_error)?;
        if let Some(authority) = &self.authority {
            options = options.with_authority(authority).map_err(value_error)?;
        }
        if self.kerberos {
            let kdc = self
                .kdc
                .clone()
                .or_else(|| self.realm.clone().map(|r| r.to_ascii_lowercase()))
                .or_else(|| self.domain.clone().map(|d| d.to_ascii_lowercase()))
                .ok_or_else(|| {
                    PyValueError::new_err(
                        "kerberos=True needs kdc= (a domain controller) or realm=",
                    )
                })?;
            let mut settings = KerberosSettings::new(kdc_address(&kdc)?);
            settings.realm = self.realm.clone();
            // Without a password or hash, the TGT kinit left in KRB5CCNAME proves the identity.
            if self.password.is_none() && self.hashes.is_none() {
                settings.secret = Some(ccache_tgt(self.realm.as_deref())?);
            }
            options = options.with_kerberos(settings).map_err(value_error)?;
        }
        options.auth_level = self.auth_level;
        options.locale = self.locale.clone();
        if let Some(seconds) = self.timeout {
            if !(seconds.is_finite() && seconds > 0.0) {
                return Err(PyValueError::new_err(
                    "timeout must be a positive number of seconds",
                ));
            }
            let timeout = Duration::from_secs_f64(seconds);
            options.connect_timeout = timeout.min(options.connect_timeout);
            options.call_timeout = timeout;
            // wbemConnectFlagUseMaxWait: the whole connect within the timeout (capped at 2 minutes).
            options.max_wait = Some(timeout.min(Duration::from_secs(120)));
        }
        Ok(options)
    }
}

/// The TGT of the credential cache KRB5CCNAME names (FILE caches).
fn ccache_tgt(realm: Option<&str>) -> PyResult<rwmi::security::KerberosSecret> {
    let name = std::env::var("KRB5CCNAME").map_err(|_| {
        PyValueError::new_err("kerberos=True without a password needs KRB5CCNAME (run kinit)")
    })?;
    let tgt =
        rwmi::security::CachedTgt::from_cache_name(&name, realm).map_err(PyValueError::new_err)?;
    Ok(rwmi::security::KerberosSecret::CachedTgt(Box::new(tgt)))
}

/// `host[:port]` of the KDC (port 88 by default).
fn kdc_address(text: &str) -> PyResult<SocketAddr> {
    let with_port = if text
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        text.to_string()
    } else {
        format!("{text}:88")
    };
    with_port
        .to_socket_addrs()
        .map_err(|e| PyValueError::new_err(format!("the KDC {text} does not resolve: {e}")))?
        .next()
        .ok_or_else(|| PyValueError::new_err(format!("the KDC {text} resolves to no address")))
}
