//! `opspod check-config` and `opspod migrate`, and config loading for every command.

use std::process::ExitCode;

use crate::app::App;
use crate::config::{self, Loaded};
use crate::store::redact_url;

use super::{CheckArgs, ConfigArg, MigrateArgs};
use crate::chat::discord::{connect, online};
use crate::config::DISCORD_TOKEN;

/// Loads the config, or prints every error to stderr.
pub fn load(arg: &ConfigArg) -> Result<Loaded, ExitCode> {
    config::load(arg.config.as_deref()).map_err(|errors| {
        eprintln!("{errors}");
        ExitCode::FAILURE
    })
}

pub async fn check_config(args: &CheckArgs) -> ExitCode {
    let loaded = match load(&args.config) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    println!("{}", loaded.summary());
    if args.online { check_online(&loaded).await } else { ExitCode::SUCCESS }
}

/// Asks Discord about every configured channel; any problem makes the exit status non-zero.
async fn check_online(loaded: &Loaded) -> ExitCode {
    let Some(discord) = &loaded.config.discord else {
        eprintln!("--online checks Discord, and there is no [discord] section.");
        return ExitCode::FAILURE;
    };
    let Some(token) = &loaded.secrets.discord_token else {
        eprintln!("--online needs the bot token: export {DISCORD_TOKEN}.");
        return ExitCode::FAILURE;
    };
    let http = connect::http(token, discord);
    let report = online::check(&http, &loaded.config, discord.guild_id).await;
    println!("Discord:");
    for line in &report {
        match line {
            Ok(fine) => println!("  ok    {fine}"),
            Err(problem) => println!("  FAIL  {problem}"),
        }
    }
    if report.iter().any(Result::is_err) { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

pub async fn migrate(args: &MigrateArgs) -> anyhow::Result<ExitCode> {
    let Ok(loaded) = load(&args.config) else { return Ok(ExitCode::FAILURE) };
    let url = args.database.clone().unwrap_or_else(|| loaded.config.database_url());
    let app = App::open(&loaded, Some(&url)).await?;
    app.store.close().await;
    println!("Migrated {}: the schema is up to date.", redact_url(&url));
    Ok(ExitCode::SUCCESS)
}
