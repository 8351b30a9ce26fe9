//! Secrets come from the environment only, never from a file that may end up in git or a bug report.

use std::collections::BTreeMap;
use std::fmt;

use secrecy::SecretString;
use toml::{Table, Value};

use super::error::{KeyPath, Problems};
use super::model::SECTIONS;

/// The variable the Discord bot token is read from.
pub const DISCORD_TOKEN: &str = "DISCORD_TOKEN";

/// Credentials, kept out of `Debug` and logs.
#[derive(Clone, Default)]
pub struct Secrets {
    pub discord_token: Option<SecretString>,
}

impl Secrets {
    /// Reads the secrets from environment variables; an empty value counts as unset.
    pub fn from_env(env: &BTreeMap<String, String>) -> Self {
        let discord_token = env
            .get(DISCORD_TOKEN)
            .filter(|token| !token.trim().is_empty())
            .map(|token| SecretString::from(token.trim()));
        Secrets { discord_token }
    }
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let token = if self.discord_token.is_some() { "[redacted]" } else { "None" };
        f.debug_struct("Secrets").field("discord_token", &format_args!("{token}")).finish()
    }
}

/// Reports and removes every `token`-like key, so the rest is still checked. An unknown section left empty
/// (`[discord]` with only a token) goes too, so it does not add an "unknown section" error on top.
pub(super) fn refuse_tokens(doc: &mut Table, problems: &mut Problems) {
    let before: Vec<String> =
        doc.iter().filter(|(_, value)| !is_empty_table(value)).map(|(key, _)| key.clone()).collect();
    refuse_in_table(doc, &KeyPath::root(), problems);
    doc.retain(|key, value| {
        SECTIONS.contains(&key) || !is_empty_table(value) || !before.iter().any(|kept| kept == key)
    });
}

fn refuse_in_table(table: &mut Table, at: &KeyPath, problems: &mut Problems) {
    let tokens: Vec<String> = table.keys().filter(|key| is_secret_key(key)).cloned().collect();
    for key in &tokens {
        table.remove(key);
        let message = format!("secrets come only from the environment: remove `{key}` and set {DISCORD_TOKEN}");
        problems.push(at.key(key), message);
    }
    for (key, value) in table.iter_mut() {
        refuse_in_value(value, &at.key(key), problems);
    }
}

fn refuse_in_value(value: &mut Value, at: &KeyPath, problems: &mut Problems) {
    match value {
        Value::Table(table) => refuse_in_table(table, at, problems),
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                refuse_in_value(item, &at.index(index), problems);
            }
        }
        _ => {}
    }
}

fn is_empty_table(value: &Value) -> bool {
    value.as_table().is_some_and(Table::is_empty)
}

fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key == "token" || key.ends_with("_token")
}
