//! A connection to WMI on a remote machine, as IWbemLocator::ConnectServer returns it (the stages that
//! make one are in `stages`): the association to the object exporter, the IWbemServices pointer, the
//! objects held and the keep-alive that protects them.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use rwmi_core::Guid;
use rwmi_core::dcom::scm::{RemInterfaceRef, RemReleaseRequest};
use rwmi_core::dcom::{ComVersion, MInterfacePointer, ObjRef, OrpcThis};
use rwmi_core::rpc::Call;
use rwmi_core::wmio::{ClassCache, Limits};
use tokio::sync::Mutex;
use tracing::debug;

use super::error::{WmiError, WmiStage};
use super::keep_alive::{HeldObjects, KeepAliveStatus};
use super::options::ConnectOptions;
use crate::rpc::{ClientAssociation, InvokeError};

/// How long one stage took, for `rwmi doctor` and `--verbose`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageTiming {
    pub stage: WmiStage,
    pub elapsed: Duration,
}

/// What the connect observed and did that a user may want to know even when it succeeded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectReport {
    pub timings: Vec<StageTiming>,
    /// The OXID string bindings the server advertised (`host[port]`).
    pub advertised_bindings: Vec<String>,
    /// The address the dynamic-port association uses.
    pub object_exporter: Option<SocketAddr>,
    pub server_com_version: Option<ComVersion>,
    pub notes: Vec<String>,
}

/// Classes kept for decoding instances; a query of many classes evicts the least recently used.
pub(crate) const CLASS_CACHE_SIZE: usize = 256;

pub(crate) struct Shared {
    pub(crate) rpc: Mutex<ClientAssociation>,
    pub(crate) rem_unknown: Guid,
    pub(crate) cache: StdMutex<ClassCache>,
    pub(crate) limits: Limits,
    pub(crate) options: ConnectOptions,
    /// The interface pointers we hold, for RemRelease counts and the ping set.
    pub(crate) held: HeldObjects,
    /// Interfaces done with (IPID and public references) whose release rides along with the next
    /// RemRelease this association makes instead of costing a round trip of its own (the IWbemLevel1Login
    /// after NTLMLogin). They have left the ping set already.
    pub(crate) release_with_next: StdMutex<Vec<(Guid, u32)>>,
    pub(crate) keep_alive: Arc<StdMutex<KeepAliveStatus>>,
    /// The keep-alive task, aborted when the last holder of this state goes.
    pub(crate) pinger: StdMutex<Option<tokio::task::AbortHandle>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        let pinger = self.pinger.get_mut().unwrap_or_else(|p| p.into_inner());
        if let Some(task) = pinger.take() {
            task.abort();
        }
    }
}

impl Shared {
    /// One ORPC call on the object `ipid`, typed by its stub.
    pub(crate) async fn call<R: Call>(
        &self,
        ipid: Guid,
        request: &R,
        stage: WmiStage,
        name: &'static str,
    ) -> Result<R::Response, WmiError> {
        self.rpc
            .lock()
            .await
            .invoke(Some(ipid), request)
            .await
            .map_err(|e| WmiError::invoke(stage, Some(name), e))
    }

    /// The IPID of an interface pointer the server handed us, remembered with its OID and references.
    pub(crate) fn adopt(&self, pointer: Option<&MInterfacePointer>) -> Option<Guid> {
        let std = pointer
            .and_then(|p| ObjRef::from_interface_pointer(p).ok())
            .and_then(|o| o.std().copied())?;
        self.held.hold(&std);
        Some(std.ipid)
    }

    /// Releases references on objects we no longer use (MS-DCOM 3.1.1.5.6.1.3), best effort, together
    /// with those waiting in `release_with_next`: RemRelease takes any number of interface references.
    pub(crate) async fn release(&self, ipids: &[Guid]) {
        let mut all = std::mem::take(
            &mut *self
                .release_with_next
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        );
        all.extend(ipids.iter().map(|&ipid| (ipid, self.held.forget(&ipid))));
        if all.is_empty() {
            return;
        }
        let request = RemReleaseRequest {
            orpc_this: OrpcThis::new(new_cid()),
            refs: all
                .into_iter()
                .map(|(ipid, public_refs)| RemInterfaceRef {
                    ipid,
                    public_refs,
                    private_refs: 0,
                })
                .collect(),
        };
        let result = self
            .rpc
            .lock()
            .await
            .invoke(Some(self.rem_unknown), &request)
            .await;
        // The answer carries nothing we use: only a call that failed is worth a line.
        if let Err(InvokeError::Rpc(e)) = result {
            debug!(error = %e, "RemRelease failed");
        }
    }
}

/// A causality id for one ORPC call (MS-DCOM 1.3.5): unique per call chain.
pub(crate) fn new_cid() -> Guid {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    Guid::from_u128((nanos << 64) ^ u128::from(n) ^ (u128::from(std::process::id()) << 32))
}

/// What [`Connection::health`] sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Healthy,
    /// The association has ended; nothing more can be called on this connection.
    Closed(String),
    /// The last keep-alive ping failed, with this error.
    PingsFailing(String),
}

impl Health {
    pub fn is_healthy(&self) -> bool {
        matches!(self, Health::Healthy)
    }
}

/// A connection to one namespace on one machine.
#[derive(Clone)]
pub struct Connection {
    pub(crate) shared: Arc<Shared>,
    pub(crate) services: Guid,
    pub(crate) namespace: Arc<str>,
    pub(crate) report: Arc<ConnectReport>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("target", &self.shared.options.target)
            .field("namespace", &self.namespace)
            .field("object_exporter", &self.report.object_exporter)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// ConnectServer: returns a connection to `options.namespace`, or the stage and cause of the failure.
    pub async fn connect(options: ConnectOptions) -> Result<Self, WmiError> {
        super::stages::connect(options).await
    }

    /// What the connect saw: stage timings, advertised bindings, notes such as a fallback address.
    pub fn report(&self) -> &ConnectReport {
        &self.report
    }

    /// The namespace this connection is bound to, e.g. `root\cimv2`.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// What the keep-alive pinging has done so far (MS-DCOM 3.2.6).
    pub fn keep_alive(&self) -> KeepAliveStatus {
        self.shared
            .keep_alive
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Whether the connection can still serve calls, seen without a round trip: `Closed` when its
    /// association has ended (the server closed or reset it, or a failure ended it), `PingsFailing` when
    /// the keep-alive could not reach the object resolver last time (the server will collect our objects
    /// after three periods without a ping, MS-DCOM 3.2.6). A connection busy with a call is `Healthy`.
    pub fn health(&self) -> Health {
        if let Ok(rpc) = self.shared.rpc.try_lock()
            && let Some(cause) = rpc.ended()
        {
            return Health::Closed(cause);
        }
        match self.keep_alive().last_error {
            Some(error) => Health::PingsFailing(error),
            None => Health::Healthy,
        }
    }

    /// Releases the namespace object. The association, and the keep-alive pings, end when the last
    /// connection sharing them (see `open_namespace`) and the last of their query streams are gone.
    pub async fn close(self) {
        self.shared.release(&[self.services]).await;
    }
}
