//! Stack traces as each runtime prints them, read into an [`ErrorRecord`] with frames innermost first.
//!
//! Runtimes are told apart by their frame lines, which never overlap: Python's `File "…", line N`, Go's
//! `goroutine 1 [running]:`, Ruby's `path:N:in 'm'`, Java's tab + `at`, .NET's three spaces + `at`, and Node.js's
//! four spaces + `at`.

mod dotnet;
mod go;
mod java;
mod node;
mod python;
mod ruby;

use super::record::ErrorRecord;
use super::stack::{Frame, Runtime};
use super::text;

/// The error in a printed stack trace, or `None` when `text` holds none.
pub(super) fn parse(text: &str) -> Option<ErrorRecord> {
    let lines = text::lines(text);
    if python::detect(&lines) {
        python::parse(&lines)
    } else if go::detect(&lines) {
        go::parse(&lines)
    } else if ruby::detect(&lines) {
        ruby::parse(&lines)
    } else if java::detect(&lines) {
        java::parse(&lines)
    } else if dotnet::detect(&lines) {
        dotnet::parse(&lines)
    } else if node::detect(&lines) {
        node::parse(&lines)
    } else {
        None
    }
}

/// The lines of a JSON `stackTrace` array read as one printed trace, for runtimes whose arrays are exactly that
/// (.NET's JSON log format writes `Exception.ToString()` split into lines, inner exceptions included).
pub(super) fn parse_lines(runtime: Runtime, lines: &[&str]) -> Option<ErrorRecord> {
    match runtime {
        Runtime::DotNet => dotnet::parse(lines),
        _ => None,
    }
}

/// Which runtime wrote one element of a JSON `stackTrace` array; `None` for elements that are not frames
/// (Node.js puts the `TypeError: …` header first).
pub(super) fn frame_runtime(element: &str) -> Option<Runtime> {
    let line = first_line(element);
    if python::frame(line).is_some() {
        Some(Runtime::Python)
    } else if node::frame(line).is_some() {
        Some(Runtime::Node)
    } else if text::trim_indent(line).starts_with("at ") {
        Some(Runtime::DotNet)
    } else if ruby::frame(line).is_some() {
        Some(Runtime::Ruby)
    } else if java::frame(line).is_some() {
        Some(Runtime::Java)
    } else {
        None
    }
}

/// One element of a JSON `stackTrace` array, read as `runtime` prints frames.
pub(super) fn frame(runtime: Runtime, element: &str) -> Option<Frame> {
    let line = first_line(element);
    match runtime {
        Runtime::Python => python::frame(line),
        Runtime::Node => node::frame(line),
        Runtime::DotNet => dotnet::frame(line),
        Runtime::Ruby => ruby::frame(line),
        Runtime::Java => java::frame(line),
        Runtime::Go | Runtime::Unknown => None,
    }
}

/// Python's elements hold the frame line and then the source line.
fn first_line(element: &str) -> &str {
    text::lines(element).into_iter().find(|line| !line.trim().is_empty()).unwrap_or_default()
}
