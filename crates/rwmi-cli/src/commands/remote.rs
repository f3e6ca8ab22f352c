//! The commands that talk to hosts (query, get, call, classes, namespaces), run over one host or a fleet
//! through `rwmi::fleet` on connections from an `rwmi::pool::Pool`: every host is its own task, bounded
//! by --concurrency, rows are printed as they arrive, and a failing host never holds up another.

use std::io::IsTerminal;

use rwmi::fleet::{Emitter, FleetEvent, fan_out};
use rwmi::pool::{Lease, Pool, PoolConfig};
use rwmi::status::hresult::E_ACCESSDENIED;
use rwmi::status::wbem::WBEM_E_ACCESS_DENIED;
use rwmi::wmi::WmiError;
use rwmi::{WmiInstance, WmiObject};

use crate::args::{ConnectArgs, Format, OutputArgs};
use crate::connect::prepare;
use crate::exit;
use crate::output::Printer;

/// What to do on each host.
#[derive(Debug, Clone)]
pub enum Operation {
    Query(String),
    Get(String),
    Call {
        path: String,
        method: String,
        args: Vec<(String, String)>,
    },
    Classes,
    Namespaces,
}

/// What a host yields.
enum Output {
    Row(WmiInstance),
    Object(WmiObject),
}

/// The exit code a failure maps to (README's table).
pub fn exit_code(error: &WmiError) -> u8 {
    if error.is_logon_failure() {
        exit::AUTHENTICATION
    } else if error.is_timeout() {
        exit::TIMEOUT
    } else if matches!(error.code, Some(E_ACCESSDENIED | WBEM_E_ACCESS_DENIED)) {
        exit::ACCESS_DENIED
    } else {
        if error.stage.is_connect() {
            exit::CONNECTION
        } else {
            exit::QUERY
        }
    }
}

/// Runs `operation` on `host`; when the namespace refuses a level below packet privacy (RequiresEncryption,
/// MS-WMI 3.1.4), at NTLMLogin or at the first call after it, says so and runs it once more at privacy.
async fn run_on_host(
    pool: Pool,
    options: rwmi::wmi::ConnectOptions,
    operation: &Operation,
    out: Emitter<Output>,
) -> Result<usize, WmiError> {
    let host = out.host().to_string();
    let out = &out;
    pool.run_raising_to_privacy(
        &options,
        |connection| run_operation(connection, operation, out),
        |retry| {
            eprintln!(
                "rwmi: {host}: namespace {} refused {} {}: it may require an encrypted connection; retrying at packet privacy",
                retry.namespace,
                retry.refused_level,
                retry.place()
            );
        },
    )
    .await
}

async fn run_operation(
    connection: Lease,
    operation: &Operation,
    out: &Emitter<Output>,
) -> Result<usize, WmiError> {
    let host = out.host();
    for note in &connection.report().notes {
        eprintln!("rwmi: {host}: note: {note}");
    }
    let mut count = 0usize;
    match operation {
        Operation::Query(wql) => {
            let mut rows = connection.query(wql).await?;
            while let Some(row) = rows.next().await {
                out.emit(Output::Row(row?)).await;
                count += 1;
            }
        }
        Operation::Get(path) => {
            let object = connection.get(path).await?;
            out.emit(Output::Object(object)).await;
            count = 1;
        }
        Operation::Call { path, method, args } => {
            if let Some(result) = connection.exec_method_text(path, method, args).await? {
                out.emit(Output::Row(result)).await;
                count = 1;
            }
        }
        Operation::Classes => {
            let mut rows = connection.query_objects("SELECT * FROM meta_class").await?;
            while let Some(object) = rows.next().await {
                out.emit(Output::Object(object?)).await;
                count += 1;
            }
        }
        Operation::Namespaces => {
            let mut rows = connection.query("SELECT Name FROM __NAMESPACE").await?;
            while let Some(row) = rows.next().await {
                out.emit(Output::Row(row?)).await;
                count += 1;
            }
        }
    }
    // The run will not use this host's connection again.
    connection.retire().await;
    Ok(count)
}

pub async fn run(connect: ConnectArgs, output: OutputArgs, operation: Operation) -> u8 {
    let (hosts, options) = match prepare(&connect) {
        Ok(prepared) => prepared,
        Err(code) => return code,
    };
    let stdout_tty = std::io::stdout().is_terminal();
    let format = output.format.unwrap_or(if stdout_tty {
        Format::Table
    } else {
        Format::Json
    });
    let multi = hosts.len() > 1;
    let mut printer = Printer::new(format, output.properties.clone(), output.no_header, multi);
    let progress = (multi && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(hosts.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} hosts {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });

    // A run is one-shot: the pool keeps no more connections open than run at once, and closes the
    // last of them (releasing their objects on the servers) at the end.
    let concurrency = connect.concurrency.max(1);
    let pool = Pool::new(PoolConfig {
        max_connections: concurrency,
        max_concurrency: concurrency,
        max_per_target: concurrency,
        ..PoolConfig::default()
    });
    let operation = std::sync::Arc::new(operation);
    let mut events = fan_out(
        &pool,
        hosts.iter().cloned().zip(options),
        move |pool, options, out| {
            let operation = operation.clone();
            async move { run_on_host(pool, options, &operation, out).await }
        },
    );

    let (mut ok, mut failures) = (0usize, Vec::new());
    while let Some(event) = events.next().await {
        match event {
            FleetEvent::Item {
                host,
                item: Output::Row(row),
            } => printer.row(&host, &row),
            FleetEvent::Item {
                host,
                item: Output::Object(object),
            } => printer.object(&host, &object),
            FleetEvent::Done { host, result } => {
                if let Some(bar) = &progress {
                    bar.inc(1);
                }
                match result {
                    Ok(_) => ok += 1,
                    Err(e) => {
                        let line = format!("rwmi: {host}: {e}");
                        match &progress {
                            Some(bar) => bar.println(line),
                            None => eprintln!("{line}"),
                        }
                        if format == Format::Ndjson {
                            let code = e.code.map_or("null".into(), |c| format!("\"0x{c:08X}\""));
                            println!(
                                "{{\"host\": {}, \"error\": {{\"stage\": \"{}\", \"code\": {code}, \"message\": {}}}}}",
                                rwmi::json::json_string(&host),
                                e.stage.id(),
                                rwmi::json::json_string(&e.to_string())
                            );
                        }
                        failures.push(e);
                    }
                }
            }
        }
    }
    pool.close_idle().await;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    printer.finish();
    match (ok, failures.first()) {
        (_, None) => exit::SUCCESS,
        (0, Some(first)) => exit_code(first),
        (_, Some(_)) => exit::PARTIAL_FLEET,
    }
}
