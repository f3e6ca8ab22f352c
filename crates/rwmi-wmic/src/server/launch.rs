//! Starting the wmic server the way the original is started: its file, address and port from the
//! command line or from `WMIC_SERVER_CONFIG`, `WMIC_SERVER_ADDRESS`, `WMIC_SERVER_PORT` and
//! `WMIC_SERVER_DEBUG`, and serving until Ctrl-C or SIGTERM.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rwmi::pool::PoolConfig;
use tokio::net::TcpListener;

use super::config::ServerConfig;
use super::{DEFAULT_ADDRESS, DEFAULT_PORT, WmicServer};

/// How to run the server; `None` fields fall back to the environment, then to the defaults.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub config: Option<PathBuf>,
    /// `ADDRESS:PORT`.
    pub listen: Option<String>,
    pub pool: PoolConfig,
    pub debug: bool,
}

/// Where the configuration is: `--config`, else `WMIC_SERVER_CONFIG`, else `wmic_server.yaml` in the
/// current directory (the original looked beside its script).
pub fn config_path(settings: &Settings) -> PathBuf {
    settings
        .config
        .clone()
        .or_else(|| std::env::var_os("WMIC_SERVER_CONFIG").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("wmic_server.yaml"))
}

/// The address to listen on: `--listen`, else `WMIC_SERVER_ADDRESS` and `WMIC_SERVER_PORT`.
pub fn listen_address(settings: &Settings) -> String {
    if let Some(listen) = &settings.listen {
        return listen.clone();
    }
    let address = std::env::var("WMIC_SERVER_ADDRESS").unwrap_or_else(|_| DEFAULT_ADDRESS.into());
    let port = std::env::var("WMIC_SERVER_PORT").unwrap_or_else(|_| DEFAULT_PORT.to_string());
    if address.contains(':') && !address.starts_with('[') {
        format!("[{address}]:{port}")
    } else {
        format!("{address}:{port}")
    }
}

/// Reads the configuration, warns about what deserves it, listens, prints the address on stdout and
/// serves until stopped. Returns what went wrong before serving.
pub async fn run(settings: Settings) -> Result<(), String> {
    let path = config_path(&settings);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read the configuration {}: {e}", path.display()))?;
    let config = ServerConfig::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    warn_if_readable_by_others(&path);
    for key in &config.unknown {
        eprintln!(
            "rwmi wmic-server: {}: `{key}` is not a setting the wmic server knows; ignored",
            path.display()
        );
    }
    let debug = settings.debug
        || std::env::var("WMIC_SERVER_DEBUG").is_ok_and(|v| !v.is_empty() && v != "0");
    let address = listen_address(&settings);
    let listener = TcpListener::bind(&address)
        .await
        .map_err(|e| format!("cannot listen on {address}: {e}"))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {address}: {e}"))?;
    let ids = config.identities.len();
    let tokens =
        if config.tokens.is_some() || config.identities.values().any(|i| i.tokens.is_some()) {
            "tokens required"
        } else {
            "no tokens configured: any client that reaches the port may use every id"
        };
    let server = Arc::new(WmicServer::new(config, settings.pool, debug));
    println!(
        "rwmi wmic-server: listening on http://{local}/wmic ({ids} ids from {}; {tokens}); Ctrl-C stops",
        path.display()
    );
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let serving = tokio::spawn(server.clone().serve(listener));
    stopped().await;
    serving.abort();
    // Release the server-side objects of every connection still open, but do not hang on a host
    // that no longer answers.
    let _ = tokio::time::timeout(Duration::from_secs(10), server.close_connections()).await;
    Ok(())
}

async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// The file holds passwords: say so when others can read it.
fn warn_if_readable_by_others(path: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            eprintln!(
                "rwmi wmic-server: warning: {} holds passwords and tokens but other users may read it \
                 (mode {:o}); run chmod 600 on it",
                path.display(),
                meta.permissions().mode() & 0o777
            );
        }
    }
}
