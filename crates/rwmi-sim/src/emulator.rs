//! Starts the emulator: for each virtual host, a port-135 listener (endpoint mapper, activation, OXID
//! resolver), a dynamic-port listener (the object exporter) and, with `firewalled-dynamic-port`, a port
//! that accepts and never answers; all served by tasks of the caller's tokio runtime.
//!
//! Addresses: host 0 listens on `config.listen`; host i (i ≥ 1) on the i-th loopback address after
//! 127.0.0.1 that does not end in .0 or .255 (127.0.0.2 ... 127.0.0.254, 127.0.1.1, ...), so a fleet of
//! thousands fits in 127.0.0.0/8. With an explicit
//! port (135 in production) every host uses that port on its address. With port 0 (tests), host 0 gets
//! a port from the OS and the other hosts try the same port number on their address, falling back to
//! a port of their own when it is taken; read the ports from [`EmulatorHandle::hosts`].

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rwmi::rpc::server::{RpcService, ServerOptions, serve_connection};
use rwmi::security::{KerberosService, NtlmAccounts};
use rwmi_core::rpc::BindTimeFeatures;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tracing::debug;

use crate::profile::Profiles;
use crate::server::exporter::{DEFAULT_PING_PERIOD, Exporter};
use crate::server::hostile::WireTamper;
use crate::server::marshal::kerberos_spn;
use crate::server::object_port::ObjectPort;
use crate::server::processes::CreatedProcesses;
use crate::server::scm_port::ScmPort;
use crate::server::{VirtualHost, WmiBackend};

/// The largest request the emulator reassembles; WMI requests are small, in-parameters at most.
pub const MAX_MESSAGE: usize = 4 << 20;

/// What to start.
pub struct EmulatorConfig {
    /// Host 0's port-135 address.
    pub listen: SocketAddr,
    /// Number of virtual hosts (at least 1).
    pub hosts: usize,
    /// Profiles of host i; hosts past the end of the list run healthy.
    pub profiles: Vec<Profiles>,
    pub backend: Arc<dyn WmiBackend>,
    pub accounts: Arc<dyn NtlmAccounts + Send + Sync>,
    /// max_xmit_frag / max_recv_frag the emulator offers at bind.
    pub max_frag: u16,
    /// The service keys for Kerberos; `None` serves NTLM only.
    pub kerberos: Option<KerberosService>,
    /// The ping period the object exporters expect of clients: an object neither called nor pinged for
    /// three of them is reclaimed (MS-DCOM 3.1.2.2). Two minutes; shorter in tests.
    pub ping_period: Duration,
}

impl EmulatorConfig {
    /// One healthy host on 127.0.0.1:135 with 5840-octet fragments (Windows' default over TCP).
    pub fn new(
        backend: Arc<dyn WmiBackend>,
        accounts: Arc<dyn NtlmAccounts + Send + Sync>,
    ) -> EmulatorConfig {
        EmulatorConfig {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 135),
            hosts: 1,
            profiles: Vec::new(),
            backend,
            accounts,
            max_frag: 5840,
            kerberos: None,
            ping_period: DEFAULT_PING_PERIOD,
        }
    }
}

/// Why the emulator did not start.
#[derive(Debug)]
pub struct EmulatorError {
    pub what: String,
    pub source: std::io::Error,
}

impl fmt::Display for EmulatorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.what, self.source)
    }
}

impl std::error::Error for EmulatorError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Where one virtual host is reachable.
#[derive(Debug, Clone)]
pub struct HostEndpoints {
    pub scm_addr: SocketAddr,
    pub dynamic_port: u16,
    /// The port the host advertises; differs from `dynamic_port` under `firewalled-dynamic-port`.
    pub advertised_port: u16,
    pub host: Arc<VirtualHost>,
}

/// The running emulator. Dropping it without `shutdown` leaves the listeners running.
pub struct EmulatorHandle {
    hosts: Vec<HostEndpoints>,
    tasks: Vec<JoinHandle<()>>,
    kerberos: Option<Arc<KerberosService>>,
}

impl EmulatorHandle {
    /// The Kerberos service the hosts accept tickets for (keys from the keytabs), if any.
    pub fn kerberos(&self) -> Option<&KerberosService> {
        self.kerberos.as_deref()
    }

    pub fn hosts(&self) -> &[HostEndpoints] {
        &self.hosts
    }

    /// Stops every listener and connection.
    pub async fn shutdown(self) {
        for task in &self.tasks {
            task.abort();
        }
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// The loopback address of virtual host `index` (≥ 1): the index-th address after 127.0.0.1 that does
/// not end in .0 or .255, in 127.0.0.0/8.
pub fn virtual_host_ip(index: usize) -> Ipv4Addr {
    // 254 usable last octets (1..=254) per /24; host 0 is 127.0.0.1, so host i is usable address i.
    let block = index / 254;
    let octet = (index % 254 + 1) as u8;
    let block = u16::try_from(block).unwrap_or(u16::MAX);
    Ipv4Addr::new(127, (block >> 8) as u8, block as u8, octet)
}

pub struct Emulator;

static CONNECTIONS: AtomicU64 = AtomicU64::new(1);

async fn bind(addr: SocketAddr, what: &str) -> Result<TcpListener, EmulatorError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| EmulatorError {
            what: format!("cannot listen on {addr} ({what})"),
            source,
        })
}

fn local_port(listener: &TcpListener) -> Result<u16, EmulatorError> {
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|source| EmulatorError {
            what: "cannot read a listener's address".into(),
            source,
        })
}

impl Emulator {
    pub async fn start(mut config: EmulatorConfig) -> Result<EmulatorHandle, EmulatorError> {
        let mut hosts = Vec::new();
        let mut tasks = Vec::new();
        let kerberos = config.kerberos.take().map(Arc::new);
        let spn = kerberos
            .as_deref()
            .map(|service| kerberos_spn(service, &config.backend.computer_name()));
        let mut first_port = config.listen.port();
        for index in 0..config.hosts.max(1) {
            let scm_listener = if index == 0 {
                bind(config.listen, "port 135").await?
            } else {
                let ip = IpAddr::V4(virtual_host_ip(index));
                let same_port = bind(SocketAddr::new(ip, first_port), "port 135").await;
                match same_port {
                    Ok(l) => l,
                    Err(_) if config.listen.port() == 0 => {
                        bind(SocketAddr::new(ip, 0), "port 135").await?
                    }
                    Err(e) => return Err(e),
                }
            };
            let scm_addr = scm_listener.local_addr().map_err(|source| EmulatorError {
                what: "cannot read a listener's address".into(),
                source,
            })?;
            if index == 0 {
                first_port = scm_addr.port();
            }
            let dynamic_listener = bind(SocketAddr::new(scm_addr.ip(), 0), "dynamic port").await?;
            let dynamic_port = local_port(&dynamic_listener)?;
            let profiles = config.profiles.get(index).cloned().unwrap_or_default();
            let advertised_port = if profiles.firewalled_dynamic_port {
                let black_hole = bind(SocketAddr::new(scm_addr.ip(), 0), "firewalled port").await?;
                let port = local_port(&black_hole)?;
                tasks.push(tokio::spawn(swallow(black_hole)));
                port
            } else {
                dynamic_port
            };
            let host = Arc::new(VirtualHost {
                scm_addr,
                dynamic_port,
                advertised_port,
                profiles,
                kerberos_spn: spn.clone(),
                exporter: Exporter::new(config.ping_period),
                backend: config.backend.clone(),
                processes: CreatedProcesses::new(),
            });
            // Hosts share the keys; one with a `clock-skew` profile gets its own, offset clock.
            let kerberos =
                kerberos
                    .as_ref()
                    .map(|service| match host.profiles.clock_skew_minutes {
                        Some(minutes) => {
                            let mut skewed = KerberosService::clone(service);
                            skewed.clock_offset_secs = minutes.saturating_mul(60);
                            Arc::new(skewed)
                        }
                        None => service.clone(),
                    });
            let options = |port: u16, wire_faults| {
                Arc::new(ServerOptions {
                    accounts: config.accounts.clone(),
                    kerberos: kerberos.clone(),
                    max_frag: config.max_frag,
                    max_message: MAX_MESSAGE,
                    secondary_address: port.to_string(),
                    features: Some(BindTimeFeatures(BindTimeFeatures::KNOWN)),
                    wire_faults,
                })
            };
            tasks.push(tokio::spawn(accept_loop(
                scm_listener,
                host.clone(),
                options(scm_addr.port(), None),
                Port::Scm,
            )));
            tasks.push(tokio::spawn(accept_loop(
                dynamic_listener,
                host.clone(),
                // `hostile-*` wire faults act on the object exporter's port: activation on 135 succeeds.
                options(dynamic_port, WireTamper::for_profiles(&host.profiles)),
                Port::Objects,
            )));
            debug!(index, %scm_addr, dynamic_port, advertised_port, "virtual host listening");
            hosts.push(HostEndpoints {
                scm_addr,
                dynamic_port,
                advertised_port,
                host,
            });
        }
        Ok(EmulatorHandle {
            hosts,
            tasks,
            kerberos,
        })
    }
}

#[derive(Clone, Copy)]
enum Port {
    Scm,
    Objects,
}

/// Accepts connections until aborted; the JoinSet aborts the connections when the loop is dropped.
async fn accept_loop(
    listener: TcpListener,
    host: Arc<VirtualHost>,
    options: Arc<ServerOptions>,
    port: Port,
) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of descriptors and the like: back off instead of spinning on the error.
                debug!(%error, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let connection = CONNECTIONS.fetch_add(1, Ordering::Relaxed);
        debug!(%peer, connection, "accepted");
        connections.spawn(serve(
            stream,
            host.clone(),
            options.clone(),
            port,
            connection,
        ));
    }
}

async fn serve(
    stream: TcpStream,
    host: Arc<VirtualHost>,
    options: Arc<ServerOptions>,
    port: Port,
    connection: u64,
) {
    // `lag`: a slow network delays the TCP handshake's completion as seen by the first PDU too.
    if let Some(lag) = host.profiles.lag {
        tokio::time::sleep(lag).await;
    }
    let service: Arc<dyn RpcService> = match port {
        Port::Scm => Arc::new(ScmPort { host: host.clone() }),
        Port::Objects => Arc::new(ObjectPort {
            host: host.clone(),
            connection,
        }),
    };
    // The objects the connection exported outlive it (MS-DCOM ties them to references and ping sets,
    // not to connections): the exporter reclaims them.
    if let Err(error) = serve_connection(stream, service, options).await {
        debug!(connection, %error, "connection ended with an error");
    }
}

/// `firewalled-dynamic-port`: accept and hold connections without reading or answering, so a client's
/// bind waits until its own timeout, as behind a firewall that drops the packets (the symptom of a
/// blocked RPC dynamic range, Microsoft Learn "Configure RPC dynamic port allocation to work with
/// firewalls").
async fn swallow(listener: TcpListener) {
    let mut held = Vec::new();
    while let Ok((stream, _)) = listener.accept().await {
        held.push(stream);
        if held.len() > 256 {
            held.remove(0);
        }
    }
}

#[cfg(test)]
mod address_tests {
    use super::virtual_host_ip;
    use std::net::Ipv4Addr;

    #[test]
    fn thousands_of_hosts_fit_in_loopback() {
        assert_eq!(virtual_host_ip(1), Ipv4Addr::new(127, 0, 0, 2));
        assert_eq!(virtual_host_ip(253), Ipv4Addr::new(127, 0, 0, 254));
        assert_eq!(virtual_host_ip(254), Ipv4Addr::new(127, 0, 1, 1));
        let all: std::collections::HashSet<_> = (1..5000).map(virtual_host_ip).collect();
        assert_eq!(all.len(), 4999);
        assert!(
            all.iter()
                .all(|ip| ip.octets()[3] != 0 && ip.octets()[3] != 255 && ip.is_loopback())
        );
        assert!(!all.contains(&Ipv4Addr::new(127, 0, 0, 1)));
    }
}
