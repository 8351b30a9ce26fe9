//! Turns the TOML document into a [`Config`] one section at a time (and one array element at a time), so
//! that a mistake in one place does not hide a mistake in another.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use toml::{Table, Value};

use super::error::{KeyPath, Problems, Segment};
use super::model::{Aws, Config, Routing, SECTIONS};

/// Builds the config from a document, recording every deserialisation problem.
pub(super) fn config(mut doc: Table, problems: &mut Problems) -> Config {
    unknown_sections(&doc, problems);
    let root = KeyPath::root();
    Config {
        store: section(&mut doc, "store", problems).unwrap_or_default(),
        channels: entries(doc.remove("channels"), &root.key("channels"), problems),
        mentions: entries(doc.remove("mentions"), &root.key("mentions"), problems),
        routing: routing(doc.remove("routing"), problems).unwrap_or_default(),
        owners: elements(doc.remove("owners"), &root.key("owners"), problems),
        runbooks: elements(doc.remove("runbooks"), &root.key("runbooks"), problems),
        aws: aws(doc.remove("aws"), problems),
        sqs: section(&mut doc, "sqs", problems),
        delivery: section(&mut doc, "delivery", problems),
        discord: section(&mut doc, "discord", problems),
        oncall: section(&mut doc, "oncall", problems),
        commands: elements(doc.remove("commands"), &root.key("commands"), problems),
        jobs: entries(doc.remove("jobs"), &root.key("jobs"), problems),
        escalation: section(&mut doc, "escalation", problems),
        flapping: section(&mut doc, "flapping", problems).unwrap_or_default(),
        maintenance: elements(doc.remove("maintenance"), &root.key("maintenance"), problems),
        grouping: section(&mut doc, "grouping", problems).unwrap_or_default(),
        health: section(&mut doc, "health", problems).unwrap_or_default(),
    }
}

fn unknown_sections(doc: &Table, problems: &mut Problems) {
    for key in doc.keys().filter(|key| !SECTIONS.contains(&key.as_str())) {
        let known = SECTIONS.join(", ");
        problems.push(KeyPath::root().key(key), format!("unknown section `{key}` (sections: {known})"));
    }
}

/// A whole section; `None` when absent or broken.
fn section<T: DeserializeOwned>(doc: &mut Table, key: &str, problems: &mut Problems) -> Option<T> {
    let at = KeyPath::root().key(key);
    let value = doc.remove(key)?;
    let parsed = deserialize(value, &at, problems);
    if parsed.is_none() {
        problems.mark_broken(at);
    }
    parsed
}

/// `[routing]`, with `[[routing.rules]]` deserialised rule by rule.
fn routing(value: Option<Value>, problems: &mut Problems) -> Option<Routing> {
    let at = KeyPath::root().key("routing");
    let (rest, rules) = split_off(value?, "rules");
    let mut routing = table_or_placeholder::<Routing>(rest, &at, problems);
    routing.rules = elements(rules, &at.key("rules"), problems);
    Some(routing)
}

/// `[aws]`, with `[[aws.accounts]]` deserialised account by account.
fn aws(value: Option<Value>, problems: &mut Problems) -> Option<Aws> {
    let at = KeyPath::root().key("aws");
    let (rest, accounts) = split_off(value?, "accounts");
    let mut aws = table_or_placeholder::<Aws>(rest, &at, problems);
    aws.accounts = elements(accounts, &at.key("accounts"), problems);
    Some(aws)
}

/// Deserialises a table whose array child was split off; when it fails, only the keys it held are broken,
/// so that the child's elements are still checked.
fn table_or_placeholder<T: DeserializeOwned + Default>(value: Value, at: &KeyPath, problems: &mut Problems) -> T {
    let keys: Vec<KeyPath> = match &value {
        Value::Table(table) => table.keys().map(|key| at.key(key)).collect(),
        _ => vec![at.clone()],
    };
    deserialize(value, at, problems).unwrap_or_else(|| {
        keys.into_iter().for_each(|key| problems.mark_broken(key));
        T::default()
    })
}

fn split_off(value: Value, child: &str) -> (Value, Option<Value>) {
    match value {
        Value::Table(mut table) => {
            let removed = table.remove(child);
            (Value::Table(table), removed)
        }
        other => (other, None),
    }
}

/// An array of tables, element by element; a broken element is replaced by a placeholder so that the others
/// keep their index.
fn elements<T: DeserializeOwned + Default>(value: Option<Value>, at: &KeyPath, problems: &mut Problems) -> Vec<T> {
    let items = match value {
        None => return vec![],
        Some(Value::Array(items)) => items,
        Some(other) => {
            problems.push(at.clone(), format!("must be an array of tables ([[{at}]]), not a {}", other.type_str()));
            problems.mark_broken(at.clone());
            return vec![];
        }
    };
    let parsed = items.into_iter().enumerate().map(|(index, item)| {
        let at = at.index(index);
        deserialize(item, &at, problems).unwrap_or_else(|| {
            problems.mark_broken(at);
            T::default()
        })
    });
    parsed.collect()
}

/// A table of named entries (`[channels.*]`, `[mentions]`), entry by entry, with placeholders for broken ones
/// so that references to them do not add "unknown" errors.
fn entries<T: DeserializeOwned + Default>(
    value: Option<Value>,
    at: &KeyPath,
    problems: &mut Problems,
) -> BTreeMap<String, T> {
    let table = match value {
        None => return BTreeMap::new(),
        Some(Value::Table(table)) => table,
        Some(other) => {
            problems.push(at.clone(), format!("must be a table ([{at}]), not a {}", other.type_str()));
            problems.mark_broken(at.clone());
            return BTreeMap::new();
        }
    };
    let parsed = table.into_iter().map(|(key, item)| {
        let at = at.key(&key);
        let entry = deserialize(item, &at, problems).unwrap_or_else(|| {
            problems.mark_broken(at);
            T::default()
        });
        (key, entry)
    });
    parsed.collect()
}

/// Deserialises one value, reporting the error at the exact key serde was looking at.
///
/// An unknown key is reported and then dropped and the value tried again, so that a typo in one key does not
/// hide the checks of its neighbours. Any other error makes the value unusable.
fn deserialize<T: DeserializeOwned>(mut value: Value, at: &KeyPath, problems: &mut Problems) -> Option<T> {
    loop {
        let error = match serde_path_to_error::deserialize::<_, T>(value.clone()) {
            Ok(parsed) => return Some(parsed),
            Err(error) => error,
        };
        let path = at.join(error.path());
        let message = error.into_inner().message().to_owned();
        let unknown = message.starts_with("unknown field");
        problems.push(path.clone(), message);
        if !(unknown && remove(&mut value, &path.segments()[at.segments().len()..])) {
            return None;
        }
    }
}

/// Removes the key at a path relative to `value`; false when there is nothing there to remove.
fn remove(value: &mut Value, segments: &[Segment]) -> bool {
    let Some((last, parents)) = segments.split_last() else { return false };
    let mut node = value;
    for segment in parents {
        let next = match (node, segment) {
            (Value::Table(table), Segment::Key(key)) => table.get_mut(key),
            (Value::Array(items), Segment::Index(index)) => items.get_mut(*index),
            _ => None,
        };
        let Some(next) = next else { return false };
        node = next;
    }
    match (node, last) {
        (Value::Table(table), Segment::Key(key)) => table.remove(key).is_some(),
        _ => false,
    }
}
