//! .NET stack traces as `Exception.ToString()` prints them: inner exceptions start with ` ---> ` and their frames
//! come first, each closed by `--- End of inner exception stack trace ---`.

use super::super::record::{ErrorRecord, Exception};
use super::super::stack::{Frame, Runtime};
use super::super::text::{self, trim_indent};

pub(super) fn detect(lines: &[&str]) -> bool {
    lines.iter().any(|line| line.starts_with("   at ") && !line.starts_with("    ") && frame(line).is_some())
}

/// Also reads the JSON log format's `stackTrace`, which holds the same lines trimmed.
pub(super) fn parse(lines: &[&str]) -> Option<ErrorRecord> {
    let mut chain: Vec<(String, Vec<Frame>)> = Vec::new();
    // Frames go to the innermost exception first, then to each enclosing one as its inner trace ends.
    let mut target = 0;
    for &line in lines {
        let trimmed = line.trim();
        if let Some(inner) = trimmed.strip_prefix("---> ") {
            chain.push((strip_inner_number(inner).to_string(), Vec::new()));
            target = chain.len() - 1;
        } else if trimmed.starts_with("--- End of inner exception stack trace") {
            target = target.saturating_sub(1);
        } else if trimmed.starts_with("at ") {
            if let (Some((_, frames)), Some(frame)) = (chain.get_mut(target), frame(line)) {
                frames.push(frame);
            }
        } else if !trimmed.starts_with("---") {
            header_line(&mut chain, line);
        }
    }
    let mut chain = chain.into_iter().map(|(header, frames)| Exception::from_header(&header, frames));
    let error = chain.next()?;
    Some(ErrorRecord::new(Runtime::DotNet, error, chain.collect()))
}

/// The outer exception's header, or more of the innermost one's message until its first frame.
fn header_line(chain: &mut Vec<(String, Vec<Frame>)>, line: &str) {
    match chain.last_mut() {
        None if text::split_type(line).is_some_and(|(name, _)| name.contains('.') || name.ends_with("Exception")) => {
            chain.push((line.to_string(), Vec::new()));
        }
        Some((header, frames)) if frames.is_empty() => {
            header.push('\n');
            header.push_str(line);
        }
        _ => {}
    }
}

/// `AggregateException` numbers its inner exceptions: `---> (Inner Exception #0) System.…`.
fn strip_inner_number(inner: &str) -> &str {
    match inner.strip_prefix("(Inner Exception #") {
        Some(rest) => rest.split_once(") ").map_or(inner, |(_, header)| header),
        None => inner,
    }
}

/// `at Acme.Orders.Function.FunctionHandler(Input input, ILambdaContext ctx) in /src/Orders/Function.cs:line 44`,
/// or without ` in …` when the assembly has no symbols.
pub(super) fn frame(line: &str) -> Option<Frame> {
    let rest = trim_indent(line).strip_prefix("at ")?;
    let (function, file, number) = match rest.rsplit_once(" in ") {
        Some((function, location)) if location.contains(":line ") => {
            let (file, number) = location.rsplit_once(":line ")?;
            (function, file, number.trim().parse().ok())
        }
        _ => (rest, "", None),
    };
    let function = method_name(function);
    (!function.is_empty()).then(|| Frame::new(Runtime::DotNet, file, number, Some(function)))
}

/// `Acme.Function.<Handle>d__2.MoveNext()` is how the compiler names the async method `Acme.Function.Handle`.
fn method_name(signature: &str) -> String {
    let name = signature.split('(').next().unwrap_or_default().trim();
    let async_method = name.strip_suffix(".MoveNext").and_then(|outer| outer.rsplit_once(".<"));
    match async_method.and_then(|(class, state)| Some((class, state.split_once(">d__")?.0))) {
        Some((class, method)) => format!("{class}.{method}"),
        None => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::fixtures;
    use super::super::super::fixtures::error;
    use super::*;

    #[test]
    fn a_dotnet_exception_logged_at_fail_points_at_the_handler_line() {
        let record = error(fixtures::DOTNET_TEXT);

        assert_eq!((record.runtime, record.error_type()), (Runtime::DotNet, Some("System.InvalidOperationException")));
        assert_eq!(record.request_id.as_deref(), Some(fixtures::REQUEST_ID));
        assert_eq!(
            record.in_app_frame().map(ToString::to_string).as_deref(),
            Some("/src/Orders/Function.cs:44 in Acme.Orders.Function.FunctionHandler")
        );
    }

    #[test]
    fn inner_exceptions_get_their_own_frames() {
        let record = error(fixtures::DOTNET_INNER);

        assert_eq!(record.error_type(), Some("System.AggregateException"));
        assert_eq!(record.root_cause().error_type.as_deref(), Some("System.Collections.Generic.KeyNotFoundException"));
        assert_eq!(
            record.in_app_frame().map(ToString::to_string).as_deref(),
            Some("/src/Orders/Prices.cs:12 in Acme.Orders.Prices.Lookup")
        );
        assert_eq!(record.error.frames.len(), 2);
    }

    #[test]
    fn async_state_machines_are_named_after_their_method() {
        let frame = frame("   at Acme.Orders.Function.<Handle>d__2.MoveNext() in C:\\src\\Function.cs:line 7").unwrap();

        assert_eq!(frame.to_string(), "C:\\src\\Function.cs:7 in Acme.Orders.Function.Handle");
    }
}
