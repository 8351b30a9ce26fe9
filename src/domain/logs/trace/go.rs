//! Go panics that escaped aws-lambda-go's recovery: `panic: …`, then the panicking goroutine's frames as
//! `function(args)` / `\tfile:line +0xoffset` pairs.

use super::super::record::{ErrorRecord, Exception};
use super::super::stack::{Frame, Runtime};
use super::super::text::leading_u32;

pub(super) fn detect(lines: &[&str]) -> bool {
    lines.iter().any(|line| panic_message(line).is_some()) && lines.iter().any(|line| is_goroutine(line))
}

pub(super) fn parse(lines: &[&str]) -> Option<ErrorRecord> {
    let goroutine = lines.iter().position(|line| is_goroutine(line))?;
    // A re-panic prints each panic in turn; the last one is what killed the process.
    let (kind, message) = lines[..goroutine].iter().rev().find_map(|line| panic_message(line))?;
    let frames = frames(&lines[goroutine + 1..]);
    Some(ErrorRecord::new(Runtime::Go, Exception::new(Some(kind), message, frames), Vec::new()))
}

fn panic_message(line: &str) -> Option<(&'static str, &str)> {
    let line = line.trim_start_matches('\t');
    let (kind, message) = match line.strip_prefix("panic: ") {
        Some(message) => ("panic", message),
        None => ("fatal error", line.strip_prefix("fatal error: ")?),
    };
    Some((kind, message.strip_suffix(" [recovered]").unwrap_or(message)))
}

fn is_goroutine(line: &str) -> bool {
    line.starts_with("goroutine ") && line.ends_with(':')
}

/// Only the first goroutine: the others were merely running when the process died.
fn frames(lines: &[&str]) -> Vec<Frame> {
    let mut frames = Vec::new();
    let mut function = None;
    for line in lines.iter().take_while(|line| !line.trim().is_empty()) {
        match line.strip_prefix('\t') {
            Some(location) => frames.extend(frame(function.take(), location)),
            None => function = Some(function_name(line)),
        }
    }
    frames
}

/// `main.handler({0x5f3c20, 0xc0000a6000})` → `main.handler`; `created by main.main in goroutine 1` → `main.main`.
fn function_name(line: &str) -> String {
    if let Some(creator) = line.strip_prefix("created by ") {
        return creator.split(" in goroutine").next().unwrap_or(creator).to_string();
    }
    match line.strip_suffix(')').and_then(|call| call.rsplit_once('(')) {
        Some((name, _)) => name.to_string(),
        None => line.to_string(),
    }
}

/// `/var/task/main.go:31 +0x1d`.
fn frame(function: Option<String>, location: &str) -> Option<Frame> {
    let location = location.split(" +0x").next()?.trim();
    let (file, number) = location.rsplit_once(':')?;
    Some(Frame::new(Runtime::Go, file, Some(leading_u32(number)?), function))
}

#[cfg(test)]
mod tests {
    use super::super::super::fixtures;
    use super::super::super::fixtures::error;
    use super::*;

    #[test]
    fn a_go_panic_points_at_main_not_the_runtime_or_the_lambda_library() {
        let record = error(fixtures::GO_PANIC);

        assert_eq!((record.runtime, record.error_type()), (Runtime::Go, Some("panic")));
        assert_eq!(record.message(), "runtime error: invalid memory address or nil pointer dereference");
        assert_eq!(record.in_app_frame().map(ToString::to_string).as_deref(), Some("main.go:31 in main.handler"));
    }

    #[test]
    fn other_goroutines_are_ignored() {
        let record = error(fixtures::GO_PANIC);

        assert!(record.error.frames.iter().all(|frame| frame.function.as_deref() != Some("net/http.(*conn).serve")));
    }

    #[test]
    fn a_fatal_error_is_read_like_a_panic() {
        let text = "fatal error: concurrent map writes\n\ngoroutine 7 [running]:\n\
                    main.record(...)\n\t/var/task/cache.go:12 +0x2a";

        let record = error(text);

        assert_eq!((record.error_type(), record.message()), (Some("fatal error"), "concurrent map writes"));
        assert_eq!(record.in_app_frame().map(ToString::to_string).as_deref(), Some("cache.go:12 in main.record"));
    }
}
