//! The object exporter of one virtual host (MS-DCOM 3.1.1.1): its OXID, the IPID of its IRemUnknown,
//! and the IPID table of exported interfaces with their public reference counts.
//!
//! Lifetime: an entry goes away when its references reach zero (RemRelease, MS-DCOM 3.1.1.5.6.1.3), when
//! the connection that created it or first used it ends (the emulator does not keep objects for clients
//! that are gone), or, for objects no connection has used yet (the login object that activation on port
//! 135 creates), after [`ORPHAN_LIFETIME`]: three ping periods of two minutes, the ping set timeout of
//! MS-DCOM 3.1.2.2 (3.1.2.5.1.2 for pings).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rwmi::rpc::server::CallerIdentity;
use rwmi_core::Guid;
use rwmi_core::status::hresult::{E_OUTOFMEMORY, RPC_E_INVALID_OBJECT};
use rwmi_core::status::win32::OR_INVALID_SET;

use super::cursor::Cursor;
use super::random::{random_guid, random_u64};

/// Identifies one accepted TCP connection of the emulator.
pub type ConnectionId = u64;

pub const ORPHAN_LIFETIME: Duration = Duration::from_secs(3 * 120);

/// cPublicRefs given with each interface pointer we marshal, as Windows does (MS-DCOM 3.2.4.4.2 lets the
/// exporter choose; 5 lets a client pass references on without a RemAddRef).
pub const PUBLIC_REFS_PER_MARSHAL: u32 = 5;

/// Exported interfaces one connection may hold at a time; beyond that, calls that would create another
/// fail with E_OUTOFMEMORY, so a client cannot exhaust the emulator's memory.
pub const MAX_OBJECTS_PER_CONNECTION: usize = 4096;

/// Ping sets the resolver keeps (MS-DCOM 3.1.2.5.1.3), all clients together.
pub const MAX_PING_SETS: usize = 4096;

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
    /// The connection the entry lives and dies with; `None` until a connection first calls it.
    pub connection: Option<ConnectionId>,
    /// Who created it, for the log and for services' checks.
    pub creator: Option<CallerIdentity>,
    created: Instant,
}

impl IpidEntry {
    /// The entry a call on the IRemUnknown IPID gets.
    pub fn rem_unknown() -> IpidEntry {
        IpidEntry {
            iid: rwmi_core::dcom::scm::IID_IREM_UNKNOWN2,
            oid: 0,
            object: ExportedObject::RemUnknown,
            public_refs: 0,
            connection: None,
            creator: None,
            created: Instant::now(),
        }
    }
}

#[derive(Debug, Default)]
struct Table {
    entries: HashMap<Guid, IpidEntry>,
    ping_sets: HashMap<u64, PingSet>,
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
    table: Mutex<Table>,
}

impl Default for Exporter {
    fn default() -> Self {
        Exporter::new()
    }
}

impl Exporter {
    pub fn new() -> Exporter {
        Exporter {
            oxid: random_u64(),
            ipid_rem_unknown: random_guid(),
            table: Mutex::new(Table::default()),
        }
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Exports a new object (a fresh OID) under `iid` and returns its IPID. `connection` is `None` for
    /// an object handed out on port 135. Fails with E_OUTOFMEMORY past the per-connection cap.
    pub fn export(
        &self,
        iid: Guid,
        object: ExportedObject,
        connection: Option<ConnectionId>,
        creator: Option<CallerIdentity>,
    ) -> Result<Guid, u32> {
        self.export_with_oid(iid, random_u64(), object, connection, creator)
    }

    /// Exports another interface of an existing object (same OID), as RemQueryInterface does.
    pub fn export_with_oid(
        &self,
        iid: Guid,
        oid: u64,
        object: ExportedObject,
        connection: Option<ConnectionId>,
        creator: Option<CallerIdentity>,
    ) -> Result<Guid, u32> {
        let mut table = self.table();
        let now = Instant::now();
        table.entries.retain(|_, e| {
            e.connection.is_some() || now.duration_since(e.created) < ORPHAN_LIFETIME
        });
        if let Some(connection) = connection {
            let held = table
                .entries
                .values()
                .filter(|e| e.connection == Some(connection))
                .count();
            if held >= MAX_OBJECTS_PER_CONNECTION {
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
                connection,
                creator,
                created: now,
            },
        );
        Ok(ipid)
    }

    /// The entry of `ipid`, adopting it into `connection` if no connection owns it yet.
    pub fn lookup(&self, ipid: &Guid, connection: ConnectionId) -> Option<IpidEntry> {
        let mut table = self.table();
        let entry = table.entries.get_mut(ipid)?;
        entry.connection.get_or_insert(connection);
        Some(entry.clone())
    }

    /// The entry of `ipid`, leaving its owner as it is.
    pub fn peek(&self, ipid: &Guid) -> Option<IpidEntry> {
        self.table().entries.get(ipid).cloned()
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
            table.entries.remove(ipid);
        }
        Ok(())
    }

    /// Drops everything `connection` owns; called when it closes.
    pub fn connection_closed(&self, connection: ConnectionId) {
        self.table()
            .entries
            .retain(|_, e| e.connection != Some(connection));
    }

    pub fn object_count(&self) -> usize {
        self.table().entries.len()
    }

    /// Creates or refreshes a ping set (MS-DCOM 3.1.2.5.1.3). The emulator does not collect objects by
    /// ping time (connections bound their lifetime), so a set only records that the client is alive.
    pub fn ping(&self, set_id: u64, create: bool) -> Result<u64, u32> {
        let mut table = self.table();
        let now = Instant::now();
        if let Some(set) = table.ping_sets.get_mut(&set_id) {
            set.seen = now;
            set.pings = set.pings.saturating_add(1);
            return Ok(set_id);
        }
        if !create {
            return Err(OR_INVALID_SET);
        }
        table
            .ping_sets
            .retain(|_, set| now.duration_since(set.seen) < ORPHAN_LIFETIME);
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

    /// Records a ComplexPing's changes to the members of a set `ping` accepted. The emulator does not
    /// collect objects by ping time, so the members are only kept for observation. A set never holds more
    /// than [`MAX_OBJECTS_PER_CONNECTION`] OIDs.
    pub fn change_ping_set(&self, set_id: u64, add: &[u64], del: &[u64]) {
        let mut table = self.table();
        if let Some(set) = table.ping_sets.get_mut(&set_id) {
            for oid in del {
                set.oids.remove(oid);
            }
            for oid in add {
                if set.oids.len() >= MAX_OBJECTS_PER_CONNECTION {
                    break;
                }
                set.oids.insert(*oid);
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

    #[test]
    fn references_and_connections_bound_lifetime() {
        let exporter = Exporter::new();
        let ipid = exporter
            .export(Guid::NIL, ExportedObject::Login, None, None)
            .unwrap();
        assert!(exporter.lookup(&ipid, 7).is_some());
        exporter.add_refs(&ipid, 2).unwrap();
        exporter.release(&ipid, 6).unwrap();
        assert_eq!(exporter.lookup(&ipid, 7).unwrap().public_refs, 1);
        exporter.release(&ipid, 1).unwrap();
        assert!(exporter.lookup(&ipid, 7).is_none());
        assert_eq!(exporter.release(&ipid, 1), Err(RPC_E_INVALID_OBJECT));

        let owned = exporter
            .export(Guid::NIL, ExportedObject::Login, Some(3), None)
            .unwrap();
        let adopted = exporter
            .export(Guid::NIL, ExportedObject::Login, None, None)
            .unwrap();
        assert!(exporter.lookup(&adopted, 3).is_some());
        exporter.connection_closed(3);
        assert!(exporter.lookup(&owned, 4).is_none());
        assert!(exporter.lookup(&adopted, 4).is_none());
    }

    #[test]
    fn a_connection_cannot_hold_unbounded_objects() {
        let exporter = Exporter::new();
        for _ in 0..MAX_OBJECTS_PER_CONNECTION {
            exporter
                .export(Guid::NIL, ExportedObject::Login, Some(1), None)
                .unwrap();
        }
        assert_eq!(
            exporter.export(Guid::NIL, ExportedObject::Login, Some(1), None),
            Err(E_OUTOFMEMORY)
        );
        assert!(
            exporter
                .export(Guid::NIL, ExportedObject::Login, Some(2), None)
                .is_ok()
        );
    }

    #[test]
    fn ping_sets() {
        let exporter = Exporter::new();
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
