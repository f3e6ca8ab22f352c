//! Keeping the server's objects alive (MS-DCOM 3.2.6): the client remembers the OID behind every interface
//! pointer it holds, and a background task pings the server's object resolver (IObjectExporter on port 135)
//! once per period: ComplexPing to create the ping set or change its members, SimplePing when the members
//! are the same as last time. Without pings the server collects the objects after three periods.

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::{Mutex as StdMutex, Weak};
use std::time::Duration;

use rwmi_core::Guid;
use rwmi_core::dcom::StdObjRef;
use rwmi_core::dcom::objref::SORF_NOPING;
use rwmi_core::dcom::scm::{ComplexPingRequest, SimplePingRequest};
use rwmi_core::rpc::Call;
use rwmi_core::status::win32::OR_INVALID_SET;
use tracing::debug;

use super::session::Session;
use crate::rpc::{AssociationOptions, ClientAssociation, InvokeError};
use crate::security::AuthLevel;

/// cPublicRefs released for an IPID whose STDOBJREF we did not see (the count Windows marshals with).
pub(crate) const DEFAULT_PUBLIC_REFS: u32 = 5;

/// One interface pointer we hold: the object it belongs to and the references it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct HeldInterface {
    oid: u64,
    public_refs: u32,
    /// False for SORF_NOPING objects (MS-DCOM 2.2.18.2), which the server does not collect.
    pinged: bool,
}

/// The interface pointers a connection holds, by IPID (MS-DCOM 3.2.1: the client's IPID and OID tables).
#[derive(Debug, Default)]
pub(crate) struct HeldObjects {
    interfaces: StdMutex<HashMap<Guid, HeldInterface>>,
}

impl HeldObjects {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Guid, HeldInterface>> {
        self.interfaces.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a pointer just unmarshaled (MS-DCOM 3.2.4.1.2).
    pub(crate) fn hold(&self, std: &StdObjRef) {
        self.lock().insert(
            std.ipid,
            HeldInterface {
                oid: std.oid,
                public_refs: std.public_refs,
                pinged: std.flags & SORF_NOPING == 0,
            },
        );
    }

    /// Forgets `ipid` and returns the references to release for it.
    pub(crate) fn forget(&self, ipid: &Guid) -> u32 {
        self.lock()
            .remove(ipid)
            .map_or(DEFAULT_PUBLIC_REFS, |h| h.public_refs.max(1))
    }

    /// The OIDs to keep in the ping set.
    pub(crate) fn pinged_oids(&self) -> BTreeSet<u64> {
        self.lock()
            .values()
            .filter(|h| h.pinged)
            .map(|h| h.oid)
            .collect()
    }
}

/// What the keep-alive task has done, for diagnostics and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeepAliveStatus {
    /// The SETID the server gave; 0 while there is no set.
    pub set_id: u64,
    /// The OIDs the set holds now.
    pub oids: Vec<u64>,
    pub complex_pings: u64,
    pub simple_pings: u64,
    /// The last failure, if the last ping failed.
    pub last_error: Option<String>,
}

/// The next ping to make, decided from the set as the server knows it and the OIDs held now.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PingCall {
    /// Nothing held and no set: nothing to keep alive.
    Nothing,
    Simple(u64),
    Complex(ComplexPingRequest),
}

/// The client's SETID entry (MS-DCOM 3.2.1): the set's id, its sequence number and its members.
#[derive(Debug, Default)]
struct PingSet {
    set_id: u64,
    sequence: u16,
    members: BTreeSet<u64>,
}

impl PingSet {
    /// MS-DCOM 3.2.6.1.
    fn next_call(&mut self, held: &BTreeSet<u64>) -> PingCall {
        if self.set_id == 0 {
            if held.is_empty() {
                return PingCall::Nothing;
            }
            self.sequence = 1;
            return PingCall::Complex(ComplexPingRequest {
                set_id: 0,
                sequence_num: self.sequence,
                add_to_set: held.iter().copied().collect(),
                del_from_set: Vec::new(),
            });
        }
        if *held == self.members {
            return PingCall::Simple(self.set_id);
        }
        self.sequence = self.sequence.wrapping_add(1);
        PingCall::Complex(ComplexPingRequest {
            set_id: self.set_id,
            sequence_num: self.sequence,
            add_to_set: held.difference(&self.members).copied().collect(),
            del_from_set: self.members.difference(held).copied().collect(),
        })
    }

    /// A ComplexPing succeeded: the set now holds `held`; an empty set is forgotten.
    fn completed(&mut self, set_id: u64, held: BTreeSet<u64>) {
        if held.is_empty() {
            *self = PingSet::default();
        } else {
            self.set_id = set_id;
            self.members = held;
        }
    }
}

/// Where and how the task reaches the object resolver.
struct Resolver {
    addr: SocketAddr,
    options: AssociationOptions,
    association: Option<ClientAssociation>,
}

impl Resolver {
    /// One call to the resolver; a failed call drops the association, an undecodable answer does not.
    async fn call<R: Call>(&mut self, request: &R) -> Result<R::Response, String> {
        if self.association.is_none() {
            let association = ClientAssociation::connect(self.addr, &self.options)
                .await
                .map_err(|e| e.to_string())?;
            self.association = Some(association);
        }
        let Some(association) = self.association.as_mut() else {
            return Err("no association".into());
        };
        match association.invoke(None, request).await {
            Ok(response) => Ok(response),
            Err(InvokeError::Response(e)) => Err(e.to_string()),
            Err(InvokeError::Rpc(e)) => {
                // The next period starts over on a fresh association.
                self.association = None;
                Err(e.to_string())
            }
        }
    }

    /// Makes the ping the set needs now, and records its outcome in `status`.
    async fn ping(
        &mut self,
        set: &mut PingSet,
        held: BTreeSet<u64>,
        status: &StdMutex<KeepAliveStatus>,
    ) {
        let call = set.next_call(&held);
        let result = match &call {
            PingCall::Nothing => return,
            PingCall::Simple(set_id) => {
                let request = SimplePingRequest { set_id: *set_id };
                self.call(&request)
                    .await
                    .and_then(|response| match response.status {
                        0 => Ok(()),
                        OR_INVALID_SET => {
                            // The server dropped the set: build it again next period.
                            *set = PingSet::default();
                            Err("the server no longer knows the ping set (OR_INVALID_SET)".into())
                        }
                        other => Err(format!("SimplePing failed with status {other:#010x}")),
                    })
            }
            PingCall::Complex(request) => {
                self.call(request)
                    .await
                    .and_then(|response| match response.status {
                        0 => {
                            set.completed(response.set_id, held.clone());
                            Ok(())
                        }
                        OR_INVALID_SET => {
                            *set = PingSet::default();
                            Err("the server no longer knows the ping set (OR_INVALID_SET)".into())
                        }
                        other => Err(format!("ComplexPing failed with status {other:#010x}")),
                    })
            }
        };
        let mut status = status.lock().unwrap_or_else(|p| p.into_inner());
        match result {
            Ok(()) => {
                match call {
                    PingCall::Simple(_) => status.simple_pings += 1,
                    _ => status.complex_pings += 1,
                }
                status.last_error = None;
            }
            Err(e) => {
                debug!(error = %e, "ping failed");
                status.last_error = Some(e);
            }
        }
        status.set_id = set.set_id;
        status.oids = set.members.iter().copied().collect();
    }
}

/// The level of the pinger's association: the connection's, and packet integrity at least
/// (MS-DCOM 3.2.6.1).
pub(crate) fn ping_level(level: AuthLevel) -> AuthLevel {
    level.max(AuthLevel::Integrity)
}

/// Runs the pings every `period` while the connection lives. The task holds the connection weakly, so
/// dropping the last `Connection` (or `QueryStream`) ends it; `Session`'s drop also aborts it at once.
/// `options` are the resolver association's, made by `ConnectOptions::association` with the connection's
/// own authentication.
pub(crate) async fn run(
    shared: Weak<Session>,
    resolver_addr: SocketAddr,
    period: Duration,
    options: AssociationOptions,
) {
    let mut resolver = Resolver {
        addr: resolver_addr,
        options,
        association: None,
    };
    let mut set = PingSet::default();
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let (held, status) = {
            let Some(shared) = shared.upgrade() else {
                return;
            };
            (shared.held.pinged_oids(), shared.keep_alive.clone())
        };
        resolver.ping(&mut set, held, &status).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oids(list: &[u64]) -> BTreeSet<u64> {
        list.iter().copied().collect()
    }

    #[test]
    fn ping_set_follows_ms_dcom_3_2_6_1() {
        let mut set = PingSet::default();
        assert_eq!(set.next_call(&oids(&[])), PingCall::Nothing);
        let PingCall::Complex(first) = set.next_call(&oids(&[7, 9])) else {
            panic!("a new set is made with ComplexPing");
        };
        assert_eq!(first.set_id, 0);
        assert_eq!(first.sequence_num, 1);
        assert_eq!(first.add_to_set, vec![7, 9]);
        assert!(first.del_from_set.is_empty());
        set.completed(42, oids(&[7, 9]));
        assert_eq!(set.next_call(&oids(&[7, 9])), PingCall::Simple(42));
        let PingCall::Complex(change) = set.next_call(&oids(&[9, 11])) else {
            panic!("a change of members is a ComplexPing");
        };
        assert_eq!(change.set_id, 42);
        assert_eq!(change.sequence_num, 2);
        assert_eq!(change.add_to_set, vec![11]);
        assert_eq!(change.del_from_set, vec![7]);
        set.completed(42, oids(&[9, 11]));
        let PingCall::Complex(emptied) = set.next_call(&oids(&[])) else {
            panic!("releasing everything is a ComplexPing");
        };
        assert_eq!(emptied.del_from_set, vec![9, 11]);
        set.completed(42, oids(&[]));
        assert_eq!(set.set_id, 0);
        assert_eq!(set.next_call(&oids(&[])), PingCall::Nothing);
    }

    #[test]
    fn held_objects_track_references_and_noping() {
        let held = HeldObjects::default();
        let ipid = Guid::from_u128(1);
        held.hold(&StdObjRef {
            flags: 0,
            public_refs: 3,
            oxid: 1,
            oid: 10,
            ipid,
        });
        held.hold(&StdObjRef {
            flags: SORF_NOPING,
            public_refs: 5,
            oxid: 1,
            oid: 11,
            ipid: Guid::from_u128(2),
        });
        assert_eq!(held.pinged_oids(), oids(&[10]));
        assert_eq!(held.forget(&ipid), 3);
        assert_eq!(held.forget(&ipid), DEFAULT_PUBLIC_REFS);
        assert!(held.pinged_oids().is_empty());
    }
}
