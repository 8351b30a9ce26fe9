//! `/cost [function] [since]`: what Lambda bills for each function, from its own `REPORT` lines: requests, and
//! GB-seconds from billed duration (INIT and SnapStart restores included) × memory, at the region's and
//! architecture's price; what failed invocations cost; and where the month ends at this rate.

use std::cmp::Ordering;

use serde_json::{Value, json};

use crate::args::Since;
use crate::text::{self, Fit};

/// How `/help` lists this command: usage, what it does, and an example to copy.
pub const HELP: (&str, &str, &str) = (
    "/cost [function] [since]",
    "what Lambda bills per function, what failures cost, and the month at this rate",
    "/cost since:7d",
);

/// Functions listed before the rest are counted in one line.
const LISTED: usize = 15;
const NAME_WIDTH: usize = 32;

/// On-demand prices for one region and architecture.
#[derive(Debug, Clone, PartialEq)]
pub struct Price {
    pub request_per_million: f64,
    pub gb_second: f64,
    pub currency: String,
}

/// One function's billed usage in the window and its price.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionCost {
    pub function: String,
    /// `x86_64` or `arm64`.
    pub architecture: String,
    pub invocations: u64,
    pub gb_seconds: f64,
    pub failed_invocations: u64,
    pub failed_gb_seconds: f64,
    pub price: Price,
}

impl FunctionCost {
    pub fn request_cost(&self) -> f64 {
        self.invocations as f64 / 1e6 * self.price.request_per_million
    }

    pub fn compute_cost(&self) -> f64 {
        self.gb_seconds * self.price.gb_second
    }

    pub fn total_cost(&self) -> f64 {
        self.request_cost() + self.compute_cost()
    }

    /// What the failed invocations were billed: their requests and their own GB-seconds.
    pub fn wasted_cost(&self) -> f64 {
        self.failed_invocations as f64 / 1e6 * self.price.request_per_million
            + self.failed_gb_seconds * self.price.gb_second
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CostAnswer {
    pub since: Since,
    pub functions: Vec<FunctionCost>,
    /// The days of the current month, for the month-end forecast at the window's rate.
    pub days_in_month: u32,
    pub notes: Vec<String>,
    /// Cost Explorer's actual Lambda cost for the whole days the window touches: amount, currency, days.
    pub actual: Option<(f64, String, String)>,
}

impl CostAnswer {
    /// Sorts the most expensive first.
    pub fn new(since: Since, mut functions: Vec<FunctionCost>, days_in_month: u32, notes: Vec<String>) -> Self {
        functions.sort_by(by_cost);
        CostAnswer { since, functions, days_in_month, notes, actual: None }
    }

    pub fn total(&self) -> f64 {
        self.functions.iter().map(FunctionCost::total_cost).sum()
    }

    /// The month's cost if every day costs what the window's days cost on average.
    pub fn month_forecast(&self) -> f64 {
        let days = self.since.duration().as_secs_f64() / 86_400.0;
        self.total() / days * f64::from(self.days_in_month)
    }

    pub fn currency(&self) -> &str {
        self.functions.first().map_or("USD", |function| function.price.currency.as_str())
    }

    pub fn render_text(&self) -> String {
        let currency = self.currency().to_owned();
        let mut head = vec![format!("**Estimated Lambda cost, last {}** ({currency})", self.since)];
        if self.functions.is_empty() {
            head.push("No Lambda function reported invocations in this window.".into());
            return head.join("\n");
        }
        head.push("```".into());
        head.push(row("function", "invocations", "GB-s", "requests", "compute", "total", "failed"));
        let blocks = self.functions.iter().take(LISTED).map(|function| vec![function_row(function)]).collect();
        let wasted: f64 = self.functions.iter().map(FunctionCost::wasted_cost).sum();
        let mut tail = vec!["```".to_owned()];
        tail.push(format!(
            "Total {} · failed invocations {} · at this rate {} this month.",
            money(self.total()),
            money(wasted),
            money(self.month_forecast())
        ));
        if let Some((amount, currency, days)) = &self.actual {
            tail.push(format!("Cost Explorer, actual for all of Lambda on {days}: {} {currency}.", money(*amount)));
        }
        tail.extend(text::italic_notes(&self.notes));
        Fit {
            head,
            blocks,
            tail,
            already_left_out: self.functions.len().saturating_sub(LISTED),
            left_out: &|n| format!("… and {n} more; ask about one with function:"),
        }
        .render()
    }

    /// One object per function, most expensive first.
    pub fn json(&self) -> Value {
        Value::Array(
            self.functions
                .iter()
                .map(|function| {
                    json!({
                        "function": function.function,
                        "invocations": function.invocations,
                        "gb_seconds": function.gb_seconds,
                        "request_cost": function.request_cost(),
                        "compute_cost": function.compute_cost(),
                        "total_cost": function.total_cost(),
                        "wasted_cost": function.wasted_cost(),
                        "currency": function.price.currency,
                    })
                })
                .collect(),
        )
    }
}

fn by_cost(a: &FunctionCost, b: &FunctionCost) -> Ordering {
    b.total_cost().total_cmp(&a.total_cost()).then_with(|| a.function.cmp(&b.function))
}

fn function_row(function: &FunctionCost) -> String {
    let name = text::one_line(&text::defuse_mentions(&function.function), NAME_WIDTH).replace('`', "'");
    row(
        &name,
        &text::thousands(function.invocations),
        &format!("{:.1}", function.gb_seconds),
        &money(function.request_cost()),
        &money(function.compute_cost()),
        &money(function.total_cost()),
        &money(function.wasted_cost()),
    )
}

fn row(name: &str, invocations: &str, gb: &str, requests: &str, compute: &str, total: &str, failed: &str) -> String {
    format!("{name:<NAME_WIDTH$} {invocations:>11} {gb:>9} {requests:>9} {compute:>9} {total:>9} {failed:>9}")
}

/// `$0.42`, `$0.0007`, `$1,234.50`: cents, or enough digits to show a small amount is not zero.
pub(crate) fn money(amount: f64) -> String {
    if amount == 0.0 {
        return "$0.00".into();
    }
    if amount.abs() < 0.01 {
        return format!("${amount:.4}");
    }
    let cents = (amount * 100.0).round() as u64;
    format!("${}.{:02}", text::thousands(cents / 100), cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn price() -> Price {
        Price { request_per_million: 0.20, gb_second: 0.000_016_666_7, currency: "USD".into() }
    }

    fn function(name: &str, invocations: u64, gb_seconds: f64) -> FunctionCost {
        FunctionCost {
            function: name.into(),
            architecture: "x86_64".into(),
            invocations,
            gb_seconds,
            failed_invocations: invocations / 10,
            failed_gb_seconds: gb_seconds / 10.0,
            price: price(),
        }
    }

    #[test]
    fn requests_and_gb_seconds_are_priced_and_failures_are_their_share() {
        let cost = function("checkout-api", 1_000_000, 100_000.0);
        assert!((cost.request_cost() - 0.20).abs() < 1e-12);
        assert!((cost.compute_cost() - 1.66667).abs() < 1e-9);
        assert!((cost.wasted_cost() - (0.02 + 0.166667)).abs() < 1e-9);
    }

    #[test]
    fn the_most_expensive_comes_first_and_a_day_forecasts_the_month() {
        let answer = CostAnswer::new(
            Since::parse("24h").unwrap(),
            vec![function("cheap", 10, 1.0), function("dear", 1_000_000, 100_000.0)],
            30,
            vec![],
        );
        assert_eq!(answer.functions[0].function, "dear");
        assert!((answer.month_forecast() - answer.total() * 30.0).abs() < 1e-9);
    }

    #[test]
    fn json_has_exactly_the_promised_keys() {
        let answer = CostAnswer::new(Since::parse("7d").unwrap(), vec![function("a", 10, 1.0)], 31, vec![]);
        let keys: Vec<String> = answer.json()[0].as_object().unwrap().keys().cloned().collect();
        let mut expected = [
            "function",
            "invocations",
            "gb_seconds",
            "request_cost",
            "compute_cost",
            "total_cost",
            "wasted_cost",
            "currency",
        ]
        .map(str::to_owned)
        .to_vec();
        expected.sort();
        let mut keys = keys;
        keys.sort();
        assert_eq!(keys, expected);
    }

    #[test]
    fn money_shows_small_amounts_without_rounding_them_to_nothing() {
        assert_eq!(money(0.0), "$0.00");
        assert_eq!(money(0.000_12), "$0.0001");
        assert_eq!(money(1234.5), "$1,234.50");
    }

    #[test]
    fn two_hundred_functions_fit_in_one_discord_message() {
        let functions = (0..200).map(|n| function(&format!("function-{n:03}"), 1000 + n, 10.0)).collect();
        let text = CostAnswer::new(Since::parse("24h").unwrap(), functions, 30, vec![]).render_text();
        assert!(text::discord_len(&text) <= 2_000, "{}", text.len());
        assert!(text.contains("more; ask about one"), "{text}");
    }
}
