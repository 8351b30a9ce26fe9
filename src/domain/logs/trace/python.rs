//! Python tracebacks: the runtime's `[ERROR] Type: message` + `Traceback…` block, `logging.exception` output
//! (exception last), and chained exceptions.

use super::super::record::{ErrorRecord, Exception};
use super::super::stack::{Frame, Runtime};
use super::super::text::{is_indented, leading_u32, trim_indent};

const TRACEBACK: &str = "Traceback (most recent call last):";

pub(super) fn detect(lines: &[&str]) -> bool {
    lines.iter().any(|line| is_traceback_start(line))
}

fn is_traceback_start(line: &str) -> bool {
    trim_indent(line).trim_end() == TRACEBACK
}

/// The lines before the first `Traceback` are the runtime's `Type: message` header (or whatever was logged);
/// each `Traceback` block ends with its exception line, except in the runtime's own format, where the header
/// already said it.
pub(super) fn parse(lines: &[&str]) -> Option<ErrorRecord> {
    let start = lines.iter().position(|line| is_traceback_start(line))?;
    let mut chain: Vec<Exception> = blocks(&lines[start..]).into_iter().map(Block::into_exception).collect();
    let last = chain.pop()?;
    let error = if last.error_type.is_none() && last.message.is_empty() {
        Exception::from_header(&lines[..start].join("\n"), last.frames)
    } else {
        last
    };
    // Printed root cause first; stored outermost first.
    chain.reverse();
    Some(ErrorRecord::new(Runtime::Python, error, chain))
}

#[derive(Default)]
struct Block<'a> {
    frames: Vec<Frame>,
    exception: Vec<&'a str>,
}

impl Block<'_> {
    fn into_exception(mut self) -> Exception {
        self.frames.reverse();
        Exception::from_header(&self.exception.join("\n"), self.frames)
    }
}

fn blocks<'a>(lines: &[&'a str]) -> Vec<Block<'a>> {
    let mut blocks: Vec<Block<'a>> = Vec::new();
    for &line in lines {
        if is_traceback_start(line) {
            blocks.push(Block::default());
            continue;
        }
        let Some(block) = blocks.last_mut() else { continue };
        if is_chain_separator(line) {
            continue;
        }
        if !block.exception.is_empty() {
            // Exception messages may span indented lines (pydantic's validation errors do).
            block.exception.push(line);
        } else if let Some(frame) = frame(line) {
            block.frames.push(frame);
        } else if !is_indented(line) && !line.trim().is_empty() {
            block.exception.push(line);
        }
    }
    blocks
}

fn is_chain_separator(line: &str) -> bool {
    line.starts_with("During handling of the above exception") || line.starts_with("The above exception was the direct")
}

/// `File "/var/task/app.py", line 12, in handler`, or `File "/var/task/app.py" Line 3` for syntax errors.
pub(super) fn frame(line: &str) -> Option<Frame> {
    let rest = trim_indent(line).strip_prefix("File \"")?;
    let (file, rest) = rest.split_once('"')?;
    let rest = rest.trim_start_matches(',').trim_start();
    let number = rest.strip_prefix("line ").or_else(|| rest.strip_prefix("Line ")).and_then(leading_u32);
    let function = rest.split_once(", in ").map(|(_, name)| name.trim().to_string());
    Some(Frame::new(Runtime::Python, file, number, function))
}

#[cfg(test)]
mod tests {
    use super::super::super::fixtures;
    use super::super::super::fixtures::error;
    use super::*;

    fn in_app(record: &ErrorRecord) -> Option<String> {
        record.in_app_frame().map(ToString::to_string)
    }

    #[test]
    fn python_traceback_points_at_the_innermost_app_frame() {
        let record = error(fixtures::PYTHON_UNHANDLED);

        assert_eq!(record.runtime, Runtime::Python);
        assert_eq!(record.error_type(), Some("ValueError"));
        assert_eq!(record.message(), "invalid literal for int() with base 10: 'abc'");
        assert_eq!(in_app(&record).as_deref(), Some("orders/parse.py:88 in parse_line"));
        assert_eq!(record.error.frames.len(), 2);
    }

    #[test]
    fn a_traceback_ending_in_site_packages_blames_the_last_task_frame() {
        let record = error(fixtures::PYTHON_INTO_SITE_PACKAGES);

        assert_eq!(record.error_type(), Some("botocore.exceptions.ClientError"));
        assert_eq!(in_app(&record).as_deref(), Some("orders/store.py:41 in save"));
    }

    #[test]
    fn logging_exception_takes_the_type_from_the_last_line_and_the_id_from_the_prefix() {
        let record = error(fixtures::PYTHON_LOGGED_EXCEPTION);

        assert_eq!(record.request_id.as_deref(), Some(fixtures::REQUEST_ID));
        assert_eq!(record.error_type(), Some("KeyError"));
        assert_eq!(record.message(), "'quantity'");
        assert_eq!(in_app(&record).as_deref(), Some("app.py:9 in handler"));
    }

    #[test]
    fn a_chained_traceback_keeps_the_last_exception_and_its_cause() {
        let record = error(fixtures::PYTHON_CHAINED);

        assert_eq!(record.error_type(), Some("orders.errors.InvalidOrder"));
        assert_eq!(record.root_cause().error_type.as_deref(), Some("KeyError"));
        assert_eq!(in_app(&record).as_deref(), Some("orders/parse.py:14 in parse"));
    }

    #[test]
    fn an_import_error_at_init_has_a_type_and_no_frames() {
        let record = error(
            "[ERROR] Runtime.ImportModuleError: Unable to import module 'app': No module named 'requests'\r\
             Traceback (most recent call last):",
        );

        assert_eq!(record.error_type(), Some("Runtime.ImportModuleError"));
        assert_eq!(record.message(), "Unable to import module 'app': No module named 'requests'");
        assert!(record.error.frames.is_empty());
    }

    #[test]
    fn a_multi_line_pydantic_message_is_kept_whole() {
        let record = error(fixtures::PYTHON_PYDANTIC);

        assert_eq!(record.error_type(), Some("pydantic_core._pydantic_core.ValidationError"));
        assert!(record.message().starts_with("1 validation error for Order\nquantity\n  Input should be"));
    }

    #[test]
    fn a_syntax_error_frame_has_a_capitalised_line() {
        let frame = frame("  File \"/var/task/app.py\" Line 3").unwrap();

        assert_eq!((frame.line, frame.function), (Some(3), None));
    }

    #[test]
    fn windows_line_endings_read_the_same() {
        let record = error(&fixtures::PYTHON_LOGGED_EXCEPTION.replace('\n', "\r\n"));

        assert_eq!(in_app(&record).as_deref(), Some("app.py:9 in handler"));
    }
}
