//! `/bugreport function [since]`: a ready-to-paste issue for a function's top error, pointing at the failing line.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::args::Since;
use crate::text;

/// How `/help` lists this command: usage, what it does, and an example to copy.
pub const HELP: (&str, &str, &str) = (
    "/bugreport function [since]",
    "a ready-to-paste bug report for the function's top error, down to the failing line",
    "/bugreport checkout-api",
);

mod next_steps;
mod preview;

/// Request ids listed in the draft; a handful is enough to find the events, more is noise.
const SAMPLES: usize = 10;

/// A stack frame in the team's code.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Frame {
    pub file: String,
    pub line: Option<u32>,
    pub function: Option<String>,
}

impl Frame {
    /// `orders/parse.py:88`.
    fn location(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", text::one_line(&self.file, 120)),
            None => text::one_line(&self.file, 120),
        }
    }

    /// `orders/parse.py:88 in parse_order`.
    fn describe(&self) -> String {
        match &self.function {
            Some(function) => format!("{} in {}", self.location(), text::one_line(function, 80)),
            None => self.location(),
        }
    }

    /// `` `parse_order` (`orders/parse.py:88`) ``: where to step in, for Markdown.
    fn entry(&self) -> String {
        match &self.function {
            Some(function) => format!("{} ({})", text::code_span(function), text::code_span(&self.location())),
            None => text::code_span(&self.location()),
        }
    }

    /// `` `orders/parse.py:88` in `parse_order` ``, for Markdown.
    fn markdown(&self) -> String {
        match &self.function {
            Some(function) => format!("{} in {}", text::code_span(&self.location()), text::code_span(function)),
            None => text::code_span(&self.location()),
        }
    }
}

/// Everything the caller found out about one error signature of one function.
#[derive(Debug, Clone, PartialEq)]
pub struct BugInput {
    pub function: String,
    pub region: String,
    pub account: Option<String>,
    pub since: Since,
    pub error_type: Option<String>,
    pub signature: String,
    pub count: u64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// The in-app frame: the line of the team's code closest to where the error was raised.
    pub frame: Option<Frame>,
    /// The path through the team's code, innermost first.
    pub app_frames: Vec<Frame>,
    pub request_ids: Vec<String>,
    /// The version in effect when the error first appeared, and when it was deployed.
    pub deploy: Option<(String, Option<DateTime<Utc>>)>,
    /// What was checked and ruled out (or not).
    pub checks: Vec<Check>,
    /// (label, url): the function, its log group, a Logs Insights query.
    pub links: Vec<(String, String)>,
}

/// One cause that was looked at: `Throttling`, ruled out, `0 throttles in 24h`.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub what: String,
    pub ruled_out: bool,
    pub detail: String,
}

/// The draft: an issue title, its Markdown body, and a short preview for the chat message.
#[derive(Debug, Clone, PartialEq)]
pub struct BugReport {
    pub title: String,
    pub markdown: String,
    pub preview: String,
}

/// Drafts the issue. Everything that came from logs is escaped: it can neither break the Markdown nor ping.
pub fn draft(input: &BugInput) -> BugReport {
    let title = title(input);
    let sections = [
        format!("## {title}"),
        summary_table(input),
        error_section(input),
        where_section(input),
        samples_section(input),
        checked_section(input),
        links_section(input),
        next_steps::next_steps_section(input),
    ];
    BugReport { preview: preview::preview(input, &title), markdown: sections.join("\n\n") + "\n", title }
}

/// The draft as data, for `opspod ask --json`.
pub fn json(input: &BugInput, report: &BugReport) -> Value {
    json!({
        "function": input.function,
        "error_type": input.error_type,
        "signature": input.signature,
        "count": input.count,
        "frame": input.frame,
        "markdown": report.markdown,
    })
}

/// The answer when the function had no errors in the window.
pub fn no_errors(function: &str, since: Since) -> String {
    format!("✅ {} had no errors in the last {since}: nothing to report.", text::code_span(function))
}

/// `` `ValueError: …` in checkout-api (orders/parse.py:88) ``
fn title(input: &BugInput) -> String {
    let place = input.frame.as_ref().map(|frame| format!(" ({})", text::escape_inline(&frame.location())));
    format!(
        "{} in {}{}",
        text::code_span(&text::one_line(&input.signature, 120)),
        text::escape_inline(&input.function),
        place.unwrap_or_default()
    )
}

fn summary_table(input: &BugInput) -> String {
    let rows = [
        ("Function", function_cell(input)),
        ("Error", input.error_type.as_deref().map_or_else(|| "unknown".to_owned(), text::code_span)),
        ("Count", format!("{} in the last {}", text::thousands(input.count), input.since)),
        ("First seen", text::timestamp(input.first_seen)),
        ("Last seen", text::timestamp(input.last_seen)),
        ("Started with", deploy_cell(input)),
    ];
    let lines: Vec<String> =
        rows.iter().map(|(name, value)| format!("| **{name}** | {} |", text::table_cell(value))).collect();
    format!("| | |\n| --- | --- |\n{}", lines.join("\n"))
}

fn function_cell(input: &BugInput) -> String {
    let mut cell = format!("{} · {}", text::code_span(&input.function), text::escape_inline(&input.region));
    if let Some(account) = &input.account {
        cell.push_str(&format!(" · account {}", text::escape_inline(account)));
    }
    cell
}

/// `v42, deployed 2026-11-20 13:53:00 UTC (8 min before the first error)`
fn deploy_cell(input: &BugInput) -> String {
    let Some((version, deployed)) = &input.deploy else {
        return "unknown".into();
    };
    let mut cell = version_name(version);
    if let Some(deployed) = deployed {
        cell.push_str(&format!(", deployed {}", text::timestamp(*deployed)));
        cell.push_str(&lead_time(*deployed, input.first_seen).map(|lead| format!(" ({lead})")).unwrap_or_default());
    }
    cell
}

/// `v42` for a published version, as the team says it; `` `$LATEST` `` for code deployed without publishing.
fn version_name(version: &str) -> String {
    if !version.is_empty() && version.chars().all(|c| c.is_ascii_digit()) {
        format!("v{version}")
    } else {
        text::code_span(version)
    }
}

/// `8 min before the first error`: how long a deploy ran before the error appeared, the first clue to a regression.
fn lead_time(deployed: DateTime<Utc>, first_seen: DateTime<Utc>) -> Option<String> {
    let lead = first_seen - deployed;
    (lead >= TimeDelta::zero()).then(|| format!("{} before the first error", span(lead)))
}

/// `8 min`, `2 h 5 min`, `3 days`.
fn span(delta: TimeDelta) -> String {
    match (delta.num_days(), delta.num_hours(), delta.num_minutes()) {
        (days, _, _) if days >= 2 => format!("{days} days"),
        (_, hours, minutes) if hours >= 1 && minutes % 60 == 0 => format!("{hours} h"),
        (_, hours, minutes) if hours >= 1 => format!("{hours} h {} min", minutes % 60),
        (_, _, minutes) => format!("{minutes} min"),
    }
}

fn error_section(input: &BugInput) -> String {
    format!("### Error\n\n{}", text::code_block(&text::one_line(&input.signature, 2_000)))
}

fn where_section(input: &BugInput) -> String {
    let mut section = String::from("### Where\n\n");
    match &input.frame {
        Some(frame) => section.push_str(&frame.markdown()),
        None => section.push_str(
            "No frame in the team's code was found in the stack trace: the error may come from the runtime or a \
             library, or the log line carried no trace.",
        ),
    }
    if !input.app_frames.is_empty() {
        let stack: Vec<String> = input.app_frames.iter().map(Frame::describe).collect();
        section.push_str(&format!(
            "\n\nThrough the team's code, innermost first:\n\n{}",
            text::code_block(&stack.join("\n"))
        ));
    }
    section
}

fn samples_section(input: &BugInput) -> String {
    if input.request_ids.is_empty() {
        return "### Samples\n\nNo request ids were captured in this window.".into();
    }
    let mut lines: Vec<String> = input
        .request_ids
        .iter()
        .take(SAMPLES)
        .map(|id| format!("- {}", text::code_span(&text::one_line(id, 80))))
        .collect();
    if input.request_ids.len() > SAMPLES {
        lines.push(format!("- … and {} more", text::thousands((input.request_ids.len() - SAMPLES) as u64)));
    }
    format!("### Samples\n\nRequest ids:\n\n{}", lines.join("\n"))
}

fn checked_section(input: &BugInput) -> String {
    if input.checks.is_empty() {
        return "### Checked\n\nNothing was checked automatically.".into();
    }
    let lines: Vec<String> = input.checks.iter().map(check_line).collect();
    format!("### Checked\n\n{}", lines.join("\n"))
}

/// `- ✅ **Throttling** ruled out: 0 throttles in 24h`
fn check_line(check: &Check) -> String {
    let (mark, verdict) = if check.ruled_out { ("✅", "ruled out") } else { ("⚠️", "not ruled out") };
    format!("- {mark} **{}** {verdict}: {}", text::escape_inline(&check.what), text::escape_inline(&check.detail))
}

fn links_section(input: &BugInput) -> String {
    if input.links.is_empty() {
        return "### Links\n\nNo links.".into();
    }
    let lines: Vec<String> = input
        .links
        .iter()
        .map(|(label, url)| format!("- [{}]({})", text::escape_inline(label), link_url(url)))
        .collect();
    format!("### Links\n\n{}", lines.join("\n"))
}

/// A link destination that cannot end the Markdown link early or spell a mention. Console URLs are full of
/// parentheses (Logs Insights encodes its query in them) and percent-encoding those would change the URL, so
/// such a destination goes in angle brackets, which CommonMark reads up to the closing `>`.
fn link_url(url: &str) -> String {
    let url = url
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("%20")
        .replace('<', "%3C")
        .replace('>', "%3E")
        .replace("@everyone", "%40everyone")
        .replace("@here", "%40here");
    if url.contains(['(', ')']) { format!("<{url}>") } else { url }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::TimeZone;

    use super::*;

    fn at(hour: u32, minute: u32, second: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, hour, minute, second).unwrap()
    }

    fn frame(file: &str, line: u32, function: &str) -> Frame {
        Frame { file: file.into(), line: Some(line), function: Some(function.into()) }
    }

    fn check(what: &str, ruled_out: bool, detail: &str) -> Check {
        Check { what: what.into(), ruled_out, detail: detail.into() }
    }

    fn value_error() -> BugInput {
        BugInput {
            function: "checkout-api".into(),
            region: "us-east-1".into(),
            account: Some("210987654321".into()),
            since: Since::parse("24h").unwrap(),
            error_type: Some("ValueError".into()),
            signature: "ValueError: invalid literal for int() with base 10: '<str>'".into(),
            count: 31,
            first_seen: at(14, 1, 7),
            last_seen: at(14, 16, 40),
            frame: Some(frame("orders/parse.py", 88, "parse_order")),
            app_frames: vec![frame("orders/parse.py", 88, "parse_order"), frame("handler.py", 27, "lambda_handler")],
            request_ids: vec!["5b6c1f0e-2a4d-4c1b-9e21-0d3f8a7c89ab".into(), "77f0a9d2-61c4-4f8e-b3a0-5e2d9c4b12cd".into()],
            deploy: Some(("42".into(), Some(at(13, 53, 0)))),
            checks: vec![
                check("Throttling", true, "0 throttles in 24h"),
                check("Memory", true, "max 212 of 1024 MB"),
                check("Timeouts", false, "4 timeouts in 24h, on the same requests"),
            ],
            links: vec![
                ("Function".into(), "https://console.aws.amazon.com/lambda/home?region=us-east-1#/functions/checkout-api".into()),
                ("Log group".into(), "https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252Fcheckout-api".into()),
                ("Logs Insights: this error".into(), "https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:logs-insights$3FqueryDetail$3D~(end~0~start~-86400~source~(~'*2faws*2flambda*2fcheckout-api)~editorString~'fields*20*40timestamp*2c*20*40requestId*2c*20*40message*0a*7c*20filter*20*40message*20like*20*2fValueError*2f)".into()),
            ],
        }
    }

    #[test]
    fn the_title_names_the_signature_the_function_and_the_line() {
        let report = draft(&value_error());
        assert_eq!(
            report.title,
            "`ValueError: invalid literal for int() with base 10: '<str>'` in checkout-api (orders/parse.py:88)"
        );
    }

    #[test]
    fn a_signature_with_backticks_and_pipes_cannot_break_the_markdown() {
        let input = BugInput { signature: "KeyError: `a|b` missing | ``x``".into(), ..value_error() };
        let report = draft(&input);
        assert!(report.title.starts_with("``` KeyError: `a|b` missing | ``x`` ```"), "{}", report.title);
        assert!(report.markdown.contains("```\nKeyError: `a|b` missing | ``x``\n```"), "{}", report.markdown);
        let input = BugInput { error_type: Some("Key|Error`".into()), ..value_error() };
        assert!(draft(&input).markdown.contains("| **Error** | `` Key\\|Error` `` |"));
    }

    #[test]
    fn mentions_in_log_text_cannot_ping() {
        let input = BugInput {
            signature: "Error: notify @everyone failed".into(),
            app_frames: vec![frame("@here.py", 1, "<@123>")],
            request_ids: vec!["@everyone".into()],
            checks: vec![check("@here", false, "@everyone")],
            links: vec![("@here".into(), "https://example.com/@everyone".into())],
            ..value_error()
        };
        let report = draft(&input);
        for text in [&report.title, &report.markdown, &report.preview] {
            assert!(!text.contains("@everyone") && !text.contains("@here") && !text.contains("<@1"), "{text}");
        }
    }

    #[test]
    fn a_report_without_frames_samples_deploy_or_checks_still_says_what_to_do() {
        let input = BugInput {
            error_type: None,
            frame: None,
            app_frames: vec![],
            request_ids: vec![],
            deploy: None,
            checks: vec![],
            links: vec![],
            ..value_error()
        };
        let report = draft(&input);
        assert_eq!(report.title, "`ValueError: invalid literal for int() with base 10: '<str>'` in checkout-api");
        assert!(report.markdown.contains("No frame in the team's code was found"));
        assert!(report.markdown.contains("| **Started with** | unknown |"));
        assert!(
            report
                .markdown
                .contains("- [ ] Find where `ValueError: invalid literal for int() with base 10: '<str>'` is raised")
        );
    }

    #[test]
    fn the_deploy_says_how_long_it_ran_before_the_error() {
        assert_eq!(span(TimeDelta::minutes(8)), "8 min");
        assert_eq!(span(TimeDelta::minutes(125)), "2 h 5 min");
        assert_eq!(span(TimeDelta::hours(3)), "3 h");
        assert_eq!(span(TimeDelta::days(3)), "3 days");
        assert_eq!(lead_time(at(14, 5, 0), at(14, 1, 0)), None);
    }

    #[test]
    fn the_preview_fits_a_chat_message_however_much_was_found() {
        let input = BugInput {
            signature: "E".repeat(5_000),
            app_frames: (0..500).map(|i| frame(&"deep/".repeat(40), i, "f")).collect(),
            request_ids: (0..500).map(|i| format!("request-{i}")).collect(),
            checks: (0..100).map(|i| check(&format!("check {i} {}", "c".repeat(60)), i % 2 == 0, "x")).collect(),
            ..value_error()
        };
        let preview = draft(&input).preview;
        assert!(text::discord_len(&preview) <= text::DISCORD_LIMIT, "{}", text::discord_len(&preview));
        assert!(preview.lines().count() <= 10, "{preview}");
    }

    #[test]
    fn published_versions_read_as_v42_and_unpublished_code_as_latest() {
        assert_eq!(version_name("42"), "v42");
        assert_eq!(version_name("$LATEST"), "`$LATEST`");
        let input = BugInput { deploy: Some(("$LATEST".into(), None)), ..value_error() };
        assert!(draft(&input).markdown.contains("| **Started with** | `$LATEST` |"));
    }

    #[test]
    fn json_has_exactly_the_promised_keys() {
        let input = value_error();
        let json = json(&input, &draft(&input));
        let keys: BTreeSet<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, BTreeSet::from(["function", "error_type", "signature", "count", "frame", "markdown"]));
        assert_eq!(json["frame"], json!({"file": "orders/parse.py", "line": 88, "function": "parse_order"}));
        let without_frame = BugInput { frame: None, ..value_error() };
        assert_eq!(super::json(&without_frame, &draft(&without_frame))["frame"], Value::Null);
    }

    #[test]
    fn no_errors_says_there_is_nothing_to_report() {
        let answer = no_errors("checkout-api", Since::parse("7d").unwrap());
        assert_eq!(answer, "✅ `checkout-api` had no errors in the last 7d: nothing to report.");
    }

    #[test]
    fn a_python_value_error_drafts_a_report() {
        insta::assert_snapshot!("markdown", draft(&value_error()).markdown);
    }

    #[test]
    fn a_python_value_error_previews_in_chat() {
        insta::assert_snapshot!("preview", draft(&value_error()).preview);
    }
}
