//! `rwmi doctor`: a staged connection per host and a diagnosis of the first failure.

use std::sync::Arc;

use rwmi::diagnosis::{Diagnosis, diagnose};
use tokio::sync::Semaphore;

use crate::args::{ConnectArgs, Format};
use crate::connect::prepare;
use crate::exit;

/// The exit code for a diagnosis, as for the other commands.
fn exit_for(d: &Diagnosis) -> u8 {
    match d.verdict.id {
        "ok" => exit::SUCCESS,
        "logon-failure" | "kerberos-preauth-failed" => exit::AUTHENTICATION,
        "dcom-access-denied"
        | "remote-uac-filtered"
        | "activation-auth-level-too-low"
        | "unsupported-edition"
        | "namespace-access-denied"
        | "namespace-requires-encryption" => exit::ACCESS_DENIED,
        "connection-timeout" | "port-135-filtered" | "dynamic-port-filtered" => exit::TIMEOUT,
        "query-failed" => exit::QUERY,
        _ => exit::CONNECTION,
    }
}

pub async fn run(connect: ConnectArgs, format: Option<Format>) -> u8 {
    let (_hosts, options) = match prepare(&connect) {
        Ok(prepared) => prepared,
        Err(code) => return code,
    };
    let json = matches!(format, Some(Format::Json | Format::Ndjson));
    let limit = Arc::new(Semaphore::new(connect.concurrency.max(1)));
    let tasks: Vec<_> = options
        .into_iter()
        .map(|o| {
            let limit = limit.clone();
            tokio::spawn(async move {
                let _permit = limit.acquire_owned().await;
                diagnose(o).await
            })
        })
        .collect();
    let mut codes = Vec::new();
    let many = tasks.len() > 1;
    if json && many && format == Some(Format::Json) {
        println!("[");
    }
    for (i, task) in tasks.into_iter().enumerate() {
        let Ok(diagnosis) = task.await else { continue };
        codes.push(exit_for(&diagnosis));
        if json {
            let sep = if many && format == Some(Format::Json) && i > 0 {
                ","
            } else {
                ""
            };
            println!("{sep}{}", diagnosis.to_json());
        } else {
            println!("{}", diagnosis.to_text());
        }
    }
    if json && many && format == Some(Format::Json) {
        println!("]");
    }
    match codes.iter().filter(|&&c| c != exit::SUCCESS).count() {
        0 => exit::SUCCESS,
        n if n == codes.len() => codes[0],
        _ => exit::PARTIAL_FLEET,
    }
}
