//! Context-aware alerts end to end: `opspod run` polls a real alarm (moto behind the CBOR front), posts it at
//! once, then edits in what it found in CloudWatch metrics, Lambda's logs and versions, and AWS Health.

mod support;

use std::time::Duration;

use aws_sdk_cloudwatch::types::{StandardUnit, StateValue};
use aws_sdk_lambda::types::Runtime;
use chrono::{DateTime, Utc};
use support::bot::{Bot, eventually};
use support::cbor_front::{CloudWatchFront, HealthFake, HealthFixture};
use support::lambda_world::World;
use support::run::{transcript, unique};

/// The last message the console shows for `alarm`'s function after its context was added.
fn enriched_message<'a>(out: &'a str, title_start: &str) -> Option<&'a str> {
    out.split("\n#").filter(|block| block.contains(" edited\n") && block.contains(title_start)).last()
}

/// Whether the console shows the message titled `title_start` with its context in. The bot polls every alarm in
/// moto, other tests' too, so a test waits for its own messages by title, not for any "context added".
fn context_added(out: &str, title_start: &str) -> bool {
    enriched_message(out, title_start).is_some_and(|edit| !edit.contains("Gathering context"))
}

fn minutes_ago(now: DateTime<Utc>, minutes: i64) -> DateTime<Utc> {
    now - chrono::Duration::minutes(minutes)
}

/// START, one error, END and REPORT for an invocation, as the Lambda runtime writes them.
fn invocation(at: DateTime<Utc>, request: &str, error: &str) -> Vec<(DateTime<Utc>, String)> {
    let ms = |n: i64| at + chrono::Duration::milliseconds(n);
    vec![
        (at, format!("START RequestId: {request} Version: 1")),
        (ms(5), error.to_owned()),
        (ms(9), format!("END RequestId: {request}")),
        (
            ms(10),
            format!(
                "REPORT RequestId: {request}\tDuration: 9.50 ms\tBilled Duration: 10 ms\tMemory Size: 512 MB\tMax Memory Used: 80 MB"
            ),
        ),
    ]
}

fn python_error(value: &str) -> String {
    format!(
        "[ERROR] ValueError: invalid literal for int() with base 10: '{value}'\nTraceback (most recent call last):\n  \
         File \"/var/task/orders/handler.py\", line 12, in handler\n    return parse_order(event)\n  \
         File \"/var/task/orders/parse.py\", line 88, in parse_order\n    qty = int(raw)\n"
    )
}

fn node_error(at: DateTime<Utc>, request: &str) -> String {
    format!(
        "{}\t{request}\tERROR\tInvoke Error \t{{\"errorType\":\"TypeError\",\"errorMessage\":\"Cannot read properties of undefined (reading 'id')\",\"stack\":[\"TypeError: Cannot read properties of undefined (reading 'id')\",\"    at lookup (/var/task/src/search.js:42:17)\",\"    at Runtime.handleOnceNonStreaming (file:///var/runtime/index.mjs:1173:29)\"]}}",
        at.format("%Y-%m-%dT%H:%M:%S%.3fZ")
    )
}

fn java_error() -> String {
    "{\"errorMessage\":\"Cannot invoke \\\"String.length()\\\" because \\\"s\\\" is null\",\"errorType\":\"java.lang.NullPointerException\",\"stackTrace\":[\"com.acme.billing.Invoice.total(Invoice.java:57)\",\"com.acme.billing.Handler.handleRequest(Handler.java:21)\",\"java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(Unknown Source)\"]}".to_owned()
}

/// Seeds one function: a published version, `errors` failing invocations in the last minutes, and metrics.
async fn seed(
    world: &World,
    function: &str,
    runtime: Runtime,
    errors: usize,
    error: impl Fn(usize, DateTime<Utc>) -> String,
) {
    world.function(function, runtime).await;
    let now = Utc::now();
    let mut lines = Vec::new();
    for n in 0..errors {
        let at = minutes_ago(now, 9) + chrono::Duration::seconds(n as i64 * 10);
        lines.extend(invocation(at, &format!("{function}-req-{n:04}"), &error(n, at)));
    }
    world.log(function, &lines).await;
    let per_minute: Vec<(DateTime<Utc>, Vec<f64>)> = (1..=9).map(|m| (minutes_ago(now, m), vec![10.0])).collect();
    world.metric(function, "Invocations", StandardUnit::Count, &per_minute).await;
    let errors_per_minute = [1.0, 0.0, 2.0, 0.0, 3.0, 6.0, 9.0, 8.0, 8.0];
    let errors: Vec<(DateTime<Utc>, Vec<f64>)> =
        errors_per_minute.iter().enumerate().map(|(i, e)| (minutes_ago(now, 9 - i as i64), vec![*e])).collect();
    world.metric(function, "Errors", StandardUnit::Count, &errors).await;
    // 90 invocations: 80 fast and 10 slow, so p95 is 1,800 ms by nearest rank.
    let mut durations = vec![(minutes_ago(now, 5), vec![100.0; 40])];
    durations.push((minutes_ago(now, 4), [vec![100.0; 40], vec![1800.0; 10]].concat()));
    world.metric(function, "Duration", StandardUnit::Milliseconds, &durations).await;
    world.errors_alarm(&format!("{function}-errors"), function, 5.0).await;
}

fn config(dir: &std::path::Path, database: &str) -> std::path::PathBuf {
    let path = dir.join("opspod.toml");
    std::fs::write(
        &path,
        format!(
            r#"[store]
database = "{database}"

[channels.team]
[channels.oncall]

[mentions]
payments = "role:100"
search = "role:200"
data = "role:300"

[[owners]]
team = "payments"
mention = "@payments"
resources = ["checkout-*", "billing-*"]
interactive = true

[[owners]]
team = "search"
mention = "@search"
resources = ["search-*"]

[[owners]]
team = "data"
mention = "@data"
resources = ["legacy-*", "report-*"]

[[runbooks]]
url = "https://wiki.example.com/runbooks/checkout"
resources = ["checkout-*"]

# Each alarm its own message: these tests are about context, and moto holds other tests' alarms too.
[grouping]
by = "off"

[aws]
regions = ["us-east-1"]
alarm_poll_seconds = 1
health_poll_seconds = 1
enrich_seconds = 15
"#
        ),
    )
    .unwrap();
    path
}

/// moto behind the CBOR front, the Health fake, and `opspod run` polling them every second.
struct Scene {
    front: CloudWatchFront,
    health: HealthFake,
    world: World,
    prefix: String,
    dir: tempfile::TempDir,
    database: String,
}

impl Scene {
    async fn new(name: &str) -> Scene {
        let front = CloudWatchFront::start(&support::aws_endpoint()).await;
        let health = HealthFake::start().await;
        let world = World::connect(&front.url()).await;
        let dir = tempfile::tempdir().unwrap();
        let database = format!("sqlite://{}?mode=rwc", dir.path().join("opspod.db").display());
        Scene { front, health, world, prefix: unique(name), dir, database }
    }

    /// Starts the bot and waits for the alarm poller's baseline, after which transitions are posted.
    async fn start(&self) -> Bot {
        let config = config(self.dir.path(), &self.database);
        let bot = Bot::start_with(
            &config,
            &self.dir.path().join("run.out"),
            &[("AWS_ENDPOINT_URL_CLOUDWATCH", &self.front.url()), ("AWS_ENDPOINT_URL_HEALTH", &self.health.url())],
        );
        support::run::wait_for_alarm_baseline(&self.database).await;
        bot
    }

    async fn fire(&self, function: &str) {
        let reason = "Threshold Crossed: 1 datapoint [8.0] was greater than or equal to the threshold (5.0).";
        let data = r#"{"version":"1.0","statistic":"Sum","period":60,"recentDatapoints":[8.0],"threshold":5.0}"#;
        self.world.set_state(&format!("{function}-errors"), StateValue::Alarm, reason, Some(data)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_polled_alarm_is_posted_then_edited_with_counts_errors_deploy_owner_and_health() {
    let scene = Scene::new("ctx").await;
    let (world, health, prefix) = (&scene.world, &scene.health, &scene.prefix);
    let checkout = format!("checkout-api-{prefix}");
    let search = format!("search-api-{prefix}");
    let billing = format!("billing-api-{prefix}");
    seed(world, &checkout, Runtime::Python312, 31, |n, _| python_error(["abc", "x9", "12-a"][n % 3])).await;
    seed(world, &search, Runtime::Nodejs20x, 12, |n, at| node_error(at, &format!("search-req-{n}"))).await;
    seed(world, &billing, Runtime::Java21, 7, |_, _| java_error()).await;
    health.add_event(HealthFixture {
        description: "We are investigating increased error rates for Lambda invocations in us-east-1.".into(),
        ..HealthFixture::new(
            &format!("arn:aws:health:us-east-1::event/LAMBDA/AWS_LAMBDA_OPERATIONAL_ISSUE/{prefix}"),
            "LAMBDA",
            "us-east-1",
            Utc::now() - chrono::Duration::minutes(2),
        )
    });

    let bot = scene.start().await;
    for function in [&checkout, &search, &billing] {
        scene.fire(function).await;
    }
    eventually(Duration::from_secs(60), "context added to all three alerts", || async {
        let out = transcript(&bot.stdout);
        [&checkout, &search, &billing].iter().all(|function| context_added(&out, &format!("{function} · Errors ≥ 5")))
    })
    .await;
    let out = transcript(&bot.stdout);
    bot.stop();

    assert!(out.contains("Gathering context…"), "the alert is posted before its context:\n{out}");
    let checkout_message = enriched_message(&out, &format!("{checkout} · Errors ≥ 5")).expect("checkout's edit");
    for expected in [
        "37 errors in 15 min · 41% of 90 invocations",
        "p95 1.8 s",
        "31× `ValueError: invalid literal for int() with base <n>: '…'` at orders/parse.py:88 in parse_order",
        "Last deploy: v1 at",
        "Owner @payments · interactive",
        "⚠ AWS Health: AWS Health · LAMBDA · issue · us-east-1",
        "[chart.png:",
    ] {
        assert!(checkout_message.contains(expected), "checkout's alert lacks {expected:?}:\n{checkout_message}");
    }
    assert!(!checkout_message.contains("Gathering context"), "{checkout_message}");
    assert!(!checkout_message.contains("notifies"), "an edit pings nobody again:\n{checkout_message}");
    let search_message = enriched_message(&out, &format!("{search} · Errors ≥ 5")).expect("search's edit");
    assert!(
        search_message
            .contains("12× `TypeError: Cannot read properties of undefined (reading '…')` at src/search.js:42"),
        "{search_message}"
    );
    let billing_message = enriched_message(&out, &format!("{billing} · Errors ≥ 5")).expect("billing's edit");
    assert!(billing_message.contains("7× `java.lang.NullPointerException"), "{billing_message}");
    assert!(billing_message.contains("Invoice.java:57"), "{billing_message}");

    // One burst, shared calls: the three functions' 24 statistics fit in one GetMetricData call per window.
    let metric_calls = scene.front.calls("GetMetricData");
    assert!(metric_calls <= 4, "{metric_calls} GetMetricData calls for three alarms");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_denied_metrics_call_is_logged_once_and_the_alert_keeps_the_rest_of_its_context() {
    let scene = Scene::new("deny").await;
    let function = format!("checkout-api-{}", scene.prefix);
    seed(&scene.world, &function, Runtime::Python312, 3, |n, _| python_error(&n.to_string())).await;
    scene.front.deny("GetMetricData");
    let bot = scene.start().await;
    scene.fire(&function).await;
    eventually(Duration::from_secs(60), "context added", || async {
        context_added(&transcript(&bot.stdout), &format!("{function} · Errors ≥ 5"))
    })
    .await;
    let out = transcript(&bot.stdout);
    let log = bot.stderr();
    bot.stop();

    let message = enriched_message(&out, &format!("{function} · Errors ≥ 5")).expect("the edit");
    assert!(
        message.contains("Not available: metrics and the chart (AWS denied cloudwatch:GetMetricData)."),
        "{message}"
    );
    assert!(message.contains("3× `ValueError: invalid literal for int()"), "logs still read:\n{message}");
    assert!(message.contains("Last deploy: v1"), "{message}");
    assert_eq!(log.matches("AWS denied cloudwatch:GetMetricData, so").count(), 1, "one clear line:\n{log}");
    assert!(log.contains("Add cloudwatch:GetMetricData to the bot's IAM policy"), "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_runtime_deprecation_lists_our_functions_on_that_runtime_with_their_owners() {
    let scene = Scene::new("rt").await;
    let legacy = format!("legacy-etl-{}", scene.prefix);
    let report = format!("report-builder-{}", scene.prefix);
    let modern = format!("checkout-api-{}", scene.prefix);
    scene.world.function(&legacy, Runtime::Python39).await;
    scene.world.function(&report, Runtime::Python39).await;
    scene.world.function(&modern, Runtime::Python312).await;
    scene.health.add_event(HealthFixture {
        event_type_code: "AWS_LAMBDA_PYTHON_3_9_DEPRECATION".into(),
        event_type_category: "scheduledChange".into(),
        status_code: "upcoming".into(),
        description: "Python 3.9 reaches end of support in Lambda.".into(),
        ..HealthFixture::new(
            &format!("arn:aws:health:us-east-1::event/LAMBDA/AWS_LAMBDA_PYTHON_3_9_DEPRECATION/{}", scene.prefix),
            "LAMBDA",
            "us-east-1",
            Utc::now() - chrono::Duration::minutes(1),
        )
    });
    let bot = scene.start().await;
    eventually(Duration::from_secs(60), "context added to the notice", || async {
        context_added(&transcript(&bot.stdout), "AWS Health · LAMBDA · scheduled change")
    })
    .await;
    let out = transcript(&bot.stdout);
    bot.stop();

    let message = enriched_message(&out, "AWS Health · LAMBDA · scheduled change").expect("the notice's edit");
    assert!(message.contains(&format!("{legacy} (@data)")), "{message}");
    assert!(message.contains(&format!("{report} (@data)")), "{message}");
    assert!(!message.contains(&modern), "a python3.12 function is not affected:\n{message}");
    assert!(message.contains("Our functions affected:"), "{message}");
}
