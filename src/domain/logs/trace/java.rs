//! Java stack traces as `Throwable.printStackTrace` prints them, with `Caused by:` chains, after the Lambda Java
//! runtime's one-line `message: class` summary.

use super::super::record::{ErrorRecord, Exception};
use super::super::stack::{Frame, Runtime};
use super::super::text::{self, trim_indent};

pub(super) fn detect(lines: &[&str]) -> bool {
    lines.iter().any(|line| line.starts_with("\tat ") && frame(line).is_some())
}

/// Frames one tab deep belong to the current exception; deeper ones (`Suppressed:` blocks) are skipped.
pub(super) fn parse(lines: &[&str]) -> Option<ErrorRecord> {
    let mut chain: Vec<(String, Vec<Frame>)> = Vec::new();
    for (i, &line) in lines.iter().enumerate() {
        if let Some(rest) = line.strip_prefix("Caused by: ") {
            chain.push((rest.to_string(), Vec::new()));
        } else if line.starts_with("\tat ") {
            if let (Some((_, frames)), Some(frame)) = (chain.last_mut(), frame(line)) {
                frames.push(frame);
            }
        } else if !text::is_indented(line) {
            header_line(&mut chain, line, lines.get(i + 1).copied());
        }
    }
    let mut chain = chain.into_iter().map(|(header, frames)| Exception::from_header(&header, frames));
    let error = chain.next()?;
    Some(ErrorRecord::new(Runtime::Java, error, chain.collect()))
}

/// A line that is neither a frame nor `Caused by:`: the first exception's header, or more of a message that spans
/// lines until the first frame.
fn header_line(chain: &mut Vec<(String, Vec<Frame>)>, line: &str, next: Option<&str>) {
    match chain.last_mut() {
        None if is_header(line) && !is_runtime_summary(line, next) => {
            chain.push((strip_thread(line).into(), Vec::new()))
        }
        Some((header, frames)) if frames.is_empty() => {
            header.push('\n');
            header.push_str(line);
        }
        _ => {}
    }
}

/// `java.lang.IllegalStateException: message`: a qualified class name, or one named like an exception.
fn is_header(line: &str) -> bool {
    text::split_type(strip_thread(line)).is_some_and(|(name, _)| {
        name.contains('.') || name.ends_with("Exception") || name.ends_with("Error") || name.ends_with("Throwable")
    })
}

fn strip_thread(line: &str) -> &str {
    match line.strip_prefix("Exception in thread \"") {
        Some(rest) => rest.split_once("\" ").map_or(line, |(_, header)| header),
        None => line,
    }
}

/// The Lambda Java runtime logs `<message>: <class>` on the line before the stack trace itself.
fn is_runtime_summary(line: &str, next: Option<&str>) -> bool {
    let (Some((_, class)), Some(next)) = (line.rsplit_once(": "), next) else { return false };
    let next_header = next.strip_prefix(class);
    text::is_type_name(class) && next_header.is_some_and(|rest| rest.is_empty() || rest.starts_with(':'))
}

/// `at com.acme.Handler.handleRequest(Handler.java:57)`, `at java.base/java.lang.Integer.parseInt(Integer.java:668)`,
/// `at app//com.acme.Handler.run(Unknown Source)`, or the same without `at ` in a JSON `stackTrace`.
pub(super) fn frame(line: &str) -> Option<Frame> {
    let rest = trim_indent(line);
    let rest = rest.strip_prefix("at ").unwrap_or(rest);
    let (qualified, source) = rest.strip_suffix(')')?.rsplit_once('(')?;
    // Class loader and module prefixes (`app//`, `java.base/`) are not part of the class name.
    let qualified = qualified.rsplit('/').next()?;
    if !qualified.contains('.') || qualified.contains(char::is_whitespace) {
        return None;
    }
    let (file, number) = match source.rsplit_once(':') {
        Some((file, number)) => (file, number.parse().ok()),
        None => (source, None),
    };
    let file = if file.contains('.') { file } else { "" };
    Some(Frame::new(Runtime::Java, file, number, Some(qualified.to_string())))
}

#[cfg(test)]
mod tests {
    use super::super::super::fixtures;
    use super::super::super::fixtures::error;
    use super::*;

    #[test]
    fn the_java_runtimes_summary_line_is_not_mistaken_for_the_exception() {
        let record = error(fixtures::JAVA_NPE);

        assert_eq!(record.error_type(), Some("java.lang.NullPointerException"));
        assert_eq!(record.message(), "Cannot invoke \"String.length()\" because \"s\" is null");
        assert_eq!(
            record.in_app_frame().map(ToString::to_string).as_deref(),
            Some("Handler.java:57 in com.acme.orders.Handler.handleRequest")
        );
    }

    #[test]
    fn chained_caused_by_lists_causes_outermost_first() {
        let record = error(fixtures::JAVA_CAUSED_BY);

        let causes: Vec<_> = record.causes.iter().map(|c| c.error_type.as_deref()).collect();
        assert_eq!(causes, [Some("java.lang.NumberFormatException")]);
        assert_eq!(record.root_cause().message, "For input string: \"abc\"");
    }

    #[test]
    fn a_null_message_exception_has_an_empty_message() {
        let text = "java.lang.NullPointerException: java.lang.NullPointerException\n\
                    java.lang.NullPointerException\n\tat com.acme.Handler.run(Handler.java:9)";

        let record = error(text);

        assert_eq!((record.error_type(), record.message()), (Some("java.lang.NullPointerException"), ""));
    }

    #[test]
    fn suppressed_frames_do_not_join_the_main_stack() {
        let text = "java.io.IOException: close failed\n\tat com.acme.Store.close(Store.java:80)\n\
                    \tSuppressed: java.lang.IllegalStateException: x\n\t\tat com.acme.Other.run(Other.java:1)";

        let record = error(text);

        assert_eq!(record.error.frames.len(), 1);
        assert!(record.causes.is_empty());
    }

    #[test]
    fn frames_with_modules_and_without_sources_parse() {
        let module = frame("\tat java.base/java.lang.Integer.parseInt(Integer.java:668)").unwrap();
        let native =
            frame("\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)").unwrap();

        assert_eq!(
            (module.function.as_deref(), module.line, module.in_app),
            (Some("java.lang.Integer.parseInt"), Some(668), false)
        );
        assert_eq!((native.file.as_str(), native.line), ("", None));
    }
}
