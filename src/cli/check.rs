//! `opspod check-config` and `opspod migrate`, and config loading for every command.

use std::process::ExitCode;

use crate::app::App;
use crate::config::{self, Loaded};
use crate::store::redact_url;

use super::{ConfigArg, MigrateArgs};

/// Loads the config, or prints every error to stderr.
pub fn load(arg: &ConfigArg) -> Result<Loaded, ExitCode> {
    config::load(arg.config.as_deref()).map_err(|errors| {
        eprintln!("{errors}");
        ExitCode::FAILURE
    })
}

pub fn check_config(arg: &ConfigArg) -> ExitCode {
    match load(arg) {
        Ok(loaded) => {
            println!("{}", loaded.summary());
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

pub async fn migrate(args: &MigrateArgs) -> anyhow::Result<ExitCode> {
    let Ok(loaded) = load(&args.config) else { return Ok(ExitCode::FAILURE) };
    let url = args.database.clone().unwrap_or_else(|| loaded.config.database_url());
    let app = App::open(&loaded, Some(&url)).await?;
    app.store.close().await;
    println!("Migrated {}: the schema is up to date.", redact_url(&url));
    Ok(ExitCode::SUCCESS)
}
