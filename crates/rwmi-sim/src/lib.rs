//! The WMI server emulator: a MOF repository, WQL, accounts, DCOM and namespace security like a patched
//! Windows, fault profiles, and the server side of rwmi's protocol stack. See ARCHITECTURE.md.

// Unsafe code is allowed only in `host::os_calls`, the libc calls; each block says why it is sound.
#![deny(unsafe_code)]

pub mod accounts;
pub mod config;
pub mod emulator;
pub mod host;
pub mod launch;
pub mod mof;
pub mod policy;
pub mod profile;
pub mod query;
pub mod repository;
mod scan;
pub mod server;
pub mod wql;
