//! The `rwmi` command line: argument parsing, output and exit codes over the rwmi library.

// Unsafe code is allowed only in `restore_default_sigpipe`, which says why it is sound.
#![deny(unsafe_code)]

mod args;
mod commands;
mod connect;
mod exit;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Remote WMI from any OS: query Windows machines over DCOM and say why a connection fails.
#[derive(Parser, Debug)]
#[command(name = "rwmi", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Show rwmi working: start the built-in emulator on loopback, query it, diagnose a refused account.
    Demo,
    /// Run the WMI server emulator (default 127.0.0.1:135) until stopped.
    Sim {
        /// ADDRESS:PORT for host 0's endpoint mapper (default 127.0.0.1:135).
        #[arg(long)]
        listen: Option<String>,
        /// Fault profiles [HOST:]P[,P...]: home-edition, legacy, uac-off, lag=MS, firewalled-dynamic-port,
        /// unreachable-binding, drop-after=N, stall-after=N, com-version=M.m, clock-skew=MINUTES, and the hostile-* profiles
        /// listed in SECURITY.md (repeatable).
        #[arg(long = "profile")]
        profiles: Vec<String>,
        /// Extra accounts, MOF files, namespace flags and ACLs.
        #[arg(long)]
        config: Option<std::path::PathBuf>,
        /// Virtual hosts on 127.0.0.1, 127.0.0.2, ... each with its own endpoints.
        #[arg(long, default_value_t = 1)]
        virtual_hosts: usize,
        /// Deterministic instances for load: Class=count (repeatable).
        #[arg(long)]
        synthetic: Vec<String>,
        /// Fragment size offered at bind.
        #[arg(long, default_value_t = 5840)]
        max_frag: u16,
        /// Accept Kerberos with the AES keys of this keytab (repeatable), e.g. a service account's from
        /// `samba-tool domain exportkeytab`; the keytab's realm becomes a trusted domain.
        #[arg(long, value_name = "FILE")]
        keytab: Vec<std::path::PathBuf>,
        /// Log requests (debug level; never a secret).
        #[arg(short, long)]
        verbose: bool,
    },
    /// Explain a status code (hex, decimal, or a name such as E_ACCESSDENIED or nca_s_op_rng_error).
    Explain {
        /// 0x80070005, 80070005h, -2147024891, 5, or a name.
        #[arg(allow_negative_numbers = true)]
        code: String,
    },
    /// Run a WQL query: rwmi query -H host -u user "SELECT Name, ProcessId FROM Win32_Process".
    Query {
        wql: String,
        #[command(flatten)]
        connect: args::ConnectArgs,
        #[command(flatten)]
        output: args::OutputArgs,
    },
    /// Get a class or an instance by path: Win32_OperatingSystem, Win32_Service.Name="Winmgmt".
    Get {
        path: String,
        #[command(flatten)]
        connect: args::ConnectArgs,
        #[command(flatten)]
        output: args::OutputArgs,
    },
    /// Call a method: rwmi call 'Win32_Process.Handle="4"' GetOwner, or with Name=Value arguments.
    Call {
        path: String,
        method: String,
        /// In-parameters as Name=Value, converted to the declared types (arrays comma-separated).
        arguments: Vec<String>,
        #[command(flatten)]
        connect: args::ConnectArgs,
        #[command(flatten)]
        output: args::OutputArgs,
    },
    /// List the classes of the namespace.
    Classes {
        #[command(flatten)]
        connect: args::ConnectArgs,
        #[command(flatten)]
        output: args::OutputArgs,
    },
    /// List the namespaces below -n.
    Namespaces {
        #[command(flatten)]
        connect: args::ConnectArgs,
        #[command(flatten)]
        output: args::OutputArgs,
    },
    /// Connect in stages, time each, and diagnose the first failure: symptom, cause, resolution, code.
    Doctor {
        #[command(flatten)]
        connect: args::ConnectArgs,
        /// text (default) or json (one object per host).
        #[arg(long, value_enum)]
        format: Option<args::Format>,
    },
    /// Print a WMI object (an MS-WMIO encoding) from a file as JSON, or its class as MOF-like text.
    Decode {
        file: String,
        /// Print the object's class (qualifiers with flavors, properties, methods) instead of its values.
        #[arg(long)]
        class: bool,
    },
    /// Samba's wmic, as a drop-in: `rwmi wmic -A FILE //host "SELECT ..."` (or the binary called `wmic`)
    /// takes wmic's command line and prints its output; see README, "Replacing wmic".
    #[command(disable_help_flag = true)]
    Wmic {
        /// wmic's own arguments, as `wmic --help` lists them.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// aiowmi's wmic_server (what check_wmi_plus and check_wmi_os_security call): GET/POST /wmic with
    /// id, token, host, query and namespace; connections kept open between requests. See README.
    WmicServer {
        #[command(flatten)]
        args: commands::wmic_server::Arguments,
    },
    /// A Prometheus exporter for many Windows hosts: /probe?target=HOST&module=os,cpu,... with the
    /// modules of --config; connections kept open between scrapes. See README, "Prometheus".
    Exporter {
        #[command(flatten)]
        args: commands::exporter::Arguments,
    },
}

/// wmic's arguments when this binary runs as `wmic` (a symlink) or as `rwmi wmic`: wmic's syntax is
/// popt's, not clap's, so it is read before clap sees it.
fn wmic_arguments() -> Option<Vec<String>> {
    let mut args = std::env::args_os();
    let program = args.next()?;
    let name = std::path::Path::new(&program)
        .file_stem()?
        .to_string_lossy()
        .into_owned();
    let rest: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
    if name == "wmic" {
        return Some(rest);
    }
    match rest.split_first() {
        Some((first, tail)) if first == "wmic" => Some(tail.to_vec()),
        _ => None,
    }
}

fn main() -> ExitCode {
    restore_default_sigpipe();
    if let Some(args) = wmic_arguments() {
        return ExitCode::from(runtime().block_on(rwmi_wmic::run(&args)));
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::SUCCESS
            });
        }
    };
    let code = match cli.command {
        Command::Demo => runtime().block_on(commands::demo::run()),
        Command::Sim {
            listen,
            profiles,
            config,
            virtual_hosts,
            synthetic,
            max_frag,
            keytab,
            verbose,
        } => {
            if verbose {
                let _ = tracing_subscriber::fmt()
                    // sspi's own debug events print whole message buffers: far more than requests,
                    // and not something a request log should carry.
                    .with_env_filter("debug,sspi=info")
                    .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                    .with_writer(std::io::stderr)
                    .try_init();
            }
            match commands::sim::options(
                listen,
                profiles,
                config,
                virtual_hosts,
                synthetic,
                max_frag,
            ) {
                Ok(mut o) => {
                    o.keytabs = keytab;
                    runtime().block_on(commands::sim::run(o))
                }
                Err(e) => {
                    eprintln!("rwmi sim: {e}");
                    exit::USAGE
                }
            }
        }
        Command::Query {
            wql,
            connect,
            output,
        } => remote(connect, output, commands::remote::Operation::Query(wql)),
        Command::Get {
            path,
            connect,
            output,
        } => remote(connect, output, commands::remote::Operation::Get(path)),
        Command::Call {
            path,
            method,
            arguments,
            connect,
            output,
        } => {
            let mut args = Vec::new();
            for a in arguments {
                match a.split_once('=') {
                    Some((k, v)) => args.push((k.to_string(), v.to_string())),
                    None => {
                        eprintln!("rwmi: argument `{a}` is not Name=Value");
                        return ExitCode::from(exit::USAGE);
                    }
                }
            }
            remote(
                connect,
                output,
                commands::remote::Operation::Call { path, method, args },
            )
        }
        Command::Classes { connect, output } => {
            remote(connect, output, commands::remote::Operation::Classes)
        }
        Command::Namespaces { connect, output } => {
            remote(connect, output, commands::remote::Operation::Namespaces)
        }
        Command::Doctor { connect, format } => {
            runtime().block_on(commands::doctor::run(connect, format))
        }
        Command::Explain { code } => commands::explain::run(&code),
        Command::Wmic { args } => runtime().block_on(rwmi_wmic::run(&args)),
        Command::WmicServer { args } => runtime().block_on(commands::wmic_server::run(args)),
        Command::Exporter { args } => runtime().block_on(commands::exporter::run(args)),
        Command::Decode { file, class } => commands::decode::run(&file, class),
    };
    ExitCode::from(code)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime can be built")
}

fn remote(
    connect: args::ConnectArgs,
    output: args::OutputArgs,
    operation: commands::remote::Operation,
) -> u8 {
    runtime().block_on(commands::remote::run(connect, output, operation))
}

/// Rust ignores SIGPIPE, so writing to a closed pipe (`rwmi query ... | head`) would panic in `println!`.
/// A command-line tool should end quietly instead, as other Unix tools do.
#[allow(unsafe_code)]
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
