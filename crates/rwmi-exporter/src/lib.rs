//! `rwmi exporter`: a multi-target Prometheus exporter for Windows hosts over WMI, in the pattern of
//! snmp_exporter and blackbox_exporter. Prometheus names the host in `/probe?target=HOST&module=NAME`
//! and shards a fleet over several exporters with its own relabelling (`hashmod`); the exporter keeps
//! one pooled connection per target and auth between scrapes.
//!
//! A front-end over the `rwmi` crate's public API: no protocol logic here.
//! - [`config`]: the YAML file (auths, modules) and the built-in modules (`modules.yaml`).
//! - [`perf`]: Win32_PerfRawData CounterTypes and their formulas.
//! - [`families`]: rows through metric specs into metric families.
//! - [`render`]: families as OpenMetrics text (prometheus-client).
//! - [`server`]: the HTTP endpoints, probes, the exporter's own metrics, reloads.

#![forbid(unsafe_code)]

pub mod config;
pub mod families;
pub mod perf;
pub mod render;
pub mod server;
