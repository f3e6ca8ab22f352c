//! The exporter's YAML file: `auths` (how to log in) and `modules` (what to ask and how it becomes
//! metrics). The built-in modules (`modules.yaml`) are there unless the file defines a module of the
//! same name.
//!
//! ```yaml
//! allowed_targets: ['\.corp\.example(:\d+)?$']   # the hosts /probe may name (default: any)
//! auths:
//!   default:
//!     user: monitor
//!     domain: CORP
//!     password_file: /etc/rwmi/monitor.password   # or password_env, nt_hash_file, nt_hash_env
//!     auth_level: privacy                          # the default; lower levels are refused here
//!     kerberos: { kdc: dc1.corp.example, realm: CORP.EXAMPLE, keytab: /etc/rwmi/monitor.keytab }
//! modules:
//!   my_services:
//!     queries:
//!       - namespace: root/cimv2
//!         query: SELECT Name, State FROM Win32_Service WHERE StartMode = 'Auto'
//!         metrics:
//!           - name: my_service_state
//!             help: State of each automatic service.
//!             labels: { name: Name }
//!             state: { property: State, label: state, values: [running, stopped] }
//! ```
//!
//! A metric takes its value from `value` (a property, or a number for info-style series), or one
//! series per entry of `values` with the entry's key in the `value_label` label; `labels` maps label
//! names to properties; `state` makes one 0/1 series per listed value (compared case-insensitively);
//! `scale` multiplies; `type` is `gauge`, `counter` or `auto` (from the property's CounterType, for
//! Win32_PerfRawData classes: see `perf`). Secrets are read from files or the environment, never
//! from this file, and never reach a log, a metric or an error.

use std::collections::BTreeMap;
use std::fmt;

use rwmi::security::krb5::Keytab;
use rwmi::security::{AuthLevel, Credentials, KerberosSecret, Secret};
use rwmi::wmi::KerberosSettings;
use rwmi::wmi::options::normalize_namespace;
use serde::Deserialize;

/// The built-in modules, named after windows_exporter's collectors.
pub const BUILTIN_MODULES: &str = include_str!("modules.yaml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    #[serde(default)]
    auths: BTreeMap<String, AuthSpec>,
    #[serde(default)]
    modules: BTreeMap<String, ModuleSpec>,
    /// Patterns a probe's target must match (anchored by the pattern itself).
    #[serde(default)]
    allowed_targets: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthSpec {
    user: String,
    #[serde(default)]
    domain: String,
    password_file: Option<String>,
    password_env: Option<String>,
    nt_hash_file: Option<String>,
    nt_hash_env: Option<String>,
    auth_level: Option<String>,
    kerberos: Option<KerberosSpec>,
    timeout_seconds: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KerberosSpec {
    kdc: String,
    realm: Option<String>,
    keytab: Option<String>,
    /// A credential cache (FILE) with the user's TGT, as kinit writes it; read at each (re)load, so a
    /// renewed cache needs a reload (SIGHUP). A keytab does not expire.
    ccache: Option<String>,
    spn: Option<String>,
}

/// A module: queries and their metrics.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleSpec {
    pub queries: Vec<QuerySpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuerySpec {
    #[serde(default = "default_namespace")]
    pub namespace: String,
    pub query: String,
    pub metrics: Vec<MetricSpec>,
}

fn default_namespace() -> String {
    "root/cimv2".into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    #[default]
    Gauge,
    Counter,
    /// From the CounterType qualifier (Win32_PerfRawData).
    Auto,
}

/// A metric's value: a property's, or a constant (1 for `_info` series).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ValueSpec {
    Constant(f64),
    Property(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateSpec {
    pub property: String,
    pub label: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricSpec {
    pub name: String,
    pub help: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: Kind,
    pub value: Option<ValueSpec>,
    /// label value -> property, with `value_label` naming the label.
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    pub value_label: Option<String>,
    /// label name -> property.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub state: Option<StateSpec>,
    pub scale: Option<f64>,
}

/// How to log in to the targets probed with this auth. `Debug` shows no secret (Credentials'
/// own `Debug` hides it).
#[derive(Debug, Clone)]
pub struct Auth {
    pub credentials: Credentials,
    pub auth_level: AuthLevel,
    pub kerberos: Option<KerberosSettings>,
    pub timeout: Option<std::time::Duration>,
}

/// The configuration in force.
#[derive(Debug, Clone)]
pub struct Config {
    pub auths: BTreeMap<String, Auth>,
    pub modules: BTreeMap<String, ModuleSpec>,
    /// The targets a probe may name; empty: any. Whoever can reach `/probe` makes the exporter log in
    /// with the configured credentials to the target it names, so an exporter reachable by others
    /// should list its hosts here (an NTLM login to a host an attacker controls gives it a response to
    /// crack or relay).
    pub allowed_targets: Vec<regex::Regex>,
}

/// What is wrong with the file, said with the place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Config {
    /// Parses `text` over the built-in modules and reads the secrets it points to.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let builtin: FileSpec = serde_yaml_ng::from_str(BUILTIN_MODULES)
            .map_err(|e| ConfigError(format!("built-in modules: {e}")))?;
        let file: FileSpec =
            serde_yaml_ng::from_str(text).map_err(|e| ConfigError(e.to_string()))?;
        let mut modules = builtin.modules;
        modules.extend(file.modules);
        for (name, module) in &mut modules {
            check_module(name, module)?;
            // One spelling per namespace (`root\cimv2`), as connections take it, so that a probe can
            // tell the queries two modules share; a namespace that is none fails here, not at a probe.
            for (qi, query) in module.queries.iter_mut().enumerate() {
                query.namespace = normalize_namespace(&query.namespace)
                    .map_err(|e| ConfigError(format!("modules.{name}: queries[{qi}]: {e}")))?;
            }
        }
        let mut auths = BTreeMap::new();
        for (name, spec) in file.auths {
            let auth = read_auth(&spec).map_err(|e| ConfigError(format!("auths.{name}: {e}")))?;
            auths.insert(name, auth);
        }
        let allowed_targets = file
            .allowed_targets
            .iter()
            .enumerate()
            .map(|(i, p)| {
                regex::RegexBuilder::new(p)
                    .case_insensitive(true)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| ConfigError(format!("allowed_targets[{i}] `{p}`: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Config {
            auths,
            modules,
            allowed_targets,
        })
    }

    /// Whether a probe may name `target`.
    pub fn target_allowed(&self, target: &str) -> bool {
        self.allowed_targets.is_empty() || self.allowed_targets.iter().any(|r| r.is_match(target))
    }

    /// The auth a probe names, or the only one (or `default`) when it names none.
    pub fn auth(&self, name: Option<&str>) -> Result<(&str, &Auth), String> {
        let chosen = match name {
            Some(n) => n,
            None if self.auths.len() == 1 => {
                self.auths.keys().next().map(String::as_str).unwrap_or("")
            }
            None => "default",
        };
        self.auths
            .get_key_value(chosen)
            .map(|(k, v)| (k.as_str(), v))
            .ok_or_else(|| {
                format!(
                    "no auth `{chosen}` in the configuration (it has: {})",
                    self.auths.keys().cloned().collect::<Vec<_>>().join(", ")
                )
            })
    }
}

fn check_module(name: &str, module: &ModuleSpec) -> Result<(), ConfigError> {
    let bad = |what: String| Err(ConfigError(format!("modules.{name}: {what}")));
    for (qi, query) in module.queries.iter().enumerate() {
        for (mi, m) in query.metrics.iter().enumerate() {
            let place = format!("queries[{qi}].metrics[{mi}] ({})", m.name);
            if !valid_metric_name(&m.name) {
                return bad(format!(
                    "{place}: `{}` is not a Prometheus metric name",
                    m.name
                ));
            }
            let sources = usize::from(m.value.is_some())
                + usize::from(!m.values.is_empty())
                + usize::from(m.state.is_some());
            if sources != 1 {
                return bad(format!("{place}: give exactly one of value, values, state"));
            }
            if !m.values.is_empty() && m.value_label.is_none() {
                return bad(format!("{place}: `values` needs `value_label`"));
            }
            for label in m
                .labels
                .keys()
                .chain(m.value_label.iter())
                .chain(m.state.iter().map(|s| &s.label))
            {
                if !valid_label_name(label) {
                    return bad(format!("{place}: `{label}` is not a Prometheus label name"));
                }
            }
        }
    }
    Ok(())
}

fn valid_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with("__")
}

/// A secret from a file (trailing newline dropped) or an environment variable.
fn secret_text(
    file: &Option<String>,
    env: &Option<String>,
    what: &str,
) -> Result<Option<String>, String> {
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the {what} file {path}: {e}"))?;
        return Ok(Some(text.trim_end_matches(['\r', '\n']).to_string()));
    }
    if let Some(var) = env {
        return std::env::var(var)
            .map(Some)
            .map_err(|_| format!("the environment variable {var} ({what}) is not set"));
    }
    Ok(None)
}

fn read_auth(spec: &AuthSpec) -> Result<Auth, String> {
    let password = secret_text(&spec.password_file, &spec.password_env, "password")?;
    let hash = secret_text(&spec.nt_hash_file, &spec.nt_hash_env, "NT hash")?;
    let keytab = spec
        .kerberos
        .as_ref()
        .and_then(|k| k.keytab.clone().or_else(|| k.ccache.clone()));
    let secret = match (password, hash) {
        (Some(_), Some(_)) => return Err("give a password or an NT hash, not both".into()),
        (Some(p), None) => Secret::Password(p),
        (None, Some(h)) => Secret::from_hashes(&h)?,
        (None, None) if keytab.is_some() => Secret::Password(String::new()),
        (None, None) => {
            return Err(
                "no secret: give password_file, password_env, nt_hash_file or nt_hash_env".into(),
            );
        }
    };
    let auth_level = match spec.auth_level.as_deref().unwrap_or("privacy") {
        "privacy" => AuthLevel::Privacy,
        "integrity" => AuthLevel::Integrity,
        other => {
            return Err(format!(
                "auth_level `{other}`: use privacy (the default) or integrity; patched Windows refuses DCOM below integrity"
            ));
        }
    };
    let credentials = Credentials::parse_user(&spec.user, secret);
    let credentials = if spec.domain.is_empty() {
        credentials
    } else {
        Credentials::new(
            credentials.user.clone(),
            spec.domain.clone(),
            credentials.secret.clone(),
        )
    };
    let kerberos = match &spec.kerberos {
        None => None,
        Some(k) => {
            let kdc = rwmi::security::kdc::resolve_kdc(&k.kdc)
                .map_err(|e| format!("kerberos.kdc: {e}"))?;
            let mut settings = KerberosSettings::new(kdc);
            settings.realm = k.realm.clone();
            settings.spn = k.spn.clone();
            if let Some(path) = &k.keytab {
                settings.secret = Some(keytab_key(path, &credentials.user)?);
            } else if let Some(name) = &k.ccache {
                let tgt = rwmi::security::CachedTgt::from_cache_name(name, k.realm.as_deref())?;
                settings.secret = Some(KerberosSecret::CachedTgt(Box::new(tgt)));
            }
            Some(settings)
        }
    };
    let timeout = spec
        .timeout_seconds
        .map(|s| {
            (s.is_finite() && s > 0.0)
                .then(|| std::time::Duration::from_secs_f64(s))
                .ok_or("timeout_seconds must be a positive number")
        })
        .transpose()?;
    Ok(Auth {
        credentials,
        auth_level,
        kerberos,
        timeout,
    })
}

/// The newest AES key of `user` in the keytab at `path`.
fn keytab_key(path: &str, user: &str) -> Result<KerberosSecret, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read keytab {path}: {e}"))?;
    let keytab = Keytab::decode(&bytes).map_err(|e| format!("keytab {path}: {e}"))?;
    keytab
        .entries
        .iter()
        .filter(|e| e.key.is_aes_sha1())
        .filter(|e| {
            e.principal
                .to_string()
                .split('@')
                .next()
                .is_some_and(|p| p.eq_ignore_ascii_case(user))
        })
        .max_by_key(|e| (e.kvno, e.key.enctype))
        .map(|e| KerberosSecret::AesKey(e.key.value.clone()))
        .ok_or_else(|| format!("keytab {path} has no AES key for {user}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_modules_parse_and_pass_the_checks() {
        let c = Config::parse("{}").unwrap();
        for name in [
            "os",
            "cpu",
            "memory",
            "logical_disk",
            "net",
            "service",
            "process",
            "system",
        ] {
            assert!(c.modules.contains_key(name), "{name}");
        }
    }

    #[test]
    fn namespaces_are_normalised_and_checked_when_the_file_is_read() {
        let module = |ns: &str| {
            format!(
                "modules:\n  m:\n    queries:\n      - namespace: '{ns}'\n        query: SELECT A FROM B\n        metrics:\n          - name: ok\n            value: A\n"
            )
        };
        let c = Config::parse(&module("root/WMI")).unwrap();
        assert_eq!(c.modules["m"].queries[0].namespace, "root\\WMI");
        assert_eq!(c.modules["os"].queries[0].namespace, "root\\cimv2");
        let e = Config::parse(&module("root//x")).unwrap_err();
        assert!(e.0.contains("modules.m: queries[0]"), "{e}");
    }

    #[test]
    fn secrets_come_from_files_or_the_environment_only() {
        let dir = std::env::temp_dir().join(format!("rwmi-exporter-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("pw");
        std::fs::write(&file, "Sekr1t-Value\n").unwrap();
        let c = Config::parse(&format!(
            "auths:\n  a:\n    user: CORP\\monitor\n    password_file: {}\n",
            file.display()
        ))
        .unwrap();
        let (_, a) = c.auth(None).unwrap();
        assert_eq!(a.credentials.user, "monitor");
        assert_eq!(a.credentials.domain, "CORP");
        assert!(!format!("{c:?}").contains("Sekr1t-Value"));
        // An inline password is not a setting.
        let e = Config::parse("auths:\n  a:\n    user: u\n    password: x\n").unwrap_err();
        assert!(e.0.contains("unknown field `password`"), "{e}");
        let e =
            Config::parse("auths:\n  a:\n    user: u\n    password_env: RWMI_NO_SUCH_VARIABLE\n")
                .unwrap_err();
        assert!(e.0.contains("RWMI_NO_SUCH_VARIABLE"), "{e}");
        let e = Config::parse(&format!(
            "auths:\n  a:\n    user: u\n    password_file: {}\n    auth_level: connect\n",
            file.display()
        ))
        .unwrap_err();
        assert!(e.0.contains("auth_level"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn module_mistakes_are_named() {
        let e = Config::parse(
            "modules:\n  m:\n    queries:\n      - query: SELECT A FROM B\n        metrics:\n          - name: bad-name\n            value: A\n",
        )
        .unwrap_err();
        assert!(e.0.contains("modules.m: queries[0].metrics[0]"), "{e}");
        let e = Config::parse(
            "modules:\n  m:\n    queries:\n      - query: SELECT A FROM B\n        metrics:\n          - name: ok\n",
        )
        .unwrap_err();
        assert!(e.0.contains("exactly one of value, values, state"), "{e}");
    }
}
