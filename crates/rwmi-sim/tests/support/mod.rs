//! What the emulator's integration tests share: an emulator on loopback, the built-in accounts'
//! credentials, connect options with time-outs, a query's rows, the bindings a host advertises, a TRACE
//! log kept in memory, and the Samba DC that scripts/test.sh provisions.
//!
//! Each test file is a crate of its own that uses part of this module: the rest is dead code there.
#![allow(dead_code)]

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rwmi::rpc::{AssociationOptions, ClientAssociation};
use rwmi::security::{AuthLevel, Credentials, Secret};
use rwmi::wmi::{ConnectOptions, Connection, KerberosSettings};
use rwmi_core::Guid;
use rwmi_core::dcom::activation::ActivationRequest;
use rwmi_core::dcom::scm::{
    IOBJECT_EXPORTER_SYNTAX, IREMOTE_SCM_ACTIVATOR_SYNTAX, RemoteCreateInstanceRequest,
    ResolveOxid2Request, ResolveOxidRequest, ServerAlive2Request,
};
use rwmi_core::dcom::{DualStringArray, ObjRef};
use rwmi_core::wmi::ids::{CLSID_WBEM_LEVEL1_LOGIN, IID_IWBEM_LEVEL1_LOGIN};
use rwmi_core::wmio::WmiInstance;
use rwmi_sim::accounts::{Accounts, BUILTIN_PASSWORD};
use rwmi_sim::emulator::{EmulatorConfig, EmulatorHandle};
use rwmi_sim::launch::{COMPUTER_NAME, SimOptions, start};
use rwmi_sim::repository::Repository;
use rwmi_sim::server::RepositoryBackend;

/// An ephemeral port of 127.0.0.1; further virtual hosts take 127.0.0.2 and on.
pub fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// The launch options of `rwmi sim` on [`loopback`], the rest at their defaults.
pub fn sim_options() -> SimOptions {
    SimOptions {
        listen: loopback(),
        ..SimOptions::default()
    }
}

/// Owned copies of profile or synthetic-class arguments.
pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// An emulator over the default repository (changed by `adjust` first) and the built-in accounts, on
/// [`loopback`]: for what `SimOptions` has no field for.
pub fn emulator_config(adjust: impl FnOnce(&mut Repository)) -> EmulatorConfig {
    let mut repository = Repository::load_default(COMPUTER_NAME).unwrap();
    adjust(&mut repository);
    let accounts = Arc::new(Accounts::builtin(COMPUTER_NAME));
    let backend = Arc::new(RepositoryBackend::new(
        Arc::new(repository),
        accounts.clone(),
    ));
    let mut config = EmulatorConfig::new(backend, accounts);
    config.listen = loopback();
    config
}

/// The first virtual host's port 135, as a target.
pub fn target(handle: &EmulatorHandle) -> String {
    handle.hosts()[0].scm_addr.to_string()
}

/// A built-in account of the emulator (`alice`, `bob`, `localadmin`, `Administrator`) in its domain,
/// with the built-in password.
pub fn emu_account(user: &str) -> Credentials {
    Credentials::new(
        user,
        COMPUTER_NAME,
        Secret::Password(BUILTIN_PASSWORD.into()),
    )
}

/// `user` as a command line writes it (`DOMAIN\user`, `user@REALM` or a bare name) with `password`.
pub fn with_password(user: &str, password: &str) -> Credentials {
    Credentials::parse_user(user, Secret::Password(password.into()))
}

/// Options for `credentials` at `target` whose connect and call time-outs are both `timeout`.
pub fn timed_options(target: &str, credentials: Credentials, timeout: Duration) -> ConnectOptions {
    let mut o = ConnectOptions::new(target, credentials).unwrap();
    o.connect_timeout = timeout;
    o.call_timeout = timeout;
    o
}

/// Every row of `wql`; a failure panics with the query.
pub async fn rows(connection: &Connection, wql: &str) -> Vec<WmiInstance> {
    connection
        .query(wql)
        .await
        .unwrap_or_else(|e| panic!("{wql}: {e}"))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{wql}: {e}"))
}

/// What the first host advertises, as a client sees it over NTLM as Administrator at privacy.
pub struct AdvertisedBindings {
    /// The activation reply's OXID bindings; ResolveOxid2 answers the same.
    pub oxid: DualStringArray,
    /// The resolver bindings of the IWbemLevel1Login OBJREF in that reply; ServerAlive2 answers the same.
    pub resolver: DualStringArray,
}

impl AdvertisedBindings {
    pub async fn of(handle: &EmulatorHandle) -> Self {
        let mut o =
            AssociationOptions::new(vec![IREMOTE_SCM_ACTIVATOR_SYNTAX, IOBJECT_EXPORTER_SYNTAX]);
        o.call_timeout = Duration::from_secs(20);
        let o = o.with_auth(emu_account("Administrator"), AuthLevel::Privacy);
        let mut client = ClientAssociation::connect(handle.hosts()[0].scm_addr, &o)
            .await
            .unwrap();
        let activation =
            ActivationRequest::new(CLSID_WBEM_LEVEL1_LOGIN, vec![IID_IWBEM_LEVEL1_LOGIN]);
        let request = RemoteCreateInstanceRequest::new(Guid::from_u128(1), &activation);
        let response = client.invoke(None, &request).await.unwrap();
        let reply = response.activation_reply().unwrap();
        let login = reply.interface(IID_IWBEM_LEVEL1_LOGIN).unwrap();
        let resolver = ObjRef::from_interface_pointer(login)
            .unwrap()
            .resolver_bindings()
            .unwrap()
            .clone();
        let resolve = ResolveOxid2Request(ResolveOxidRequest {
            oxid: reply.oxid,
            requested_protseqs: vec![7],
        });
        let resolved = client.invoke(None, &resolve).await.unwrap();
        assert_eq!(resolved.oxid_bindings.as_ref(), Some(&reply.oxid_bindings));
        let alive = client.invoke(None, &ServerAlive2Request).await.unwrap();
        assert_eq!(alive.or_bindings.as_ref(), Some(&resolver));
        AdvertisedBindings {
            oxid: reply.oxid_bindings,
            resolver,
        }
    }
}

/// The security bindings of `bindings` as (wAuthnSvc, principal name).
pub fn services(bindings: &DualStringArray) -> Vec<(u16, &str)> {
    bindings
        .security_bindings
        .iter()
        .map(|b| (b.authn_svc, b.principal_name.as_str()))
        .collect()
}

/// Everything a tracing subscriber wrote, kept in memory.
#[derive(Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    /// Installs the process-wide subscriber at TRACE, writing here. Once a process: a test binary that
    /// calls it has its tests share one buffer.
    pub fn capture_trace() -> LogBuffer {
        let buffer = LogBuffer::default();
        let writer = buffer.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .init();
        buffer
    }

    /// What was logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

impl Write for LogBuffer {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The time-out of a connect that asks the KDC for tickets first.
pub const KDC_TIMEOUT: Duration = Duration::from_secs(15);

/// The Samba DC and the files samba-dc.sh made, from the test command's environment.
pub struct SambaRealm {
    /// `RWMI_SAMBA_HOST` as given.
    pub host: String,
    pub kdc: SocketAddr,
    pub realm: String,
    pub admin_password: String,
    pub emu_keytab: PathBuf,
    pub admin_keytab: PathBuf,
    pub krb5_config: PathBuf,
}

/// The Samba DC, or `None` (the test skips) where scripts/test.sh did not set it up; with
/// `RWMI_REQUIRE_PEERS` set that fails instead.
pub fn samba_realm() -> Option<SambaRealm> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let found = (|| {
        let host = var("RWMI_SAMBA_HOST")?;
        Some(SambaRealm {
            kdc: SocketAddr::new(host.parse().ok()?, 88),
            host,
            realm: var("RWMI_SAMBA_REALM").unwrap_or_else(|| "TEST.LOCAL".into()),
            admin_password: var("RWMI_SAMBA_PASSWORD")?,
            emu_keytab: var("RWMI_SAMBA_EMU_KEYTAB")?.into(),
            admin_keytab: var("RWMI_SAMBA_ADMIN_KEYTAB")?.into(),
            krb5_config: var("RWMI_SAMBA_KRB5_CONFIG")?.into(),
        })
    })();
    if found.is_none() {
        assert!(
            var("RWMI_REQUIRE_PEERS").is_none(),
            "RWMI_REQUIRE_PEERS is set but the Samba DC's Kerberos files are not configured"
        );
        eprintln!("skipped: no Samba DC (run ./scripts/test.sh)");
    }
    found
}

impl SambaRealm {
    /// The emulator as the service account `emu`, keyed from its exported keytab, with `profiles`.
    pub async fn emulator(&self, profiles: &[&str]) -> EmulatorHandle {
        start(&SimOptions {
            profiles: strings(profiles),
            keytabs: vec![self.emu_keytab.clone()],
            ..sim_options()
        })
        .await
        .expect("the emulator starts with Samba's keytab")
    }

    /// `user@REALM` with `password`.
    pub fn user(&self, user: &str, password: &str) -> Credentials {
        with_password(&format!("{user}@{}", self.realm), password)
    }

    /// Kerberos through this realm's KDC, with tickets for `spn`.
    pub fn kerberos(&self, spn: &str) -> KerberosSettings {
        let mut kerberos = KerberosSettings::new(self.kdc);
        kerberos.spn = Some(spn.to_string());
        kerberos
    }
}

/// Options for `credentials` on the emulator's first host with `kerberos` at `level`, given the time
/// the tickets take.
pub fn kerberos_options(
    handle: &EmulatorHandle,
    credentials: Credentials,
    kerberos: KerberosSettings,
    level: AuthLevel,
) -> ConnectOptions {
    let mut o = ConnectOptions::new(&target(handle), credentials)
        .unwrap()
        .with_kerberos(kerberos)
        .unwrap();
    o.auth_level = level;
    o.connect_timeout = KDC_TIMEOUT;
    o
}
