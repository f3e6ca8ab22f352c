//! The stages of `Connection::connect`, as IWbemLocator::ConnectServer goes through them (MS-WMI 3.2.3,
//! MS-DCOM 3.2.4): resolve the target, activate WbemLevel1Login through the SCM on port 135, reach the
//! object exporter at one of its advertised bindings (falling back to the address that answered 135),
//! and log in to the namespace. Each stage is its own function; `Progress` records which one is running
//! and how long each took, for the failure's stage and `rwmi doctor`'s timings.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use rwmi_core::Guid;
use rwmi_core::dcom::activation::{ActivationReply, ActivationRequest};
use rwmi_core::dcom::ids::{
    IOBJECT_EXPORTER_SYNTAX, IREM_UNKNOWN2_SYNTAX, IREMOTE_SCM_ACTIVATOR_SYNTAX,
};
use rwmi_core::dcom::scm::RemoteCreateInstanceRequest;
use rwmi_core::dcom::{ComVersion, DualStringArray, ObjRef, OrpcThis, StdObjRef};
use rwmi_core::ndr::Unique;
use rwmi_core::status::hresult::RPC_E_VERSION_MISMATCH;
use rwmi_core::wmi::ids::{
    CLSID_WBEM_LEVEL1_LOGIN, IENUM_WBEM_CLASS_OBJECT, IID_IWBEM_LEVEL1_LOGIN, IWBEM_CALL_RESULT,
    IWBEM_FETCH_SMART_ENUM, IWBEM_LEVEL1_LOGIN, IWBEM_SERVICES, IWBEM_WCO_SMART_ENUM,
};
use rwmi_core::wmi::login::NtlmLoginRequest;
use rwmi_core::wmio::{ClassCache, Limits};
use tokio::sync::Mutex;

use super::keep_alive::{self, HeldObjects, KeepAliveStatus};
use super::session::{CLASS_CACHE_SIZE, Session, new_cid};
use crate::rpc::{AssociationOptions, ClientAssociation, InvokeError, RpcError};
use crate::security::Authentication;
use crate::wmi::connection::{ConnectReport, Connection, StageTiming};
use crate::wmi::error::{WmiError, WmiStage};
use crate::wmi::options::ConnectOptions;

/// The interfaces offered in the single bind on the dynamic port, so that no alter_context is needed later.
const EXPORTER_INTERFACES: [rwmi_core::rpc::SyntaxId; 7] = [
    IWBEM_LEVEL1_LOGIN,
    IWBEM_SERVICES,
    IENUM_WBEM_CLASS_OBJECT,
    IREM_UNKNOWN2_SYNTAX,
    IWBEM_FETCH_SMART_ENUM,
    IWBEM_WCO_SMART_ENUM,
    IWBEM_CALL_RESULT,
];

/// The advertised OXID bindings looked at. Windows advertises one per address and name of the server, a
/// handful; a server advertising thousands (MS-DCOM 2.2.19.1 allows tens of thousands in one array) would
/// otherwise cost one name lookup or connect time-out each.
const MAX_ADVERTISED_BINDINGS: usize = 16;
/// Addresses tried before the fallback to the address that answered port 135.
const MAX_EXPORTER_ATTEMPTS: usize = 8;

const CREATE_INSTANCE: &str = "IRemoteSCMActivator::RemoteCreateInstance";
const NTLM_LOGIN: &str = "IWbemLevel1Login::NTLMLogin";

/// The stage running now, when it started, and what the connect has seen so far.
struct Progress {
    stage: WmiStage,
    started: Instant,
    report: ConnectReport,
}

impl Progress {
    fn enter(&mut self, stage: WmiStage) {
        let now = Instant::now();
        let elapsed = now - self.started;
        let previous = self.stage;
        self.report.timings.push(StageTiming {
            stage: previous,
            elapsed,
        });
        self.stage = stage;
        self.started = now;
    }
}

type SharedProgress = Arc<StdMutex<Progress>>;

fn lock(progress: &StdMutex<Progress>) -> std::sync::MutexGuard<'_, Progress> {
    progress
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// All stages, within `max_wait` when it is set; a failure carries the stage it happened in, the timings
/// of the stages before it and the bindings the server advertised.
pub(crate) async fn connect(options: ConnectOptions) -> Result<Connection, WmiError> {
    let progress = Arc::new(StdMutex::new(Progress {
        stage: WmiStage::Resolve,
        started: Instant::now(),
        report: ConnectReport::default(),
    }));
    let work = all_stages(options.clone(), progress.clone());
    let result = match options.connect_budget() {
        None => work.await,
        Some(budget) => match tokio::time::timeout(budget, work).await {
            Ok(result) => result,
            Err(_) => {
                let stage = lock(&progress).stage;
                Err(WmiError::rpc(
                    stage,
                    None,
                    RpcError::Timeout {
                        stage: crate::rpc::Stage::Call,
                        after: budget,
                    },
                )
                .with_evidence(vec![format!(
                    "the whole connect was bounded to {} s (max wait) and was still at {stage}",
                    budget.as_secs_f64()
                )]))
            }
        },
    };
    result.map_err(|mut e| {
        let mut p = lock(&progress);
        let failed_stage = p.stage;
        p.enter(failed_stage);
        e.timings = p
            .report
            .timings
            .iter()
            .map(|t| (t.stage, t.elapsed))
            .collect();
        e.evidence.extend(
            p.report
                .dcom
                .advertised_bindings
                .iter()
                .map(|b| format!("advertised OXID binding {b}")),
        );
        e
    })
}

async fn all_stages(
    options: ConnectOptions,
    progress: SharedProgress,
) -> Result<Connection, WmiError> {
    let epm_addr = resolve(&options).await?;
    let authentication = options
        .authentication()
        .map_err(|e| WmiError::new(WmiStage::Bind, None, None, e.to_string()))?;
    let (reply, login) = activate(&options, epm_addr, &authentication, &progress).await?;

    lock(&progress).enter(WmiStage::OxidBinding);
    let exporter_options = options.association(
        EXPORTER_INTERFACES.to_vec(),
        authentication.clone(),
        options.auth_level,
    );
    let (rpc, exporter_addr, notes) = reach_exporter(
        &reply.oxid_bindings,
        epm_addr.ip(),
        &exporter_options,
        &progress,
    )
    .await?;
    {
        let mut p = lock(&progress);
        p.report.dcom.object_exporter = Some(exporter_addr);
        p.report.notes.extend(notes);
    }

    let shared = Arc::new(Session {
        rpc: Mutex::new(rpc),
        rem_unknown: reply.ipid_rem_unknown,
        cache: StdMutex::new(match &options.shared_classes {
            Some(shared) => ClassCache::with_shared(CLASS_CACHE_SIZE, shared.clone()),
            None => ClassCache::new(CLASS_CACHE_SIZE),
        }),
        limits: Limits::default(),
        options: options.clone(),
        held: HeldObjects::default(),
        release_with_next: StdMutex::new(Vec::new()),
        release_timer: Default::default(),
        keep_alive: Arc::new(StdMutex::new(KeepAliveStatus::default())),
        pinger: StdMutex::new(None),
    });
    shared.held.hold(&login);

    lock(&progress).enter(WmiStage::Login);
    let services = login_to_namespace(&shared, &options, login.ipid).await?;
    let report = {
        let mut p = lock(&progress);
        // Records the login stage's own time.
        p.enter(WmiStage::Login);
        std::mem::take(&mut p.report)
    };
    if let Some(period) = options.dcom.ping_interval.filter(|p| !p.is_zero()) {
        // MS-DCOM 3.2.6: the object resolver is reached where activation was (port 135), with the
        // connection's own authentication.
        let resolver = options.association(
            vec![IOBJECT_EXPORTER_SYNTAX],
            authentication,
            keep_alive::ping_level(options.auth_level),
        );
        let task = tokio::spawn(keep_alive::run(
            Arc::downgrade(&shared),
            epm_addr,
            period,
            resolver,
        ));
        *shared.pinger.lock().unwrap_or_else(|p| p.into_inner()) = Some(task.abort_handle());
    }
    Ok(Connection {
        shared,
        services,
        namespace: Arc::from(options.namespace.as_str()),
        report: Arc::new(report),
    })
}

/// The target's address for port 135: its first IPv4 address, else its first address.
async fn resolve(options: &ConnectOptions) -> Result<SocketAddr, WmiError> {
    let target = &options.target;
    let failed = |message: String| {
        WmiError::rpc(
            WmiStage::Resolve,
            None,
            RpcError::Resolve {
                host: target.host.clone(),
                message,
            },
        )
    };
    let addrs: Vec<SocketAddr> = match tokio::time::timeout(
        options.connect_timeout,
        tokio::net::lookup_host((target.host.as_str(), target.port)),
    )
    .await
    {
        Ok(Ok(addrs)) => addrs.collect(),
        Ok(Err(e)) => return Err(failed(e.to_string())),
        Err(_) => return Err(failed("the lookup timed out".into())),
    };
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
        .ok_or_else(|| failed("no address".into()))
}

/// Port 135: RemoteCreateInstance of WbemLevel1Login on the SCM activator, authenticated at the level
/// asked for (activation below packet integrity is refused by patched Windows, KB5004442). Returns the
/// activation reply and the IWbemLevel1Login pointer.
async fn activate(
    options: &ConnectOptions,
    epm_addr: SocketAddr,
    authentication: &Authentication,
    progress: &SharedProgress,
) -> Result<(ActivationReply, StdObjRef), WmiError> {
    lock(progress).enter(WmiStage::Connect);
    let scm_options = options.association(
        vec![IREMOTE_SCM_ACTIVATOR_SYNTAX, IOBJECT_EXPORTER_SYNTAX],
        authentication.clone(),
        options.auth_level,
    );
    let stream = crate::rpc::transport::connect(epm_addr, options.connect_timeout)
        .await
        .map_err(|e| WmiError::rpc(WmiStage::Connect, None, e))?;
    lock(progress).enter(WmiStage::Bind);
    let mut scm = ClientAssociation::bind(stream, epm_addr, &scm_options)
        .await
        .map_err(|e| WmiError::rpc(WmiStage::Bind, None, e))?;

    lock(progress).enter(WmiStage::Activation);
    let activation = ActivationRequest::new(CLSID_WBEM_LEVEL1_LOGIN, vec![IID_IWBEM_LEVEL1_LOGIN]);
    let request = RemoteCreateInstanceRequest::new(new_cid(), &activation);
    let response = match scm.invoke(None, &request).await {
        Err(InvokeError::Rpc(e)) => {
            // The first call also carries the verdict on our NTLM credentials.
            let stage = if e.is_logon_failure() {
                WmiStage::Bind
            } else {
                WmiStage::Activation
            };
            return Err(WmiError::rpc(stage, Some(CREATE_INSTANCE), e));
        }
        answered => answered,
    };
    scm.close().await;
    let response =
        response.map_err(|e| WmiError::invoke(WmiStage::Activation, Some(CREATE_INSTANCE), e))?;
    if response.hresult != 0 {
        return Err(WmiError::status(
            WmiStage::Activation,
            CREATE_INSTANCE,
            response.hresult,
        ));
    }
    let reply = response.activation_reply().map_err(|e| {
        WmiError::malformed(
            WmiStage::Activation,
            Some(CREATE_INSTANCE),
            "activation reply",
            e,
        )
    })?;
    let login_pointer = match reply
        .interfaces
        .iter()
        .find(|i| i.iid == IID_IWBEM_LEVEL1_LOGIN)
    {
        Some(result) if result.hresult != 0 => {
            return Err(WmiError::status(
                WmiStage::Activation,
                CREATE_INSTANCE,
                result.hresult,
            ));
        }
        Some(result) => result.pointer.clone(),
        None => None,
    };
    let login = login_pointer
        .as_ref()
        .and_then(|p| ObjRef::from_interface_pointer(p).ok())
        .and_then(|o| o.std().copied())
        .ok_or_else(|| {
            WmiError::new(
                WmiStage::Activation,
                Some(CREATE_INSTANCE),
                None,
                "the reply carries no IWbemLevel1Login pointer",
            )
        })?;
    {
        let mut p = lock(progress);
        p.report.dcom.server_com_version = Some(reply.server_version);
        p.report.dcom.advertised_bindings = reply
            .oxid_bindings
            .string_bindings
            .iter()
            .map(|b| b.network_addr.clone())
            .collect();
    }
    if reply.server_version.major != ComVersion::CURRENT.major {
        return Err(WmiError::new(
            WmiStage::Activation,
            Some(CREATE_INSTANCE),
            Some(RPC_E_VERSION_MISMATCH),
            format!(
                "the server speaks COM version {}, rwmi speaks {}",
                reply.server_version,
                ComVersion::CURRENT
            ),
        ));
    }
    Ok((reply, login))
}

/// NTLMLogin into the namespace on the login object (MS-WMI 3.1.4.1.4); returns the IWbemServices IPID.
/// The login object is done with either way: released at once on failure, otherwise with the next
/// RemRelease (the end of the first enumeration, or close), which spares every connection a round trip
/// before its first query.
async fn login_to_namespace(
    shared: &Session,
    options: &ConnectOptions,
    login: Guid,
) -> Result<Guid, WmiError> {
    let mut request = NtlmLoginRequest::new(
        OrpcThis::new(new_cid()),
        &format!("//./{}", options.namespace.replace('\\', "/")),
    );
    if let Some(locale) = &options.locale {
        request.preferred_locale = Unique::new(rwmi_core::ndr::WideString::from(locale.as_str()));
    }
    let response = shared
        .call(login, &request, WmiStage::Login, NTLM_LOGIN)
        .await?;
    if response.hresult != 0 {
        shared.release(&[login]).await;
        return Err(WmiError::status(
            WmiStage::Login,
            NTLM_LOGIN,
            response.hresult,
        ));
    }
    let Some(services) = shared.adopt(response.namespace.as_ref()) else {
        shared.release(&[login]).await;
        return Err(WmiError::new(
            WmiStage::Login,
            Some(NTLM_LOGIN),
            None,
            "NTLMLogin returned no IWbemServices pointer",
        ));
    };
    let login_refs = shared.held.forget(&login);
    shared
        .release_with_next
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push((login, login_refs));
    Ok(services)
}

/// Reaches the object exporter: the advertised TCP bindings whose names resolve, the one with the address
/// that answered port 135 first; then that address with the advertised port, if nothing advertised works
/// (NAT, a NetBIOS name DNS does not know, a name only the server's hosts file knows).
async fn reach_exporter(
    bindings: &DualStringArray,
    epm_ip: IpAddr,
    options: &AssociationOptions,
    progress: &StdMutex<Progress>,
) -> Result<(ClientAssociation, SocketAddr, Vec<String>), WmiError> {
    let mut evidence = Vec::new();
    let mut candidates: Vec<SocketAddr> = Vec::new();
    let mut port_seen = None;
    let advertised_tcp = bindings.tcp_bindings();
    if advertised_tcp.len() > MAX_ADVERTISED_BINDINGS {
        evidence.push(format!(
            "the server advertised {} TCP bindings; only the first {MAX_ADVERTISED_BINDINGS} were considered",
            advertised_tcp.len()
        ));
    }
    // Windows advertises its computer name and its addresses; when the address that answered port 135
    // is among them, that is where the exporter is: no name needs a DNS lookup (which may be slow).
    let reached_is_advertised = advertised_tcp
        .iter()
        .take(MAX_ADVERTISED_BINDINGS)
        .any(|(host, port)| port.is_some() && host.parse::<IpAddr>() == Ok(epm_ip));
    for (host, port) in advertised_tcp.into_iter().take(MAX_ADVERTISED_BINDINGS) {
        let Some(port) = port else { continue };
        port_seen.get_or_insert(port);
        let resolved = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) if reached_is_advertised => Vec::new(),
            Err(_) => match tokio::time::timeout(
                Duration::from_secs(2),
                tokio::net::lookup_host((host, port)),
            )
            .await
            {
                Ok(Ok(addrs)) => addrs.filter(SocketAddr::is_ipv4).collect(),
                _ => {
                    evidence.push(format!(
                        "advertised binding {host}[{port}] does not resolve"
                    ));
                    Vec::new()
                }
            },
        };
        for addr in resolved {
            if !candidates.contains(&addr) {
                candidates.push(addr);
            }
        }
    }
    let Some(port) = port_seen else {
        return Err(WmiError::new(
            WmiStage::OxidBinding,
            None,
            None,
            "the server advertised no ncacn_ip_tcp binding for its object exporter",
        )
        .with_evidence(
            bindings
                .string_bindings
                .iter()
                .map(|b| format!("binding tower {} {}", b.tower_id, b.network_addr))
                .collect(),
        ));
    };
    // Prefer the address we already reached: it is the one most likely to work from here.
    candidates.sort_by_key(|a| a.ip() != epm_ip);
    candidates.truncate(MAX_EXPORTER_ATTEMPTS);
    let fallback = SocketAddr::new(epm_ip, port);
    let advertised = candidates.contains(&fallback);
    if !advertised {
        candidates.push(fallback);
    }
    let mut last_error = None;
    for addr in candidates {
        lock(progress).enter(WmiStage::DynamicPort);
        match ClientAssociation::connect(addr, options).await {
            Ok(rpc) => {
                let mut notes = evidence.clone();
                if addr == fallback && !advertised {
                    notes.push(format!(
                        "no advertised OXID binding was reachable; used the address that answered port 135 ({addr})"
                    ));
                }
                return Ok((rpc, addr, notes));
            }
            Err(e) => {
                evidence.push(format!("{addr}: {e}"));
                // A refused or silent port will not work on another address of the same host either, but an
                // authentication failure will not improve by trying more addresses.
                let stop = e.is_logon_failure();
                last_error = Some(e);
                if stop {
                    break;
                }
            }
        }
    }
    let error = last_error.expect("at least the fallback address was tried");
    let stage = match error.stage() {
        crate::rpc::Stage::Connect => WmiStage::OxidBinding,
        _ => WmiStage::DynamicPort,
    };
    Err(WmiError::rpc(stage, None, error).with_evidence(evidence))
}
