//! rwmi: remote WMI over DCOM, in pure Rust.
//!
//! This crate drives the sans-I/O core (`rwmi-core`) over TCP with tokio: security contexts, RPC
//! associations (client and server side), and the public API.

pub mod diagnosis;
pub mod fleet;
pub mod pool;
pub mod rpc;
pub mod security;
pub mod wmi;
