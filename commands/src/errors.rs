//! `/errors [function] [since]`: which functions fail, how often, and with which error signatures.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::args::Since;
use crate::text::{self, Fit};

/// How `/help` lists this command: usage, what it does, and an example to copy.
pub const HELP: (&str, &str, &str) = (
    "/errors [function] [since]",
    "which functions fail, how often, and their top error signatures",
    "/errors checkout-api since:24h",
);

/// Functions listed in full before the rest are counted in one line: a chat answer is read, not searched.
const LISTED: usize = 15;
/// Signatures shown per function; the top few carry nearly all the errors.
const SIGNATURES: usize = 3;

/// One error signature (type + normalised message) of a function in the window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignatureRow {
    pub signature: String,
    pub count: u64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// The in-app frame that raised it: `orders/parse.py:88 in parse_order`.
    pub frame: Option<String>,
}

/// One function's failures in the window. Lambda counts timeouts and out-of-memory kills among `errors`;
/// throttled requests never ran, so they are not among `invocations`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionErrors {
    pub function: String,
    pub invocations: u64,
    pub errors: u64,
    pub throttles: u64,
    pub timeouts: u64,
    pub oom: u64,
    pub signatures: Vec<SignatureRow>,
}

impl FunctionErrors {
    /// Errors per invocation, 0..=1, or `None` without invocations. Errors and invocations come from separate
    /// metric queries that can disagree by a datapoint, so the rate is capped at 1.
    pub fn error_rate(&self) -> Option<f64> {
        text::ratio(self.errors, self.invocations).map(|rate| rate.min(1.0))
    }

    /// Requests the function failed to serve: errors plus throttles.
    pub fn failed(&self) -> u64 {
        self.errors.saturating_add(self.throttles)
    }

    fn is_clean(&self) -> bool {
        self.failed() == 0 && self.timeouts == 0 && self.oom == 0 && self.signatures.is_empty()
    }
}

/// The answer to `/errors`.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorsAnswer {
    pub since: Since,
    pub functions: Vec<FunctionErrors>,
    /// Caveats from the caller ("logs of 2 functions could not be read"), shown in italics.
    pub notes: Vec<String>,
}

impl ErrorsAnswer {
    /// Sorts by impact: most failed requests (errors + throttles) first, because that is how many users were
    /// let down; then the higher error rate, because a small function failing every call is the worse bug;
    /// then by name, so the order is stable. Each function's signatures go most frequent first.
    pub fn new(since: Since, mut functions: Vec<FunctionErrors>, notes: Vec<String>) -> Self {
        functions.sort_by(by_impact);
        for function in &mut functions {
            function.signatures.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.signature.cmp(&b.signature)));
        }
        ErrorsAnswer { since, functions, notes }
    }

    /// The chat answer, always within Discord's 2,000 characters.
    pub fn render_text(&self) -> String {
        let (failing, clean): (Vec<_>, Vec<_>) = self.functions.iter().partition(|f| !f.is_clean());
        let mut head = vec![format!("**Errors, last {}**", self.since)];
        if self.functions.is_empty() {
            head.push("No Lambda functions reported invocations or errors in this window.".into());
        }
        let mut tail: Vec<String> = clean_line(&clean).into_iter().collect();
        tail.extend(text::italic_notes(&self.notes));
        Fit {
            head,
            blocks: failing.iter().take(LISTED).map(|f| function_block(f)).collect(),
            tail,
            already_left_out: failing.len().saturating_sub(LISTED),
            left_out: &|n| format!("… and {} with errors, ask about one with `function:`", more_functions(n)),
        }
        .render()
    }

    /// One object per function, in impact order, for `opspod ask --json` and other tools.
    pub fn json(&self) -> Value {
        Value::Array(self.functions.iter().map(function_json).collect())
    }
}

fn by_impact(a: &FunctionErrors, b: &FunctionErrors) -> Ordering {
    let rate = |f: &FunctionErrors| f.error_rate().unwrap_or(0.0);
    b.failed().cmp(&a.failed()).then_with(|| rate(b).total_cmp(&rate(a))).then_with(|| a.function.cmp(&b.function))
}

fn function_block(function: &FunctionErrors) -> Vec<String> {
    let mut lines = vec![summary_line(function)];
    lines.extend(function.signatures.iter().take(SIGNATURES).map(signature_line));
    let hidden = function.signatures.len().saturating_sub(SIGNATURES);
    if hidden > 0 {
        lines.push(format!("   + {}", text::plural(hidden as u64, "more signature", "more signatures")));
    }
    lines
}

/// `checkout-api` 37 errors / 240 invocations (15.4%) · 0 throttles · 4 timeouts · 0 OOM
fn summary_line(f: &FunctionErrors) -> String {
    let rate = f.error_rate().map_or_else(|| "no invocations".to_owned(), text::percent);
    format!(
        "{} {} / {} ({rate}) · {} · {} · {} OOM",
        text::code_span(&f.function),
        bold_unless_zero(f.errors, "error", "errors"),
        text::plural(f.invocations, "invocation", "invocations"),
        bold_unless_zero(f.throttles, "throttle", "throttles"),
        text::plural(f.timeouts, "timeout", "timeouts"),
        text::thousands(f.oom),
    )
}

/// Failures stand out; a zero is there to rule something out, not to draw the eye.
fn bold_unless_zero(n: u64, one: &str, many: &str) -> String {
    let counted = text::plural(n, one, many);
    if n > 0 { format!("**{counted}**") } else { counted }
}

/// `   31× `ValueError: …` at `orders/parse.py:88 in parse_order` · 11-20 14:01–14:16`
fn signature_line(row: &SignatureRow) -> String {
    let frame = row.frame.as_deref().map(|frame| format!(" at {}", text::code_span(&text::one_line(frame, 60))));
    format!(
        "   {}× {}{} · {}",
        text::thousands(row.count),
        text::code_span(&text::one_line(&row.signature, 100)),
        frame.unwrap_or_default(),
        text::seen_between(row.first_seen, row.last_seen)
    )
}

/// Healthy functions in one line, named when there are few enough to read.
fn clean_line(clean: &[&FunctionErrors]) -> Option<String> {
    let count = text::plural(clean.len() as u64, "function", "functions");
    match clean.len() {
        0 => None,
        1..=5 => {
            let names: Vec<String> = clean.iter().map(|f| text::code_span(&f.function)).collect();
            Some(format!("✅ {count} had no errors or throttles: {}.", names.join(", ")))
        }
        _ => Some(format!("✅ {count} had no errors or throttles.")),
    }
}

fn more_functions(n: usize) -> String {
    text::plural(n as u64, "more function", "more functions")
}

fn function_json(f: &FunctionErrors) -> Value {
    json!({
        "function": f.function,
        "invocations": f.invocations,
        "errors": f.errors,
        "error_rate": f.error_rate(),
        "throttles": f.throttles,
        "timeouts": f.timeouts,
        "oom": f.oom,
        "signatures": f.signatures.iter().map(signature_json).collect::<Vec<_>>(),
    })
}

fn signature_json(row: &SignatureRow) -> Value {
    json!({
        "signature": row.signature,
        "count": row.count,
        "first_seen": text::rfc3339(row.first_seen),
        "last_seen": text::rfc3339(row.last_seen),
        "frame": row.frame,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::TimeZone;

    use super::*;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, hour, minute, 7).unwrap()
    }

    fn function(name: &str, invocations: u64, errors: u64, throttles: u64) -> FunctionErrors {
        FunctionErrors {
            function: name.into(),
            invocations,
            errors,
            throttles,
            timeouts: 0,
            oom: 0,
            signatures: vec![],
        }
    }

    fn signature(text: &str, count: u64, frame: Option<&str>) -> SignatureRow {
        SignatureRow {
            signature: text.into(),
            count,
            first_seen: at(14, 1),
            last_seen: at(14, 16),
            frame: frame.map(Into::into),
        }
    }

    fn day() -> Since {
        Since::parse("24h").unwrap()
    }

    fn names(answer: &ErrorsAnswer) -> Vec<&str> {
        answer.functions.iter().map(|f| f.function.as_str()).collect()
    }

    #[test]
    fn functions_that_failed_the_most_requests_come_first() {
        let answer = ErrorsAnswer::new(
            day(),
            vec![function("few", 1_000, 3, 0), function("throttled", 100, 0, 50), function("many", 1_000, 40, 0)],
            vec![],
        );
        assert_eq!(names(&answer), ["throttled", "many", "few"]);
    }

    #[test]
    fn equal_failures_go_to_the_higher_error_rate_then_by_name() {
        let answer = ErrorsAnswer::new(
            day(),
            vec![function("b-busy", 1_000, 5, 0), function("a-busy", 1_000, 5, 0), function("small", 10, 5, 0)],
            vec![],
        );
        assert_eq!(names(&answer), ["small", "a-busy", "b-busy"]);
    }

    #[test]
    fn signatures_go_most_frequent_first() {
        let mut checkout = function("checkout-api", 100, 10, 0);
        checkout.signatures = vec![signature("rare", 1, None), signature("common", 9, None)];
        let answer = ErrorsAnswer::new(day(), vec![checkout], vec![]);
        assert_eq!(answer.functions[0].signatures[0].signature, "common");
    }

    #[test]
    fn the_error_rate_needs_invocations_and_never_exceeds_one() {
        assert_eq!(function("idle", 0, 0, 7).error_rate(), None);
        assert_eq!(function("half", 10, 5, 0).error_rate(), Some(0.5));
        assert_eq!(function("skewed", 3, 4, 0).error_rate(), Some(1.0));
    }

    #[test]
    fn a_function_without_invocations_renders_without_a_rate() {
        let answer = ErrorsAnswer::new(day(), vec![function("idle", 0, 0, 7)], vec![]);
        assert!(answer.render_text().contains("(no invocations)"));
    }

    #[test]
    fn json_has_exactly_the_promised_keys() {
        let mut checkout = function("checkout-api", 240, 37, 0);
        checkout.signatures = vec![signature("ValueError: bad", 31, Some("orders/parse.py:88 in parse_order"))];
        let json = ErrorsAnswer::new(day(), vec![checkout], vec![]).json();
        let object = json.as_array().unwrap()[0].as_object().unwrap();
        let keys: BTreeSet<&str> = object.keys().map(String::as_str).collect();
        let expected =
            ["function", "invocations", "errors", "error_rate", "throttles", "timeouts", "oom", "signatures"];
        assert_eq!(keys, BTreeSet::from(expected));
        let row = object["signatures"][0].as_object().unwrap();
        let row_keys: BTreeSet<&str> = row.keys().map(String::as_str).collect();
        assert_eq!(row_keys, BTreeSet::from(["signature", "count", "first_seen", "last_seen", "frame"]));
    }

    #[test]
    fn json_rates_are_fractions_or_null_and_times_are_rfc3339_utc() {
        let mut checkout = function("checkout-api", 200, 50, 0);
        checkout.signatures = vec![signature("ValueError: bad", 31, None)];
        let json = ErrorsAnswer::new(day(), vec![checkout, function("idle", 0, 0, 1)], vec![]).json();
        assert_eq!(json[0]["error_rate"], json!(0.25));
        assert_eq!(json[1]["error_rate"], Value::Null);
        assert_eq!(json[0]["signatures"][0]["first_seen"], "2026-11-20T14:01:07Z");
        assert_eq!(json[0]["signatures"][0]["frame"], Value::Null);
    }

    #[test]
    fn functions_without_failures_collapse_into_one_line() {
        let healthy = (0..8).map(|i| function(&format!("fine-{i}"), 100, 0, 0));
        let answer = ErrorsAnswer::new(day(), healthy.chain([function("broken", 100, 2, 0)]).collect(), vec![]);
        let text = answer.render_text();
        assert!(text.contains("✅ 8 functions had no errors or throttles."), "{text}");
        assert!(!text.contains("fine-0"));
    }

    #[test]
    fn no_functions_at_all_says_so() {
        let text = ErrorsAnswer::new(day(), vec![], vec![]).render_text();
        assert_eq!(text, "**Errors, last 24h**\nNo Lambda functions reported invocations or errors in this window.");
    }

    #[test]
    fn at_most_fifteen_functions_are_listed() {
        let failing = (0..20).map(|i| function(&format!("f{i:02}"), 100, 1, 0)).collect();
        let text = ErrorsAnswer::new(day(), failing, vec![]).render_text();
        assert!(text.contains("`f14`") && !text.contains("`f15`"), "{text}");
        assert!(text.contains("… and 5 more functions with errors"), "{text}");
    }

    #[test]
    fn two_hundred_failing_functions_fit_in_one_discord_message() {
        let failing = (0..200)
            .map(|i| {
                let mut f = function(&format!("function-with-a-long-name-{i:03}"), 10_000, 500 - i, 3);
                f.signatures = (0..5)
                    .map(|s| signature(&format!("RuntimeError: {} {s}", "x".repeat(150)), 9, Some("app.py:1 in x")))
                    .collect();
                f
            })
            .collect();
        let notes = (0..10).map(|i| format!("note {i}: {}", "n".repeat(300))).collect();
        let text = ErrorsAnswer::new(day(), failing, notes).render_text();
        assert!(text::discord_len(&text) <= text::DISCORD_LIMIT, "{} characters", text::discord_len(&text));
        let shown = text.matches("invocations (").count();
        assert!(shown >= 1, "{text}");
        assert!(text.contains(&format!("… and {} more functions with errors", 200 - shown)), "{text}");
        assert!(text.ends_with("_… and 7 more notes_"), "{text}");
    }

    #[test]
    fn log_text_cannot_break_the_markdown_or_ping_anyone() {
        let mut checkout = function("checkout-api", 100, 3, 0);
        checkout.signatures = vec![signature("Error: `rm` failed | @everyone look", 3, Some("a|b.py:1"))];
        let text = ErrorsAnswer::new(day(), vec![checkout], vec!["@here logs were slow".into()]).render_text();
        assert!(text.contains("``Error: `rm` failed | @\u{200B}everyone look``"), "{text}");
        assert!(!text.contains("@everyone") && !text.contains("@here"), "{text}");
    }

    #[test]
    fn errors_render_for_the_team() {
        let mut checkout = function("checkout-api", 240, 37, 0);
        checkout.timeouts = 4;
        checkout.signatures = vec![
            signature(
                "ValueError: invalid literal for int() with base 10: '<str>'",
                31,
                Some("orders/parse.py:88 in parse_order"),
            ),
            SignatureRow {
                first_seen: at(13, 58),
                last_seen: at(14, 12),
                ..signature("Task timed out after 6.00 seconds", 4, None)
            },
            signature(
                "TypeError: 'NoneType' object is not subscriptable",
                2,
                Some("orders/parse.py:91 in parse_order"),
            ),
        ];
        let mut webhook = function("payments-webhook", 3_120, 12, 0);
        webhook.oom = 12;
        webhook.signatures = vec![SignatureRow {
            first_seen: Utc.with_ymd_and_hms(2026, 11, 19, 22, 10, 0).unwrap(),
            ..signature("Runtime.OutOfMemory: Runtime exited with error: signal: killed", 12, None)
        }];
        let mut refunds = function("refund-worker", 1_904, 0, 41);
        refunds.signatures = vec![];
        let functions = vec![function("search-api", 52_100, 0, 0), webhook, refunds, checkout];
        let answer = ErrorsAnswer::new(day(), functions, vec!["Signatures come from a 10% sample of the logs.".into()]);
        insta::assert_snapshot!(answer.render_text());
    }
}
