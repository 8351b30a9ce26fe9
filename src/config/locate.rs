//! Finds where a problem came from: the line of a key in the file, or the environment variable that set it.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::env::Override;
use super::error::{ConfigError, KeyPath, Problem, Segment};

/// Locates problems in one config text and the overrides applied on top of it.
pub(super) struct Locator<'a> {
    source: &'a str,
    text: &'a str,
    spans: Option<Spanned<DeTable<'a>>>,
    overrides: &'a [Override],
}

impl<'a> Locator<'a> {
    pub fn new(source: &'a str, text: &'a str, overrides: &'a [Override]) -> Self {
        Locator { source, text, spans: DeTable::parse(text).ok(), overrides }
    }

    /// A variable owns everything under the key it set; otherwise the key's line in the file; otherwise the
    /// variable that created the key's section; otherwise the line of the nearest enclosing key.
    pub fn locate(&self, problem: Problem) -> ConfigError {
        let path = &problem.path;
        let variable = problem.variable.clone().or_else(|| {
            let owner = self.last_override(|set| path.starts_with(set));
            let creator = || self.last_override(|set| set.starts_with(path)).filter(|_| self.span_of(path).is_none());
            owner.or_else(creator)
        });
        let (source, line) = match variable {
            Some(variable) => (format!("environment variable {variable}"), None),
            None => (self.source.to_owned(), self.nearest_span(path).map(|span| line_of(self.text, span.start))),
        };
        ConfigError { source, line, path: path.to_string(), message: problem.message }
    }

    /// A TOML syntax error, at its line.
    pub fn syntax(&self, error: &toml::de::Error) -> ConfigError {
        let line = error.span().map(|span| line_of(self.text, span.start));
        let message = error.message().trim_end().replace('\n', "; ");
        ConfigError { source: self.source.to_owned(), line, path: String::new(), message }
    }

    fn last_override(&self, matches: impl Fn(&KeyPath) -> bool) -> Option<String> {
        self.overrides.iter().rev().find(|set| matches(&set.path)).map(|set| set.variable.clone())
    }

    fn nearest_span(&self, path: &KeyPath) -> Option<Range<usize>> {
        let segments = path.segments();
        (1..=segments.len()).rev().find_map(|len| self.span_of_segments(&segments[..len]))
    }

    fn span_of(&self, path: &KeyPath) -> Option<Range<usize>> {
        self.span_of_segments(path.segments())
    }

    /// The span of the last key (for table entries) or of the value (for array items) on the path.
    fn span_of_segments(&self, segments: &[Segment]) -> Option<Range<usize>> {
        let (Segment::Key(first), rest) = segments.split_first()? else { return None };
        let (key, mut value) = self.spans.as_ref()?.get_ref().get_key_value(first.as_str())?;
        let mut span = key.span();
        for segment in rest {
            let (key_span, next) = child(value.get_ref(), segment)?;
            span = key_span.unwrap_or_else(|| next.span());
            value = next;
        }
        Some(span)
    }
}

type Child<'n, 'i> = (Option<Range<usize>>, &'n Spanned<DeValue<'i>>);

/// The child at one segment, with its key's span when it is a table entry.
fn child<'n, 'i>(node: &'n DeValue<'i>, segment: &Segment) -> Option<Child<'n, 'i>> {
    match (node, segment) {
        (DeValue::Table(table), Segment::Key(key)) => {
            table.get_key_value(key.as_str()).map(|(key, value)| (Some(key.span()), value))
        }
        (DeValue::Array(items), Segment::Index(index)) => items.get(*index).map(|value| (None, value)),
        _ => None,
    }
}

/// The 1-based line of a byte offset.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset].iter().filter(|byte| **byte == b'\n').count() + 1
}
