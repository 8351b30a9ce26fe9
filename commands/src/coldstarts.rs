//! `/coldstarts [function] [since]`: how often functions start cold and how long users wait for it.

use std::cmp::Ordering;

use serde::Serialize;
use serde_json::{Value, json};

use crate::args::Since;
use crate::text::{self, Fit};

/// How `/help` lists this command: usage, what it does, and an example to copy.
pub const HELP: (&str, &str, &str) = (
    "/coldstarts [function] [since]",
    "cold starts and init times, functions users wait on first",
    "/coldstarts since:7d",
);

/// Functions listed in the table before the rest are counted in one line.
const LISTED: usize = 15;
/// Longer names are cut so one name cannot push the table off a phone screen.
const NAME_WIDTH: usize = 32;
const WAITING: &str = "← users wait on these";

/// One function's cold starts in the window; `interactive` comes from config (a user waits on the response).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionColdStarts {
    pub function: String,
    pub invocations: u64,
    pub cold_starts: u64,
    pub init_p50_ms: Option<f64>,
    pub init_p95_ms: Option<f64>,
    pub init_max_ms: Option<f64>,
    pub interactive: bool,
}

impl FunctionColdStarts {
    /// Cold starts per invocation, 0..=1, or `None` without invocations. Every cold start is an invocation,
    /// so a higher count means the two figures came from slightly different windows: the rate is capped at 1.
    pub fn cold_start_rate(&self) -> Option<f64> {
        text::ratio(self.cold_starts, self.invocations).map(|rate| rate.min(1.0))
    }

    /// Time users (or queues) spent waiting on init, roughly: cold starts × init p95.
    fn wait_ms(&self) -> f64 {
        self.cold_starts as f64 * self.init_p95_ms.unwrap_or(0.0)
    }
}

/// The answer to `/coldstarts`.
#[derive(Debug, Clone, PartialEq)]
pub struct ColdStartsAnswer {
    pub since: Since,
    pub functions: Vec<FunctionColdStarts>,
    /// Caveats from the caller, shown in italics.
    pub notes: Vec<String>,
}

impl ColdStartsAnswer {
    /// Sorts interactive functions first, since a cold start there is a user staring at a spinner; then by the
    /// time spent in init (cold starts × init p95) descending; then by name, so the order is stable.
    pub fn new(since: Since, mut functions: Vec<FunctionColdStarts>, notes: Vec<String>) -> Self {
        functions.sort_by(by_user_wait);
        ColdStartsAnswer { since, functions, notes }
    }

    /// A monospace table for chat, always within Discord's 2,000 characters.
    pub fn render_text(&self) -> String {
        let (cold, warm): (Vec<_>, Vec<_>) = self.functions.iter().partition(|f| f.cold_starts > 0);
        let mut head = vec![format!("**Cold starts, last {}**", self.since)];
        let mut tail = vec![];
        if self.functions.is_empty() {
            head.push("No Lambda functions reported invocations in this window.".into());
        }
        let mut rows = table(&cold).into_iter();
        if let Some(header) = rows.next() {
            head.extend(["```".to_owned(), header]);
            tail.push("```".to_owned());
        }
        tail.extend(warm_line(warm.len()));
        tail.extend(text::italic_notes(&self.notes));
        Fit {
            head,
            blocks: rows.take(LISTED).map(|row| vec![row]).collect(),
            tail,
            already_left_out: cold.len().saturating_sub(LISTED),
            left_out: &|n| format!("… and {} with cold starts; ask about one with function:", more_functions(n as u64)),
        }
        .render()
    }

    /// One object per function, in the answer's order.
    pub fn json(&self) -> Value {
        Value::Array(self.functions.iter().map(function_json).collect())
    }
}

fn by_user_wait(a: &FunctionColdStarts, b: &FunctionColdStarts) -> Ordering {
    b.interactive
        .cmp(&a.interactive)
        .then_with(|| b.wait_ms().total_cmp(&a.wait_ms()))
        .then_with(|| a.function.cmp(&b.function))
}

/// The header row, then one row per function, padded into columns.
fn table(functions: &[&FunctionColdStarts]) -> Vec<String> {
    if functions.is_empty() {
        return vec![];
    }
    let width = |cell: &dyn Fn(&FunctionColdStarts) -> String| {
        functions.iter().map(|f| cell(f).chars().count()).max().unwrap_or(0)
    };
    let cold_width = width(&|f| text::thousands(f.cold_starts));
    let init_widths = (width(&|f| ms(f.init_p50_ms)), width(&|f| ms(f.init_p95_ms)));
    let columns = [
        Column::left("function", functions.iter().map(|f| name(&f.function)).collect()),
        Column::left("cold / invocations", functions.iter().map(|f| counts(f, cold_width)).collect()),
        Column::right("rate", functions.iter().map(|f| rate(f.cold_start_rate())).collect()),
        Column::right("init p50 / p95", functions.iter().map(|f| init(f, init_widths)).collect()),
        Column::right("init max", functions.iter().map(|f| with_unit(ms(f.init_max_ms))).collect()),
        Column::left("interactive", functions.iter().map(|f| interactive(f)).collect()),
    ];
    (0..=functions.len()).map(|row| render_row(&columns, row)).collect()
}

/// A table column: the header is row 0.
struct Column {
    cells: Vec<String>,
    right: bool,
}

impl Column {
    fn left(header: &str, cells: Vec<String>) -> Self {
        Column { cells: [vec![header.to_owned()], cells].concat(), right: false }
    }

    fn right(header: &str, cells: Vec<String>) -> Self {
        Column { right: true, ..Column::left(header, cells) }
    }

    fn width(&self) -> usize {
        self.cells.iter().map(|cell| cell.chars().count()).max().unwrap_or(0)
    }

    fn padded(&self, row: usize) -> String {
        let (cell, width) = (&self.cells[row], self.width());
        if self.right { format!("{cell:>width$}") } else { format!("{cell:<width$}") }
    }
}

fn render_row(columns: &[Column], row: usize) -> String {
    columns.iter().map(|column| column.padded(row)).collect::<Vec<_>>().join("  ").trim_end().to_owned()
}

/// A name as it may appear inside a code block: no backtick can close the block, and no mention can ping.
fn name(function: &str) -> String {
    text::defuse_mentions(&text::one_line(function, NAME_WIDTH).replace('`', "'"))
}

fn counts(f: &FunctionColdStarts, cold_width: usize) -> String {
    format!("{:>cold_width$} / {}", text::thousands(f.cold_starts), text::thousands(f.invocations))
}

fn rate(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), text::percent)
}

fn ms(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), text::millis)
}

/// `1,010 / 1,328 ms`, both figures padded so the slashes line up.
fn init(f: &FunctionColdStarts, (p50_width, p95_width): (usize, usize)) -> String {
    if f.init_p50_ms.is_none() && f.init_p95_ms.is_none() {
        return "—".into();
    }
    format!("{:>p50_width$} / {:>p95_width$} ms", ms(f.init_p50_ms), ms(f.init_p95_ms))
}

fn with_unit(value: String) -> String {
    if value == "—" { value } else { format!("{value} ms") }
}

fn interactive(f: &FunctionColdStarts) -> String {
    if f.interactive { format!("yes  {WAITING}") } else { "no".to_owned() }
}

fn warm_line(warm: usize) -> Option<String> {
    (warm > 0).then(|| format!("✅ {} had no cold starts.", text::plural(warm as u64, "function", "functions")))
}

fn more_functions(n: u64) -> String {
    text::plural(n, "more function", "more functions")
}

fn function_json(f: &FunctionColdStarts) -> Value {
    json!({
        "function": f.function,
        "invocations": f.invocations,
        "cold_starts": f.cold_starts,
        "cold_start_rate": f.cold_start_rate(),
        "init_p50_ms": f.init_p50_ms,
        "init_p95_ms": f.init_p95_ms,
        "init_max_ms": f.init_max_ms,
        "interactive": f.interactive,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn day() -> Since {
        Since::parse("24h").unwrap()
    }

    fn function(
        name: &str,
        invocations: u64,
        cold_starts: u64,
        p95: Option<f64>,
        interactive: bool,
    ) -> FunctionColdStarts {
        FunctionColdStarts {
            function: name.into(),
            invocations,
            cold_starts,
            init_p50_ms: p95.map(|p| p * 0.8),
            init_p95_ms: p95,
            init_max_ms: p95.map(|p| p * 1.2),
            interactive,
        }
    }

    fn names(answer: &ColdStartsAnswer) -> Vec<&str> {
        answer.functions.iter().map(|f| f.function.as_str()).collect()
    }

    #[test]
    fn interactive_functions_come_first_then_the_longest_wait() {
        let answer = ColdStartsAnswer::new(
            day(),
            vec![
                function("batch", 30, 30, Some(3_000.0), false),
                function("search", 5_000, 4, Some(500.0), true),
                function("checkout", 240, 18, Some(1_300.0), true),
                function("admin", 10, 1, Some(900.0), true),
            ],
            vec![],
        );
        assert_eq!(names(&answer), ["checkout", "search", "admin", "batch"]);
    }

    #[test]
    fn equal_waits_are_ordered_by_name() {
        let answer = ColdStartsAnswer::new(
            day(),
            vec![function("b", 10, 2, Some(100.0), false), function("a", 10, 1, Some(200.0), false)],
            vec![],
        );
        assert_eq!(names(&answer), ["a", "b"]);
    }

    #[test]
    fn the_cold_start_rate_needs_invocations() {
        assert_eq!(function("idle", 0, 0, None, false).cold_start_rate(), None);
        assert_eq!(function("half", 10, 5, None, false).cold_start_rate(), Some(0.5));
        assert_eq!(function("skewed", 2, 3, None, false).cold_start_rate(), Some(1.0));
    }

    #[test]
    fn json_has_exactly_the_promised_keys() {
        let json = ColdStartsAnswer::new(day(), vec![function("checkout", 240, 18, None, true)], vec![]).json();
        let object = json.as_array().unwrap()[0].as_object().unwrap();
        let keys: BTreeSet<&str> = object.keys().map(String::as_str).collect();
        let expected = [
            "function",
            "invocations",
            "cold_starts",
            "cold_start_rate",
            "init_p50_ms",
            "init_p95_ms",
            "init_max_ms",
            "interactive",
        ];
        assert_eq!(keys, BTreeSet::from(expected));
        assert_eq!(object["cold_start_rate"], json!(0.075));
        assert_eq!(object["init_p95_ms"], Value::Null);
    }

    #[test]
    fn functions_without_cold_starts_collapse_into_one_line() {
        let functions = vec![function("warm-a", 100, 0, None, true), function("warm-b", 100, 0, None, false)];
        let text = ColdStartsAnswer::new(day(), functions, vec![]).render_text();
        assert_eq!(text, "**Cold starts, last 24h**\n✅ 2 functions had no cold starts.");
    }

    #[test]
    fn no_functions_at_all_says_so() {
        let text = ColdStartsAnswer::new(day(), vec![], vec![]).render_text();
        assert!(text.ends_with("No Lambda functions reported invocations in this window."), "{text}");
    }

    #[test]
    fn a_name_cannot_close_the_code_block_or_ping() {
        let text =
            ColdStartsAnswer::new(day(), vec![function("x```@everyone", 1, 1, None, false)], vec![]).render_text();
        assert_eq!(text.matches("```").count(), 2, "{text}");
        assert!(!text.contains("@everyone"));
    }

    #[test]
    fn two_hundred_functions_fit_in_one_discord_message() {
        let functions = (0..200)
            .map(|i| function(&format!("function-with-a-long-name-{i:03}"), 10_000, 1 + i, Some(900.0), i % 2 == 0))
            .collect();
        let notes = (0..10).map(|i| format!("note {i}: {}", "n".repeat(300))).collect();
        let text = ColdStartsAnswer::new(day(), functions, notes).render_text();
        assert!(text::discord_len(&text) <= text::DISCORD_LIMIT, "{} characters", text::discord_len(&text));
        let shown = text.matches("function-with-a-long-name-").count();
        assert!((1..=15).contains(&shown), "{text}");
        assert!(text.contains(&format!("… and {} more functions with cold starts", 200 - shown)), "{text}");
        assert_eq!(text.matches("```").count(), 2, "{text}");
    }

    #[test]
    fn cold_starts_render_as_a_table() {
        let functions = vec![
            FunctionColdStarts {
                init_p50_ms: Some(2_900.0),
                init_p95_ms: Some(3_100.0),
                init_max_ms: Some(3_342.6),
                ..function("nightly-report", 30, 30, None, false)
            },
            FunctionColdStarts {
                init_p50_ms: Some(1_010.0),
                init_p95_ms: Some(1_328.4),
                init_max_ms: Some(1_502.0),
                ..function("checkout-api", 240, 18, None, true)
            },
            FunctionColdStarts {
                init_p50_ms: Some(420.0),
                init_p95_ms: Some(512.0),
                init_max_ms: Some(655.0),
                ..function("search-api", 5_210, 4, None, true)
            },
            function("refund-worker", 1_904, 2, None, false),
            function("payments-webhook", 3_120, 0, None, false),
        ];
        let notes = vec!["Init durations come from REPORT lines of the sampled log streams.".into()];
        insta::assert_snapshot!(ColdStartsAnswer::new(day(), functions, notes).render_text());
    }
}
