//! Why an input was refused, in one line that names the field at fault.

use crate::domain::text::{SafeText, truncate};

/// How much of an offending value a rejection repeats: enough to recognise it, not enough to flood a log line.
const SHOWN_CHARS: usize = 80;

/// Why an input was refused; `Display` gives one line that names the field, e.g.
/// "field `detail.state.value`: expected one of OK, ALARM, INSUFFICIENT_DATA, got \"BROKEN\"".
///
/// Values quoted back are truncated and neutralised, because they came from whoever sent the event.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Rejection {
    #[error("input is not UTF-8: invalid byte at offset {offset}")]
    NotUtf8 { offset: usize },

    #[error("input is not JSON: {message} at line {line} column {column}")]
    NotJson { message: String, line: usize, column: usize },

    /// A field that holds a JSON document as a string (SNS's `Message`) holds something else.
    #[error("field `{}` is not JSON: {message} at line {line} column {column}", path(field))]
    FieldNotJson { field: String, message: String, line: usize, column: usize },

    #[error("input nests deeper than {max} levels (at byte {offset})")]
    TooDeep { max: usize, offset: usize },

    #[error("{}", too_large(*total_bytes, field.as_deref(), *field_bytes))]
    TooLarge { total_bytes: usize, field: Option<String>, field_bytes: usize },

    #[error("field `detail-type`: expected one of {}, got {got:?}", super::envelope::DETAIL_TYPES.join(", "))]
    UnknownDetailType { got: String },

    #[error("{} is missing", place(field))]
    MissingField { field: String },

    #[error("{}: expected {expected}, got {got}", place(field))]
    WrongType { field: String, expected: &'static str, got: &'static str },

    #[error("{}: expected {expected}, got {got:?}", place(field))]
    BadValue { field: String, expected: String, got: String },

    #[error(
        "{}: expected a timestamp like 2019-10-02T17:04:40.989+0000 or Fri, 3 Jun 2022 06:27:57 GMT, got {got:?}",
        place(field)
    )]
    BadTimestamp { field: String, got: String },
}

impl Rejection {
    /// The dotted path of the field at fault (`detail.state.value`, `detail.configuration.metrics[1].id`),
    /// when the input got far enough to have fields.
    pub fn field(&self) -> Option<&str> {
        let field = match self {
            Rejection::NotUtf8 { .. } | Rejection::NotJson { .. } | Rejection::TooDeep { .. } => None,
            Rejection::TooLarge { field, .. } => field.as_deref(),
            Rejection::FieldNotJson { field, .. } => Some(field.as_str()),
            Rejection::UnknownDetailType { .. } => Some("detail-type"),
            Rejection::MissingField { field }
            | Rejection::WrongType { field, .. }
            | Rejection::BadValue { field, .. }
            | Rejection::BadTimestamp { field, .. } => Some(field.as_str()),
        };
        field.filter(|field| !field.is_empty())
    }

    /// The same rejection for a document found inside field `outer` (SNS's `Message`): paths gain the prefix,
    /// and the inner document's root, which has no path of its own, becomes `outer` itself.
    pub(super) fn within(self, outer: &str) -> Self {
        let nest = |field: String| if field.is_empty() { outer.to_owned() } else { format!("{outer}.{field}") };
        match self {
            Rejection::NotJson { message, line, column } => {
                Rejection::FieldNotJson { field: outer.to_owned(), message, line, column }
            }
            Rejection::FieldNotJson { field, message, line, column } => {
                Rejection::FieldNotJson { field: nest(field), message, line, column }
            }
            Rejection::UnknownDetailType { got } => Rejection::BadValue {
                field: nest("detail-type".to_owned()),
                expected: one_of(&super::envelope::DETAIL_TYPES),
                got,
            },
            Rejection::MissingField { field } => Rejection::MissingField { field: nest(field) },
            Rejection::WrongType { field, expected, got } => Rejection::WrongType { field: nest(field), expected, got },
            Rejection::BadValue { field, expected, got } => Rejection::BadValue { field: nest(field), expected, got },
            Rejection::BadTimestamp { field, got } => Rejection::BadTimestamp { field: nest(field), got },
            Rejection::TooLarge { total_bytes, field, field_bytes } => {
                Rejection::TooLarge { total_bytes, field: field.map(nest), field_bytes }
            }
            Rejection::NotUtf8 { .. } | Rejection::TooDeep { .. } => self,
        }
    }

    pub(super) fn bad_value(field: &str, expected: impl Into<String>, got: &str) -> Self {
        Rejection::BadValue { field: field.to_owned(), expected: expected.into(), got: shown(got) }
    }

    pub(super) fn bad_timestamp(field: &str, got: &str) -> Self {
        Rejection::BadTimestamp { field: field.to_owned(), got: shown(got) }
    }

    pub(super) fn unknown_detail_type(got: &str) -> Self {
        Rejection::UnknownDetailType { got: shown(got) }
    }
}

/// "one of OK, ALARM, INSUFFICIENT_DATA", for [`Rejection::BadValue`].
pub(super) fn one_of(accepted: &[&str]) -> String {
    format!("one of {}", accepted.join(", "))
}

/// An untrusted value as a rejection repeats it: short, and unable to ping anyone if the line reaches chat.
fn shown(raw: &str) -> String {
    truncate(SafeText::from_untrusted(raw).as_str(), SHOWN_CHARS)
}

/// The root of the document has no path; say "the event" rather than print an empty field name.
fn place(field: &str) -> String {
    if field.is_empty() { "the event".to_owned() } else { format!("field `{}`", path(field)) }
}

/// A field path as a rejection shows it: member names come from the input (a dimension, an unknown key), so the
/// path is put on one line, shortened and neutralised like any other value repeated from the sender.
fn path(field: &str) -> String {
    const SHOWN_PATH_CHARS: usize = 160;
    let one_line: String = field.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    truncate(SafeText::from_untrusted(&one_line).as_str(), SHOWN_PATH_CHARS)
}

fn too_large(total_bytes: usize, field: Option<&str>, field_bytes: usize) -> String {
    let limit = kb(super::limits::MAX_EVENT_BYTES);
    match field {
        Some(field) => {
            format!("field `{}` is {} KB; EventBridge events are at most {limit} KB", path(field), kb(field_bytes))
        }
        None => format!("the event is {} KB; EventBridge events are at most {limit} KB", kb(total_bytes)),
    }
}

/// Kibibytes, rounded up so that anything over the limit never prints as the limit itself.
fn kb(bytes: usize) -> usize {
    bytes.div_ceil(1024)
}
