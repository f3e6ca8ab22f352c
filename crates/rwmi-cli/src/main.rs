//! The `rwmi` command line: argument parsing, output and exit codes over the rwmi library.

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
    /// Show rwmi working against a server it starts on this machine.
    Demo,
    /// Explain a status code (hex, decimal, or a name such as E_ACCESSDENIED or nca_s_op_rng_error).
    Explain { code: String },
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
    /// Print a WMI object (an MS-WMIO encoding) from a file as JSON.
    Decode { file: String },
}

fn main() -> ExitCode {
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
        Command::Explain { code } => commands::explain::run(&code),
        Command::Decode { file } => commands::decode::run(&file),
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
