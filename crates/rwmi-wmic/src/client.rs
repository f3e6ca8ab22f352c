//! One wmic run: read the command line and credentials, connect at packet privacy, run the query and
//! print its rows as wmic did; on a failure, wmic's two lines and then rwmi's diagnosis on stderr.

use std::io::Write;

use rwmi::diagnosis::diagnose_error;
use rwmi::security::{Credentials, Secret};
use rwmi::wmi::{ConnectOptions, Connection, WmiError};

use crate::authfile::AuthFile;
use crate::cmdline::{self, Parsed, WmicArgs};
use crate::errors;
use crate::format::Printer;

/// Exit codes as wmic's: 0 for rows (or none), 1 for any failure.
pub const SUCCESS: u8 = 0;
pub const FAILURE: u8 = 1;

/// Runs wmic with `args` (without the program name) and returns the exit code.
pub async fn run(args: &[String]) -> u8 {
    let args = match cmdline::parse(args) {
        Ok(Parsed::Run(args)) => args,
        Ok(Parsed::Help) => {
            println!("{}", cmdline::USAGE);
            return SUCCESS;
        }
        Ok(Parsed::Version) => {
            println!("Version rwmi-{}", env!("CARGO_PKG_VERSION"));
            return SUCCESS;
        }
        Err(message) => {
            // wmic printed its usage to stdout and exited 1 on a wrong command line.
            println!("{}", cmdline::USAGE);
            eprintln!("rwmi wmic: {message}");
            return FAILURE;
        }
    };
    for note in &args.notes {
        eprintln!("{note}");
    }
    let options = match options(&args) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("rwmi wmic: {message}");
            return FAILURE;
        }
    };
    let stdout = std::io::stdout();
    let mut printer = Printer::new(
        std::io::BufWriter::new(stdout.lock()),
        args.delimiter.as_deref().unwrap_or("|"),
    );
    let outcome = query(&options, &args, &mut printer).await;
    let _ = printer.flush();
    drop(printer);
    match outcome {
        Ok(()) => SUCCESS,
        Err(error) => {
            report(&options, &error);
            FAILURE
        }
    }
}

async fn query<W: Write>(
    options: &ConnectOptions,
    args: &WmicArgs,
    printer: &mut Printer<W>,
) -> Result<(), WmiError> {
    let debug = args.debug_level >= 1;
    let connection = Connection::connect(options.clone()).await?;
    if debug {
        println!("[wmi/wmic.c:196:main()] OK   : Login to remote object.");
    }
    let mut rows = match connection.query(&args.query).await {
        Ok(rows) => rows,
        Err(e) => {
            connection.close().await;
            return Err(e);
        }
    };
    if debug {
        println!("[wmi/wmic.c:200:main()] OK   : WMI query execute.");
    }
    let mut failure = None;
    while let Some(row) = rows.next().await {
        match row {
            Ok(instance) => {
                if let Err(e) = printer.row(&instance) {
                    // A closed pipe (`wmic ... | head`): stop quietly, as a C program killed by SIGPIPE.
                    if e.kind() == std::io::ErrorKind::BrokenPipe {
                        break;
                    }
                    eprintln!("rwmi wmic: cannot write the output: {e}");
                    break;
                }
            }
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    drop(rows);
    connection.close().await;
    failure.map_or(Ok(()), Err)
}

/// wmic's lines, then why.
fn report(options: &ConnectOptions, error: &WmiError) {
    let lines = errors::failure(error);
    println!("{}", lines.error_line);
    let _ = std::io::stdout().flush();
    eprintln!("{}", lines.ntstatus_line);
    let d = diagnose_error(options, error);
    let stage = d.stage.map_or(String::new(), |s| format!(", stage {s}"));
    eprintln!(
        "rwmi: diagnosis [{}{}]: {}",
        d.verdict.id, stage, d.verdict.symptom
    );
    eprintln!("rwmi: cause: {}", d.verdict.cause);
    for fix in d.verdict.resolution {
        eprintln!("rwmi: fix: {fix}");
    }
    if let Some(code) = d.code.or(error.code) {
        eprintln!("rwmi: code 0x{code:08X} = {}", code as i32);
    }
    eprintln!("rwmi: detail: {error}");
}

/// The connect options a wmic command line asks for, at packet privacy.
pub fn options(args: &WmicArgs) -> Result<ConnectOptions, String> {
    let file = match &args.auth_file {
        Some(path) => AuthFile::parse(
            &std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the authentication file {path}: {e}"))?,
        ),
        None => AuthFile::default(),
    };
    // The -U name wins over the file's, as in Samba; either may carry its domain.
    let (file_domain, file_user) = match file.username.as_deref().map(|u| u.split_once(['/', '\\']))
    {
        Some(Some((d, u))) => (Some(d.to_string()), Some(u.to_string())),
        Some(None) => (None, file.username.clone()),
        None => (None, None),
    };
    let explicit_user = args.user.clone().or(file_user);
    let domain = args
        .domain
        .clone()
        .or(file_domain)
        .or(file.domain.clone())
        .unwrap_or_default();
    let given = args
        .password
        .clone()
        .or(file.password.clone())
        .or_else(|| std::env::var("PASSWD").ok());
    // With -k and no password, the TGT in the credential cache proves the identity.
    let kerberos = if args.kerberos {
        Some(crate::kerberos::settings(&domain, given.is_none())?)
    } else {
        None
    };
    // The cache's principal is the user when none is named.
    let cache_user = kerberos
        .as_ref()
        .and_then(|(_, principal)| principal.as_deref())
        .and_then(|p| p.split('@').next())
        .map(str::to_string);
    let user = explicit_user
        .or(cache_user)
        .or_else(|| std::env::var("USER").ok())
        .ok_or("no user: give -U [DOMAIN/]user or -A FILE")?;
    let password = match given {
        Some(p) => p,
        None if kerberos.is_some() || args.no_pass => String::new(),
        None => {
            let who = if domain.is_empty() {
                user.clone()
            } else {
                format!("{domain}\\{user}")
            };
            rpassword::prompt_password(format!("Password for [{who}]:")).map_err(|e| {
                format!(
                    "no password: give -A FILE, set PASSWD, or run on a terminal to be asked ({e})"
                )
            })?
        }
    };
    let credentials = Credentials::new(user, domain, Secret::Password(password));
    let mut options = ConnectOptions::new(&args.host, credentials).map_err(|e| e.to_string())?;
    if let Some(namespace) = &args.namespace {
        options = options
            .with_namespace(namespace)
            .map_err(|e| e.to_string())?;
    }
    if let Some((settings, _)) = kerberos {
        options = options.with_kerberos(settings).map_err(|e| e.to_string())?;
    }
    Ok(options)
}
