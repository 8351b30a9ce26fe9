//! What went wrong in a config, where: every error found, each with its source, line and key path.

use std::fmt;

/// One step into the config: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Where a value lives in the config, written the way people read it: `routing.rules[1].channel`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct KeyPath(Vec<Segment>);

impl KeyPath {
    pub fn root() -> Self {
        KeyPath(Vec::new())
    }

    pub fn key(&self, key: &str) -> Self {
        self.with(Segment::Key(key.to_owned()))
    }

    pub fn index(&self, index: usize) -> Self {
        self.with(Segment::Index(index))
    }

    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    pub fn starts_with(&self, prefix: &KeyPath) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// This path followed by the path serde reports inside the value deserialised here.
    pub(super) fn join(&self, inner: &serde_path_to_error::Path) -> Self {
        use serde_path_to_error::Segment as Serde;
        let mut path = self.clone();
        for segment in inner.iter() {
            match segment {
                Serde::Seq { index } => path.0.push(Segment::Index(*index)),
                Serde::Map { key } => path.0.push(Segment::Key(key.clone())),
                Serde::Enum { variant } => path.0.push(Segment::Key(variant.clone())),
                Serde::Unknown => {}
            }
        }
        path
    }

    fn with(&self, segment: Segment) -> Self {
        let mut path = self.clone();
        path.0.push(segment);
        path
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Index(index) => write!(f, "[{index}]")?,
                Segment::Key(key) if position > 0 => write!(f, ".{}", quoted(key))?,
                Segment::Key(key) => write!(f, "{}", quoted(key))?,
            }
        }
        Ok(())
    }
}

/// A bare TOML key as is, anything else in quotes, so the path can be pasted back into a file.
fn quoted(key: &str) -> String {
    let bare = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare { key.to_owned() } else { format!("{key:?}") }
}

/// One problem in a config, located as precisely as opspod can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file path, `embedded default`, or `environment variable OPSPOD_…` when an override caused it.
    pub source: String,
    /// 1-based line in the file, when known.
    pub line: Option<usize>,
    /// The key path (`routing.rules[1].channel`); empty for syntax errors and whole-file problems.
    pub path: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Every problem found in a config, in the order of the file; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    pub(super) fn single(source: &str, message: impl Into<String>) -> Self {
        ConfigErrors(vec![ConfigError {
            source: source.to_owned(),
            line: None,
            path: String::new(),
            message: message.into(),
        }])
    }

    pub fn iter(&self) -> std::slice::Iter<'_, ConfigError> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, error) in self.0.iter().enumerate() {
            if position > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

impl<'a> IntoIterator for &'a ConfigErrors {
    type Item = &'a ConfigError;
    type IntoIter = std::slice::Iter<'a, ConfigError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// A problem before it is located: a key path and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    pub path: KeyPath,
    pub message: String,
    /// The environment variable at fault, when that is known for certain.
    pub variable: Option<String>,
}

/// Collects problems while loading.
///
/// A value that failed to deserialise is replaced by a placeholder so that the rest can still be checked; its
/// path is remembered as broken so that checks of the placeholder do not add noise to the real error.
#[derive(Debug, Default)]
pub(super) struct Problems {
    list: Vec<Problem>,
    broken: Vec<KeyPath>,
}

impl Problems {
    /// Records a problem that is certainly real (a parse or deserialisation error).
    pub fn push(&mut self, path: KeyPath, message: impl Into<String>) {
        self.list.push(Problem { path, message: message.into(), variable: None });
    }

    /// Records a problem caused by an environment variable.
    pub fn push_from(&mut self, variable: &str, path: KeyPath, message: impl Into<String>) {
        self.list.push(Problem { path, message: message.into(), variable: Some(variable.to_owned()) });
    }

    /// Records a problem found by a semantic check, unless it is about a placeholder.
    pub fn check(&mut self, path: KeyPath, message: impl Into<String>) {
        if !self.broken.iter().any(|broken| path.starts_with(broken)) {
            self.push(path, message);
        }
    }

    pub fn mark_broken(&mut self, path: KeyPath) {
        self.broken.push(path);
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn into_vec(self) -> Vec<Problem> {
        self.list
    }
}
