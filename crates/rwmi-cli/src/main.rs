//! The `rwmi` command line: argument parsing, output and exit codes over the rwmi library.

mod commands;
mod exit;

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
