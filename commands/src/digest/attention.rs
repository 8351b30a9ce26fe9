//! The functions that need attention: for each, its most important finding in numbers and the next step a good
//! ops engineer would take; at most five, the most important first.

use std::cmp::Ordering;

use super::figures::{self, Span};
use super::{Attention, Digest, FunctionWeek};
use crate::text;

/// Items listed: more than five is a list nobody works through in a week.
pub(super) const SHOWN: usize = 5;

/// Memory: invocations at ≥ 90% of memory, as a share, before it is worth a warning without a kill.
const MEMORY_HIGH_SHARE: f64 = 0.05;
/// Lambda's largest memory setting.
const MEMORY_MAX_MB: u32 = 10_240;
/// Timeouts and errors: from 1% of invocations a user notices; errors must also at least double.
const TIMEOUT_RATE: f64 = 0.01;
const ERROR_RATE: f64 = 0.01;
const ERROR_GROWTH: f64 = 2.0;
/// A handful of errors in a quiet week is not a trend.
const ERRORS_MIN: u64 = 10;
/// Timeouts blamed on a deploy only if they grew with it; a steady rate is not the deploy's doing.
const TIMEOUT_GROWTH: f64 = 1.5;
/// Cold starts on an interactive function, and the init time that says "trim the package" instead.
const COLD_START_RATE: f64 = 0.05;
const SLOW_INIT_MS: f64 = 1_000.0;
/// Retries worth naming: 1% of invocations and a bill.
const RETRY_SHARE: f64 = 0.01;
/// Failed invocations' cost worth naming on its own: a dollar and 5% of the function's cost.
const FAILED_COST: f64 = 1.0;
const FAILED_COST_SHARE: f64 = 0.05;
/// A loop: ten times the invocations, at least this many, while the other functions moved less than ×1.5.
const LOOP_GROWTH: f64 = 10.0;
const LOOP_MIN_INVOCATIONS: u64 = 1_000;
const FLAT_TRAFFIC: f64 = 1.5;
/// Throttles above this share of requests rank with failures; below it, last.
const THROTTLE_SHARE: f64 = 0.01;

/// What a finding is about, most important first: the order ranks findings across functions and picks each
/// function's one item. Runaway loops burn money by the minute; a regression with a deploy to compare has a
/// clear next step; kills and refused requests are failures; pressure, waits and waste come after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rule {
    RecursiveLoop,
    ErrorsAfterDeploy,
    TimeoutsAfterDeploy,
    OutOfMemory,
    ErrorsRising,
    Throttled,
    Timeouts,
    MemoryPressure,
    ColdStarts,
    RetryCost,
    FailedCost,
    ThrottledRarely,
}

struct Finding<'a> {
    rule: Rule,
    function: &'a FunctionWeek,
    /// How much of it there is, to order findings under the same rule: a rate, a ratio or money.
    magnitude: f64,
    reason: String,
    next_step: String,
}

impl Finding<'_> {
    fn into_attention(self) -> Attention {
        Attention { function: self.function.function.clone(), reason: self.reason, next_step: self.next_step }
    }
}

/// What every rule may look at besides the function itself.
struct Context<'a> {
    digest: &'a Digest,
    span: Span,
    /// Invocations this period over last, per function that had some last period, for the loop rule.
    traffic: Vec<(&'a str, f64)>,
}

pub(super) fn attention(digest: &Digest) -> Vec<Attention> {
    let traffic = digest
        .functions
        .iter()
        .filter(|f| f.last.invocations > 0)
        .map(|f| (f.function.as_str(), f.this.invocations as f64 / f.last.invocations as f64))
        .collect();
    let context = Context { digest, span: digest.span(), traffic };
    let mut findings: Vec<Finding> = digest.functions.iter().filter_map(|f| most_important(f, &context)).collect();
    findings.sort_by(by_importance);
    findings.into_iter().take(SHOWN).map(Finding::into_attention).collect()
}

/// The rule first; on the same rule interactive functions first, then the larger problem, then by name.
fn by_importance(a: &Finding, b: &Finding) -> Ordering {
    a.rule
        .cmp(&b.rule)
        .then_with(|| b.function.interactive.cmp(&a.function.interactive))
        .then_with(|| b.magnitude.total_cmp(&a.magnitude))
        .then_with(|| a.function.function.cmp(&b.function.function))
}

fn most_important<'a>(function: &'a FunctionWeek, context: &Context) -> Option<Finding<'a>> {
    let findings = [
        recursive_loop(function, context),
        errors_rising(function, context),
        timeouts(function, context),
        memory(function),
        throttles(function),
        cold_starts(function, context),
        retry_cost(function, context),
        failed_cost(function, context),
    ];
    findings.into_iter().flatten().min_by(|a, b| a.rule.cmp(&b.rule).then_with(|| b.magnitude.total_cmp(&a.magnitude)))
}

fn finding<'a>(rule: Rule, function: &'a FunctionWeek, magnitude: f64, reason: String, next: String) -> Finding<'a> {
    Finding { rule, function, magnitude, reason, next_step: next }
}

/// "possible recursive loop: invocations ×40 with no traffic change": a function that invokes itself through
/// a queue, topic or bucket grows tenfold while the team's other functions (their median) stay level.
fn recursive_loop<'a>(function: &'a FunctionWeek, context: &Context) -> Option<Finding<'a>> {
    let (this, last) = (function.this.invocations, function.last.invocations);
    if last == 0 || this < LOOP_MIN_INVOCATIONS || (this as f64) < last as f64 * LOOP_GROWTH {
        return None;
    }
    let others = median(context.traffic.iter().filter(|(name, _)| *name != function.function).map(|(_, r)| *r))?;
    if !(1.0 / FLAT_TRAFFIC..FLAT_TRAFFIC).contains(&others) {
        return None;
    }
    let growth = this as f64 / last as f64;
    let reason = format!(
        "possible recursive loop: invocations ×{} with no traffic change ({} → {})",
        text::thousands(growth.round() as u64),
        text::thousands(last),
        text::thousands(this),
    );
    let next = "check what invokes it; Lambda's recursive loop detection may already be dropping calls";
    Some(finding(Rule::RecursiveLoop, function, growth, reason, next.into()))
}

fn median(values: impl Iterator<Item = f64>) -> Option<f64> {
    let mut values: Vec<f64> = values.filter(|v| v.is_finite()).collect();
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    match values.len() {
        0 => None,
        n if n % 2 == 1 => Some(values[middle]),
        _ => Some((values[middle - 1] + values[middle]) / 2.0),
    }
}

/// "errors 4.1% since v42 (0.3% before)". Errors that are mostly timeouts or kills are left to those rules,
/// which say more about the cause.
fn errors_rising<'a>(function: &'a FunctionWeek, context: &Context) -> Option<Finding<'a>> {
    let (this, last) = (&function.this, &function.last);
    let rate = this.error_rate()?;
    let before = last.error_rate();
    let explained = this.timeouts.saturating_add(this.oom).saturating_mul(2) >= this.errors;
    let rising = before.is_none_or(|before| rate >= before * ERROR_GROWTH);
    if rate < ERROR_RATE || this.errors < ERRORS_MIN || explained || !rising {
        return None;
    }
    let before = before.map_or_else(|| "no invocations".to_owned(), text::percent);
    Some(match function.deployed_in(context.digest) {
        Some(deploy) => finding(
            Rule::ErrorsAfterDeploy,
            function,
            rate,
            format!("errors {} since {} ({before} before)", text::percent(rate), figures::version(&deploy.version)),
            format!("compare with {} or roll back", previous_version(deploy)),
        ),
        None => finding(
            Rule::ErrorsRising,
            function,
            rate,
            format!("errors {} ({before} {})", text::percent(rate), context.span.previous),
            format!("look at /errors function:{}", function.function),
        ),
    })
}

/// "timeouts 3.0% after v42 (0.1% before)", or without a deploy to blame "timeouts 3.0% of invocations".
fn timeouts<'a>(function: &'a FunctionWeek, context: &Context) -> Option<Finding<'a>> {
    let rate = function.this.timeout_rate().filter(|rate| *rate >= TIMEOUT_RATE)?;
    let before = function.last.timeout_rate();
    let grew = before.is_none_or(|before| rate >= before * TIMEOUT_GROWTH);
    let shown_before = before.map_or_else(|| "no invocations".to_owned(), text::percent);
    if let Some(deploy) = function.deployed_in(context.digest).filter(|_| grew) {
        return Some(finding(
            Rule::TimeoutsAfterDeploy,
            function,
            rate,
            format!(
                "timeouts {} after {} ({shown_before} before)",
                text::percent(rate),
                figures::version(&deploy.version)
            ),
            format!("compare with {}", previous_version(deploy)),
        ));
    }
    let p95 = function.this.duration_p95_ms.map(|p95| format!(" (p95 {})", figures::latency(p95)));
    Some(finding(
        Rule::Timeouts,
        function,
        rate,
        format!("timeouts {} of invocations ({shown_before} {})", text::percent(rate), context.span.previous),
        format!("check downstream latency{} or raise the timeout", p95.unwrap_or_default()),
    ))
}

fn previous_version(deploy: &super::DeployFact) -> String {
    deploy.previous.as_deref().map_or_else(|| "the version before it".to_owned(), figures::version)
}

/// "memory at 98% of 1024 MB on 12% of invocations", with out-of-memory kills first when there were any.
fn memory(function: &FunctionWeek) -> Option<Finding<'_>> {
    let period = &function.this;
    let share = period.memory_high_share().unwrap_or(0.0);
    if share < MEMORY_HIGH_SHARE && period.oom == 0 {
        return None;
    }
    let mut parts = vec![];
    if period.oom > 0 {
        parts.push(text::plural(period.oom, "OOM kill", "OOM kills"));
    }
    if share > 0.0 {
        let level = period.memory_peak_pct.map_or_else(|| "≥ 90%".to_owned(), |peak| format!("{peak:.0}%"));
        let of = function.memory_mb.map(|mb| format!(" of {mb} MB")).unwrap_or_default();
        parts.push(format!("memory at {level}{of} on {} of invocations", text::percent(share)));
    }
    let next = match function.memory_mb {
        Some(mb) if mb >= MEMORY_MAX_MB => format!("fix the leak: {mb} MB is Lambda's maximum"),
        Some(mb) => format!("raise memory to {} MB or fix the leak", raised_memory(mb)),
        None => "raise memory or fix the leak".to_owned(),
    };
    let (rule, magnitude) = match period.oom {
        0 => (Rule::MemoryPressure, share),
        kills => (Rule::OutOfMemory, text::ratio(kills, period.invocations.max(1)).unwrap_or(0.0)),
    };
    Some(finding(rule, function, magnitude, parts.join(", "), next))
}

/// Half as much again, rounded up to a multiple of 64 MB, within Lambda's maximum.
fn raised_memory(mb: u32) -> u32 {
    (mb.saturating_add(mb / 2).div_ceil(64).saturating_mul(64)).clamp(128, MEMORY_MAX_MB)
}

/// "throttled 1,204 times (2.0% of requests)".
fn throttles(function: &FunctionWeek) -> Option<Finding<'_>> {
    let period = &function.this;
    let share = period.throttle_rate().filter(|_| period.throttles > 0)?;
    let rule = if share >= THROTTLE_SHARE { Rule::Throttled } else { Rule::ThrottledRarely };
    let times = text::plural(period.throttles, "time", "times");
    Some(finding(
        rule,
        function,
        share,
        format!("throttled {times} ({} of requests)", text::percent(share)),
        "raise reserved concurrency or smooth the burst".into(),
    ))
}

/// "cold starts 7.5% of invocations": only on interactive functions, where a user waits for the init.
fn cold_starts<'a>(function: &'a FunctionWeek, context: &Context) -> Option<Finding<'a>> {
    let period = &function.this;
    let rate = period.cold_start_rate().filter(|rate| function.interactive && *rate >= COLD_START_RATE)?;
    let provisioned = function
        .provisioned_month_cost
        .map(|cost| format!("one instance costs about {}/month", context.digest.money(cost)));
    let (reason, next) = match period.init_p95_ms {
        Some(init) if init >= SLOW_INIT_MS => (
            format!("cold starts {} of invocations, init p95 {}", text::percent(rate), figures::latency(init)),
            match provisioned {
                Some(cost) => format!("trim the package or use SnapStart; provisioned concurrency: {cost}"),
                None => "trim the package or use SnapStart".to_owned(),
            },
        ),
        init => (
            format!(
                "cold starts {} of invocations{}",
                text::percent(rate),
                init.map(|init| format!(" (init p95 {})", figures::latency(init))).unwrap_or_default()
            ),
            match provisioned {
                Some(cost) => format!("consider provisioned concurrency; {cost}"),
                None => "consider provisioned concurrency for the busy hours".to_owned(),
            },
        ),
    };
    Some(finding(Rule::ColdStarts, function, rate, reason, next))
}

/// "retries cost $6.20 this week": async retries of requests that keep failing are billed every time.
fn retry_cost<'a>(function: &'a FunctionWeek, context: &Context) -> Option<Finding<'a>> {
    let period = &function.this;
    let share = period.retry_share().filter(|share| period.retry_cost > 0.0 && *share >= RETRY_SHARE)?;
    Some(finding(
        Rule::RetryCost,
        function,
        period.retry_cost,
        format!(
            "retries cost {} {} ({} retried, {} of invocations)",
            context.digest.money(period.retry_cost),
            context.span.this,
            text::thousands(period.retries),
            text::percent(share)
        ),
        "make the handler idempotent and fix the failure, or cap MaximumRetryAttempts".into(),
    ))
}

/// "failed invocations cost $12.40 this week": failures are billed like successes.
fn failed_cost<'a>(function: &'a FunctionWeek, context: &Context) -> Option<Finding<'a>> {
    let period = &function.this;
    let share = (period.cost > 0.0).then(|| period.failed_cost / period.cost)?;
    if period.failed_cost < FAILED_COST || share < FAILED_COST_SHARE {
        return None;
    }
    Some(finding(
        Rule::FailedCost,
        function,
        period.failed_cost,
        format!(
            "failed invocations cost {} {} ({} of its cost)",
            context.digest.money(period.failed_cost),
            context.span.this,
            text::percent(share.min(1.0))
        ),
        format!("find the cause with /errors function:{}", function.function),
    ))
}
