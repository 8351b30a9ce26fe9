//! The typed config: one `Option<Section>` per feature, loaded from a TOML file plus `OPSPOD_*` environment
//! overrides, with every problem reported at once and secrets read from the environment only.

mod convert;
mod env;
mod error;
mod locate;
mod model;
mod secrets;
mod sections;
mod summary;
mod validate;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::Path;

use toml::de::DeTable;

pub use convert::{DeliverySettings, MentionTarget};
pub use error::{ConfigError, ConfigErrors, KeyPath, Segment};
pub use model::{
    Account, Aws, Channel, Config, DEFAULT_CRITICAL_ALARMS, DISCORD_API, Delivery, Discord, Health, OnCallRotation,
    Owner, Routing, Rule, Runbook, Sqs, Store, When,
};
pub use secrets::{DISCORD_TOKEN, Secrets};

use error::Problems;
use locate::Locator;

/// The commented default config, used when no file is given; it works without any credentials.
pub const DEFAULT_TOML: &str = include_str!("../../config/opspod.toml");
/// The source named in messages about [`DEFAULT_TOML`].
pub const EMBEDDED_SOURCE: &str = "embedded default";

/// A valid config, the secrets that go with it, and where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub secrets: Secrets,
    /// The file path, or `embedded default`.
    pub source: String,
}

impl Loaded {
    /// The `opspod check-config` report: where the config came from, then [`Config::summary`].
    pub fn summary(&self) -> String {
        format!("config from {}\n{}", self.source, self.config.summary(&self.secrets))
    }
}

/// Loads the file at `path`, or the embedded default when `None`, with the process environment's overrides.
pub fn load(path: Option<&Path>) -> Result<Loaded, ConfigErrors> {
    let env = process_env();
    let Some(path) = path else {
        return load_str(DEFAULT_TOML, EMBEDDED_SOURCE, &env);
    };
    let source = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|error| ConfigErrors::single(&source, format!("cannot read the config file: {error}")))?;
    load_str(&text, &source, &env)
}

/// Loads config text with the given environment (`OPSPOD_*` overrides and `DISCORD_TOKEN`).
pub fn load_str(text: &str, source: &str, env: &BTreeMap<String, String>) -> Result<Loaded, ConfigErrors> {
    let (_, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        let locator = Locator::new(source, text, &[]);
        return Err(ConfigErrors(syntax.iter().map(|error| locator.syntax(error)).collect()));
    }
    let mut doc: toml::Table = toml::from_str(text).map_err(|error| ConfigErrors::single(source, error.message()))?;
    let mut problems = Problems::default();
    let overrides = env::apply(&mut doc, env, &mut problems);
    secrets::refuse_tokens(&mut doc, &mut problems);
    let config = sections::config(doc, &mut problems);
    validate::validate(&config, &mut problems);
    if problems.is_empty() {
        return Ok(Loaded { config, secrets: Secrets::from_env(env), source: source.to_owned() });
    }
    let locator = Locator::new(source, text, &overrides);
    let mut errors: Vec<ConfigError> = problems.into_vec().into_iter().map(|problem| locator.locate(problem)).collect();
    // File errors in line order, then those from the environment; the sort is stable.
    errors.sort_by_key(|error| (error.line.is_none(), error.line));
    Err(ConfigErrors(errors))
}

/// The process environment, leaving out variables that are not valid UTF-8 (none of ours can be).
fn process_env() -> BTreeMap<String, String> {
    std::env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
        .collect()
}
