//! Node.js (V8) stacks: `TypeError: message` followed by `    at fn (file:line:column)` lines.

use super::super::record::{ErrorRecord, Exception};
use super::super::stack::{Frame, Runtime};
use super::super::text::{self, trim_indent};

pub(super) fn detect(lines: &[&str]) -> bool {
    lines.iter().any(|line| line.starts_with("    at ") && frame(line).is_some())
}

pub(super) fn parse(lines: &[&str]) -> Option<ErrorRecord> {
    let first = lines.iter().position(|line| is_frame_line(line))?;
    // Frames without a location (`at async Promise.all (index 0)`) are skipped, not treated as the end.
    let frames = lines[first..].iter().take_while(|line| is_frame_line(line)).filter_map(|line| frame(line));
    let error = header(&lines[..first].join("\n"), frames.collect());
    Some(ErrorRecord::new(Runtime::Node, error, Vec::new()))
}

fn is_frame_line(line: &str) -> bool {
    text::is_indented(line) && trim_indent(line).starts_with("at ")
}

/// `TypeError: msg`, `TypeError [ERR_INVALID_ARG_TYPE]: msg`, or `console.error("Failed", err)`'s
/// `Failed TypeError: msg`, where the error's own name comes after the logged words.
fn header(header: &str, frames: Vec<Frame>) -> Exception {
    if let Some((name, message)) = coded_header(header) {
        return Exception::new(Some(name), message, frames);
    }
    if text::split_type(header).is_some() {
        return Exception::from_header(header, frames);
    }
    match named_error_inside(header) {
        Some(at) => Exception::from_header(&header[at..], frames),
        None => Exception::new(None, header, frames),
    }
}

/// Node.js system errors: `TypeError [ERR_INVALID_ARG_TYPE]: The "path" argument must be of type string`.
fn coded_header(header: &str) -> Option<(&str, &str)> {
    let (name_and_code, message) = header.split_once("]: ")?;
    let (name, code) = name_and_code.split_once(" [")?;
    let valid =
        text::is_type_name(name) && code.chars().all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit());
    valid.then(|| (&header[..name_and_code.len() + 1], message))
}

/// Where a word like `TypeError:` or `ValidationException:` starts inside the first line.
fn named_error_inside(header: &str) -> Option<usize> {
    let first_line = header.lines().next().unwrap_or_default();
    first_line.match_indices(": ").find_map(|(colon, _)| {
        let start = first_line[..colon].rfind(' ').map_or(0, |space| space + 1);
        let name = &first_line[start..colon];
        let named = text::is_type_name(name) && (name.ends_with("Error") || name.ends_with("Exception"));
        named.then_some(start)
    })
}

/// `at handler (/var/task/src/handler.js:42:17)`, `at file:///var/task/index.mjs:5:11`,
/// `at async Runtime.handler (file:///var/task/index.mjs:3:9)`.
pub(super) fn frame(line: &str) -> Option<Frame> {
    let rest = trim_indent(line).strip_prefix("at ")?;
    let (function, location) = match rest.strip_suffix(')').and_then(|inner| inner.rsplit_once(" (")) {
        Some((function, location)) => (Some(function), location),
        None => (None, rest),
    };
    let location = location.strip_prefix("file://").unwrap_or(location);
    let (location, column) = location.rsplit_once(':')?;
    let (file, number) = location.rsplit_once(':')?;
    let number: u32 = number.parse().ok()?;
    column.parse::<u32>().ok()?;
    let function = function.map(|f| f.strip_prefix("async ").unwrap_or(f)).filter(|f| !f.is_empty());
    Some(Frame::new(Runtime::Node, file, Some(number), function.map(String::from)))
}

#[cfg(test)]
mod tests {
    use super::super::super::fixtures;
    use super::super::super::fixtures::error;
    use super::*;

    #[test]
    fn a_raw_node_stack_names_its_type_and_in_app_frame() {
        let record = error(fixtures::NODE_RAW_STACK);

        assert_eq!((record.runtime, record.error_type()), (Runtime::Node, Some("TypeError")));
        assert_eq!(record.message(), "Cannot read properties of undefined (reading 'id')");
        assert_eq!(record.in_app_frame().map(ToString::to_string).as_deref(), Some("src/orders.js:18 in Object.total"));
    }

    #[test]
    fn an_error_logged_after_words_is_found_by_its_name() {
        let body = "2024-05-01T10:00:00.000Z\tabc\tERROR\tFailed to save order ValidationException: bad key\n\
                    \x20   at save (/var/task/db.js:3:9)";

        let record = error(body);

        assert_eq!((record.error_type(), record.message()), (Some("ValidationException"), "bad key"));
    }

    #[test]
    fn system_errors_keep_their_code() {
        let record = error(
            "TypeError [ERR_INVALID_ARG_TYPE]: The \"path\" argument must be of type string\n\
             \x20   at join (node:path:1172:7)",
        );

        assert_eq!(record.error_type(), Some("TypeError [ERR_INVALID_ARG_TYPE]"));
        assert_eq!(record.in_app_frame(), None);
    }

    #[test]
    fn stdout_mode_carriage_returns_separate_lines() {
        let record =
            error("2024-05-01T10:00:00.000Z\tabc\tERROR\tError: boom\r    at handler (/var/task/index.js:3:9)");

        assert_eq!(record.in_app_frame().map(ToString::to_string).as_deref(), Some("index.js:3 in handler"));
    }

    #[test]
    fn frames_without_a_location_are_not_frames() {
        assert_eq!(frame("    at async Promise.all (index 0)"), None);
        assert_eq!(frame("    at new Promise (<anonymous>)"), None);
        let esm = frame("    at file:///var/task/index.mjs:5:11").unwrap();
        assert_eq!((esm.file.as_str(), esm.line, esm.function), ("/var/task/index.mjs", Some(5), None));
    }
}
