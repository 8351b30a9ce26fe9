//! Cheap checks on the raw bytes, made before serde_json sees them: encoding, nesting depth and size.

use serde_json::Value;

use super::rejection::Rejection;

/// EventBridge refuses events over 256 KB, so anything larger did not come from it unchanged.
pub(super) const MAX_EVENT_BYTES: usize = 256 * 1024;

/// Real alarm and Health events nest about six levels; 32 leaves room for AWS to grow while keeping a hostile
/// `[[[[…` far from serde_json's own recursion limit.
pub(super) const MAX_DEPTH: usize = 32;

/// Past this size an oversized input is not even parsed to find its largest field: the work would outweigh
/// the help the field name gives.
const LOCATE_LIMIT: usize = 4 * 1024 * 1024;

/// The input as text, or the byte offset where it stops being UTF-8.
pub(super) fn utf8(raw: &[u8]) -> Result<&str, Rejection> {
    std::str::from_utf8(raw).map_err(|error| Rejection::NotUtf8 { offset: error.valid_up_to() })
}

/// Rejects inputs whose arrays and objects nest deeper than [`MAX_DEPTH`], ignoring brackets inside strings.
pub(super) fn check_depth(raw: &[u8]) -> Result<(), Rejection> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, &byte) in raw.iter().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(Rejection::TooDeep { max: MAX_DEPTH, offset });
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Rejects inputs over [`MAX_EVENT_BYTES`], naming the string field that makes up most of the excess.
pub(super) fn check_size(text: &str) -> Result<(), Rejection> {
    if text.len() <= MAX_EVENT_BYTES {
        return Ok(());
    }
    let culprit = locate_culprit(text);
    let (field, field_bytes) = culprit.map_or((None, 0), |(path, bytes)| (Some(path), bytes));
    Err(Rejection::TooLarge { total_bytes: text.len(), field, field_bytes })
}

/// The largest string field, if it is at least half the input; otherwise no single field is to blame.
fn locate_culprit(text: &str) -> Option<(String, usize)> {
    if text.len() > LOCATE_LIMIT {
        return None;
    }
    let value: Value = serde_json::from_str(text).ok()?;
    let mut largest = None;
    largest_string(&value, String::new(), &mut largest);
    largest.filter(|(_, bytes)| bytes * 2 >= text.len())
}

fn largest_string(value: &Value, path: String, largest: &mut Option<(String, usize)>) {
    match value {
        Value::String(text) if largest.as_ref().is_none_or(|(_, bytes)| text.len() > *bytes) => {
            *largest = Some((path, text.len()));
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                largest_string(item, format!("{path}[{index}]"), largest);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                let child = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                largest_string(item, child, largest);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> String {
        format!("{}{}", "[".repeat(levels), "]".repeat(levels))
    }

    #[test]
    fn nesting_up_to_the_limit_is_accepted() {
        assert_eq!(check_depth(nested(MAX_DEPTH).as_bytes()), Ok(()));
    }

    #[test]
    fn nesting_one_past_the_limit_is_refused_where_it_happens() {
        let refused = check_depth(nested(MAX_DEPTH + 1).as_bytes());
        assert_eq!(refused, Err(Rejection::TooDeep { max: MAX_DEPTH, offset: MAX_DEPTH }));
    }

    #[test]
    fn brackets_inside_strings_do_not_count_as_nesting() {
        let raw = format!(r#"{{"reason": "{} \" {}"}}"#, "[".repeat(100), "{".repeat(100));
        assert_eq!(check_depth(raw.as_bytes()), Ok(()));
    }

    #[test]
    fn an_escaped_backslash_before_a_quote_ends_the_string() {
        let raw = format!(r#"{{"a": "\\"}}{}"#, nested(MAX_DEPTH + 1));
        assert!(check_depth(raw.as_bytes()).is_err());
    }

    #[test]
    fn invalid_utf8_is_refused_at_its_byte_offset() {
        assert_eq!(utf8(b"{\"a\": \"\xff\"}"), Err(Rejection::NotUtf8 { offset: 7 }));
    }

    #[test]
    fn an_oversized_event_without_one_big_field_names_no_field() {
        let items: Vec<String> = (0..40_000).map(|i| format!("\"entity-{i}\"")).collect();
        let raw = format!(r#"{{"detail": {{"affectedEntities": [{}]}}}}"#, items.join(","));
        let refused = check_size(&raw).unwrap_err();
        assert_eq!(refused.field(), None);
        assert!(refused.to_string().starts_with("the event is "), "{refused}");
    }
}
