//! `rwmi exporter`: the Prometheus exporter (rwmi_exporter::server).

use std::path::PathBuf;
use std::time::Duration;

use rwmi::pool::PoolConfig;

use crate::exit;

#[derive(clap::Args, Debug)]
pub struct Arguments {
    /// The YAML file of auths and modules (see README, "Prometheus").
    #[arg(long)]
    config: PathBuf,
    /// ADDRESS:PORT to serve /probe, /metrics, /-/healthy and /-/reload on.
    #[arg(long, default_value = "127.0.0.1:9185")]
    listen: String,
    /// Connections kept open at most (one per target, auth and namespace).
    #[arg(long, default_value_t = 2048)]
    max_connections: usize,
    /// Probes at the same time, over all targets.
    #[arg(long, default_value_t = 256)]
    max_concurrency: usize,
    /// Seconds after which an unused connection is closed.
    #[arg(long, default_value_t = 300)]
    idle_timeout: u64,
}

pub async fn run(a: Arguments) -> u8 {
    let pool = PoolConfig {
        max_connections: a.max_connections,
        max_concurrency: a.max_concurrency,
        max_per_target: 4,
        idle_timeout: Duration::from_secs(a.idle_timeout),
    };
    match rwmi_exporter::server::run(a.config, &a.listen, pool).await {
        Ok(()) => exit::SUCCESS,
        Err(e) => {
            eprintln!("rwmi exporter: {e}");
            exit::FAILURE
        }
    }
}
