//! The prefixes Lambda runtimes put before a logged line: level, timestamp and request id.
//!
//! * Python's `logging`: `[ERROR]\t2024-05-01T10:00:00.123Z\t<request id>\tmessage`
//! * Python's runtime, for an unhandled exception: `[ERROR] ValueError: message` (a space, no request id)
//! * Node.js `console.*` and .NET `ILambdaLogger`: `2024-05-01T10:00:00.000Z\t<request id>\tERROR\tmessage`
//!   (.NET writes its levels as `fail` and `crit`)

use super::stack::Runtime;
use super::text;

/// A line split into its prefix and the text the code logged.
#[derive(Debug, PartialEq)]
pub(super) struct Line<'a> {
    pub is_error: bool,
    pub request_id: Option<String>,
    pub runtime: Runtime,
    pub body: &'a str,
}

pub(super) fn split(text: &str) -> Option<Line<'_>> {
    python(text).or_else(|| tab_separated(text))
}

fn python(line: &str) -> Option<Line<'_>> {
    let rest = line.strip_prefix('[')?;
    let (level, rest) = rest.split_once(']')?;
    if !PYTHON_LEVELS.contains(&level) {
        return None;
    }
    let is_error = is_error_level(level);
    if let Some(body) = rest.strip_prefix(' ') {
        return Some(Line { is_error, request_id: None, runtime: Runtime::Python, body });
    }
    let mut fields = rest.strip_prefix('\t')?.splitn(3, '\t');
    let (_time, request_id, body) = (fields.next()?, fields.next()?, fields.next().unwrap_or_default());
    Some(Line { is_error, request_id: text::request_id(request_id), runtime: Runtime::Python, body })
}

const PYTHON_LEVELS: &[&str] = &["DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL", "FATAL"];

fn tab_separated(line: &str) -> Option<Line<'_>> {
    let mut fields = line.splitn(4, '\t');
    let time = fields.next()?;
    if !text::is_iso_timestamp(time) {
        return None;
    }
    let request_id = text::request_id(fields.next()?);
    let (level, body) = (fields.next()?, fields.next().unwrap_or_default());
    let runtime = match level {
        "fail" | "crit" | "warn" | "info" | "dbug" | "trce" => Runtime::DotNet,
        "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR" | "FATAL" => Runtime::Node,
        _ => return None,
    };
    Some(Line { is_error: is_error_level(level), request_id, runtime, body })
}

/// Levels that mean "this went wrong", in every runtime's spelling.
pub(super) fn is_error_level(level: &str) -> bool {
    ["error", "fatal", "critical", "crit", "fail"].iter().any(|l| level.eq_ignore_ascii_case(l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_logging_lines_carry_the_request_id() {
        let line = split("[ERROR]\t2024-05-01T10:00:00.123Z\t8f5a2b1c\tcould not save\tretrying").unwrap();

        assert!(line.is_error);
        assert_eq!(line.request_id.as_deref(), Some("8f5a2b1c"));
        assert_eq!(line.body, "could not save\tretrying");
    }

    #[test]
    fn the_python_runtimes_unhandled_error_line_has_no_request_id() {
        let line = split("[ERROR] KeyError: 'quantity'").unwrap();

        assert_eq!((line.is_error, line.request_id, line.body), (true, None, "KeyError: 'quantity'"));
    }

    #[test]
    fn node_and_dotnet_levels_are_recognised() {
        let node = split("2024-05-01T10:00:00.000Z\tundefined\tERROR\tUncaught Exception \t{}").unwrap();
        let dotnet = split("2024-05-01T10:00:00.000Z\t8f5a2b1c\tfail\tSystem.Exception: boom").unwrap();
        let warn = split("2024-05-01T10:00:00.000Z\t8f5a2b1c\tWARN\tslow").unwrap();

        assert_eq!((node.is_error, node.request_id, node.runtime), (true, None, Runtime::Node));
        assert_eq!((dotnet.is_error, dotnet.runtime), (true, Runtime::DotNet));
        assert!(!warn.is_error);
    }

    #[test]
    fn lines_without_a_known_prefix_are_left_alone() {
        assert_eq!(split("[1/3] done"), None);
        assert_eq!(split("2024-05-01T10:00:00.000Z\tonly two fields"), None);
        assert_eq!(split("plain text"), None);
    }
}
