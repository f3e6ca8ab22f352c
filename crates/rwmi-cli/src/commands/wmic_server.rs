//! `rwmi wmic-server`: aiowmi's wmic_server over rwmi's pooled connections (rwmi_wmic::server).

use std::path::PathBuf;
use std::time::Duration;

use rwmi::pool::PoolConfig;
use rwmi_wmic::server::launch::{Settings, run as serve};

use crate::exit;

#[derive(clap::Args, Debug)]
pub struct Arguments {
    /// The YAML file of ids, tokens and validation patterns (else $WMIC_SERVER_CONFIG, else
    /// ./wmic_server.yaml).
    #[arg(long)]
    config: Option<PathBuf>,
    /// ADDRESS:PORT (else $WMIC_SERVER_ADDRESS and $WMIC_SERVER_PORT, else 127.0.0.1:2313).
    #[arg(long)]
    listen: Option<String>,
    /// Connections kept open at most.
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,
    /// Requests served at the same time, over all hosts.
    #[arg(long, default_value_t = 64)]
    max_concurrency: usize,
    /// Requests served at the same time on one host.
    #[arg(long, default_value_t = 4)]
    max_per_host: usize,
    /// Seconds after which an unused connection is closed.
    #[arg(long, default_value_t = 300)]
    idle_timeout: u64,
    /// One line per request on stderr (also WMIC_SERVER_DEBUG=1); never a secret.
    #[arg(short, long)]
    debug: bool,
}

pub async fn run(a: Arguments) -> u8 {
    let settings = Settings {
        config: a.config,
        listen: a.listen,
        pool: PoolConfig {
            max_connections: a.max_connections,
            max_concurrency: a.max_concurrency,
            max_per_target: a.max_per_host,
            idle_timeout: Duration::from_secs(a.idle_timeout),
        },
        debug: a.debug,
    };
    match serve(settings).await {
        Ok(()) => exit::SUCCESS,
        Err(e) => {
            eprintln!("rwmi wmic-server: {e}");
            exit::FAILURE
        }
    }
}
