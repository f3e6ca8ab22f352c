//! A drop-in for Samba's `wmic`, over the rwmi library: the monitoring plugins that shell out to `wmic`
//! (check_wmi_plus, Cacti, wmi-client-wrapper) get a client that works at packet privacy, with the
//! command line they already build and the output they already parse.
//!
//! Nothing here speaks a protocol: connecting, querying and diagnosis are `rwmi`'s. This crate reads
//! wmic's command line and authentication file, prints rows and errors the way wmic printed them, and
//! then rwmi's diagnosis on stderr.
//!
//! - [`cmdline`]: Samba wmic's (popt) command line.
//! - [`authfile`]: the smbclient authentication file (`-A`).
//! - [`format`]: rows as wmic printed them (`CLASS:` line, header, delimiter, value forms).
//! - [`kerberos`]: `-k yes`, with the password or the credential cache.
//! - [`errors`]: rwmi's failures as wmic's `ERROR:` and `NTSTATUS:` lines.
//! - [`client`]: one wmic run: connect, query, print.
//! - [`server`]: `rwmi wmic-server`, the HTTP service of aiowmi's `contrib/wmic_server`.

#![forbid(unsafe_code)]

pub mod authfile;
pub mod client;
pub mod cmdline;
pub mod errors;
pub mod format;
pub mod kerberos;
pub mod server;

pub use client::run;
