//! `rwmi sim`: runs the WMI server emulator until stopped.

use std::path::PathBuf;

use rwmi_sim::launch::{SimOptions, start};

use crate::exit;

pub async fn run(options: SimOptions) -> u8 {
    let handle = match start(&options).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("rwmi sim: {e}");
            if e.contains("Permission denied") {
                eprintln!(
                    "rwmi sim: port 135 needs root or CAP_NET_BIND_SERVICE; try --listen 127.0.0.1:1135"
                );
            }
            return exit::FAILURE;
        }
    };
    let hosts = handle.hosts();
    let first = &hosts[0];
    let last = &hosts[hosts.len() - 1];
    let span = if hosts.len() == 1 {
        format!(
            "{} (dynamic port {})",
            first.scm_addr, first.advertised_port
        )
    } else {
        format!(
            "{} hosts, {} to {}",
            hosts.len(),
            first.scm_addr,
            last.scm_addr
        )
    };
    let kerberos = handle.kerberos().map_or_else(String::new, |service| {
        format!(
            "; Kerberos for {} (domain accounts of {})",
            service.principals().join(", "),
            service.realms().join(", ")
        )
    });
    println!(
        "rwmi sim: ready on {span}; accounts Administrator, alice, bob, localadmin (password Passw0rd!){kerberos}; Ctrl-C stops"
    );
    let _ = tokio::signal::ctrl_c().await;
    handle.shutdown().await;
    exit::SUCCESS
}

/// Arguments as the CLI parses them, turned into launcher options.
pub fn options(
    listen: Option<String>,
    profiles: Vec<String>,
    config: Option<PathBuf>,
    virtual_hosts: usize,
    synthetic: Vec<String>,
    max_frag: u16,
) -> Result<SimOptions, String> {
    let mut o = SimOptions {
        profiles,
        config,
        virtual_hosts,
        synthetic,
        max_frag,
        ..SimOptions::default()
    };
    if let Some(listen) = listen {
        o.listen = listen
            .parse()
            .map_err(|_| format!("--listen `{listen}` is not ADDRESS:PORT"))?;
    }
    Ok(o)
}
