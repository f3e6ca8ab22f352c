//! The commands that talk to hosts (query, get, call, classes, namespaces), run over one host or a fleet:
//! every host is its own task, bounded by --concurrency, rows are printed as they arrive, and a failing
//! host never holds up another.

use std::io::IsTerminal;
use std::sync::Arc;

use rwmi::security::AuthLevel;
use rwmi::wmi::{Connection, WmiError};
use rwmi_core::wmio::{WmiInstance, WmiObject};
use tokio::sync::{Semaphore, mpsc};

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

enum Event {
    Row(String, WmiInstance),
    Object(String, WmiObject),
    Done(String, Result<usize, WmiError>),
}

/// The exit code a failure maps to (README's table).
pub fn exit_code(error: &WmiError) -> u8 {
    use rwmi::wmi::WmiStage as S;
    const E_ACCESSDENIED: u32 = 0x8007_0005;
    const WBEM_E_ACCESS_DENIED: u32 = 0x8004_1003;
    if error.is_logon_failure() {
        exit::AUTHENTICATION
    } else if error.is_timeout() {
        exit::TIMEOUT
    } else if matches!(error.code, Some(E_ACCESSDENIED | WBEM_E_ACCESS_DENIED)) {
        exit::ACCESS_DENIED
    } else {
        match error.stage {
            S::Resolve
            | S::Connect
            | S::Bind
            | S::Activation
            | S::OxidBinding
            | S::DynamicPort
            | S::Login => exit::CONNECTION,
            S::Query | S::Enumerate | S::GetObject | S::ExecMethod => exit::QUERY,
        }
    }
}

/// Connects; when the namespace refuses a level below packet privacy (RequiresEncryption, MS-WMI 3.1.4),
/// says so and tries once more at privacy. rwmi raises a level this way but never lowers one.
async fn connect_raising_to_privacy(
    options: rwmi::wmi::ConnectOptions,
    host: &str,
) -> Result<Connection, WmiError> {
    const WBEM_E_ACCESS_DENIED: u32 = 0x8004_1003;
    let level = options.auth_level;
    match Connection::connect(options.clone()).await {
        Err(e)
            if e.stage == rwmi::wmi::WmiStage::Login
                && e.code == Some(WBEM_E_ACCESS_DENIED)
                && level < AuthLevel::Privacy =>
        {
            eprintln!(
                "rwmi: {host}: namespace {} refused {level}: it may require an encrypted connection; retrying at packet privacy",
                options.namespace
            );
            let mut raised = options;
            raised.auth_level = AuthLevel::Privacy;
            Connection::connect(raised).await
        }
        other => other,
    }
}

async fn run_on_host(
    options: rwmi::wmi::ConnectOptions,
    host: String,
    operation: Operation,
    events: mpsc::Sender<Event>,
) {
    let result = async {
        let connection = connect_raising_to_privacy(options, &host).await?;
        for note in &connection.report().notes {
            eprintln!("rwmi: {host}: note: {note}");
        }
        let mut count = 0usize;
        match &operation {
            Operation::Query(wql) => {
                let mut rows = connection.query(wql).await?;
                while let Some(row) = rows.next().await {
                    let _ = events.send(Event::Row(host.clone(), row?)).await;
                    count += 1;
                }
            }
            Operation::Get(path) => {
                let object = connection.get(path).await?;
                let _ = events.send(Event::Object(host.clone(), object)).await;
                count = 1;
            }
            Operation::Call { path, method, args } => {
                if let Some(out) = connection.exec_method_text(path, method, args).await? {
                    let _ = events.send(Event::Row(host.clone(), out)).await;
                    count = 1;
                }
            }
            Operation::Classes => {
                let mut rows = connection.query_objects("SELECT * FROM meta_class").await?;
                while let Some(object) = rows.next().await {
                    let _ = events.send(Event::Object(host.clone(), object?)).await;
                    count += 1;
                }
            }
            Operation::Namespaces => {
                let mut rows = connection.query("SELECT Name FROM __NAMESPACE").await?;
                while let Some(row) = rows.next().await {
                    let _ = events.send(Event::Row(host.clone(), row?)).await;
                    count += 1;
                }
            }
        }
        connection.close().await;
        Ok(count)
    }
    .await;
    let _ = events.send(Event::Done(host, result)).await;
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

    let (tx, mut rx) = mpsc::channel::<Event>(1024);
    let limit = Arc::new(Semaphore::new(connect.concurrency.max(1)));
    for (host, options) in hosts.iter().cloned().zip(options) {
        let tx = tx.clone();
        let limit = limit.clone();
        let operation = operation.clone();
        tokio::spawn(async move {
            let Ok(_permit) = limit.acquire_owned().await else {
                return;
            };
            run_on_host(options, host, operation, tx).await;
        });
    }
    drop(tx);

    let (mut ok, mut failures) = (0usize, Vec::new());
    while let Some(event) = rx.recv().await {
        match event {
            Event::Row(host, row) => printer.row(&host, &row),
            Event::Object(host, object) => printer.object(&host, &object),
            Event::Done(host, result) => {
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
                                rwmi_core::wmio::json_string(&host),
                                e.stage.id(),
                                rwmi_core::wmio::json_string(&e.to_string())
                            );
                        }
                        failures.push(e);
                    }
                }
            }
        }
    }
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
