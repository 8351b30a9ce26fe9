//! The digest's first sentence: is this period better or worse than the one before, judged from the share of
//! failed requests and the number of incidents, with a tolerance so that noise reads as "about the same".

use super::{Digest, Period};
use crate::text;

/// A failure rate must move by a fifth of itself, by 0.05 percentage points and by 5 failures to count as a
/// change: 0.10% → 0.13% of a million requests is noise; 0.2% → 0.8% is not.
const RATE_RELATIVE: f64 = 0.2;
const RATE_ABSOLUTE: f64 = 0.000_5;
const FAILURES_ABSOLUTE: u64 = 5;
/// Incidents must differ by two and by a quarter: 4 against 3 is the same week, 7 against 3 is not.
const INCIDENTS_ABSOLUTE: u64 = 2;
const INCIDENTS_RELATIVE: f64 = 0.25;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trend {
    Better,
    Same,
    Worse,
}

/// Failed and made requests over all the team's functions in one period.
struct Totals {
    failed: u64,
    requests: u64,
}

impl Totals {
    fn of(digest: &Digest, period: fn(&super::FunctionWeek) -> &Period) -> Self {
        let sum = |figure: fn(&Period) -> u64| digest.functions.iter().map(|f| figure(period(f))).sum::<u64>();
        Totals { failed: sum(Period::failed), requests: sum(Period::requests) }
    }

    fn rate(&self) -> f64 {
        text::ratio(self.failed, self.requests).unwrap_or(0.0).min(1.0)
    }

    /// `1,204 failed invocations (0.8%)`, or `310 (0.2%)` once the noun has been said.
    fn describe(&self, noun: bool) -> String {
        if self.requests == 0 {
            return "no invocations".into();
        }
        let count = if noun {
            text::plural(self.failed, "failed invocation", "failed invocations")
        } else {
            text::thousands(self.failed)
        };
        format!("{count} ({})", text::percent(self.rate()))
    }
}

pub(super) fn headline(digest: &Digest) -> String {
    let span = digest.span();
    let (this, last) = (Totals::of(digest, |f| &f.this), Totals::of(digest, |f| &f.last));
    let (opened, opened_last) = (digest.incidents.opened, digest.incidents.opened_last);
    let incidents = text::plural(opened, "incident", "incidents");
    if last.requests == 0 && opened_last == 0 {
        if this.requests == 0 && opened == 0 {
            return format!("A quiet period: no invocations and no incidents, {} or {}.", span.this, span.previous);
        }
        return format!(
            "Nothing from {} to compare with: {} and {incidents} {}.",
            span.previous,
            this.describe(true),
            span.this
        );
    }
    let failures = failure_trend(&this, &last);
    let incident = incident_trend(opened, opened_last);
    let (verdict, joint) = verdict(failures, incident);
    format!(
        "{verdict} {}: {} against {}, {joint} {incidents} against {}.",
        span.previous,
        this.describe(true),
        last.describe(false),
        text::thousands(opened_last)
    )
}

/// The verdict, and the word that joins the two figures: "but" when they disagree.
fn verdict(failures: Trend, incidents: Trend) -> (&'static str, &'static str) {
    match (failures, incidents) {
        (Trend::Same, Trend::Same) => ("About the same as", "and"),
        (Trend::Worse, Trend::Better) | (Trend::Better, Trend::Worse) => ("Mixed against", "but"),
        (Trend::Worse, _) | (_, Trend::Worse) => ("Worse than", "and"),
        (Trend::Better, _) | (_, Trend::Better) => ("Better than", "and"),
    }
}

fn failure_trend(this: &Totals, last: &Totals) -> Trend {
    let (rate, before) = (this.rate(), last.rate());
    let moved = (rate - before).abs() >= RATE_ABSOLUTE
        && (rate - before).abs() >= before * RATE_RELATIVE
        && this.failed.abs_diff(last.failed) >= FAILURES_ABSOLUTE;
    if !moved {
        Trend::Same
    } else if rate > before {
        Trend::Worse
    } else {
        Trend::Better
    }
}

fn incident_trend(this: u64, last: u64) -> Trend {
    let difference = this.abs_diff(last);
    if difference < INCIDENTS_ABSOLUTE || (difference as f64) < last.max(this) as f64 * INCIDENTS_RELATIVE {
        return Trend::Same;
    }
    if this > last { Trend::Worse } else { Trend::Better }
}
