//! The object exporter of one virtual host (MS-DCOM 3.1.1.1): its OXID, the IPID of its IRemUnknown,
//! the IPID table of exported interfaces with their public reference counts, the OIDs they belong to,
//! and the resolver's ping sets (MS-DCOM 3.1.2.1).
//!
//! Lifetime: nothing ties an object to the TCP connection that exported it; a client may call it from
//! any connection of the same identity (the `dcerpc` crate logs in on one and queries on another). An
//! IPID entry goes away when RemRelease brings its references to zero (MS-DCOM 3.1.1.5.6.1.3), and an
//! object (an OID and all its IPIDs) when nobody has touched it for a ping set timeout, three ping
//! periods (MS-DCOM 3.1.2.2): no ORPC on it (3.1.1.5.4 records the last ORPC invocation time per OID)
//! and no ping of a set holding its OID (3.1.2.6 and 3.1.1.6.2 reclaim the OIDs of an expired set). An
//! object never pinged is reclaimed after the same time. A reclaimed IPID answers RPC_E_DISCONNECTED, as
//! any IPID not in the table (3.1.1.5.4). The table is bounded per account and in total, so a client
//! that never releases cannot exhaust the emulator.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rwmi::rpc::server::CallerIdentity;
use rwmi_core::Guid;
use rwmi_core::status::hresult::{E_OUTOFMEMORY, RPC_E_INVALID_OBJECT};
use rwmi_core::status::win32::OR_INVALID_SET;

use super::cursor::Cursor;
use super::random::{random_guid, random_u64};

/// Identifies one accepted TCP connection of the emulator (for the log).
pub type ConnectionId = u64;

/// The ping period: MS-DCOM 3.1.2.2, "at most 2 minutes and SHOULD be exactly 2 minutes".
pub const DEFAULT_PING_PERIOD: Duration = Duration::from_secs(120);

/// A ping set times out after this many ping periods (MS-DCOM 3.1.2.2: "SHOULD be exactly three times").
pub const PING_PERIODS_PER_TIMEOUT: u32 = 3;

/// cPublicRefs given with each interface pointer we marshal, as Windows does (MS-DCOM 3.2.4.4.2 lets the
/// exporter choose; 5 lets a client pass references on without a RemAddRef).
pub const PUBLIC_REFS_PER_MARSHAL: u32 = 5;

/// Exported interfaces one account may hold at a time, over all its connections; beyond that, calls that
/// would create another fail with E_OUTOFMEMORY, so a client cannot exhaust the emulator's memory.
pub const MAX_OBJECTS_PER_ACCOUNT: usize = 4096;

/// Exported interfaces all accounts together may hold.
pub const MAX_OBJECTS: usize = 16 * MAX_OBJECTS_PER_ACCOUNT;

/// Ping sets the resolver keeps (MS-DCOM 3.1.2.5.1.3), all clients together.
pub const MAX_PING_SETS: usize = 4096;

/// OIDs one ping set may hold.
pub const MAX_OIDS_PER_SET: usize = MAX_OBJECTS_PER_ACCOUNT;

/// The application state behind an IPID.
#[derive(Debug, Clone)]
pub enum ExportedObject {
    /// The exporter's own IRemUnknown2 (MS-DCOM 3.1.1.5.6); it has no table entry.
    RemUnknown,
    /// IWbemLevel1Login (MS-WMI 3.1.4.1).
    Login,
    /// IWbemServices bound to a namespace in `root\cimv2` form (MS-WMI 3.1.4.3).
    Services { namespace: String },
    /// IEnumWbemClassObject (MS-WMI 3.1.4.4).
    Enumerator(Arc<Mutex<Cursor>>),
    /// IWbemFetchSmartEnum on an enumerator object (MS-WMI 3.1.4.6).
    FetchSmartEnum(Arc<Mutex<Cursor>>),
    /// IWbemWCOSmartEnum (MS-WMI 3.1.4.7).
    SmartEnum(Arc<Mutex<Cursor>>),
}

impl ExportedObject {
    pub fn name(&self) -> &'static str {
        match self {
            ExportedObject::RemUnknown => "IRemUnknown2",
            ExportedObject::Login => "IWbemLevel1Login",
            ExportedObject::Services { .. } => "IWbemServices",
            ExportedObject::Enumerator(_) => "IEnumWbemClassObject",
            ExportedObject::FetchSmartEnum(_) => "IWbemFetchSmartEnum",
            ExportedObject::SmartEnum(_) => "IWbemWCOSmartEnum",
        }
    }
}

/// One IPID entry (MS-DCOM 3.1.1.1).
#[derive(Debug, Clone)]
pub struct IpidEntry {
    pub iid: Guid,
    pub oid: u64,
    pub object: ExportedObject,
    pub public_refs: u32,
    /// Who created it: only that identity may call it, from whichever connection.
    pub creator: Option<CallerIdentity>,
}

impl IpidEntry {
    /// The entry a call on the IRemUnknown IPID gets.
    pub fn rem_unknown() -> IpidEntry {
        IpidEntry {
            iid: rwmi_core::dcom::scm::IID_IREM_UNKNOWN2,
            oid: 0,
            object: ExportedObject::RemUnknown,
            public_refs: 0,
            creator: None,
        }
    }

    /// Whether `caller` is the principal that created the entry (user and domain, case-insensitive as
    /// Windows account names are).
    pub fn owned_by(&self, caller: Option<&CallerIdentity>) -> bool {
        match (&self.creator, caller) {
            (Some(creator), Some(caller)) => {
                creator.user.user.eq_ignore_ascii_case(&caller.user.user)
                    && creator
                        .user
                        .domain
                        .eq_ignore_ascii_case(&caller.user.domain)
            }
            (None, None) => true,
            _ => false,
        }
    }
}

/// The account an entry counts against for [`MAX_OBJECTS_PER_ACCOUNT`].
fn account_of(creator: Option<&CallerIdentity>) -> String {
    creator.map_or_else(String::new, |c| {
        format!("{}\\{}", c.user.domain, c.user.user).to_ascii_lowercase()
    })
}

/// An OID entry (MS-DCOM 3.1.1.1): when the object was last created, called or pinged, and how many of
/// its IPIDs are in the table.
#[derive(Debug, Clone, Copy)]
struct OidEntry {
    touched: Instant,
    ipids: usize,
}

#[derive(Debug)]
struct Table {
    entries: HashMap<Guid, IpidEntry>,
    oids: HashMap<u64, OidEntry>,
    per_account: HashMap<String, usize>,
    ping_sets: HashMap<u64, PingSet>,
    next_sweep: Instant,
}

impl Table {
    fn new() -> Table {
        Table {
            entries: HashMap::new(),
            oids: HashMap::new(),
            per_account: HashMap::new(),
            ping_sets: HashMap::new(),
            next_sweep: Instant::now(),
        }
    }

    fn alive(&self, oid: u64, now: Instant, timeout: Duration) -> bool {
        self.oids
            .get(&oid)
            .is_some_and(|o| now.duration_since(o.touched) < timeout)
    }

    fn remove(&mut self, ipid: &Guid) -> Option<IpidEntry> {
        let entry = self.entries.remove(ipid)?;
        let account = account_of(entry.creator.as_ref());
        if let Some(count) = self.per_account.get_mut(&account) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.per_account.remove(&account);
            }
        }
        if let Some(oid) = self.oids.get_mut(&entry.oid) {
            oid.ipids = oid.ipids.saturating_sub(1);
            if oid.ipids == 0 {
                self.oids.remove(&entry.oid);
            }
        }
        Some(entry)
    }

    /// Reclaims every object untouched for `timeout` and drops expired ping sets (MS-DCOM 3.1.2.6,
    /// 3.1.1.6.2).
    fn sweep(&mut self, now: Instant, timeout: Duration) {
        self.ping_sets
            .retain(|_, set| now.duration_since(set.seen) < timeout);
        let dead: Vec<Guid> = self
            .entries
            .iter()
            .filter(|(_, e)| !self.alive(e.oid, now, timeout))
            .map(|(ipid, _)| *ipid)
            .collect();
        for ipid in dead {
            self.remove(&ipid);
        }
    }
}

/// A ping set as the resolver records it (MS-DCOM 3.1.2.5.1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingSet {
    /// The last ping (ComplexPing or SimplePing).
    pub seen: Instant,
    /// Pings received, the creating ComplexPing included.
    pub pings: u64,
    /// The OIDs the client put in the set (AddToSet minus DelFromSet so far).
    pub oids: BTreeSet<u64>,
}

/// The object exporter state of one virtual host.
#[derive(Debug)]
pub struct Exporter {
    pub oxid: u64,
    pub ipid_rem_unknown: Guid,
    /// The ping period clients are expected to keep (MS-DCOM 3.1.2.2); shorter in tests.
    pub ping_period: Duration,
    table: Mutex<Table>,
}

impl Default for Exporter {
    fn default() -> Self {
        Exporter::new(DEFAULT_PING_PERIOD)
    }
}

impl Exporter {
    pub fn new(ping_period: Duration) -> Exporter {
        Exporter {
            oxid: random_u64(),
            ipid_rem_unknown: random_guid(),
            ping_period,
            table: Mutex::new(Table::new()),
        }
    }

    /// The ping set timeout: after it an untouched object is reclaimed.
    pub fn timeout(&self) -> Duration {
        self.ping_period.saturating_mul(PING_PERIODS_PER_TIMEOUT)
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The table after reclaiming what is due: a full sweep at most once per ping period, or at once
    /// when `force` (a bound is in the way).
    fn swept(&self, now: Instant, force: bool) -> MutexGuard<'_, Table> {
        let mut table = self.table();
        if force || now >= table.next_sweep {
            table.sweep(now, self.timeout());
            table.next_sweep = now + self.ping_period;
        }
        table
    }

    /// Exports a new object (a fresh OID) under `iid` and returns its IPID. Fails with E_OUTOFMEMORY
    /// past the per-account or the total bound.
    pub fn export(
        &self,
        iid: Guid,
        object: ExportedObject,
        creator: Option<CallerIdentity>,
    ) -> Result<Guid, u32> {
        self.export_with_oid(iid, random_u64(), object, creator)
    }

    /// Exports another interface of an existing object (same OID), as RemQueryInterface does.
    pub fn export_with_oid(
        &self,
        iid: Guid,
        oid: u64,
        object: ExportedObject,
        creator: Option<CallerIdentity>,
    ) -> Result<Guid, u32> {
        let now = Instant::now();
        let account = account_of(creator.as_ref());
        let full = |table: &Table| {
            table.entries.len() >= MAX_OBJECTS
                || table.per_account.get(&account).copied().unwrap_or(0) >= MAX_OBJECTS_PER_ACCOUNT
        };
        let mut table = self.swept(now, false);
        if full(&table) {
            table.sweep(now, self.timeout());
            if full(&table) {
                return Err(E_OUTOFMEMORY);
            }
        }
        let ipid = random_guid();
        table.entries.insert(
            ipid,
            IpidEntry {
                iid,
                oid,
                object,
                public_refs: PUBLIC_REFS_PER_MARSHAL,
                creator,
            },
        );
        *table.per_account.entry(account).or_default() += 1;
        let entry = table.oids.entry(oid).or_insert(OidEntry {
            touched: now,
            ipids: 0,
        });
        entry.touched = now;
        entry.ipids += 1;
        Ok(ipid)
    }

    /// The entry of `ipid` for an ORPC on it, recording the call as the object's last ORPC invocation
    /// (MS-DCOM 3.1.1.5.4). An object due for reclamation is reclaimed here and is not found.
    pub fn lookup(&self, ipid: &Guid) -> Option<IpidEntry> {
        let now = Instant::now();
        let mut table = self.swept(now, false);
        let oid = table.entries.get(ipid)?.oid;
        if !table.alive(oid, now, self.timeout()) {
            table.sweep(now, self.timeout());
            return None;
        }
        if let Some(entry) = table.oids.get_mut(&oid) {
            entry.touched = now;
        }
        table.entries.get(ipid).cloned()
    }

    /// The entry of `ipid` if it is still alive, without counting as a call.
    pub fn peek(&self, ipid: &Guid) -> Option<IpidEntry> {
        let table = self.table();
        let entry = table.entries.get(ipid)?;
        table
            .alive(entry.oid, Instant::now(), self.timeout())
            .then(|| entry.clone())
    }

    /// Adds references to a marshaled IPID (another interface pointer handed out, or RemAddRef).
    pub fn add_refs(&self, ipid: &Guid, refs: u32) -> Result<(), u32> {
        let mut table = self.table();
        match table.entries.get_mut(ipid) {
            Some(entry) => {
                entry.public_refs = entry.public_refs.saturating_add(refs);
                Ok(())
            }
            None => Err(RPC_E_INVALID_OBJECT),
        }
    }

    /// Releases references; the entry is removed when none are left (MS-DCOM 3.1.1.5.6.1.3). Releasing
    /// more than are held drops the entry too: the client no longer holds any.
    pub fn release(&self, ipid: &Guid, refs: u32) -> Result<(), u32> {
        let mut table = self.table();
        let Some(entry) = table.entries.get_mut(ipid) else {
            return Err(RPC_E_INVALID_OBJECT);
        };
        entry.public_refs = entry.public_refs.saturating_sub(refs);
        if entry.public_refs == 0 {
            table.remove(ipid);
        }
        Ok(())
    }

    /// Exported interfaces held now, after reclaiming those due.
    pub fn object_count(&self) -> usize {
        self.swept(Instant::now(), true).entries.len()
    }

    /// Creates or refreshes a ping set (MS-DCOM 3.1.2.5.1.2, 3.1.2.5.1.3); a ping keeps the objects of
    /// the set's OIDs alive. A set past its timeout has been removed (3.1.2.6): OR_INVALID_SET.
    pub fn ping(&self, set_id: u64, create: bool) -> Result<u64, u32> {
        let now = Instant::now();
        let timeout = self.timeout();
        let mut table = self.swept(now, false);
        let table = &mut *table;
        if let Some(set) = table.ping_sets.get_mut(&set_id) {
            if now.duration_since(set.seen) < timeout {
                set.seen = now;
                set.pings = set.pings.saturating_add(1);
                for oid in &set.oids {
                    if let Some(entry) = table.oids.get_mut(oid) {
                        entry.touched = now;
                    }
                }
                return Ok(set_id);
            }
            table.ping_sets.remove(&set_id);
        }
        if !create {
            return Err(OR_INVALID_SET);
        }
        table
            .ping_sets
            .retain(|_, set| now.duration_since(set.seen) < timeout);
        if table.ping_sets.len() >= MAX_PING_SETS {
            return Err(E_OUTOFMEMORY);
        }
        let id = loop {
            let candidate = random_u64();
            if candidate != 0 && !table.ping_sets.contains_key(&candidate) {
                break candidate;
            }
        };
        table.ping_sets.insert(
            id,
            PingSet {
                seen: now,
                pings: 1,
                oids: BTreeSet::new(),
            },
        );
        Ok(id)
    }

    /// Records a ComplexPing's changes to the members of a set `ping` accepted; an OID added is pinged
    /// with it. A set never holds more than [`MAX_OIDS_PER_SET`] OIDs.
    pub fn change_ping_set(&self, set_id: u64, add: &[u64], del: &[u64]) {
        let now = Instant::now();
        let mut table = self.table();
        let table = &mut *table;
        if let Some(set) = table.ping_sets.get_mut(&set_id) {
            for oid in del {
                set.oids.remove(oid);
            }
            for oid in add {
                if set.oids.len() >= MAX_OIDS_PER_SET {
                    break;
                }
                set.oids.insert(*oid);
                if let Some(entry) = table.oids.get_mut(oid) {
                    entry.touched = now;
                }
            }
        }
    }

    /// The ping sets clients keep, by SETID (read-only, for tests and the log).
    pub fn ping_sets(&self) -> HashMap<u64, PingSet> {
        self.table().ping_sets.clone()
    }

    /// The OID behind an exported IPID.
    pub fn oid_of(&self, ipid: &Guid) -> Option<u64> {
        self.table().entries.get(ipid).map(|e| e.oid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rwmi::security::{AuthLevel, AuthenticatedUser};

    fn identity(user: &str) -> Option<CallerIdentity> {
        Some(CallerIdentity {
            user: AuthenticatedUser {
                user: user.into(),
                domain: "EMU".into(),
                workstation: String::new(),
            },
            level: AuthLevel::Privacy,
        })
    }

    #[test]
    fn references_bound_lifetime() {
        let exporter = Exporter::default();
        let ipid = exporter
            .export(Guid::NIL, ExportedObject::Login, None)
            .unwrap();
        assert!(exporter.lookup(&ipid).is_some());
        exporter.add_refs(&ipid, 2).unwrap();
        exporter.release(&ipid, 6).unwrap();
        assert_eq!(exporter.lookup(&ipid).unwrap().public_refs, 1);
        exporter.release(&ipid, 1).unwrap();
        assert!(exporter.lookup(&ipid).is_none());
        assert_eq!(exporter.release(&ipid, 1), Err(RPC_E_INVALID_OBJECT));
        assert_eq!(exporter.object_count(), 0);
    }

    #[test]
    fn owners_are_compared_by_principal() {
        let exporter = Exporter::default();
        let ipid = exporter
            .export(Guid::NIL, ExportedObject::Login, identity("Administrator"))
            .unwrap();
        let entry = exporter.lookup(&ipid).unwrap();
        assert!(entry.owned_by(identity("administrator").as_ref()));
        assert!(!entry.owned_by(identity("bob").as_ref()));
        assert!(!entry.owned_by(None));
    }

    #[test]
    fn an_account_cannot_hold_unbounded_objects() {
        let exporter = Exporter::default();
        for _ in 0..MAX_OBJECTS_PER_ACCOUNT {
            exporter
                .export(Guid::NIL, ExportedObject::Login, identity("bob"))
                .unwrap();
        }
        assert_eq!(
            exporter.export(Guid::NIL, ExportedObject::Login, identity("BOB")),
            Err(E_OUTOFMEMORY)
        );
        assert!(
            exporter
                .export(Guid::NIL, ExportedObject::Login, identity("Administrator"))
                .is_ok()
        );
    }

    #[test]
    fn all_accounts_together_are_bounded() {
        let exporter = Exporter::default();
        let accounts = MAX_OBJECTS / MAX_OBJECTS_PER_ACCOUNT;
        for account in 0..accounts {
            let creator = identity(&format!("user{account}"));
            for _ in 0..MAX_OBJECTS_PER_ACCOUNT {
                exporter
                    .export(Guid::NIL, ExportedObject::Login, creator.clone())
                    .unwrap();
            }
        }
        assert_eq!(
            exporter.export(Guid::NIL, ExportedObject::Login, identity("another")),
            Err(E_OUTOFMEMORY)
        );
        assert_eq!(exporter.object_count(), MAX_OBJECTS);
    }

    #[test]
    fn untouched_objects_are_reclaimed_after_the_ping_set_timeout() {
        let exporter = Exporter::new(Duration::from_millis(50));
        let idle = exporter
            .export(Guid::NIL, ExportedObject::Login, None)
            .unwrap();
        let called = exporter
            .export(Guid::NIL, ExportedObject::Login, None)
            .unwrap();
        let pinged = exporter
            .export(Guid::NIL, ExportedObject::Login, None)
            .unwrap();
        let set = exporter.ping(0, true).unwrap();
        exporter.change_ping_set(set, &[exporter.oid_of(&pinged).unwrap()], &[]);
        for _ in 0..10 {
            std::thread::sleep(Duration::from_millis(25));
            assert!(exporter.lookup(&called).is_some());
            assert_eq!(exporter.ping(set, false), Ok(set));
        }
        assert!(exporter.lookup(&idle).is_none(), "reclaimed");
        assert!(exporter.peek(&pinged).is_some(), "kept by its ping set");
        assert_eq!(exporter.object_count(), 2);
        // The set stops being pinged: it expires, and its objects go with it.
        std::thread::sleep(exporter.timeout() + Duration::from_millis(5));
        assert_eq!(exporter.ping(set, false), Err(OR_INVALID_SET));
        assert!(exporter.lookup(&pinged).is_none());
        assert!(exporter.lookup(&called).is_none());
        assert_eq!(exporter.object_count(), 0);
    }

    #[test]
    fn reclaimed_objects_leave_room_under_the_bound() {
        let exporter = Exporter::new(Duration::from_millis(5));
        for _ in 0..MAX_OBJECTS_PER_ACCOUNT {
            exporter
                .export(Guid::NIL, ExportedObject::Login, identity("bob"))
                .unwrap();
        }
        std::thread::sleep(exporter.timeout() + Duration::from_millis(5));
        assert!(
            exporter
                .export(Guid::NIL, ExportedObject::Login, identity("bob"))
                .is_ok()
        );
        // Every object from before the sleep is gone. The new one may be too, if this thread was
        // held up for a whole timeout (15 ms) since its export: a busy machine does that.
        assert!(exporter.object_count() <= 1);
    }

    #[test]
    fn ping_sets() {
        let exporter = Exporter::default();
        assert_eq!(exporter.ping(42, false), Err(OR_INVALID_SET));
        let id = exporter.ping(0, true).unwrap();
        assert_ne!(id, 0);
        exporter.change_ping_set(id, &[1, 2], &[]);
        assert_eq!(exporter.ping(id, false), Ok(id));
        exporter.change_ping_set(id, &[3], &[1]);
        let set = exporter.ping_sets().remove(&id).unwrap();
        assert_eq!(set.pings, 2);
        assert_eq!(set.oids, [2, 3].into_iter().collect());
    }
}
