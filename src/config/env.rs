//! Environment overrides: `OPSPOD_SQS__WAIT_SECONDS=1` sets `sqs.wait_seconds`, so a deployment can change a
//! value without editing the file.

use std::collections::BTreeMap;

use toml::{Table, Value};

use super::error::{KeyPath, Problems};

const PREFIX: &str = "OPSPOD_";
/// Read by the command line itself, not config keys.
const RESERVED: [&str; 2] = ["OPSPOD_CONFIG", "OPSPOD_LOG"];

/// An environment variable that set a value, and the key path it set.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Override {
    pub variable: String,
    pub path: KeyPath,
}

/// Applies every `OPSPOD_*` variable to the document, in name order; returns what each one set.
///
/// A variable that cannot be applied (its parent is not a table) is reported under its own name.
pub(super) fn apply(doc: &mut Table, env: &BTreeMap<String, String>, problems: &mut Problems) -> Vec<Override> {
    let mut applied = Vec::new();
    for (variable, raw) in env.iter().filter(|(name, _)| is_override(name)) {
        let keys: Vec<String> = variable[PREFIX.len()..].split("__").map(str::to_ascii_lowercase).collect();
        match set(doc, &keys, parse_value(raw)) {
            Ok(path) => applied.push(Override { variable: variable.clone(), path }),
            Err((path, message)) => problems.push_from(variable, path, message),
        }
    }
    applied
}

/// Only `OPSPOD_<SECTION>__<KEY>` names are overrides: every config value lives inside a section, and other
/// `OPSPOD_*` names (`OPSPOD_LOG`, `OPSPOD_TEST_AWS_ENDPOINT`) belong to the command line and the test suite.
fn is_override(name: &str) -> bool {
    name.starts_with(PREFIX) && name[PREFIX.len()..].contains("__") && !RESERVED.contains(&name)
}

/// A TOML value when the text is one (`1`, `true`, `["a", "b"]`), else the text as a string.
fn parse_value(raw: &str) -> Value {
    let parsed = toml::from_str::<Table>(&format!("value = {raw}")).ok().and_then(|mut table| table.remove("value"));
    parsed.unwrap_or_else(|| Value::String(raw.to_owned()))
}

/// Sets the value at `keys`, creating tables on the way; numeric keys index into arrays of tables.
fn set(doc: &mut Table, keys: &[String], value: Value) -> Result<KeyPath, (KeyPath, String)> {
    if keys.is_empty() || keys.iter().any(String::is_empty) {
        return Err((KeyPath::root(), "empty key: separate keys with exactly two underscores".into()));
    }
    let mut root = Value::Table(std::mem::take(doc));
    let result = set_in(&mut root, keys, value, KeyPath::root());
    if let Value::Table(table) = root {
        *doc = table;
    }
    result
}

fn set_in(node: &mut Value, keys: &[String], value: Value, path: KeyPath) -> Result<KeyPath, (KeyPath, String)> {
    let Some((key, rest)) = keys.split_first() else {
        *node = value;
        return Ok(path);
    };
    match node {
        Value::Table(table) => {
            let key = existing_key(table, key);
            let path = path.key(&key);
            let child = table.entry(key).or_insert_with(|| Value::Table(Table::new()));
            set_in(child, rest, value, path)
        }
        Value::Array(items) => {
            let Some(index) = key.parse::<usize>().ok().filter(|index| *index < items.len()) else {
                return Err((path, format!("has {} items; `{key}` is not an index in it", items.len())));
            };
            set_in(&mut items[index], rest, value, path.index(index))
        }
        other => Err((path, format!("is a {}, so it has no key `{key}` to set", other.type_str()))),
    }
}

/// Keys are case-insensitive: reuse the spelling already in the file.
fn existing_key(table: &Table, key: &str) -> String {
    table.keys().find(|existing| existing.eq_ignore_ascii_case(key)).cloned().unwrap_or_else(|| key.to_owned())
}
