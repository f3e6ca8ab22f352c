//! The emulator's server side: one DCOM object exporter per virtual host and the RPC services that
//! expose it.
//!
//! - `backend`: what the services need from the WMI logic (queries, objects, policy), as a trait.
//! - `repository_backend`: `WmiBackend` over the repository, the query engine, accounts and policy.
//! - `status`: the HRESULTs and fault codes the services answer with, with their sources.
//! - `random`: unpredictable OXIDs, OIDs and IPIDs.
//! - `exporter`: the object exporter's state: OXID, IPID table, reference counts, ping sets.
//! - `cursor`: an enumeration over a lazy result, shared by IEnumWbemClassObject and the smart enumerator.
//! - `marshal`: OBJREFs and string bindings for what we hand out.
//! - `host`: one virtual host: its addresses, profiles and exporter.
//! - `scm_port`: port 135 (endpoint mapper, IRemoteSCMActivator, IObjectExporter).
//! - `object_port`: the dynamic port: the ORPC dispatch and per-connection state, and a module per
//!   interface (IRemUnknown2, IWbemLevel1Login, IWbemServices, IEnumWbemClassObject, smart enumeration).
//! - `methods`: ExecMethod handlers.
//! - `faults`: the `lag`, `drop-after` and `stall-after` profiles, around any service.
//! - `hostile`: the `hostile-*` profiles: tampered octets on the wire, malicious objects in Next.

pub mod backend;
pub mod cursor;
pub mod exporter;
pub mod faults;
pub mod host;
pub mod hostile;
pub mod marshal;
pub mod methods;
pub mod object_port;
pub mod processes;
pub mod random;
pub mod repository_backend;
pub mod scm_port;

pub use backend::{ObjectStream, WmiBackend};
pub use exporter::{ConnectionId, Exporter};
pub use host::VirtualHost;
pub use repository_backend::RepositoryBackend;
