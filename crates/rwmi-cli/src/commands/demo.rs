//! `rwmi demo`: rwmi's main job with nothing but this machine. It starts the built-in WMI emulator on a
//! loopback port, connects to it the way ConnectServer does (DCOM activation, NTLMv2 at packet privacy,
//! the object exporter's dynamic port, NTLMLogin), runs two queries, and shows doctor's diagnosis for an
//! account that DCOM refuses.

use std::time::Instant;

use rwmi::diagnosis::diagnose;
use rwmi::security::{Credentials, Secret};
use rwmi::wmi::{ConnectOptions, Connection};
use rwmi_sim::launch::{SimOptions, start};

use crate::args::Format;
use crate::exit;
use crate::output::Printer;

pub async fn run() -> u8 {
    let options = SimOptions {
        listen: "127.0.0.1:0".parse().expect("literal"),
        ..SimOptions::default()
    };
    let emulator = match start(&options).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("rwmi demo: cannot start the emulator: {e}");
            return exit::FAILURE;
        }
    };
    let target = emulator.hosts()[0].scm_addr.to_string();
    println!("Started the rwmi WMI emulator on {target} (what `rwmi sim` runs).\n");
    let admin = Credentials::parse_user("Administrator", Secret::Password("Passw0rd!".into()));
    let started = Instant::now();
    let connection = match ConnectOptions::new(&target, admin) {
        Ok(o) => Connection::connect(o).await,
        Err(e) => {
            eprintln!("rwmi demo: {e}");
            return exit::FAILURE;
        }
    };
    let connection = match connection {
        Ok(c) => c,
        Err(e) => {
            eprintln!("rwmi demo: {e}");
            return exit::CONNECTION;
        }
    };
    let report = connection.report();
    println!(
        "Connected as Administrator at packet privacy in {:.1} ms: activation on port 135, object exporter at {}, namespace {}.\n",
        started.elapsed().as_secs_f64() * 1000.0,
        report
            .dcom
            .object_exporter
            .map_or("?".into(), |a| a.to_string()),
        connection.namespace()
    );
    for (wql, properties) in [
        (
            "SELECT Caption, Version, LastBootUpTime FROM Win32_OperatingSystem",
            vec!["Caption", "Version", "LastBootUpTime"],
        ),
        (
            "SELECT Name, ProcessId, WorkingSetSize FROM Win32_Process WHERE ProcessId < 100",
            vec!["Name", "ProcessId", "WorkingSetSize"],
        ),
    ] {
        println!("$ rwmi query -H {target} -u Administrator \"{wql}\"");
        let mut printer = Printer::new(
            Format::Table,
            properties.into_iter().map(String::from).collect(),
            false,
            false,
        );
        match connection.query(wql).await {
            Ok(mut rows) => {
                while let Some(row) = rows.next().await {
                    match row {
                        Ok(row) => printer.row(&target, &row),
                        Err(e) => {
                            eprintln!("rwmi demo: {e}");
                            return exit::QUERY;
                        }
                    }
                }
            }
            Err(e) => {
                eprintln!("rwmi demo: {e}");
                return exit::QUERY;
            }
        }
        printer.finish();
        println!();
    }
    connection.close().await;

    println!(
        "$ rwmi doctor -H {target} -u alice      # a standard user, not allowed remote DCOM activation"
    );
    let alice = Credentials::parse_user("alice", Secret::Password("Passw0rd!".into()));
    if let Ok(o) = ConnectOptions::new(&target, alice) {
        print!("{}", diagnose(o).await.to_text());
    }
    emulator.shutdown().await;
    exit::SUCCESS
}
