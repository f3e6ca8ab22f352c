//! The DCOM session behind a connection: the typed ORPC call, the interface pointers held and their
//! release (MS-DCOM 3.2.4, 3.1.1.5.6).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex as StdMutex};

use rwmi_core::Guid;
use rwmi_core::dcom::scm::{RemInterfaceRef, RemReleaseRequest};
use rwmi_core::dcom::{MInterfacePointer, ObjRef, OrpcThis};
use rwmi_core::rpc::Call;
use rwmi_core::wmio::{ClassCache, Limits};
use tokio::sync::Mutex;
use tracing::debug;

use super::keep_alive::{HeldObjects, KeepAliveStatus};
use crate::rpc::{ClientAssociation, InvokeError};
use crate::wmi::error::{WmiError, WmiStage};
use crate::wmi::options::ConnectOptions;

/// Classes kept for decoding instances; a query of many classes evicts the least recently used.
pub(crate) const CLASS_CACHE_SIZE: usize = 256;

/// Finished enumerations' interfaces wait for `DcomOptions::release_delay`, or until this many wait, so
/// that the server never holds many objects we are done with.
pub(crate) const RELEASE_BATCH: usize = 16;

/// One DCOM session with a server's object exporter: the association on the dynamic port, the objects
/// held on it and their keep-alive. Every `Connection` and `QueryStream` made from one connect (and its
/// `open_namespace` children) shares it; the association ends with the last of them.
pub(crate) struct Session {
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
    /// Whether a task is waiting to send `release_with_next` (see `release_soon`).
    pub(crate) release_timer: AtomicBool,
    pub(crate) keep_alive: Arc<StdMutex<KeepAliveStatus>>,
    /// The keep-alive task, aborted when the last holder of this state goes.
    pub(crate) pinger: StdMutex<Option<tokio::task::AbortHandle>>,
}

impl Drop for Session {
    fn drop(&mut self) {
        let pinger = self.pinger.get_mut().unwrap_or_else(|p| p.into_inner());
        if let Some(task) = pinger.take() {
            task.abort();
        }
    }
}

impl Session {
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

    /// Releases `ipids` a little later (MS-DCOM 3.1.1.5.6.1.3), in one RemRelease with whatever else is
    /// released meanwhile: after `DcomOptions::release_delay`, at once when `RELEASE_BATCH` interfaces
    /// wait, or with the next `release` (a connection's `close` included). They leave the ping set now.
    /// Without a runtime to wait on, they wait for the next `release`.
    pub(crate) fn release_soon(self: &Arc<Self>, ipids: &[Guid]) {
        let waiting = {
            let mut pending = self
                .release_with_next
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            pending.extend(ipids.iter().map(|&ipid| (ipid, self.held.forget(&ipid))));
            pending.len()
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if waiting >= RELEASE_BATCH {
            let session = self.clone();
            runtime.spawn(async move { session.release(&[]).await });
        } else if !self.release_timer.swap(true, Ordering::AcqRel) {
            // The timer does not keep the session (and its sockets) alive: a connection closed meanwhile
            // took the waiting releases with it, and one dropped without `close` leaves its objects to
            // the server's ping time-out, as it leaves its IWbemServices.
            let session = Arc::downgrade(self);
            let delay = self.options.dcom.release_delay;
            runtime.spawn(async move {
                tokio::time::sleep(delay).await;
                let Some(session) = session.upgrade() else {
                    return;
                };
                // Cleared before the list is taken: what arrives after the take starts a timer of its own.
                session.release_timer.store(false, Ordering::Release);
                session.release(&[]).await;
            });
        }
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
