//! The digest as a team reads it: the headline's verdict, the attention list's reasons and next steps, and
//! messages that fit Discord and never mention anyone.

use chrono::{DateTime, TimeZone, Utc};

use super::figures::{delta, duration};
use super::*;
use crate::text;

fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, minute, 0).unwrap()
}

/// A week of traffic with nothing wrong: 100,000 invocations, 0.1% errors, a quick p95, few cold starts.
fn healthy(invocations: u64) -> Period {
    Period {
        invocations,
        errors: invocations / 1_000,
        duration_p95_ms: Some(180.0),
        logged_invocations: invocations,
        cold_starts: invocations / 500,
        init_p95_ms: Some(420.0),
        cost: invocations as f64 * 0.000_002,
        memory_peak_pct: Some(61.0),
        ..Period::default()
    }
}

fn function(name: &str, this: Period, last: Period) -> FunctionWeek {
    FunctionWeek {
        function: name.into(),
        region: "us-east-1".into(),
        interactive: false,
        memory_mb: Some(512),
        deploy: None,
        this,
        last,
        daily: vec![],
        provisioned_month_cost: None,
    }
}

fn steady(name: &str) -> FunctionWeek {
    function(name, healthy(100_000), healthy(100_000))
}

fn digest(functions: Vec<FunctionWeek>) -> Digest {
    Digest {
        team: "payments".into(),
        start: at(23, 9, 0),
        end: at(30, 9, 0),
        late: None,
        functions,
        incidents: IncidentWeek::default(),
        health: vec![],
        notes: vec![],
        currency: "USD".into(),
    }
}

fn item<'a>(items: &'a [Attention], function: &str) -> &'a Attention {
    items.iter().find(|item| item.function == function).unwrap_or_else(|| panic!("{function} not in {items:#?}"))
}

fn deployed(version: &str, previous: &str, at: DateTime<Utc>) -> Option<DeployFact> {
    Some(DeployFact { version: version.into(), at: Some(at), previous: Some(previous.into()) })
}

#[test]
fn the_headline_says_worse_when_failures_rose() {
    let mut checkout = steady("checkout-api");
    checkout.this.errors = 1_100;
    let mut week = digest(vec![checkout, steady("search-api")]);
    week.incidents.opened = 7;
    week.incidents.opened_last = 3;

    let headline = week.headline();

    assert_eq!(
        headline,
        "Worse than last week: 1,200 failed invocations (0.6%) against 200 (0.1%), and 7 incidents against 3."
    );
}

#[test]
fn the_headline_says_better_when_failures_and_incidents_fell() {
    let mut checkout = steady("checkout-api");
    checkout.last.errors = 2_000;
    let mut week = digest(vec![checkout]);
    week.incidents.opened_last = 4;

    assert!(week.headline().starts_with("Better than last week: 100 failed invocations (0.1%) against 2,000 (2.0%)"));
}

#[test]
fn small_moves_read_as_about_the_same() {
    let mut checkout = steady("checkout-api");
    checkout.this.errors = 104;
    let mut week = digest(vec![checkout]);
    week.incidents.opened = 4;
    week.incidents.opened_last = 3;

    assert!(week.headline().starts_with("About the same as last week: "), "{}", week.headline());
}

#[test]
fn fewer_failures_but_more_incidents_is_mixed() {
    let mut checkout = steady("checkout-api");
    checkout.last.errors = 2_000;
    let mut week = digest(vec![checkout]);
    week.incidents.opened = 9;
    week.incidents.opened_last = 2;

    assert!(week.headline().starts_with("Mixed against last week: "), "{}", week.headline());
    assert!(week.headline().ends_with(", but 9 incidents against 2."), "{}", week.headline());
}

#[test]
fn a_first_week_says_there_is_nothing_to_compare_with() {
    let week = digest(vec![function("checkout-api", healthy(100_000), Period::default())]);

    assert_eq!(
        week.headline(),
        "Nothing from last week to compare with: 100 failed invocations (0.1%) and 0 incidents this week."
    );
}

#[test]
fn a_shorter_digest_names_its_own_period() {
    let mut week = digest(vec![steady("checkout-api")]);
    week.start = at(27, 9, 0);

    assert!(week.headline().starts_with("About the same as the 3 days before: "), "{}", week.headline());
    assert!(week.render_text().starts_with("**Reliability digest · payments · 27–30 Nov**"));
}

#[test]
fn a_memory_starved_function_is_listed_with_its_numbers() {
    let mut webhook = steady("payments-webhook");
    webhook.memory_mb = Some(1024);
    webhook.this.memory_high_invocations = 12_000;
    webhook.this.memory_peak_pct = Some(98.0);

    let items = digest(vec![webhook, steady("search-api")]).attention();

    let webhook = item(&items, "payments-webhook");
    assert_eq!(webhook.reason, "memory at 98% of 1024 MB on 12.0% of invocations");
    assert_eq!(webhook.next_step, "raise memory to 1536 MB or fix the leak");
}

#[test]
fn out_of_memory_kills_come_before_the_memory_figures() {
    let mut worker = steady("refund-worker");
    worker.this.oom = 14;
    worker.this.errors += 14;

    let items = digest(vec![worker]).attention();

    assert!(item(&items, "refund-worker").reason.starts_with("14 OOM kills"), "{items:#?}");
}

#[test]
fn a_timeout_after_a_deploy_names_the_previous_version() {
    let mut checkout = steady("checkout-api");
    checkout.deploy = deployed("42", "41", at(26, 13, 53));
    checkout.this.timeouts = 3_000;
    checkout.this.errors = 3_100;

    let items = digest(vec![checkout]).attention();

    let checkout = item(&items, "checkout-api");
    assert_eq!(checkout.reason, "timeouts 3.0% after v42 (0.0% before)");
    assert_eq!(checkout.next_step, "compare with v41");
}

#[test]
fn timeouts_without_a_deploy_point_downstream() {
    let mut checkout = steady("checkout-api");
    checkout.deploy = deployed("42", "41", at(2, 13, 53));
    checkout.this.timeouts = 3_000;
    checkout.this.duration_p95_ms = Some(5_800.0);

    let items = digest(vec![checkout]).attention();

    let checkout = item(&items, "checkout-api");
    assert_eq!(checkout.reason, "timeouts 3.0% of invocations (0.0% last week)");
    assert!(checkout.next_step.starts_with("check downstream latency (p95 5.8 s)"), "{checkout:?}");
}

#[test]
fn errors_that_rose_with_a_deploy_suggest_comparing_or_rolling_back() {
    let mut checkout = steady("checkout-api");
    checkout.deploy = deployed("42", "41", at(26, 13, 53));
    checkout.this.errors = 4_100;
    checkout.last.errors = 300;

    let items = digest(vec![checkout]).attention();

    let checkout = item(&items, "checkout-api");
    assert_eq!(checkout.reason, "errors 4.1% since v42 (0.3% before)");
    assert_eq!(checkout.next_step, "compare with v41 or roll back");
}

#[test]
fn errors_that_rose_without_a_deploy_point_to_the_errors_command() {
    let mut checkout = steady("checkout-api");
    checkout.this.errors = 4_100;

    let items = digest(vec![checkout]).attention();

    assert_eq!(item(&items, "checkout-api").next_step, "look at /errors function:checkout-api");
}

#[test]
fn an_interactive_function_with_cold_starts_gets_provisioned_concurrency_advice_with_the_monthly_cost() {
    let mut search = steady("search-api");
    search.interactive = true;
    search.this.cold_starts = 7_500;
    search.provisioned_month_cost = Some(10.95);

    let items = digest(vec![search]).attention();

    let search = item(&items, "search-api");
    assert_eq!(search.reason, "cold starts 7.5% of invocations (init p95 420 ms)");
    assert_eq!(search.next_step, "consider provisioned concurrency; one instance costs about $10.95/month");
}

#[test]
fn a_slow_init_suggests_trimming_the_package_or_snapstart() {
    let mut search = steady("search-api");
    search.interactive = true;
    search.this.cold_starts = 7_500;
    search.this.init_p95_ms = Some(1_800.0);

    let items = digest(vec![search]).attention();

    let search = item(&items, "search-api");
    assert_eq!(search.reason, "cold starts 7.5% of invocations, init p95 1.8 s");
    assert_eq!(search.next_step, "trim the package or use SnapStart");
}

#[test]
fn cold_starts_on_a_batch_function_are_nobody_s_wait() {
    let mut batch = steady("nightly-report");
    batch.this.cold_starts = 50_000;

    assert!(digest(vec![batch]).attention().is_empty());
}

#[test]
fn a_recursive_loop_is_detected_only_when_other_traffic_is_flat() {
    let looping = || function("image-resizer", healthy(480_000), healthy(12_000));
    let flat = digest(vec![looping(), steady("checkout-api"), steady("search-api"), steady("refund-worker")]);
    let surge = |name| function(name, healthy(1_000_000), healthy(100_000));
    let launch = digest(vec![looping(), surge("checkout-api"), surge("search-api"), steady("refund-worker")]);

    let items = flat.attention();
    let resizer = item(&items, "image-resizer");
    assert!(
        resizer.reason.starts_with("possible recursive loop: invocations ×40 with no traffic change"),
        "{resizer:?}"
    );
    assert!(resizer.next_step.contains("recursive loop detection may already be dropping calls"));
    assert!(launch.attention().iter().all(|item| !item.reason.contains("recursive loop")), "{:#?}", launch.attention());
}

#[test]
fn a_function_alone_cannot_be_called_a_loop() {
    let alone = digest(vec![function("image-resizer", healthy(480_000), healthy(12_000))]);

    assert!(alone.attention().iter().all(|item| !item.reason.contains("recursive loop")));
}

#[test]
fn retries_that_cost_money_are_named_with_the_fix() {
    let mut worker = steady("refund-worker");
    worker.this.retries = 4_100;
    worker.this.retry_cost = 6.2;

    let items = digest(vec![worker]).attention();

    let worker = item(&items, "refund-worker");
    assert_eq!(worker.reason, "retries cost $6.20 this week (4,100 retried, 4.1% of invocations)");
    assert!(worker.next_step.contains("cap MaximumRetryAttempts"));
}

#[test]
fn throttles_are_counted_with_their_share() {
    let mut checkout = steady("checkout-api");
    checkout.this.throttles = 2_000;

    let items = digest(vec![checkout]).attention();

    let checkout = item(&items, "checkout-api");
    assert_eq!(checkout.reason, "throttled 2,000 times (2.0% of requests)");
    assert_eq!(checkout.next_step, "raise reserved concurrency or smooth the burst");
}

#[test]
fn at_most_five_attention_items_and_each_function_once() {
    let troubled = (0..8).map(|i| {
        let mut f = steady(&format!("fn-{i}"));
        f.this.timeouts = 2_000;
        f.this.oom = 20;
        f.this.throttles = 500;
        f
    });

    let items = digest(troubled.collect()).attention();

    assert_eq!(items.len(), 5);
    let mut names: Vec<&str> = items.iter().map(|item| item.function.as_str()).collect();
    names.dedup();
    assert_eq!(names.len(), 5, "{items:#?}");
}

#[test]
fn interactive_functions_outrank_others_on_ties() {
    let throttled = |name: &str, interactive| {
        let mut f = steady(name);
        f.interactive = interactive;
        f.this.throttles = 2_000;
        f
    };

    let items = digest(vec![throttled("a-batch", false), throttled("z-api", true)]).attention();

    assert_eq!(items[0].function, "z-api");
}

#[test]
fn the_worst_function_ranks_first_and_idle_ones_last() {
    let mut broken = steady("broken");
    broken.this.errors = 5_000;
    let idle = function("a-idle", Period::default(), Period::default());

    let week = digest(vec![idle, steady("fine"), broken]);
    let names: Vec<&str> = week.ranked().iter().map(|f| f.function.as_str()).collect();

    assert_eq!(names, ["broken", "fine", "a-idle"]);
}

#[test]
fn interactive_functions_weigh_double_in_the_ranking() {
    let mut api = steady("api");
    api.interactive = true;

    let names: Vec<String> = digest(vec![steady("batch"), api]).ranked().iter().map(|f| f.function.clone()).collect();

    assert_eq!(names, ["api", "batch"]);
}

#[test]
fn deltas_read_sensibly_and_never_divide_by_zero() {
    assert_eq!(delta(135.0, 100.0), "▲ 35%");
    assert_eq!(delta(88.0, 100.0), "▼ 12%");
    assert_eq!(delta(5.0, 0.0), "new");
    assert_eq!(delta(0.0, 0.0), "=");
    assert_eq!(delta(100.2, 100.0), "=");
    assert_eq!(delta(0.0, 7.0), "▼ 100%");
    assert_eq!(delta(4_000.0, 100.0), "▲ ×40");
}

#[test]
fn times_to_acknowledge_and_resolve_read_in_minutes_and_hours() {
    assert_eq!(duration(45), "45 s");
    assert_eq!(duration(240), "4 min");
    assert_eq!(duration(4_320), "1 h 12 min");
    assert_eq!(duration(7_200), "2 h");
    assert_eq!(duration(3 * 86_400 + 7_200), "3 d 2 h");
}

#[test]
fn the_attachment_is_named_after_the_team() {
    assert_eq!(digest(vec![]).attachment_name(), "digest-payments.md");
    let mut odd = digest(vec![]);
    odd.team = "Data & ML / @everyone".into();
    assert_eq!(odd.attachment_name(), "digest-data-ml-everyone.md");
}

#[test]
fn the_text_fits_discords_limit_with_a_thousand_functions() {
    let functions = (0..1_000)
        .map(|i| {
            let mut f = steady(&format!("a-function-with-a-very-long-name-indeed-{i:04}"));
            f.this.errors = 100 + i;
            f.this.timeouts = 2_000;
            f
        })
        .collect();
    let mut week = digest(functions);
    week.notes = (0..10).map(|i| format!("note {i}: {}", "n".repeat(300))).collect();

    let text = week.render_text();

    assert!(text::discord_len(&text) <= text::DISCORD_LIMIT, "{} characters", text::discord_len(&text));
    let shown = text.lines().filter(|line| line.starts_with("a-function-with-a-very")).count();
    assert!(shown >= 1, "{text}");
    assert!(text.contains(&format!("… and {} more functions in the attachment", 1_000 - shown)), "{text}");
    assert!(text.ends_with("Full digest attached: `digest-payments.md` (1,000 functions)"), "{text}");
}

/// Everything AWS or a teammate can name, named to hurt: mentions, backticks, pipes, newlines, and length.
fn hostile() -> Digest {
    let names = ["@everyone", "<@123456>", "```x```", "a|b|c", "@here\nnext line", &"long".repeat(120)];
    let functions = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut f = steady(name);
            f.interactive = i % 2 == 0;
            f.this.timeouts = 2_000 + i as u64;
            f.deploy = deployed(&format!("@everyone`{}", "9".repeat(40)), "@here", at(26, 10, 0));
            f
        })
        .collect();
    let mut week = digest(functions);
    week.team = "@everyone ``` | team".repeat(5);
    week.late = Some("@here opspod was down ```".repeat(10));
    week.notes = vec!["@everyone look `here`".repeat(20); 5];
    let noise = AlarmNoise { alarm: "@everyone|`alarm`".repeat(8), state_changes: 14, incidents: 3 };
    week.incidents.noisiest = vec![noise.clone(); 6];
    week.incidents.flapping = vec![noise; 6];
    week.incidents.suppressed = vec![
        SuppressedIncident {
            title: "@everyone | x".into(),
            at: at(26, 13, 55),
            why: "silenced by <@1> | deploy".into()
        };
        3
    ];
    week.health = vec![
        HealthItem {
            title: "@everyone ``` |".repeat(30),
            region: "us-east-1".into(),
            category: "scheduledChange".into(),
            status: "upcoming".into(),
            start: Some(at(30, 9, 0)),
            functions: names.iter().map(|name| name.to_string()).collect(),
        };
        5
    ];
    week
}

fn assert_no_live_mention(text: &str) {
    for mention in ["@everyone", "@here", "<@1", "<@&", "<#"] {
        assert!(!text.contains(mention), "{mention} in {text}");
    }
}

#[test]
fn hostile_names_never_mention_anyone_or_break_the_message() {
    let week = hostile();

    let text = week.render_text();

    assert!(text::discord_len(&text) <= text::DISCORD_LIMIT, "{} characters", text::discord_len(&text));
    assert_no_live_mention(&text);
    let fences = text.lines().filter(|line| *line == "```").count();
    assert_eq!(fences, 2, "{text}");
    assert!(
        text.ends_with(
            "Full digest attached: `digest-everyone-team-everyone-team-everyone-team-everyone-team-ever.md` (6 functions)"
        ),
        "{text}"
    );
}

#[test]
fn hostile_names_cannot_break_the_markdown_tables() {
    let markdown = hostile().render_markdown();

    assert_no_live_mention(&markdown);
    let rows = table_rows(&markdown);
    assert!(rows.len() > 20, "{markdown}");
    for (row, columns) in rows {
        assert_eq!(cells(row), columns, "{row}");
    }
}

/// Each table row with the number of columns its table's header has.
fn table_rows(markdown: &str) -> Vec<(&str, usize)> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut columns = 0;
    let mut rows = vec![];
    for (i, line) in lines.iter().enumerate().filter(|(_, line)| line.starts_with('|')) {
        if lines.get(i + 1).is_some_and(|next| next.starts_with("|-") || next.starts_with("|:")) {
            columns = cells(line);
        }
        rows.push((*line, columns));
    }
    rows
}

/// Cells in a GFM table row: pipes not escaped by a backslash, less the outer one.
fn cells(row: &str) -> usize {
    let mut backslashes = 0;
    let mut pipes = 0;
    for c in row.chars() {
        if c == '|' && backslashes % 2 == 0 {
            pipes += 1;
        }
        backslashes = if c == '\\' { backslashes + 1 } else { 0 };
    }
    pipes - 1
}

#[test]
fn the_markdown_attachment_lists_every_function() {
    let functions = (0..300).map(|i| steady(&format!("function-{i:03}"))).collect();

    let markdown = digest(functions).render_markdown();

    for i in 0..300 {
        assert!(markdown.contains(&format!("`function-{i:03}`")), "function-{i:03} missing");
    }
}

#[test]
fn json_carries_the_digest_and_its_judgement() {
    let mut checkout = steady("checkout-api");
    checkout.this.throttles = 2_000;
    let week = digest(vec![steady("search-api"), checkout]);

    let json = week.json();

    assert_eq!(json["team"], "payments");
    assert_eq!(json["start"], "2026-11-23T09:00:00Z");
    assert_eq!(json["headline"], week.headline());
    assert_eq!(json["ranked"], serde_json::json!(["checkout-api", "search-api"]));
    assert_eq!(json["attention"][0]["function"], "checkout-api");
    assert_eq!(json["attention"][0]["next_step"], "raise reserved concurrency or smooth the burst");
    assert_eq!(json["functions"][1]["this"]["throttles"], 2_000);
}

mod sample;

fn snapshot(name: &str, value: String) {
    // Snapshots live with the other commands' in `commands/src/snapshots`.
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.bind(|| insta::assert_snapshot!(name, value));
}

#[test]
fn incidents_read_with_their_change_and_the_times_to_acknowledge_and_resolve() {
    let text = sample::week().render_text();

    assert!(text.contains("**Incidents:** 7 (▲ 4 from 3) · 2 critical · 1 unresolved · MTTA 4 min · MTTR 1 h 12 min"));
    assert!(text.contains("`refund-worker-age` (14 changes, flapping)"), "{text}");
    assert!(text.contains("1 incident suppressed"), "{text}");
}

#[test]
fn the_attachment_says_why_an_incident_was_suppressed_without_mentioning_anyone() {
    let markdown = sample::week().render_markdown();

    assert!(markdown.contains("| checkout-api Errors ≥ 5 | silenced by \\<@\u{200B}204518392\\> until 14:10 UTC"));
    assert_no_live_mention(&markdown);
}

#[test]
fn an_upcoming_runtime_deprecation_names_the_functions_it_affects() {
    let text = sample::week().render_text();

    assert!(text.contains(
        "· Coming 15 Dec: Lambda end of support for the Python 3.9 runtime (us-east-1) — `report-builder`, `legacy-etl`"
    ));
}

#[test]
fn the_sample_week_renders_for_chat() {
    let text = sample::week().render_text();
    assert!(text::discord_len(&text) <= text::DISCORD_LIMIT);
    snapshot("digest_text", text);
}

#[test]
fn the_sample_week_renders_as_the_markdown_attachment() {
    snapshot("digest_markdown", sample::week().render_markdown());
}

#[test]
fn the_sample_week_renders_as_json() {
    snapshot("digest_json", serde_json::to_string_pretty(&sample::week().json()).unwrap());
}
