//! Ruby backtraces: `file:line:in 'method': message (Class)` followed by `\tfrom file:line:in 'method'` lines.
//! Ruby 3.4 quotes methods as `'m'`; older versions as `` `m' ``.

use super::super::record::{ErrorRecord, Exception};
use super::super::stack::{Frame, Runtime};
use super::super::text::{self, trim_indent};

pub(super) fn detect(lines: &[&str]) -> bool {
    lines.iter().any(|line| header_split(line).is_some())
        || lines.iter().any(|line| line.starts_with("\tfrom ") && frame(line).is_some())
}

pub(super) fn parse(lines: &[&str]) -> Option<ErrorRecord> {
    let start = lines.iter().position(|line| header_split(line).is_some())?;
    // Searched after the header, which may itself start with `\tfrom ` (a `from` line that also reads as a header).
    let after = start + 1;
    let end = lines[after..].iter().position(|line| line.starts_with("\tfrom ")).map_or(lines.len(), |n| after + n);
    let (first_frame, message) = header_split(lines[start])?;
    // The class closes the message, which may run over several lines before the first `from`.
    let message = [message].into_iter().chain(lines[after..end].iter().copied()).collect::<Vec<_>>().join("\n");
    let frames = std::iter::once(first_frame).chain(lines[end..].iter().filter_map(|line| frame(line)));
    Some(ErrorRecord::new(Runtime::Ruby, exception(&message, frames.collect()), Vec::new()))
}

/// `/var/task/lambda_function.rb:12:in 'handler': undefined method 'id' for nil (NoMethodError)`.
fn header_split(line: &str) -> Option<(Frame, &str)> {
    let label_start = line.find(":in ")? + ":in ".len();
    // Skips the opening quote; `get` because garbage input may put a multi-byte character there.
    let close = line.get(label_start + 1..)?.find("': ")? + label_start + 1;
    let frame = frame(&line[..=close])?;
    Some((frame, &line[close + "': ".len()..]))
}

fn exception(message: &str, frames: Vec<Frame>) -> Exception {
    let class = message.strip_suffix(')').and_then(|rest| rest.rsplit_once(" ("));
    match class {
        Some((message, class)) if text::is_type_name(class) => Exception::new(Some(class), message, frames),
        _ => Exception::new(None, message, frames),
    }
}

/// `/var/task/lambda_function.rb:12:in 'handler'`, optionally after `from `.
pub(super) fn frame(line: &str) -> Option<Frame> {
    let line = trim_indent(line);
    let line = line.strip_prefix("from ").unwrap_or(line);
    let (location, label) = match line.split_once(":in ") {
        Some((location, label)) => (location, Some(label.trim_matches(['`', '\'', ' ']))),
        None => (line, None),
    };
    let (file, number) = location.rsplit_once(':')?;
    let number: u32 = number.parse().ok()?;
    let ruby_file = file.ends_with(".rb") || file.starts_with('<');
    ruby_file.then(|| Frame::new(Runtime::Ruby, file, Some(number), label.map(String::from)))
}

#[cfg(test)]
mod tests {
    use super::super::super::fixtures;
    use super::super::super::fixtures::error;
    use super::*;

    #[test]
    fn a_raw_ruby_backtrace_names_the_class_in_parentheses() {
        let record = error(fixtures::RUBY_RAW);

        assert_eq!((record.runtime, record.error_type()), (Runtime::Ruby, Some("NoMethodError")));
        assert_eq!(record.message(), "undefined method 'id' for nil");
        assert_eq!(record.in_app_frame().map(ToString::to_string).as_deref(), Some("lambda_function.rb:12 in handler"));
        assert_eq!(record.error.frames.len(), 3);
    }

    #[test]
    fn a_from_line_that_also_reads_as_a_header_is_the_header() {
        // Found by fuzzing (fuzz/fuzz_targets/stack_trace.rs): the message was taken to end at the first `from` line
        // at or after the header, so a header written as a `from` line ended before it began and slicing panicked.
        let record = error("Error in worker\n\tfrom /var/task/jobs.rb:7:in 'run': boom (RuntimeError)");

        assert_eq!((record.error_type(), record.message()), (Some("RuntimeError"), "boom"));
        assert_eq!(record.in_app_frame().map(ToString::to_string).as_deref(), Some("jobs.rb:7 in run"));
    }

    #[test]
    fn old_ruby_backtick_quotes_parse_too() {
        let record =
            error("lambda_function.rb:12:in `handler': undefined method `id' for nil:NilClass (NoMethodError)");

        assert_eq!(record.error_type(), Some("NoMethodError"));
        assert_eq!(record.message(), "undefined method `id' for nil:NilClass");
    }

    #[test]
    fn gem_frames_are_not_in_app() {
        let line = "\tfrom /var/task/vendor/bundle/ruby/3.3.0/gems/aws-sdk-core-3.191.0/lib/seahorse/client/plugins/\
                    raise_response_errors.rb:17:in 'call'";

        let frame = frame(line).unwrap();

        assert!(!frame.in_app);
    }
}
