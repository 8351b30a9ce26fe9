//! Small hand-written scanners shared by the log parsers: lines, request ids, numbers and type names.

/// Splits on `\n`, `\r\n` and a lone `\r`.
///
/// Runtimes that write to stdout instead of the telemetry pipe replace `\n` with `\r` so one event stays one event
/// (Node.js `logTextToStdout`, Python's `StandardLogSink`), and Windows-built tools send `\r\n`.
pub(super) fn lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(['\r', '\n']) {
        out.push(&rest[..i]);
        let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
        rest = &rest[i + skip..];
    }
    out.push(rest);
    out
}

/// The Python runtime indents stack lines with no-break spaces so CloudWatch does not collapse them.
pub(super) fn trim_indent(line: &str) -> &str {
    line.trim_start_matches([' ', '\t', '\u{a0}'])
}

pub(super) fn is_indented(line: &str) -> bool {
    line.starts_with([' ', '\t', '\u{a0}'])
}

/// A request id as a runtime prints it; `undefined` is what Node.js prints outside an invocation.
pub(super) fn request_id(raw: &str) -> Option<String> {
    let id = raw.trim();
    let valid = !id.is_empty() && id.len() <= 128 && !id.contains(char::is_whitespace);
    (valid && id != "undefined" && id != "null").then(|| id.to_string())
}

/// The number at the start of `text` (`12.34 ms` → 12.34); finite or nothing.
pub(super) fn leading_number(text: &str) -> Option<f64> {
    let text = text.trim_start();
    let end = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    text[..end].parse::<f64>().ok().filter(|n| n.is_finite())
}

/// A whole, non-negative number such as a billed duration or a memory size.
pub(super) fn whole(number: f64) -> Option<u64> {
    let fits = number >= 0.0 && number.fract() == 0.0 && number < u64::MAX as f64;
    fits.then_some(number as u64)
}

pub(super) fn leading_u32(text: &str) -> Option<u32> {
    whole(leading_number(text)?).and_then(|n| u32::try_from(n).ok())
}

/// A name that can only be an exception class: `ValueError`, `java.lang.IllegalStateException`, `Outer$Inner`,
/// `Aws::S3::Errors::NoSuchKey`, `Runtime.ExitError` — no spaces, starts with a letter or `_`.
pub(super) fn is_type_name(text: &str) -> bool {
    let mut chars = text.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_');
    let rest_ok = text.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '$' | ':'));
    first_ok && rest_ok && text.len() <= 200 && !text.ends_with([':', '.'])
}

/// Splits `Type: message` (or a bare `Type`) when the part before the colon is a type name.
pub(super) fn split_type(header: &str) -> Option<(&str, &str)> {
    let header = header.trim();
    match header.split_once(": ") {
        Some((name, message)) if is_type_name(name) => Some((name, message.trim())),
        _ if is_type_name(header) => Some((header, "")),
        _ => None,
    }
}

/// `8-4-4-4-12` hex digits: the shape of every Lambda request id.
pub(super) fn is_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Looks like an ISO-8601 timestamp (`2024-05-01T10:00:00.000Z`), the first field of Node.js and .NET lines.
pub(super) fn is_iso_timestamp(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 19 && bytes[..4].iter().all(u8::is_ascii_digit) && bytes[4] == b'-' && bytes[10] == b'T'
}

/// Cuts `text` to at most `max` bytes without splitting a character.
pub(super) fn clip(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_on_every_kind_of_line_ending() {
        assert_eq!(lines("a\nb\r\nc\rd"), ["a", "b", "c", "d"]);
        assert_eq!(lines("a\r\n\r\nb"), ["a", "", "b"]);
    }

    #[test]
    fn request_ids_reject_what_node_prints_outside_an_invocation() {
        assert_eq!(request_id("undefined"), None);
        assert_eq!(request_id(" 8f5a2b1c "), Some("8f5a2b1c".into()));
        assert_eq!(request_id(""), None);
    }

    #[test]
    fn numbers_are_read_from_the_start_of_a_field() {
        assert_eq!(leading_number("12.34 ms"), Some(12.34));
        assert_eq!(leading_number("ms"), None);
        assert_eq!(leading_number("1.2.3"), None);
        assert_eq!(leading_u32("128 MB"), Some(128));
        assert_eq!(leading_u32("12.5 MB"), None);
    }

    #[test]
    fn type_names_are_told_apart_from_sentences() {
        assert_eq!(split_type("ValueError: bad: worse"), Some(("ValueError", "bad: worse")));
        assert_eq!(split_type("java.lang.Outer$Inner"), Some(("java.lang.Outer$Inner", "")));
        assert_eq!(split_type("Failed to parse: x"), None);
        assert!(is_uuid("8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c"));
        assert!(!is_uuid("8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1"));
    }

    #[test]
    fn clipping_never_splits_a_character() {
        assert_eq!(clip("héllo", 2), "h");
        assert_eq!(clip("abc", 10), "abc");
    }
}
