//! Long-lived connections shared by the callers of one process: the CLI's fleet runs, the Prometheus
//! exporter's scrapes, the wmic HTTP server's requests and the Python package all borrow connections from
//! a [`Pool`] instead of connecting for every operation.
//!
//! - **Keyed** by target, namespace and identity (user, domain, secret, authority, Kerberos settings,
//!   authentication level, locale), and by what a connection keeps using after the connect (time-outs,
//!   batch size, the DCOM options, the shared class store): two callers share a connection only when a
//!   fresh connect of either would have produced the same one. Keys are compared field by field, never
//!   hashed from a secret.
//! - **Bounded**: at most `max_connections` stay open; opening one more closes the least recently used
//!   idle one. Operations in flight are bounded overall (`max_concurrency`) and per target
//!   (`max_per_target`); a caller waits for a permit, not for another host.
//! - **Idle expiry**: a connection nobody has used for `idle_timeout` is closed (on the next checkout,
//!   and by a background sweep while the pool lives in a tokio runtime).
//! - **Health and re-connect**: a checkout looks at [`Connection::health`] first; a connection whose
//!   association ended (the server restarted, a call failed) or whose keep-alive pings fail is dropped
//!   and a new one is made, so the caller never gets a connection known to be dead.
//! - **Isolation**: connecting happens outside the pool's lock, under a lock of that key only, so a slow
//!   or hostile host holds up no caller of another host.
//! - **Raising to privacy**: [`Pool::run_raising_to_privacy`] runs an operation again, once, at packet
//!   privacy when a RequiresEncryption namespace refused a lower level, at NTLMLogin or at the first
//!   IWbemServices call after it. It raises a level this way but never lowers one.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as StdMutex, Weak};
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore};

use crate::security::AuthLevel;
use crate::status::wbem::WBEM_E_ACCESS_DENIED;
use crate::wmi::{ConnectOptions, Connection, WmiError, WmiStage};

/// How a [`Pool`] bounds itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolConfig {
    /// Connections kept open at most (raised to `max_concurrency` if lower, so that every operation
    /// allowed to run can have a connection).
    pub max_connections: usize,
    /// Operations (leases) at the same time, over all targets.
    pub max_concurrency: usize,
    /// Operations at the same time on one target (host and port).
    pub max_per_target: usize,
    /// A connection unused for this long is closed.
    pub idle_timeout: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            max_concurrency: 64,
            max_per_target: 4,
            idle_timeout: Duration::from_secs(300),
        }
    }
}

/// What the pool has done, for metrics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections open now.
    pub open: usize,
    /// Open connections no lease holds.
    pub idle: usize,
    /// Keys the pool keeps an entry for: those with a connection or a lease.
    pub keys: usize,
    /// Connects made (first connections and re-connects).
    pub connects: u64,
    /// Checkouts served by a connection already open.
    pub reuses: u64,
    /// Connections dropped at checkout because they were no longer healthy.
    pub unhealthy: u64,
    /// Connections closed after `idle_timeout`.
    pub expired: u64,
    /// Idle connections closed to make room under `max_connections`.
    pub evicted: u64,
}

/// A pool of connections; cheap to clone (all clones are the same pool).
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("config", &self.inner.config)
            .field("stats", &self.stats())
            .finish()
    }
}

struct Inner {
    config: PoolConfig,
    /// Connections open or being made, over all slots: reserved before a connect, so that two connects
    /// at the same time cannot both take the last place.
    open: Arc<AtomicUsize>,
    overall: Arc<Semaphore>,
    targets: StdMutex<HashMap<String, Arc<TargetState>>>,
    /// When checkouts last looked for expired connections (at most once per sweep period).
    last_expiry: StdMutex<Instant>,
    counters: Counters,
}

#[derive(Default)]
struct Counters {
    connects: AtomicU64,
    reuses: AtomicU64,
    unhealthy: AtomicU64,
    expired: AtomicU64,
    evicted: AtomicU64,
}

/// One target's permits and its connections, one slot per identity.
struct TargetState {
    pool_open: Arc<AtomicUsize>,
    permits: Arc<Semaphore>,
    slots: StdMutex<Vec<Arc<Slot>>>,
}

/// One key's connection. The async lock is held while connecting, so that callers of the same key wait
/// for that one connect instead of making their own; callers of other keys never take it.
struct Slot {
    options: ConnectOptions,
    /// The key of its `TargetState` in the pool.
    target: String,
    /// The pool's count of open connections, given back when this slot's connection goes.
    pool_open: Arc<AtomicUsize>,
    connection: Mutex<Option<Connection>>,
    /// A copy of whether `connection` is set, readable without the async lock (for counting and eviction).
    open: std::sync::atomic::AtomicBool,
    leases: AtomicUsize,
    last_used: StdMutex<Instant>,
}

impl Slot {
    fn idle_since(&self) -> Option<Instant> {
        (self.leases.load(Ordering::Acquire) == 0 && self.open.load(Ordering::Acquire))
            .then(|| *self.last_used.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Takes the connection out if the slot is idle and nobody is connecting.
    fn take_if_idle(&self) -> Option<Connection> {
        let mut guard = self.connection.try_lock().ok()?;
        if self.leases.load(Ordering::Acquire) != 0 {
            return None;
        }
        let connection = guard.take()?;
        self.mark_closed();
        Some(connection)
    }

    fn mark_closed(&self) {
        if self.open.swap(false, Ordering::AcqRel) {
            self.pool_open.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// `take_if_idle`, closing what it took in the background.
    fn close_if_idle(&self) -> bool {
        self.take_if_idle().map(close_in_background).is_some()
    }
}

fn close_in_background(connection: Connection) {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            runtime.spawn(connection.close());
        }
        // Without a runtime the association simply drops: the server reclaims it when TCP closes.
        Err(_) => drop(connection),
    }
}

/// Whether two option sets make the same connection: same target, namespace and identity, and the same
/// settings the connection goes on using (its calls take their time-out, batch size, smart enumeration
/// and ping period from the options it was made with).
fn same_connection(a: &ConnectOptions, b: &ConnectOptions) -> bool {
    let same_classes = match (&a.shared_classes, &b.shared_classes) {
        (None, None) => true,
        (Some(x), Some(y)) => Arc::ptr_eq(x, y),
        _ => false,
    };
    a.target == b.target
        && a.namespace.eq_ignore_ascii_case(&b.namespace)
        && a.credentials == b.credentials
        && a.authority == b.authority
        && a.kerberos == b.kerberos
        && a.auth_level == b.auth_level
        && a.locale == b.locale
        && a.connect_timeout == b.connect_timeout
        && a.call_timeout == b.call_timeout
        && a.max_wait == b.max_wait
        && a.batch_size == b.batch_size
        && a.dcom == b.dcom
        && same_classes
}

impl Pool {
    pub fn new(config: PoolConfig) -> Self {
        let mut config = config;
        config.max_concurrency = config.max_concurrency.max(1);
        config.max_per_target = config.max_per_target.max(1);
        config.max_connections = config.max_connections.max(config.max_concurrency);
        let inner = Arc::new(Inner {
            config,
            open: Arc::new(AtomicUsize::new(0)),
            overall: Arc::new(Semaphore::new(config.max_concurrency)),
            targets: StdMutex::new(HashMap::new()),
            last_expiry: StdMutex::new(Instant::now()),
            counters: Counters::default(),
        });
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(sweep(Arc::downgrade(&inner)));
        }
        Self { inner }
    }

    pub fn config(&self) -> PoolConfig {
        self.inner.config
    }

    /// A connection for `options`, with a permit to use it: an open, healthy connection of the same key
    /// when the pool has one, otherwise a new one. Waits for a permit first (overall, then the target's);
    /// the permits go back when the lease drops.
    pub async fn connection(&self, options: &ConnectOptions) -> Result<Lease, WmiError> {
        let overall = self
            .inner
            .overall
            .clone()
            .acquire_owned()
            .await
            .expect("the pool's semaphores are never closed");
        let key = options.target.to_string();
        let target = self.inner.target(&key);
        let per_target = target
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("the pool's semaphores are never closed");
        // The slot comes with its lease counted; from here the lease owns the count: dropping it (on
        // failure too) gives it back.
        let slot = target.slot(&key, options);
        let mut lease = Lease {
            connection: None,
            slot: slot.clone(),
            pool: self.inner.clone(),
            _permits: (overall, per_target),
        };
        let mut guard = slot.connection.lock().await;
        self.inner.expire_if_due();
        if let Some(existing) = guard.as_ref() {
            if existing.health().is_healthy() {
                self.inner.counters.reuses.fetch_add(1, Ordering::Relaxed);
                lease.connection = Some(existing.clone());
                return Ok(lease);
            }
            self.inner
                .counters
                .unhealthy
                .fetch_add(1, Ordering::Relaxed);
            if let Some(dead) = guard.take() {
                slot.mark_closed();
                close_in_background(dead);
            }
        }
        self.inner.reserve_place();
        self.inner.counters.connects.fetch_add(1, Ordering::Relaxed);
        let connection = match Connection::connect(options.clone()).await {
            Ok(connection) => connection,
            Err(e) => {
                self.inner.open.fetch_sub(1, Ordering::AcqRel);
                return Err(e);
            }
        };
        *guard = Some(connection.clone());
        slot.open.store(true, Ordering::Release);
        lease.connection = Some(connection);
        Ok(lease)
    }

    /// Closes every idle connection unused for `idle_timeout`; returns how many. The pool does this
    /// itself at each checkout and in a background sweep.
    pub fn expire_idle(&self) -> usize {
        self.inner.expire_idle()
    }

    /// Closes every connection no lease holds, and waits until each has released its objects on the
    /// server (the closes run side by side). For the end of a run; returns how many were closed.
    pub async fn close_idle(&self) -> usize {
        let mut closes = tokio::task::JoinSet::new();
        for slot in self.inner.all_slots() {
            if let Some(connection) = slot.take_if_idle() {
                self.inner.forget(&slot);
                closes.spawn(connection.close());
            }
        }
        let closed = closes.len();
        while closes.join_next().await.is_some() {}
        closed
    }

    /// Runs `operation` on a connection for `options`. When the namespace refuses the level with
    /// WBEM_E_ACCESS_DENIED, as a RequiresEncryption namespace does below packet privacy (MS-WMI 3.1.4),
    /// tells `on_retry` and runs `operation` once more on a connection at packet privacy. The refusal
    /// may come at NTLMLogin or at the first IWbemServices call (ExecQuery, GetObject, ExecMethod):
    /// Windows does both (a Windows Server accepted NTLMLogin into `root\MSCluster` at integrity and
    /// refused its ExecQuery, github.com/cesbit/aiowmi issue 38). Such a namespace refuses every call,
    /// so the operation had not produced anything yet when it is run again.
    pub async fn run_raising_to_privacy<T, F, Fut>(
        &self,
        options: &ConnectOptions,
        mut operation: F,
        on_retry: impl FnOnce(&PrivacyRetry),
    ) -> Result<T, WmiError>
    where
        F: FnMut(Lease) -> Fut,
        Fut: std::future::Future<Output = Result<T, WmiError>>,
    {
        let first = match self.connection(options).await {
            Ok(lease) => operation(lease).await,
            Err(e) => Err(e),
        };
        match first {
            Err(e) if PrivacyRetry::applies(&e, options.auth_level) => {
                on_retry(&PrivacyRetry {
                    refused_level: options.auth_level,
                    stage: e.stage,
                    namespace: options.namespace().to_owned(),
                });
                let mut raised = options.clone();
                raised.auth_level = AuthLevel::Privacy;
                operation(self.connection(&raised).await?).await
            }
            other => other,
        }
    }

    pub fn stats(&self) -> PoolStats {
        let slots = self.inner.all_slots();
        let c = &self.inner.counters;
        PoolStats {
            open: slots
                .iter()
                .filter(|s| s.open.load(Ordering::Acquire))
                .count(),
            idle: slots.iter().filter(|s| s.idle_since().is_some()).count(),
            keys: slots.len(),
            connects: c.connects.load(Ordering::Relaxed),
            reuses: c.reuses.load(Ordering::Relaxed),
            unhealthy: c.unhealthy.load(Ordering::Relaxed),
            expired: c.expired.load(Ordering::Relaxed),
            evicted: c.evicted.load(Ordering::Relaxed),
        }
    }
}

impl Inner {
    fn target(&self, key: &str) -> Arc<TargetState> {
        let mut targets = self.targets.lock().unwrap_or_else(|p| p.into_inner());
        targets
            .entry(key.to_string())
            .or_insert_with(|| {
                Arc::new(TargetState {
                    pool_open: self.open.clone(),
                    permits: Arc::new(Semaphore::new(self.config.max_per_target)),
                    slots: StdMutex::new(Vec::new()),
                })
            })
            .clone()
    }

    fn all_slots(&self) -> Vec<Arc<Slot>> {
        let targets = self.targets.lock().unwrap_or_else(|p| p.into_inner());
        targets
            .values()
            .flat_map(|t| t.slots.lock().unwrap_or_else(|p| p.into_inner()).clone())
            .collect()
    }

    fn expire_idle(&self) -> usize {
        let now = Instant::now();
        let mut expired = 0;
        for slot in self.all_slots() {
            let stale = slot
                .idle_since()
                .is_some_and(|since| now.duration_since(since) >= self.config.idle_timeout);
            if stale && slot.close_if_idle() {
                self.forget(&slot);
                expired += 1;
            }
        }
        self.counters
            .expired
            .fetch_add(expired as u64, Ordering::Relaxed);
        expired
    }

    /// `expire_idle`, if a sweep period has passed since checkouts last did it: a checkout costs a look
    /// at every slot only that often.
    fn expire_if_due(&self) {
        let now = Instant::now();
        {
            let mut last = self.last_expiry.lock().unwrap_or_else(|p| p.into_inner());
            if now.duration_since(*last) < sweep_period(&self.config) {
                return;
            }
            *last = now;
        }
        self.expire_idle();
    }

    /// Before a connect: takes a place under `max_connections`, closing the least recently used idle
    /// connection while there is none.
    fn reserve_place(&self) {
        loop {
            let open = self.open.load(Ordering::Acquire);
            if open < self.config.max_connections {
                if self
                    .open
                    .compare_exchange(open, open + 1, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    return;
                }
                continue;
            }
            let slots = self.all_slots();
            let oldest = slots
                .iter()
                .filter_map(|s| s.idle_since().map(|since| (since, s)))
                .min_by_key(|(since, _)| *since);
            match oldest {
                Some((_, slot)) => {
                    if slot.close_if_idle() {
                        self.forget(slot);
                        self.counters.evicted.fetch_add(1, Ordering::Relaxed);
                    }
                }
                // Every open connection is in use or being made. Leases are bounded by max_concurrency
                // <= max_connections and this caller holds one without a connection, so an open
                // connection without a lease (an idle one) exists but for a moment of hand-over:
                // take the place rather than wait for it.
                None => {
                    self.open.fetch_add(1, Ordering::AcqRel);
                    return;
                }
            }
        }
    }

    /// Drops a slot that has no connection and no lease, and its target once that has no slot and no
    /// checkout holds it, so that a pool that has seen many hosts keeps no entry for each. A checkout
    /// takes its target under the map's lock and its slot, counted, under the target's: both checks
    /// below see it.
    fn forget(&self, slot: &Slot) {
        let mut targets = self.targets.lock().unwrap_or_else(|p| p.into_inner());
        let Some(target) = targets.get(&slot.target) else {
            return;
        };
        let empty = {
            let mut slots = target.slots.lock().unwrap_or_else(|p| p.into_inner());
            slots.retain(|s| {
                !std::ptr::eq(Arc::as_ptr(s), slot)
                    || s.open.load(Ordering::Acquire)
                    || s.leases.load(Ordering::Acquire) != 0
            });
            slots.is_empty()
        };
        if empty && Arc::strong_count(target) == 1 {
            targets.remove(&slot.target);
        }
    }
}

impl TargetState {
    /// The slot of `options`' key, made if there is none, with one more lease counted.
    fn slot(&self, key: &str, options: &ConnectOptions) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(slot) = slots.iter().find(|s| same_connection(&s.options, options)) {
            slot.leases.fetch_add(1, Ordering::AcqRel);
            return slot.clone();
        }
        let slot = Arc::new(Slot {
            options: options.clone(),
            target: key.to_string(),
            pool_open: self.pool_open.clone(),
            connection: Mutex::new(None),
            open: std::sync::atomic::AtomicBool::new(false),
            leases: AtomicUsize::new(1),
            last_used: StdMutex::new(Instant::now()),
        });
        slots.push(slot.clone());
        slot
    }
}

/// The pool's background sweep: expires idle connections every quarter of `idle_timeout` (between 0.1 s
/// and a minute), and ends with the pool.
fn sweep_period(config: &PoolConfig) -> Duration {
    (config.idle_timeout / 4).clamp(Duration::from_millis(100), Duration::from_secs(60))
}

async fn sweep(inner: Weak<Inner>) {
    let period = inner.upgrade().map(|i| sweep_period(&i.config));
    let Some(period) = period else { return };
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        ticker.tick().await;
        let Some(inner) = inner.upgrade() else { return };
        inner.expire_idle();
    }
}

/// Why [`Pool::run_raising_to_privacy`] ran its operation again at packet privacy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivacyRetry {
    /// The level the namespace refused.
    pub refused_level: AuthLevel,
    /// Where: [`WmiStage::Login`] for NTLMLogin, else the IWbemServices call that was refused.
    pub stage: WmiStage,
    pub namespace: String,
}

impl PrivacyRetry {
    /// Whether `error`, at `level`, is a namespace's refusal that packet privacy may lift.
    pub fn applies(error: &WmiError, level: AuthLevel) -> bool {
        level < AuthLevel::Privacy
            && error.code == Some(WBEM_E_ACCESS_DENIED)
            && matches!(
                error.stage,
                WmiStage::Login | WmiStage::Query | WmiStage::GetObject | WmiStage::ExecMethod
            )
    }

    /// Where the refusal came, for messages: `at NTLMLogin`, `at the query after NTLMLogin`, ...
    pub fn place(&self) -> String {
        match self.stage {
            WmiStage::Login => "at NTLMLogin".to_string(),
            other => format!("at the {} after NTLMLogin", other.name()),
        }
    }
}

/// A connection borrowed from a [`Pool`], with the permits that allow using it. Derefs to the
/// [`Connection`]; dropping it returns both and marks the connection used now.
pub struct Lease {
    connection: Option<Connection>,
    slot: Arc<Slot>,
    pool: Arc<Inner>,
    _permits: (OwnedSemaphorePermit, OwnedSemaphorePermit),
}

impl Lease {
    pub fn connection(&self) -> &Connection {
        self.connection
            .as_ref()
            .expect("a lease handed out always holds a connection")
    }

    /// Ends the lease and closes its connection now, releasing its objects on the server, unless
    /// another lease shares it (then it stays, as on drop). For one-shot callers such as the CLI, which
    /// will not use the connection again: each host's close then overlaps the other hosts' work
    /// instead of waiting for the end of the run.
    pub async fn retire(mut self) {
        let Some(connection) = self.connection.take() else {
            return;
        };
        let taken = match self.slot.connection.try_lock() {
            Ok(mut guard) if self.slot.leases.load(Ordering::Acquire) == 1 => {
                let taken = guard.take();
                if taken.is_some() {
                    self.slot.mark_closed();
                }
                taken
            }
            _ => None,
        };
        drop(connection);
        if let Some(connection) = taken {
            connection.close().await;
        }
    }
}

impl std::ops::Deref for Lease {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.connection()
    }
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease")
            .field("connection", &self.connection)
            .finish_non_exhaustive()
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        *self
            .slot
            .last_used
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Instant::now();
        let last = self.slot.leases.fetch_sub(1, Ordering::AcqRel) == 1;
        // A slot whose connect failed keeps nothing worth an entry.
        if last && !self.slot.open.load(Ordering::Acquire) {
            self.pool.forget(&self.slot);
        }
    }
}
