//! The weekly digest end to end: two weeks of metrics and logs for two teams' functions in moto (CloudWatch
//! through the CBOR front), incidents and a Health notice in the store, then `opspod digest`. Every figure is
//! checked against the scenario the test generated; the text and JSON have snapshots; the charts are written out.

mod support;

use std::process::{Command, Output};
use std::sync::Arc;

use aws_sdk_cloudwatch::types::StandardUnit;
use aws_sdk_lambda::types::Runtime;
use chrono::{DateTime, Duration, Utc};
use opspod::domain::glob::Glob;
use opspod::domain::lifecycle::Intervention;
use opspod::domain::silence::{Silence, SilenceTarget};
use opspod::interventions::{Actor, apply};
use opspod::pipeline::{Input, Payload, Pipeline, Rules};
use opspod::ports::ManualClock;
use opspod::store::Store;
use serde_json::Value;
use support::cbor_front::CloudWatchFront;
use support::events;
use support::lambda_world::World;
use support::run::unique;

fn fxhash(text: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(text)
}

const GB_SECOND: f64 = 0.0000166667;
const PER_REQUEST: f64 = 0.20 / 1e6;

/// What one invocation does.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Invocation {
    cold: bool,
    timeout: bool,
    error: bool,
    /// Re-delivers the invocation before it (same request id).
    retry: bool,
    max_memory_mb: u32,
    billed_ms: u32,
}

impl Invocation {
    const PLAIN: Invocation =
        Invocation { cold: false, timeout: false, error: false, retry: false, max_memory_mb: 120, billed_ms: 200 };
}

/// A function of the scenario: its name stem, owner, runtime, and what its `j`-th invocation of a day does.
struct Scenario {
    stem: &'static str,
    runtime: Runtime,
    per_day: [usize; 2],
    throttles: [u64; 2],
    invocation: fn(this_week: bool, j: usize) -> Invocation,
}

fn scenarios() -> Vec<Scenario> {
    vec![
        // A cold start every morning, this week and last; payments' functions are interactive.
        Scenario {
            stem: "pay-api",
            runtime: Runtime::Python38,
            per_day: [6, 4],
            throttles: [0, 0],
            invocation: |_, j| Invocation { cold: j == 0, ..Invocation::PLAIN },
        },
        // Near its memory limit, timing out once a day and retrying a failure this week.
        Scenario {
            stem: "pay-worker",
            runtime: Runtime::Python38,
            per_day: [8, 8],
            throttles: [0, 0],
            invocation: |this, j| Invocation {
                max_memory_mb: if j % 4 == 0 { 490 } else { 200 },
                timeout: this && j == 7,
                error: this && j == 5,
                retry: this && j == 6,
                billed_ms: if this && j == 7 { 3000 } else { 400 },
                ..Invocation::PLAIN
            },
        },
        Scenario {
            stem: "search-api",
            runtime: Runtime::Python312,
            per_day: [5, 5],
            throttles: [3, 0],
            invocation: |this, j| Invocation { error: this && j == 0, ..Invocation::PLAIN },
        },
    ]
}

/// The value at rank ⌈p/100 × n⌉, computed here apart from opspod and the CloudWatch front.
fn nearest_rank(mut values: Vec<f64>, p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    values[((p / 100.0 * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1]
}

/// When invocation `j` of day `day` ran, for a week ending at `end`.
fn at(end: DateTime<Utc>, this_week: bool, day: usize, j: usize) -> DateTime<Utc> {
    let week_start = if this_week { end - Duration::days(7) } else { end - Duration::days(14) };
    week_start + Duration::days(day as i64) + Duration::hours(1) + Duration::minutes(j as i64 * 10)
}

fn lines(invocation: Invocation, request: &str, at: DateTime<Utc>) -> Vec<(DateTime<Utc>, String)> {
    let ms = |n: i64| at + Duration::milliseconds(n);
    let mut lines = vec![(at, format!("START RequestId: {request} Version: 1"))];
    if invocation.error {
        lines.push((
            ms(5),
            format!("[ERROR]\t{}\t{request}\tValueError: bad payload", ms(5).format("%Y-%m-%dT%H:%M:%S%.3fZ")),
        ));
    }
    if invocation.timeout {
        let stamp = ms(3000).format("%Y-%m-%dT%H:%M:%S%.3fZ");
        lines.push((ms(3000), format!("{stamp} {request} Task timed out after 3.00 seconds")));
    }
    lines.push((ms(3001), format!("END RequestId: {request}")));
    // Lambda bills the INIT phase too, so a cold start's Billed Duration includes its Init Duration.
    let (init, billed) = if invocation.cold {
        ("\tInit Duration: 850.00 ms", invocation.billed_ms + 850)
    } else {
        ("", invocation.billed_ms)
    };
    lines.push((
        ms(3002),
        format!(
            "REPORT RequestId: {request}\tDuration: {}.00 ms\tBilled Duration: {billed} ms\tMemory Size: 512 MB\tMax Memory Used: {} MB{init}",
            invocation.billed_ms - 1,
            invocation.max_memory_mb
        ),
    ));
    lines
}

/// The figures the digest must report for one function and week, computed from the scenario.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Truth {
    invocations: u64,
    errors: u64,
    throttles: u64,
    timeouts: u64,
    cold_starts: u64,
    retries: u64,
    memory_high: u64,
    cost: f64,
    p95_ms: f64,
}

struct Seeded {
    prefix: String,
    end: DateTime<Utc>,
    truth: Vec<(String, [Truth; 2])>,
    front: CloudWatchFront,
    dir: tempfile::TempDir,
}

async fn seed_aws() -> Seeded {
    let front = CloudWatchFront::start(&support::aws_endpoint()).await;
    let world = World::connect(&front.url()).await;
    // Six hex digits: unique per run (moto is shared), short enough that no table cuts a name.
    let prefix = format!("{:06x}", fxhash(&unique("dg")) & 0xff_ffff);
    let end = Utc::now();
    let mut truth = Vec::new();
    for scenario in scenarios() {
        let name = format!("{}-{prefix}", scenario.stem);
        world.function(&name, scenario.runtime.clone()).await;
        let mut log = Vec::new();
        let (mut invoked, mut errors, mut throttles, mut durations) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut weeks = [Truth::default(); 2];
        for (week, this_week) in [(0, true), (1, false)] {
            let figures = &mut weeks[week];
            let mut week_durations = Vec::new();
            for day in 0..7 {
                let mut day_errors = 0.0;
                let mut day_durations = Vec::new();
                for j in 0..scenario.per_day[week] {
                    let invocation = (scenario.invocation)(this_week, j);
                    let id = if invocation.retry { j - 1 } else { j };
                    let request = format!("{}-{day}-{id}", if this_week { "t" } else { "l" });
                    log.extend(lines(invocation, &request, at(end, this_week, day, j)));
                    day_durations.push(f64::from(invocation.billed_ms - 1));
                    let failed = invocation.error || invocation.timeout;
                    day_errors += f64::from(u8::from(failed));
                    figures.invocations += 1;
                    figures.errors += u64::from(failed);
                    figures.timeouts += u64::from(invocation.timeout);
                    figures.cold_starts += u64::from(invocation.cold);
                    figures.retries += u64::from(invocation.retry);
                    figures.memory_high += u64::from(invocation.max_memory_mb * 10 >= 512 * 9);
                    let billed = f64::from(invocation.billed_ms + if invocation.cold { 850 } else { 0 });
                    figures.cost += PER_REQUEST + billed / 1000.0 * 0.5 * GB_SECOND;
                }
                let morning = at(end, this_week, day, 0);
                week_durations.extend(day_durations.iter().copied());
                durations.push((morning, day_durations));
                invoked.push((morning, vec![scenario.per_day[week] as f64]));
                errors.push((morning, vec![day_errors]));
                if day == 0 && scenario.throttles[week] > 0 {
                    throttles.push((morning, vec![scenario.throttles[week] as f64]));
                    figures.throttles = scenario.throttles[week];
                }
            }
            figures.p95_ms = nearest_rank(week_durations, 95.0);
        }
        log.sort_by_key(|(at, _)| *at);
        world.log(&name, &log).await;
        world.metric(&name, "Invocations", StandardUnit::Count, &invoked).await;
        world.metric(&name, "Errors", StandardUnit::Count, &errors).await;
        world.metric(&name, "Throttles", StandardUnit::Count, &throttles).await;
        world.metric(&name, "Duration", StandardUnit::Milliseconds, &durations).await;
        truth.push((name, weeks));
    }
    Seeded { prefix, end, truth, front, dir: tempfile::tempdir().unwrap() }
}

impl Seeded {
    fn config(&self) -> std::path::PathBuf {
        let config = self.dir.path().join("opspod.toml");
        let p = &self.prefix;
        std::fs::write(
            &config,
            format!(
                "[store]\ndatabase = \"{}\"\n[channels.team]\n[channels.oncall]\n[channels.payments]\n[channels.search]\n\
                 [[owners]]\nteam = \"payments\"\nchannel = \"payments\"\ninteractive = true\nresources = [\"pay-*-{p}\"]\n\
                 [[owners]]\nteam = \"search\"\nchannel = \"search\"\nresources = [\"search-*-{p}\"]\n\
                 [aws]\nregions = [\"us-east-1\"]\nlogs_engine = \"scan\"\n",
                self.database()
            ),
        )
        .unwrap();
        config
    }

    fn database(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.dir.path().join("opspod.db").display())
    }

    fn digest(&self, args: &[&str]) -> Output {
        let config = self.config();
        Command::new(env!("CARGO_BIN_EXE_opspod"))
            .args(["digest", "--config", config.to_str().unwrap()])
            .args(args)
            .env("AWS_ENDPOINT_URL", support::aws_endpoint())
            .env("AWS_ENDPOINT_URL_CLOUDWATCH", self.front.url())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("OPSPOD_LOG", "warn")
            .output()
            .expect("run opspod digest")
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--format", "json"];
        all.extend(args);
        let output = self.digest(&all);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}: {stderr}"))
    }

    /// Replaces what changes from run to run (the prefix, dates) so snapshots compare the rest.
    /// The text with this run's prefix and every date masked, so that the snapshot holds on any day: a week
    /// inside one month reads "20–27 Nov", one across two "27 Nov – 4 Dec"; both become "<day>–<day>".
    fn stable(&self, text: &str) -> String {
        mask_dates(&text.replace(&self.prefix, "<p>")).replace("<day> – <day>", "<day>–<day>")
    }
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Replaces "4 Dec" (and a year after it), the "20" of "20–27 Nov", and "2026-12-04" with placeholders.
fn mask_dates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let digits = tail.len() - tail.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let after = &tail[digits..];
        let month = after
            .strip_prefix(' ')
            .filter(|_| digits <= 2)
            .and_then(|after| MONTHS.iter().find(|month| after.starts_with(*month)).map(|month| &after[month.len()..]));
        let iso = digits == 4 && after.len() >= 6 && after.as_bytes()[0] == b'-' && after.as_bytes()[3] == b'-';
        rest = if let Some(mut after_month) = month {
            if let Some(year) = after_month.strip_prefix(' ').filter(|year| year.starts_with("20")) {
                after_month = year.trim_start_matches(|c: char| c.is_ascii_digit());
            }
            out.push_str("<day>");
            after_month
        } else if iso {
            out.push_str("<date>");
            &after[6..]
        } else if digits <= 2 && after.starts_with('–') {
            out.push_str("<day>");
            after
        } else {
            out.push_str(&tail[..digits]);
            after
        };
    }
    out.push_str(rest);
    out
}

/// Alarm incidents for the store: one acked after 4 min and resolved after 30, one inside a maintenance window,
/// and one alarm that flaps; and a Python 3.8 deprecation coming in 20 days.
async fn seed_store(seeded: &Seeded) {
    let store = Store::open(&seeded.database()).await.unwrap();
    let p = &seeded.prefix;
    let opened = seeded.end - Duration::days(2);
    let clock = Arc::new(ManualClock::at(opened));
    let rules = Rules {
        maintenance: vec![Silence {
            id: 0,
            target: SilenceTarget::Alarm(Glob::new(&format!("search-maint-{p}")).unwrap()),
            starts_at: opened - Duration::days(1),
            expires_at: seeded.end + Duration::days(1),
            reason: "maintenance window search-reindex".into(),
            created_by: "config".into(),
        }],
        ..Rules::default()
    };
    let pipeline = Pipeline::new(store.clone(), rules, clock.clone());
    let stamp = |at: DateTime<Utc>| at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string();
    let ingest =
        |raw: String| Input { source: "test".into(), origin: "test".into(), payload: Payload::Raw(raw.into_bytes()) };
    let api = format!("pay-api-{p}");
    let report = pipeline
        .ingest(&[ingest(events::alarm(&format!("pay-api-errors-{p}"), &api, "ALARM", &stamp(opened)))])
        .await
        .unwrap();
    let incident = match &report[0] {
        opspod::pipeline::Outcome::Accepted(report) => report.incident.clone().unwrap(),
        other => panic!("{other:?}"),
    };
    let dana = Actor { id: "discord:7".into(), display: "<@7>".into() };
    apply(&store, &incident, Intervention::Acknowledge, &dana, "button", opened + Duration::minutes(4)).await.unwrap();
    let resolved = opened + Duration::minutes(30);
    clock.set(resolved);
    pipeline
        .ingest(&[ingest(events::alarm(&format!("pay-api-errors-{p}"), &api, "OK", &stamp(resolved)))])
        .await
        .unwrap();
    let search = format!("search-api-{p}");
    pipeline
        .ingest(&[ingest(events::alarm(&format!("search-maint-{p}"), &search, "ALARM", &stamp(opened)))])
        .await
        .unwrap();
    let worker = format!("pay-worker-{p}");
    for (n, state) in ["ALARM", "OK", "ALARM", "OK", "ALARM", "OK"].iter().enumerate() {
        let when = opened + Duration::hours(3) + Duration::minutes(n as i64 * 3);
        clock.set(when);
        pipeline
            .ingest(&[ingest(events::alarm(&format!("pay-worker-age-{p}"), &worker, state, &stamp(when)))])
            .await
            .unwrap();
    }
    let start = seeded.end + Duration::days(20);
    let deprecation = serde_json::json!({
        "version": "0", "id": format!("py39-{p}"), "detail-type": "AWS Health Event", "source": "aws.health",
        "account": events::ACCOUNT, "time": stamp(opened), "region": "us-east-1", "resources": [],
        "detail": {
            "eventArn": format!("arn:aws:health:us-east-1::event/LAMBDA/AWS_LAMBDA_PYTHON_3_8_DEPRECATION/{p}"),
            "service": "LAMBDA", "eventTypeCode": "AWS_LAMBDA_PYTHON_3_8_DEPRECATION",
            "eventTypeCategory": "scheduledChange", "eventScopeCode": "ACCOUNT_SPECIFIC",
            "startTime": start.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
            "lastUpdatedTime": opened.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
            "statusCode": "upcoming", "eventRegion": "us-east-1",
            "eventDescription": [{"language": "en_US", "latestDescription": "Lambda ends support for the Python 3.8 runtime."}],
            "affectedEntities": []
        }
    });
    clock.set(opened);
    let outcome = pipeline.ingest(&[ingest(deprecation.to_string())]).await.unwrap();
    assert!(matches!(outcome[0], opspod::pipeline::Outcome::Accepted(_)), "{outcome:?}");
    store.close().await;
}

fn function<'a>(digest: &'a Value, name: &str) -> &'a Value {
    digest["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["function"] == name)
        .unwrap_or_else(|| panic!("{name} in {digest}"))
}

fn team<'a>(all: &'a Value, name: &str) -> &'a Value {
    all.as_array().unwrap().iter().find(|d| d["team"] == name).unwrap_or_else(|| panic!("team {name} in {all}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_digest_reports_each_teams_week_as_the_scenario_made_it() {
    let seeded = seed_aws().await;
    seed_store(&seeded).await;
    let all = seeded.json(&[]);
    assert_eq!(all.as_array().unwrap().len(), 3, "payments, search and team");

    let payments = team(&all, "payments");
    let names: Vec<&str> =
        payments["functions"].as_array().unwrap().iter().map(|f| f["function"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    for (name, truth) in &seeded.truth {
        let digest = if name.starts_with("search") { team(&all, "search") } else { payments };
        let figures = function(digest, name);
        for (key, week) in [("this", truth[0]), ("last", truth[1])] {
            let got = &figures[key];
            let at = format!("{name} {key}");
            assert_eq!(got["invocations"], week.invocations, "{at} invocations (metrics)");
            assert_eq!(got["errors"], week.errors, "{at} errors (metrics)");
            assert_eq!(got["throttles"], week.throttles, "{at} throttles (metrics)");
            assert_eq!(got["logged_invocations"], week.invocations, "{at} REPORT lines");
            assert_eq!(got["timeouts"], week.timeouts, "{at} timeouts");
            assert_eq!(got["cold_starts"], week.cold_starts, "{at} cold starts");
            assert_eq!(got["retries"], week.retries, "{at} retries");
            assert_eq!(got["memory_high_invocations"], week.memory_high, "{at} memory ≥ 90%");
            assert_eq!(got["duration_p95_ms"].as_f64(), Some(week.p95_ms), "{at} p95 duration (metrics)");
            let cost = got["cost"].as_f64().unwrap();
            assert!((cost - week.cost).abs() < 1e-9, "{at} cost {cost} ≠ {}", week.cost);
        }
    }
    let api = function(payments, &format!("pay-api-{}", seeded.prefix));
    assert_eq!(api["interactive"], true);
    assert_eq!(api["daily"].as_array().unwrap().len(), 7);
    assert_eq!(api["daily"][3]["invocations"], 6);
    assert_eq!(
        (api["daily"][3]["cold_starts"].as_u64(), api["daily"][3]["logged_invocations"].as_u64()),
        (Some(1), Some(6))
    );

    let attention: Vec<String> = payments["attention"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| format!("{} {}", a["function"], a["reason"]))
        .collect();
    let worker_note = attention.iter().find(|a| a.contains("pay-worker")).expect("pay-worker needs attention");
    assert!(
        worker_note.contains("timeouts") || worker_note.contains("memory") || worker_note.contains("retries"),
        "{attention:?}"
    );
    assert!(attention.iter().any(|a| a.contains("pay-api") && a.contains("cold starts")), "{attention:?}");

    let incidents = &payments["incidents"];
    assert_eq!(incidents["mtta_seconds"], 240, "acked after 4 min: {incidents}");
    assert_eq!(incidents["flapping"][0]["alarm"], format!("pay-worker-age-{}", seeded.prefix), "{incidents}");
    let search = team(&all, "search");
    assert_eq!(search["incidents"]["suppressed"][0]["why"], "silenced: maintenance window search-reindex", "{search}");

    let health = payments["health"].as_array().unwrap();
    assert_eq!(health.len(), 1, "{health:?}");
    let mut affected: Vec<&str> =
        health[0]["functions"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    affected.sort_unstable();
    assert_eq!(affected, [format!("pay-api-{}", seeded.prefix), format!("pay-worker-{}", seeded.prefix)]);
    assert!(search["health"].as_array().unwrap().is_empty(), "search runs python3.12, not python3.8");

    let text = seeded.digest(&["--team", "payments", "--out", seeded.dir.path().join("out").to_str().unwrap()]);
    assert!(text.status.success(), "{}", String::from_utf8_lossy(&text.stderr));
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.chars().map(char::len_utf16).sum::<usize>() <= 2000, "{text}");
    insta::assert_snapshot!("payments_digest_text", seeded.stable(&text));
    let mut json = payments.clone();
    redact_times(&mut json);
    insta::assert_snapshot!("payments_digest_json", seeded.stable(&serde_json::to_string_pretty(&json).unwrap()));

    let out = seeded.dir.path().join("out");
    for file in ["digest-payments.md", "payments-errors.png", "payments-cost.png", "payments-coldstarts.png"] {
        let bytes = std::fs::read(out.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(bytes.len() > 1000, "{file} is {} bytes", bytes.len());
    }
    if let Ok(keep) = std::env::var("OPSPOD_KEEP_DIGEST") {
        for entry in std::fs::read_dir(&out).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), std::path::Path::new(&keep).join(entry.file_name())).unwrap();
        }
    }
}

fn redact_times(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if ["start", "end", "day", "at"].contains(&key.as_str()) && !child.is_null() {
                    *child = Value::String("[time]".into());
                } else {
                    redact_times(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_times),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_team_or_a_bad_period_is_a_usage_error_naming_it() {
    let seeded = Seeded {
        prefix: "x".into(),
        end: Utc::now(),
        truth: vec![],
        front: CloudWatchFront::start(&support::aws_endpoint()).await,
        dir: tempfile::tempdir().unwrap(),
    };
    let unknown = seeded.digest(&["--team", "paymnets"]);
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert_eq!(unknown.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("There is no team `paymnets`; teams: payments, search, team."), "{stderr}");
    let since = seeded.digest(&["--since", "forever"]);
    assert_eq!(since.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&since.stderr).contains("--since"), "{}", String::from_utf8_lossy(&since.stderr));
}
