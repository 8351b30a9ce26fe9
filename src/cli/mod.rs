//! The command line: a contract that users script against.

pub mod ask;
pub mod check;
pub mod demo;
pub mod digest;
pub mod replay;
pub mod run;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "opspod", version, about = "The operations engineer of a product pod, as a chat bot.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every enabled source, the pipeline and delivery until SIGINT or SIGTERM.
    Run(ConfigArg),
    /// Run events from files, folders or stdin (`-`) through the pipeline and print what would be posted.
    Replay(ReplayArgs),
    /// Play the bundled scenario on a fresh SQLite store and print the channel transcript. Needs no credentials.
    Demo,
    /// Check the configuration: print what is enabled, or every error with its key and line.
    CheckConfig(CheckArgs),
    /// Apply database migrations and exit.
    Migrate(MigrateArgs),
    /// Ask what the bot would answer in chat: `opspod ask "/errors checkout-api since:24h"`.
    Ask(AskArgs),
    /// Build the reliability digest now and print it; `--post` queues it for the teams' channels.
    Digest(DigestArgs),
}

#[derive(Debug, clap::Args)]
pub struct DigestArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// One team (an owner's team, or `team` for what nobody owns); every team when left out.
    #[arg(long)]
    pub team: Option<String>,
    /// How far back: 7d by default, at most 30d; compared with the same length before it.
    #[arg(long, default_value = "7d")]
    pub since: String,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also queue each digest for its team's channel; a running `opspod run` delivers it.
    #[arg(long)]
    pub post: bool,
    /// Write each digest's full Markdown and charts into this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct AskArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// `text` is what the bot would post; `json` is the command's data, for scripts.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The command as typed in chat, quoted or not: `/errors checkout-api since:24h`.
    #[arg(required = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub struct ConfigArg {
    /// The config file; without it, the embedded default (config/opspod.toml) is used.
    #[arg(long, env = "OPSPOD_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Store into this database (and leave its outbox for `opspod run`) instead of a throwaway SQLite file.
    #[arg(long)]
    pub database: Option<String>,
    /// Event files (one JSON object, or JSON lines), folders of *.json/*.jsonl, or `-` for stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// Also ask Discord whether each channel exists and the bot may post, embed, attach files and use threads.
    #[arg(long)]
    pub online: bool,
}

#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// Migrate this database instead of the one in config.
    #[arg(long)]
    pub database: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}
