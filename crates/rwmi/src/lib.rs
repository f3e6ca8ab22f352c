//! rwmi: remote WMI in pure Rust.
//!
//! This crate drives the sans-I/O core (`rwmi-core`) over TCP with tokio: security contexts, RPC
//! associations (client and server side), and the public API. A user of the API needs nothing from
//! `rwmi-core`: the row types, their JSON rendering, the status table and the Kerberos files are
//! re-exported here.
//!
//! - [`wmi`]: connect like IWbemLocator::ConnectServer, then query, get and call.
//! - [`pool`] and [`fleet`]: connections kept across operations, and one operation over many hosts.
//! - [`diagnosis`]: why a connection fails, as a verdict with the stage, cause and fix.

#![forbid(unsafe_code)]

pub mod diagnosis;
pub mod fleet;
pub mod pool;
pub mod rpc;
pub mod security;
pub mod wmi;

/// What queries return: instances, classes and their values (MS-WMIO), whatever the transport.
pub use rwmi_core::wmio::{
    CimBase, CimDateTime, CimInterval, CimTimestamp, CimType, Flavor, Method, Property, Qualifier,
    Value, WmiClass, WmiInstance, WmiObject,
};

/// Rows and objects as JSON, in the shape `rwmi decode` and `rwmi query --format json` print.
pub mod json {
    pub use rwmi_core::wmio::{
        ToJson, instance_to_json, json_string, object_to_json, to_json, value_to_json,
    };
}

/// The status codes rwmi explains (HRESULT, WBEMSTATUS, Win32, NTSTATUS, RPC faults, Kerberos), with
/// their meanings, causes and fixes.
pub use rwmi_core::status;
