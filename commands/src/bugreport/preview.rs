//! The chat preview of a bug report: about ten lines in Discord's Markdown, which has no tables.

use super::{BugInput, Frame, lead_time, next_steps, version_name};
use crate::text::{self, Fit};

/// Frames shown in the "Where" line.
const PREVIEW_FRAMES: usize = 3;
/// Checks named in the "Checked" line; the full draft lists them all.
const PREVIEW_CHECKS: usize = 6;

/// About ten lines for the chat message, in Discord's Markdown (no tables), within its 2,000 characters.
pub(super) fn preview(input: &BugInput, title: &str) -> String {
    let mut lines = vec![
        format!(
            "**{}×** in the last {}, {} UTC",
            text::thousands(input.count),
            input.since,
            text::seen_between(input.first_seen, input.last_seen)
        ),
        format!("Where: {}", preview_where(input)),
    ];
    lines.extend(preview_deploy(input));
    lines.extend(preview_checks(input));
    lines.extend(preview_samples(input));
    lines.push(format!("Next: {}", next_steps::next_steps(input)[0]));
    Fit {
        head: vec![format!("**Bug report draft:** {title}")],
        blocks: lines.into_iter().map(|line| vec![line]).collect(),
        tail: vec![],
        already_left_out: 0,
        left_out: &|n: usize| format!("… {} more in the full draft", text::plural(n as u64, "line", "lines")),
    }
    .render()
}

/// `` `orders/parse.py:88` in `parse_order` ← `handler.py:27` in `lambda_handler` ``
fn preview_where(input: &BugInput) -> String {
    let frames: Vec<&Frame> =
        if input.app_frames.is_empty() { input.frame.iter().collect() } else { input.app_frames.iter().collect() };
    if frames.is_empty() {
        return "no frame in the team's code".into();
    }
    let mut chain: Vec<String> = frames.iter().take(PREVIEW_FRAMES).map(|frame| frame.markdown()).collect();
    if frames.len() > PREVIEW_FRAMES {
        chain.push("…".into());
    }
    chain.join(" ← ")
}

/// `Started with v42, deployed 8 min before the first error`: the regression clue, without the timestamp.
fn preview_deploy(input: &BugInput) -> Option<String> {
    let (version, deployed) = input.deploy.as_ref()?;
    let lead = deployed.and_then(|deployed| lead_time(deployed, input.first_seen));
    Some(format!(
        "Started with {}{}",
        version_name(version),
        lead.map(|lead| format!(", deployed {lead}")).unwrap_or_default()
    ))
}

fn preview_checks(input: &BugInput) -> Option<String> {
    let mut marks: Vec<String> = input
        .checks
        .iter()
        .take(PREVIEW_CHECKS)
        .map(|check| {
            format!(
                "{} {}",
                if check.ruled_out { "✅" } else { "⚠️" },
                text::escape_inline(&text::one_line(&check.what, 40))
            )
        })
        .collect();
    if input.checks.len() > PREVIEW_CHECKS {
        marks.push("…".into());
    }
    (!marks.is_empty()).then(|| format!("Checked: {}", marks.join(" · ")))
}

fn preview_samples(input: &BugInput) -> Option<String> {
    let ids: Vec<String> =
        input.request_ids.iter().take(3).map(|id| text::code_span(&text::one_line(id, 80))).collect();
    (!ids.is_empty()).then(|| format!("Samples: {}", ids.join(", ")))
}
