//! The "How to reproduce / Next steps" checklist of a bug report: from the failing line to a confirmed fix.

use super::{BugInput, version_name};
use crate::text;

pub(super) fn next_steps_section(input: &BugInput) -> String {
    let steps: Vec<String> = next_steps(input).iter().map(|step| format!("- [ ] {step}")).collect();
    format!("### How to reproduce / Next steps\n\n{}", steps.join("\n"))
}

/// A short checklist that starts from the failing line and the error, so the first step needs no digging.
pub(super) fn next_steps(input: &BugInput) -> Vec<String> {
    let error = short_error(input);
    let mut steps = vec![reproduce(input, &error), write_a_test(input, &error)];
    if let Some((version, _)) = &input.deploy {
        let at = input.frame.as_ref().map(|frame| format!(", starting at {}", text::code_span(&frame.location())));
        steps.push(format!("Diff {} with the version before it{}.", version_name(version), at.unwrap_or_default()));
    }
    let open: Vec<String> =
        input.checks.iter().filter(|c| !c.ruled_out).map(|c| text::escape_inline(&c.what)).collect();
    if !open.is_empty() {
        steps.push(format!("Rule out what the checks could not: {}.", open.join(", ")));
    }
    let watch = text::code_span(&format!("/errors {}", input.function));
    steps.push(format!("Deploy the fix and confirm {watch} no longer shows {error}."));
    steps
}

fn reproduce(input: &BugInput, error: &str) -> String {
    let event = match input.request_ids.first() {
        Some(id) => format!("the event of request {}", text::code_span(&text::one_line(id, 80))),
        None => "a failing event".to_owned(),
    };
    match &input.frame {
        Some(frame) => {
            format!("Pull {event} from the logs and replay it through {}: it raises {error}.", frame.entry())
        }
        None => format!("Find where {error} is raised: the log of {event} holds the full stack trace."),
    }
}

fn write_a_test(input: &BugInput, error: &str) -> String {
    match input.frame.as_ref().and_then(|frame| frame.function.as_ref()) {
        Some(function) => {
            format!("Write a test that feeds that input to {} and expects no {error}.", text::code_span(function))
        }
        None => format!("Write a test that reproduces {error} with that input."),
    }
}

/// The error type when known (`ValueError`), else the start of the signature.
fn short_error(input: &BugInput) -> String {
    let error = input.error_type.clone().unwrap_or_else(|| text::one_line(&input.signature, 60));
    text::code_span(&error)
}
