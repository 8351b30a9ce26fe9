//! The `opspod` binary: parses the command line and hands over to the command.

use std::process::ExitCode;

use clap::Parser;
use opspod::cli::{self, Cli, Command};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    opspod::telemetry::init();
    let result = match &cli.command {
        Command::Run(arg) => cli::run::run(arg).await,
        Command::Replay(args) => cli::replay::replay(args).await,
        Command::Demo => cli::demo::demo().await,
        Command::CheckConfig(args) => Ok(cli::check::check_config(args).await),
        Command::Migrate(args) => cli::check::migrate(args).await,
        Command::Ask(args) => cli::ask::ask(args).await,
        Command::Digest(args) => cli::digest::digest(args).await,
    };
    result.unwrap_or_else(|error| {
        eprintln!("error: {error:#}");
        ExitCode::FAILURE
    })
}
