//! `/errors`, `/coldstarts` and `/bugreport` through `opspod ask`, against a day of logs and metrics seeded in
//! moto for one function per runtime. Every number is checked against a ground truth the test computes from
//! the scenario it generated, not by parsing what it wrote.

mod support;

use std::process::{Command, Output};

use aws_sdk_cloudwatch::types::StandardUnit;
use aws_sdk_lambda::types::Runtime;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use support::cbor_front::CloudWatchFront;
use support::lambda_world::World;
use support::run::unique;

/// Invocations per function in the day.
const INVOCATIONS: usize = 60;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Ok,
    Error,
    Timeout,
    OutOfMemory,
}

/// The scenario: what invocation `i` does, the same for every function.
fn outcome(i: usize) -> Outcome {
    match i % 12 {
        7 | 8 => Outcome::Error,
        9 => Outcome::Timeout,
        10 => Outcome::OutOfMemory,
        _ => Outcome::Ok,
    }
}

/// Every sixth invocation starts cold, with an init that grows so percentiles are distinct.
fn init_ms(i: usize) -> Option<f64> {
    i.is_multiple_of(6).then_some(300.0 + 7.0 * i as f64)
}

#[derive(Debug, Clone, Copy)]
enum Lang {
    Python,
    Node,
    Java,
    Go,
    DotNet,
    Ruby,
}

impl Lang {
    fn runtime(self) -> Runtime {
        match self {
            Lang::Python => Runtime::Python312,
            Lang::Node => Runtime::Nodejs20x,
            Lang::Java => Runtime::Java21,
            Lang::Go => Runtime::Providedal2023,
            Lang::DotNet => Runtime::Dotnet8,
            Lang::Ruby => Runtime::Ruby33,
        }
    }

    /// The error type `/errors` must report, and the in-app file:line it must point at.
    fn expected(self) -> (&'static str, &'static str) {
        match self {
            Lang::Python => ("ValueError", "orders/parse.py:88"),
            Lang::Node => ("TypeError", "src/search.js:42"),
            Lang::Java => ("java.lang.IllegalStateException", "Invoice.java:57"),
            Lang::Go => ("runtime error", "main.go:31"),
            Lang::DotNet => ("System.InvalidOperationException", "Function.cs:44"),
            Lang::Ruby => ("NoMethodError", "lambda_function.rb:12"),
        }
    }

    /// The error as each runtime writes it to CloudWatch Logs.
    fn error(self, at: DateTime<Utc>, request: &str, n: usize) -> String {
        let ts = at.format("%Y-%m-%dT%H:%M:%S%.3fZ");
        match self {
            Lang::Python => format!(
                "[ERROR] ValueError: invalid literal for int() with base 10: 'x{n}'\nTraceback (most recent call last):\n  \
                 File \"/var/task/orders/handler.py\", line 12, in handler\n    return parse_order(event)\n  \
                 File \"/var/task/orders/parse.py\", line 88, in parse_order\n    qty = int(raw)\n"
            ),
            Lang::Node => format!(
                "{ts}\t{request}\tERROR\tInvoke Error \t{{\"errorType\":\"TypeError\",\"errorMessage\":\"Cannot read properties of undefined (reading 'id{n}')\",\"stack\":[\"TypeError: Cannot read properties of undefined (reading 'id{n}')\",\"    at lookup (/var/task/src/search.js:42:17)\",\"    at Runtime.handleOnceNonStreaming (file:///var/runtime/index.mjs:1173:29)\"]}}"
            ),
            Lang::Java => format!(
                "{{\"errorMessage\":\"invoice {n} has no lines\",\"errorType\":\"java.lang.IllegalStateException\",\"stackTrace\":[\"com.acme.billing.Invoice.total(Invoice.java:57)\",\"com.acme.billing.Handler.handleRequest(Handler.java:21)\",\"java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(Unknown Source)\"]}}"
            ),
            Lang::Go => format!(
                "panic: runtime error: index out of range [{n}] with length 0\n\ngoroutine 1 [running]:\nmain.handler(...)\n\t/var/task/main.go:31 +0x1d\ngithub.com/aws/aws-lambda-go/lambda.(*Function).Invoke(...)\n\t/root/go/pkg/mod/github.com/aws/aws-lambda-go@v1.47.0/lambda/function.go:64 +0x2a"
            ),
            Lang::DotNet => format!(
                "{ts}\t{request}\tfail\tSystem.InvalidOperationException: Sequence contains no elements\n   at System.Linq.ThrowHelper.ThrowNoElementsException()\n   at Acme.Orders.Function.FunctionHandler(Input input, ILambdaContext ctx) in /src/Orders/Function.cs:line 44"
            ),
            Lang::Ruby => format!(
                "{{\"errorMessage\":\"undefined method `id' for nil:NilClass (item {n})\",\"errorType\":\"Function<NoMethodError>\",\"stackTrace\":[\"/var/task/lambda_function.rb:12:in `lambda_handler'\",\"/var/runtime/lib/runtime.rb:67:in `run_user_code'\"]}}"
            ),
        }
    }
}

const LANGS: [Lang; 6] = [Lang::Python, Lang::Node, Lang::Java, Lang::Go, Lang::DotNet, Lang::Ruby];

/// The log lines of invocation `i` at `at`, as Lambda writes them.
fn invocation_lines(lang: Lang, i: usize, at: DateTime<Utc>) -> Vec<(DateTime<Utc>, String)> {
    let request = format!("8f5c2a1e-0000-4000-8000-{i:012}");
    let ms = |n: i64| at + Duration::milliseconds(n);
    let mut lines = vec![(at, format!("START RequestId: {request} Version: 1"))];
    match outcome(i) {
        Outcome::Ok => {}
        Outcome::Error => lines.push((ms(5), lang.error(ms(5), &request, i))),
        Outcome::Timeout => lines.push((
            ms(3000),
            format!("{} {request} Task timed out after 3.00 seconds", ms(3000).format("%Y-%m-%dT%H:%M:%S%.3fZ")),
        )),
        Outcome::OutOfMemory => lines.push((
            ms(900),
            format!("RequestId: {request} Error: Runtime exited with error: signal: killed\nRuntime.ExitError"),
        )),
    }
    lines.push((ms(3001), format!("END RequestId: {request}")));
    let init = init_ms(i).map(|init| format!("\tInit Duration: {init:.2} ms")).unwrap_or_default();
    lines.push((
        ms(3002),
        format!(
            "REPORT RequestId: {request}\tDuration: 120.00 ms\tBilled Duration: 121 ms\tMemory Size: 512 MB\tMax Memory Used: 90 MB{init}"
        ),
    ));
    lines
}

/// When invocation `i` ran: spread over the last 23 hours.
fn when(now: DateTime<Utc>, i: usize) -> DateTime<Utc> {
    now - Duration::hours(23) + Duration::minutes(i as i64 * 22)
}

struct Seeded {
    functions: Vec<(Lang, String)>,
    throttled: String,
    dir: tempfile::TempDir,
    front: CloudWatchFront,
    /// More `[aws]` keys for the config, such as `cost_explorer = true`.
    aws_extra: String,
}

async fn seed() -> Seeded {
    let front = CloudWatchFront::start(&support::aws_endpoint()).await;
    let world = World::connect(&front.url()).await;
    let prefix = unique("ins");
    let now = Utc::now();
    let mut functions = Vec::new();
    for lang in LANGS {
        let name = format!("{lang:?}-api-{prefix}").to_lowercase();
        world.function(&name, lang.runtime()).await;
        let lines: Vec<(DateTime<Utc>, String)> =
            (0..INVOCATIONS).flat_map(|i| invocation_lines(lang, i, when(now, i))).collect();
        world.log(&name, &lines).await;
        let invoked: Vec<(DateTime<Utc>, Vec<f64>)> = (0..INVOCATIONS).map(|i| (when(now, i), vec![1.0])).collect();
        world.metric(&name, "Invocations", StandardUnit::Count, &invoked).await;
        let failed: Vec<(DateTime<Utc>, Vec<f64>)> =
            (0..INVOCATIONS).filter(|i| outcome(*i) != Outcome::Ok).map(|i| (when(now, i), vec![1.0])).collect();
        world.metric(&name, "Errors", StandardUnit::Count, &failed).await;
        functions.push((lang, name));
    }
    let throttled = functions[0].1.clone();
    let throttles = [(now - Duration::hours(2), vec![2.0]), (now - Duration::hours(1), vec![1.0])];
    world.metric(&throttled, "Throttles", StandardUnit::Count, &throttles).await;
    Seeded { functions, throttled, dir: tempfile::tempdir().unwrap(), front, aws_extra: String::new() }
}

impl Seeded {
    fn ask(&self, line: &str) -> Output {
        self.ask_as(line, "json")
    }

    fn ask_as(&self, line: &str, format: &str) -> Output {
        let config = self.dir.path().join("opspod.toml");
        let database = format!("sqlite://{}?mode=rwc", self.dir.path().join("opspod.db").display());
        let first = self.functions.first().map_or("none", |(_, name)| name.as_str());
        std::fs::write(
            &config,
            format!(
                "[store]\ndatabase = \"{database}\"\n[channels.team]\n[channels.oncall]\n[[owners]]\nteam = \"web\"\n\
                 resources = [\"{first}\"]\ninteractive = true\n[aws]\nregions = [\"us-east-1\"]\n{}\n",
                self.aws_extra
            ),
        )
        .unwrap();
        opspod_ask(&config, &self.front, format, line)
    }

    fn ask_json(&self, line: &str) -> Value {
        let output = self.ask(line);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{line}: {stderr}");
        serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{line}: {error}: {stderr}"))
    }
}

/// `opspod ask` with `config`, the SDK pointed at moto (CloudWatch through `front`), and its output.
fn opspod_ask(config: &std::path::Path, front: &CloudWatchFront, format: &str, line: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opspod"))
        .args(["ask", "--config", config.to_str().unwrap(), "--format", format, line])
        .env("AWS_ENDPOINT_URL", support::aws_endpoint())
        .env("AWS_ENDPOINT_URL_CLOUDWATCH", front.url())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("OPSPOD_LOG", "warn")
        .output()
        .expect("run opspod ask")
}

/// Nearest rank, computed here independently of opspod.
fn nearest_rank(mut values: Vec<f64>, q: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    values[((q * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1]
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_and_cold_starts_match_the_ground_truth_for_every_runtime() {
    let seeded = seed().await;
    let failed = (0..INVOCATIONS).filter(|i| outcome(*i) != Outcome::Ok).count() as u64;
    let errors = (0..INVOCATIONS).filter(|i| outcome(*i) == Outcome::Error).count() as u64;
    let timeouts = (0..INVOCATIONS).filter(|i| outcome(*i) == Outcome::Timeout).count() as u64;
    let oom = (0..INVOCATIONS).filter(|i| outcome(*i) == Outcome::OutOfMemory).count() as u64;
    let inits: Vec<f64> = (0..INVOCATIONS).filter_map(init_ms).collect();

    for (lang, function) in &seeded.functions {
        let answer = seeded.ask_json(&format!("/errors {function} since:24h"));
        let row = &answer[0];
        assert_eq!(row["function"], function.as_str());
        assert_eq!(row["invocations"], INVOCATIONS as u64, "{lang:?}: {row}");
        assert_eq!(row["errors"], failed, "Lambda counts timeouts and OOM kills as errors: {row}");
        assert!((row["error_rate"].as_f64().unwrap() - failed as f64 / INVOCATIONS as f64).abs() < 1e-9, "{row}");
        assert_eq!(row["timeouts"], timeouts, "{lang:?}: {row}");
        assert_eq!(row["oom"], oom, "{lang:?}: {row}");
        let expected_throttles = if *function == seeded.throttled { 3 } else { 0 };
        assert_eq!(row["throttles"], expected_throttles, "{row}");
        let (error_type, frame) = lang.expected();
        let top = &row["signatures"][0];
        assert!(top["signature"].as_str().unwrap().contains(error_type), "{lang:?}: {top}");
        assert_eq!(top["count"], errors, "{lang:?}: every value folds into one signature: {row}");
        assert!(top["frame"].as_str().unwrap().contains(frame), "{lang:?}: {top}");

        let cold = seeded.ask_json(&format!("/coldstarts {function} since:24h"));
        let row = &cold[0];
        assert_eq!(row["invocations"], INVOCATIONS as u64, "{lang:?}: {row}");
        assert_eq!(row["cold_starts"], inits.len() as u64, "{row}");
        assert_eq!(row["init_p50_ms"].as_f64(), Some(nearest_rank(inits.clone(), 0.5)), "{row}");
        assert_eq!(row["init_p95_ms"].as_f64(), Some(nearest_rank(inits.clone(), 0.95)), "{row}");
        assert_eq!(row["init_max_ms"].as_f64(), Some(nearest_rank(inits.clone(), 1.0)), "{row}");
        assert_eq!(row["interactive"], *function == seeded.functions[0].1, "{row}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bug_report_points_at_the_failing_line_and_says_what_was_ruled_out() {
    let seeded = seed().await;
    let (_, function) = &seeded.functions[0];
    let report = seeded.ask_json(&format!("/bugreport {function} since:24h"));
    assert_eq!(report["function"], function.as_str());
    assert_eq!(report["error_type"], "ValueError");
    assert_eq!(report["count"], 10);
    assert_eq!(report["frame"]["file"], "orders/parse.py");
    assert_eq!(report["frame"]["line"], 88);
    assert_eq!(report["frame"]["function"], "parse_order");
    let markdown = report["markdown"].as_str().unwrap();
    for expected in ["orders/handler.py:12", "8f5c2a1e-0000-4000-8000-", "Throttling", "Timeouts", "Logs Insights"] {
        assert!(markdown.contains(expected), "the draft lacks {expected:?}:\n{markdown}");
    }
    assert!(
        markdown.contains("| **Started with** | unknown |"),
        "the only deploy came after the errors began, so no deploy is blamed:\n{markdown}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_argument_says_what_is_accepted_and_exits_2() {
    let seeded = seed_nothing();
    let output = seeded.ask("/errors checkout api since:forever");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("must be"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_function_that_does_not_exist_is_named_in_the_answer() {
    let seeded = seed_nothing();
    let output = seeded.ask(&format!("/errors {} since:1h", unique("ghost")));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("There is no function ghost-") && stderr.contains("in the watched accounts"), "{stderr}");
}

fn seed_nothing() -> Seeded {
    let runtime = tokio::runtime::Handle::current();
    let front = tokio::task::block_in_place(|| runtime.block_on(CloudWatchFront::start(&support::aws_endpoint())));
    Seeded {
        functions: vec![],
        throttled: String::new(),
        dir: tempfile::tempdir().unwrap(),
        front,
        aws_extra: String::new(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cost_is_billed_duration_times_memory_at_the_bundled_price_with_failures_counted_apart() {
    let seeded = seed().await;
    let failed = (0..INVOCATIONS).filter(|i| outcome(*i) != Outcome::Ok).count() as f64;
    // Every invocation is billed 121 ms at 512 MB, on x86_64 in us-east-1.
    let gb_seconds = INVOCATIONS as f64 * 0.121 * 0.5;
    let failed_gb_seconds = failed * 0.121 * 0.5;
    let (per_request, per_gb_second) = (0.20 / 1e6, 0.0000166667);
    for (lang, function) in &seeded.functions {
        let answer = seeded.ask_json(&format!("/cost {function} since:24h"));
        let row = &answer[0];
        let close = |key: &str, expected: f64| {
            let got = row[key].as_f64().unwrap();
            assert!((got - expected).abs() < 1e-9, "{lang:?} {key}: {got} ≠ {expected}: {row}");
        };
        assert_eq!(row["invocations"], INVOCATIONS as u64);
        close("gb_seconds", gb_seconds);
        close("request_cost", INVOCATIONS as f64 * per_request);
        close("compute_cost", gb_seconds * per_gb_second);
        close("total_cost", INVOCATIONS as f64 * per_request + gb_seconds * per_gb_second);
        close("wasted_cost", failed * per_request + failed_gb_seconds * per_gb_second);
        assert_eq!(row["currency"], "USD");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn snapstart_restores_count_as_cold_starts_with_their_own_wait() {
    let front = CloudWatchFront::start(&support::aws_endpoint()).await;
    let world = World::connect(&front.url()).await;
    let function = format!("snap-api-{}", unique("snap"));
    world.function(&function, Runtime::Java21).await;
    let now = Utc::now();
    let restores = [120.0, 180.0, 240.0];
    let mut lines = Vec::new();
    for i in 0..10 {
        let at = now - Duration::hours(2) + Duration::minutes(i as i64);
        let request = format!("5a9b-{i:04}");
        let restore =
            restores.get(i).map(|ms| format!("\tRestore Duration: {ms:.2} ms\tBilled Restore Duration: 90 ms"));
        lines.push((at, format!("START RequestId: {request} Version: 3")));
        lines.push((at + Duration::milliseconds(50), format!("END RequestId: {request}")));
        lines.push((
            at + Duration::milliseconds(51),
            format!(
                "REPORT RequestId: {request}\tDuration: 40.00 ms\tBilled Duration: 41 ms\tMemory Size: 1024 MB\tMax Memory Used: 200 MB{}",
                restore.unwrap_or_default()
            ),
        ));
    }
    world.log(&function, &lines).await;
    let seeded = Seeded {
        functions: vec![],
        throttled: String::new(),
        dir: tempfile::tempdir().unwrap(),
        front,
        aws_extra: String::new(),
    };

    let row = &seeded.ask_json(&format!("/coldstarts {function} since:24h"))[0];
    assert_eq!((row["invocations"].as_u64(), row["cold_starts"].as_u64()), (Some(10), Some(3)), "{row}");
    assert_eq!(row["init_p50_ms"].as_f64(), Some(nearest_rank(restores.to_vec(), 0.5)), "{row}");
    assert_eq!(row["init_max_ms"].as_f64(), Some(240.0), "{row}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repeated_question_within_a_minute_is_answered_without_asking_aws_again() {
    let front = CloudWatchFront::start(&support::aws_endpoint()).await;
    support::point_aws_at_moto(&front.url());
    let access = opspod::aws::AwsAccess::from_config(&opspod::config::Aws {
        regions: vec!["us-east-1".into()],
        ..opspod::config::Aws::default()
    })
    .await;
    let insights = opspod::insight::Insights::new(Some(access), Default::default(), None);
    let name = format!("cached-api-{}", unique("cache"));
    World::connect(&front.url()).await.function(&name, Runtime::Python312).await;
    let function = opspod_commands::args::FunctionName::parse(&name).unwrap();
    let since = opspod_commands::args::Since::parse("6h").unwrap();

    let first = insights.errors(Some(&function), since).await;
    let calls = front.calls("GetMetricData");
    let second = insights.errors(Some(&function), since).await;
    assert!(first.is_ok() && second.is_ok(), "{first:?} {second:?}");
    assert!(calls >= 1, "the first question asks CloudWatch");
    assert_eq!(front.calls("GetMetricData"), calls, "the second is answered from the cache");
}

#[tokio::test(flavor = "multi_thread")]
async fn cost_flags_a_function_whose_compute_is_several_times_its_usual() {
    let front = CloudWatchFront::start(&support::aws_endpoint()).await;
    let world = World::connect(&front.url()).await;
    let function = format!("loop-api-{}", unique("anomaly"));
    world.function(&function, Runtime::Python312).await;
    let now = Utc::now();
    // A week at 1,000 ms of compute a day, then 5,000 ms today: a retry loop, say.
    let days: Vec<(DateTime<Utc>, Vec<f64>)> =
        (1..=7).map(|day| (now - Duration::days(day) - Duration::hours(1), vec![1000.0])).collect();
    world.metric(&function, "Duration", StandardUnit::Milliseconds, &days).await;
    world.metric(&function, "Duration", StandardUnit::Milliseconds, &[(now - Duration::hours(1), vec![5000.0])]).await;
    let lines = invocation_lines(Lang::Python, 1, now - Duration::hours(1));
    world.log(&function, &lines).await;
    let seeded = Seeded {
        functions: vec![],
        throttled: String::new(),
        dir: tempfile::tempdir().unwrap(),
        front,
        aws_extra: String::new(),
    };

    let output = seeded.ask_as(&format!("/cost {function} since:24h"), "text");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains(&format!("{function}: compute ×5.0 its usual")), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn cost_explorer_actuals_appear_beside_the_estimate_when_turned_on() {
    let mut seeded = seed().await;
    let (_, function) = seeded.functions[0].clone();
    let today = Utc::now().date_naive();
    let results = serde_json::json!({"results": [{"ResultsByTime": [
        {"TimePeriod": {"Start": (today - Duration::days(1)).to_string(), "End": today.to_string()},
         "Total": {"UnblendedCost": {"Amount": "1.25", "Unit": "USD"}}, "Groups": [], "Estimated": false},
        {"TimePeriod": {"Start": today.to_string(), "End": (today + Duration::days(1)).to_string()},
         "Total": {"UnblendedCost": {"Amount": "0.50", "Unit": "USD"}}, "Groups": [], "Estimated": true}
    ]}]});
    reqwest::Client::new()
        .post(format!("{}/moto-api/static/ce/cost-and-usage-results", support::aws_endpoint()))
        .header("content-type", "application/json")
        .body(results.to_string())
        .send()
        .await
        .expect("load Cost Explorer results into moto");
    seeded.aws_extra = "cost_explorer = true".into();

    let text =
        String::from_utf8_lossy(&seeded.ask_as(&format!("/cost {function} since:24h"), "text").stdout).into_owned();
    assert!(text.contains("Cost Explorer, actual for all of Lambda on") && text.contains("$1.75 USD"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_insights_and_the_scan_give_the_same_answers() {
    let mut seeded = seed().await;
    let logs = World::connect(&seeded.front.url()).await.logs;
    for (lang, function) in seeded.functions.clone() {
        let before = insights_queries(&logs, &function).await;
        seeded.aws_extra = "logs_engine = \"insights\"".into();
        let through_insights: Vec<Value> = ["/errors", "/coldstarts", "/cost"]
            .iter()
            .map(|command| seeded.ask_json(&format!("{command} {function} since:24h")))
            .collect();
        let after_insights = insights_queries(&logs, &function).await;
        seeded.aws_extra = "logs_engine = \"scan\"".into();
        let through_scan: Vec<Value> = ["/errors", "/coldstarts", "/cost"]
            .iter()
            .map(|command| seeded.ask_json(&format!("{command} {function} since:24h")))
            .collect();
        assert_eq!(through_insights, through_scan, "{lang:?}");
        assert!(after_insights > before, "{lang:?}: logs_engine = \"insights\" reads through Logs Insights");
        let after_scan = insights_queries(&logs, &function).await;
        assert_eq!(after_scan, after_insights, "{lang:?}: logs_engine = \"scan\" starts no Logs Insights query");
    }
}

/// How many Logs Insights queries moto has run over the function's log group.
async fn insights_queries(logs: &aws_sdk_cloudwatchlogs::Client, function: &str) -> usize {
    let group = format!("/aws/lambda/{function}");
    logs.describe_queries().log_group_name(group).send().await.expect("DescribeQueries").queries().len()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_custom_command_from_config_runs_its_query_over_the_named_functions_logs() {
    let front = CloudWatchFront::start(&support::aws_endpoint()).await;
    let world = World::connect(&front.url()).await;
    let function = format!("orders-api-{}", unique("custom"));
    world.function(&function, Runtime::Python312).await;
    let at = Utc::now() - Duration::minutes(20);
    world
        .log(
            &function,
            &[(at, "order 42 took 1800 ms".into()), (at + Duration::seconds(1), "order 43 took 90 ms".into())],
        )
        .await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("opspod.toml");
    std::fs::write(
        &config,
        "[channels.team]\n[channels.oncall]\n[aws]\nregions = [\"us-east-1\"]\n\n[[commands]]\nname = \"slow-orders\"\n\
         description = \"orders slower than a threshold\"\nlog_groups = [\"/aws/lambda/{function}\"]\n\
         query = \"fields @timestamp, @message | filter @message like {text} | limit 20\"\n\
         options = [{ name = \"function\", kind = \"function\" }, { name = \"text\", kind = \"text\" }]\n",
    )
    .unwrap();
    let ask = |line: String| opspod_ask(&config, &front, "json", &line);

    let output = ask(format!("/slow-orders function:{function} text:\"took\" since:1h"));
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let rows: Value = serde_json::from_slice(&output.stdout).unwrap();
    let messages: Vec<&str> = rows.as_array().unwrap().iter().filter_map(|row| row["@message"].as_str()).collect();
    assert!(messages.contains(&"order 42 took 1800 ms"), "{rows}");

    let refused = ask(format!("/slow-orders function:{function}/../x text:took"));
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("`function` must be"),
        "a value is checked before AWS is asked"
    );
}
