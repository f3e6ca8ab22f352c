//! From options to a running emulator: the default repository and accounts, `--config` additions,
//! synthetic load and per-host fault profiles. Shared by `rwmi sim`, `rwmi demo` and the tests.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use rwmi::security::KerberosService;
use rwmi_core::krb5::keytab::Keytab;

use crate::accounts::Accounts;
use crate::config::Config;
use crate::emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use crate::profile::Profiles;
use crate::repository::Repository;
use crate::server::RepositoryBackend;

/// The computer name the emulator reports and accepts as the accounts' domain.
pub const COMPUTER_NAME: &str = "EMU";

/// What `rwmi sim` takes.
#[derive(Debug, Clone)]
pub struct SimOptions {
    pub listen: SocketAddr,
    pub virtual_hosts: usize,
    /// `[HOST:]P[,P...]`: profiles for every host, or for host index HOST (0-based).
    pub profiles: Vec<String>,
    pub config: Option<PathBuf>,
    /// `Class=count` synthetic instances.
    pub synthetic: Vec<String>,
    pub max_frag: u16,
    /// Keytabs whose AES keys the emulator accepts Kerberos tickets with (besides a config's `keytab`).
    pub keytabs: Vec<PathBuf>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            listen: "127.0.0.1:135".parse().expect("a literal address"),
            virtual_hosts: 1,
            profiles: Vec::new(),
            config: None,
            synthetic: Vec::new(),
            max_frag: 5840,
            keytabs: Vec::new(),
        }
    }
}

/// Per-host profiles from `[HOST:]P[,P...]` entries; an entry without a host index applies to all.
pub fn host_profiles(entries: &[String], hosts: usize) -> Result<Vec<Profiles>, String> {
    let mut lists: Vec<Vec<String>> = vec![Vec::new(); hosts];
    for entry in entries {
        let (target, list) = match entry.split_once(':') {
            Some((index, list))
                if index.chars().all(|c| c.is_ascii_digit()) && !index.is_empty() =>
            {
                let i: usize = index
                    .parse()
                    .map_err(|_| format!("`{index}` is not a host index"))?;
                if i >= hosts {
                    return Err(format!(
                        "profile for host {i}, but there are only {hosts} hosts"
                    ));
                }
                (Some(i), list)
            }
            _ => (None, entry.as_str()),
        };
        for (i, l) in lists.iter_mut().enumerate() {
            if target.is_none_or(|t| t == i) {
                l.push(list.to_string());
            }
        }
    }
    lists
        .into_iter()
        .map(|l| {
            if l.is_empty() {
                Ok(Profiles::default())
            } else {
                Profiles::parse(&l.join(",")).map_err(|e| e.to_string())
            }
        })
        .collect()
}

/// Builds the repository and accounts and starts the listeners.
pub async fn start(options: &SimOptions) -> Result<EmulatorHandle, String> {
    let mut repository =
        Repository::load_default(COMPUTER_NAME).map_err(|e| format!("default repository: {e}"))?;
    // The emulated server is a cluster node too, so `root\MSCluster` can be tried without a config.
    repository
        .add_cluster_role()
        .map_err(|e| format!("cluster namespace: {e}"))?;
    let mut accounts = Accounts::builtin(COMPUTER_NAME);
    let mut keytabs = options.keytabs.clone();
    if let Some(path) = &options.config {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let config = Config::parse(&text).map_err(|e| format!("{}:{e}", path.display()))?;
        let base = path.parent().map(PathBuf::from).unwrap_or_default();
        config
            .apply(&mut repository, &mut accounts, &base)
            .map_err(|e| format!("{}:{e}", path.display()))?;
        keytabs.extend(config.keytabs(&base));
    }
    let kerberos = kerberos_service(&keytabs)?;
    if let Some(service) = &kerberos {
        for realm in service.realms() {
            accounts.trust_realm(&realm);
        }
    }
    for entry in &options.synthetic {
        let (class, count) = entry
            .split_once('=')
            .ok_or_else(|| format!("--synthetic `{entry}` is not Class=count"))?;
        let count: usize = count
            .parse()
            .map_err(|_| format!("--synthetic `{entry}`: `{count}` is not a count"))?;
        repository.set_synthetic(class, count)?;
    }
    let accounts = Arc::new(accounts);
    let backend = Arc::new(RepositoryBackend::new(
        Arc::new(repository),
        accounts.clone(),
    ));
    let mut config = EmulatorConfig::new(backend, accounts);
    config.listen = options.listen;
    config.hosts = options.virtual_hosts.max(1);
    config.profiles = host_profiles(&options.profiles, config.hosts)?;
    config.max_frag = options.max_frag;
    config.kerberos = kerberos;
    Emulator::start(config).await.map_err(|e| e.to_string())
}

/// The AES keys of every keytab, as one Kerberos service; `None` without keytabs.
fn kerberos_service(paths: &[PathBuf]) -> Result<Option<KerberosService>, String> {
    let mut keys = Vec::new();
    for path in paths {
        let bytes = std::fs::read(path)
            .map_err(|e| format!("cannot read keytab {}: {e}", path.display()))?;
        let keytab =
            Keytab::decode(&bytes).map_err(|e| format!("keytab {}: {e}", path.display()))?;
        let service = KerberosService::from_keytab(&keytab)
            .map_err(|e| format!("keytab {}: {e}", path.display()))?;
        keys.extend(service.keys().iter().cloned());
    }
    Ok((!keys.is_empty()).then(|| KerberosService::new(keys)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_per_host() {
        let p = host_profiles(&["lag=5".into(), "1:home-edition,legacy".into()], 3).unwrap();
        assert!(p.iter().all(|p| p.lag.is_some()));
        assert!(p[1].home_edition && p[1].legacy);
        assert!(!p[0].home_edition && !p[2].home_edition);
        assert!(host_profiles(&["5:legacy".into()], 3).is_err());
        assert!(host_profiles(&["no-such-profile".into()], 1).is_err());
    }
}
