//! Outages of what opspod depends on, at length, with `opspod run` as a process: AWS failing every call for a
//! while (the pollers back off, alerts still go out, without their context, and everything recovers), and
//! Discord unreachable for five minutes (everything is delivered afterwards, in order, once).

mod support;

use std::time::{Duration, Instant};

use aws_sdk_cloudwatch::types::StateValue;
use aws_sdk_lambda::types::Runtime;
use chrono::Utc;
use support::aws::Aws;
use support::aws_relay::AwsRelay;
use support::bot::{Bot, eventually};
use support::cbor_front::{CloudWatchFront, HealthFake};
use support::events;
use support::fake_discord::FakeDiscord;
use support::lambda_world::World;
use support::run::{transcript, unique};

/// How long AWS fails every call in the AWS test.
const AWS_OUTAGE: Duration = Duration::from_secs(40);

/// How long Discord is down: five minutes, unless `OPSPOD_TEST_DISCORD_OUTAGE_SECONDS` shortens it while one
/// works on this test.
fn discord_outage() -> Duration {
    let seconds = std::env::var("OPSPOD_TEST_DISCORD_OUTAGE_SECONDS").ok().and_then(|s| s.parse().ok());
    Duration::from_secs(seconds.unwrap_or(300))
}

const GUILD: u64 = 3_100;
const TEAM: u64 = 3_101;
const ONCALL: u64 = 3_102;

fn aws_config(dir: &std::path::Path, database: &str, queue: &str) -> std::path::PathBuf {
    let path = dir.join("opspod.toml");
    std::fs::write(
        &path,
        format!(
            r#"[store]
database = "{database}"

[channels.team]
[channels.oncall]

# One message per alarm: this test is about each alert getting out, not storm grouping.
[grouping]
by = "off"

[aws]
regions = ["us-east-1"]
alarm_poll_seconds = 1
health_poll_seconds = 1
enrich_seconds = 10

[sqs]
queues = ["{queue}"]
wait_seconds = 1
visibility_timeout_seconds = 5
"#
        ),
    )
    .unwrap();
    path
}

/// CloudWatch, Health, Lambda and Logs all answering 5xx, or all back.
fn aws_down(front: &CloudWatchFront, health: &HealthFake, relay: &AwsRelay, down: bool) {
    front.set_down(down);
    health.set_down(down);
    relay.set_down(down);
}

/// The console's last block about `function`, or "".
fn last_block<'a>(out: &'a str, function: &str) -> &'a str {
    out.split("\n#").filter(|block| block.contains(function)).last().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread")]
async fn while_aws_fails_every_call_pollers_back_off_alerts_go_out_without_context_and_all_recovers() {
    let front = CloudWatchFront::start(&support::aws_endpoint()).await;
    let health = HealthFake::start().await;
    let relay = AwsRelay::start(&support::aws_endpoint()).await;
    let world = World::connect(&front.url()).await;
    let aws = Aws::connect().await;
    let queue = aws.queue_fed_by_a_rule(&unique("aws-outage")).await;
    let prefix = unique("out");
    let (during, after) = (format!("checkout-api-{prefix}"), format!("search-api-{prefix}"));
    for function in [&during, &after] {
        world.function(function, Runtime::Python312).await;
        world.errors_alarm(&format!("{function}-errors"), function, 5.0).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("opspod.db").display());
    let config = aws_config(dir.path(), &database, &queue.url);
    let bot = Bot::start_with(
        &config,
        &dir.path().join("run.out"),
        &[
            ("AWS_ENDPOINT_URL_CLOUDWATCH", &front.url()),
            ("AWS_ENDPOINT_URL_HEALTH", &health.url()),
            ("AWS_ENDPOINT_URL_LAMBDA", &relay.url()),
            ("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", &relay.url()),
        ],
    );
    support::run::wait_for_alarm_baseline(&database).await;

    // AWS goes down: CloudWatch, Health, Lambda and Logs answer 5xx to every call; SQS still delivers.
    aws_down(&front, &health, &relay, true);
    let outage = Instant::now();
    let polls_before = front.calls("DescribeAlarms");
    let now = Utc::now().format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string();
    aws.publish(&queue, &support::events::alarm(&format!("{during}-errors"), &during, "ALARM", &now)).await;
    eventually(Duration::from_secs(30), "the alert posted during the outage", || async {
        transcript(&bot.stdout).contains(&format!("{during} · Errors ≥ 5"))
    })
    .await;
    let posted_after = outage.elapsed();
    eventually(Duration::from_secs(40), "the alert's context given up on", || async {
        last_block(&transcript(&bot.stdout), &during).contains("Not available")
    })
    .await;
    tokio::time::sleep(AWS_OUTAGE.saturating_sub(outage.elapsed())).await;
    let polls_during = front.calls("DescribeAlarms") - polls_before;

    aws_down(&front, &health, &relay, false);
    let recovery = Instant::now();
    let reason = "Threshold Crossed: 1 datapoint [8.0] was greater than or equal to the threshold (5.0).";
    world.set_state(&format!("{after}-errors"), StateValue::Alarm, reason, None).await;
    eventually(Duration::from_secs(120), "the poller to see an alarm again after the outage", || async {
        transcript(&bot.stdout).contains(&format!("{after} · Errors ≥ 5"))
    })
    .await;
    let recovered_after = recovery.elapsed();
    eventually(Duration::from_secs(60), "context for the alert after the outage", || async {
        last_block(&transcript(&bot.stdout), &after).contains("Last deploy: v1")
    })
    .await;
    let out = transcript(&bot.stdout);
    let log = bot.stderr();
    bot.stop();

    let during_block = last_block(&out, &during);
    assert!(during_block.contains("Not available: "), "the alert says what it could not gather:\n{during_block}");
    assert!(!during_block.contains("Last deploy"), "{during_block}");
    // Polling every second without backing off, each poll's three attempts included, fails 15 times or more.
    let failed_polls = log.matches("The alarm poller for default/us-east-1 backs off").count();
    assert!((2..=8).contains(&failed_polls), "{failed_polls} failed polls in {AWS_OUTAGE:?} of outage:\n{log}");
    assert!(log.contains("The alarm poller for default/us-east-1 works again"), "{log}");
    assert!(relay.refused() > 0, "Lambda and Logs were called, and refused, during the outage");
    let unavailable = during_block.lines().find(|line| line.contains("Not available")).unwrap_or_default().trim();
    println!(
        "aws outage of {AWS_OUTAGE:?}: alert posted {posted_after:?} after it began, with \"{unavailable}\"; \
         {failed_polls} failed alarm polls ({polls_during} DescribeAlarms calls with the SDK's retries); {} \
         Lambda/Logs calls refused; a new alarm polled and posted {recovered_after:?} after AWS came back",
        relay.refused()
    );
}

fn discord_config(
    dir: &std::path::Path,
    database: &str,
    queue: &str,
    fake: &FakeDiscord,
    health: u16,
) -> std::path::PathBuf {
    let path = dir.join("opspod.toml");
    std::fs::write(
        &path,
        format!(
            r#"[store]
database = "{database}"

[channels.team]
discord_id = {TEAM}
[channels.oncall]
discord_id = {ONCALL}

[mentions]
oncall = "role:3200"

[discord]
guild_id = {GUILD}
api_base_url = "{}"
responders = ["@oncall"]

# One message per alarm, so that the order of the channel is the order of the alarms.
[grouping]
by = "off"

[aws]
enabled = false

[sqs]
queues = ["{queue}"]
wait_seconds = 1
visibility_timeout_seconds = 5

[health]
listen = "127.0.0.1:{health}"
"#,
            fake.base_url()
        ),
    )
    .unwrap();
    path
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn healthz(port: u16) -> Option<serde_json::Value> {
    let response = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await.ok()?;
    serde_json::from_str(&response.text().await.ok()?).ok()
}

fn title(message: &support::fake_discord::FakeMessage) -> String {
    message.embeds.first().and_then(|embed| embed["title"].as_str()).unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn after_five_minutes_without_discord_every_alert_is_delivered_in_order_and_once() {
    let outage = discord_outage();
    let fake = FakeDiscord::start().await;
    fake.add_channel(GUILD, TEAM, "team");
    fake.add_channel(GUILD, ONCALL, "oncall");
    fake.limit_channel_posts(5, Duration::from_secs(5));
    let aws = Aws::connect().await;
    let queue = aws.queue_fed_by_a_rule(&unique("discord-outage")).await;
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("opspod.db").display());
    let health = free_port();
    let config = discord_config(dir.path(), &database, &queue.url, &fake, health);
    let bot = Bot::start_with(&config, &dir.path().join("run.out"), &[("DISCORD_TOKEN", "outage-token")]);
    assert!(fake.wait_for_ready(Duration::from_secs(30)).await, "the bot connects to Discord:\n{}", bot.stderr());
    eventually(Duration::from_secs(30), "the bot to read SQS", || async {
        bot.stderr().contains("Reading events from SQS")
    })
    .await;

    // Discord goes down; alarms keep firing through the outage, and some recover before it ends.
    fake.set_down(true);
    let (down_at, requests_before) = (Instant::now(), fake.requests().len());
    let functions: Vec<String> = (0..10).map(|n| format!("outage-fn-{n}")).collect();
    let start = Utc::now();
    let stamp =
        |seconds: i64| (start + chrono::Duration::seconds(seconds)).format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string();
    let spacing = outage / 12;
    for (n, function) in functions.iter().enumerate() {
        let at = stamp(spacing.as_secs() as i64 * n as i64);
        aws.publish(&queue, &events::alarm(&format!("{function}-errors"), function, "ALARM", &at)).await;
        tokio::time::sleep(spacing).await;
    }
    for function in &functions[..3] {
        let at = stamp(outage.as_secs() as i64);
        aws.publish(&queue, &events::alarm(&format!("{function}-errors"), function, "OK", &at)).await;
    }
    eventually(Duration::from_secs(30), "every event stored while Discord is down", || async {
        support::run::stored(&database).await.is_some_and(|(events, _, _, _)| events == 13)
    })
    .await;
    let during = healthz(health).await.expect("/healthz answers during the outage");
    tokio::time::sleep(outage.saturating_sub(down_at.elapsed())).await;
    assert!(fake.messages(TEAM).is_empty(), "nothing reached the channel while Discord was down");
    let refused = fake.requests().len() - requests_before;

    fake.set_down(false);
    let back = Instant::now();
    eventually(Duration::from_secs(180), "the outbox to drain after Discord is back", || async {
        support::run::stored(&database).await.is_some_and(|(_, _, _, pending)| pending == 0)
    })
    .await;
    let drained = back.elapsed();
    let messages = fake.messages(TEAM);
    let log = bot.stderr();
    bot.stop();

    let titles: Vec<String> = messages.iter().map(title).collect();
    let alert = |function: &String| format!("{function} · Errors ≥ 5 · us-east-1 · 210987654321");
    assert_eq!(titles.len(), functions.len(), "one message per alarm, nothing twice: {titles:#?}");
    for (n, (title, function)) in titles.iter().zip(&functions).enumerate() {
        let recovered = n < 3;
        let expected = if recovered {
            format!("✅ {} · resolved after", alert(function))
        } else {
            format!("🔴 {}", alert(function))
        };
        assert!(
            title.starts_with(&expected),
            "message {n} is {title:?}, not {expected:?}: in the order the alarms fired"
        );
        let notes = messages[n].thread_id.map(|thread| fake.thread_messages(thread)).unwrap_or_default();
        assert_eq!(notes.len(), usize::from(recovered), "{function}'s thread: {notes:#?}");
    }
    assert_eq!(during["status"], "degraded", "/healthz during the outage: {during}");
    assert!(during["outbox_depth"].as_i64().unwrap_or(0) > 0, "{during}");
    assert!(during["last_delivery_error"].as_str().is_some_and(|error| !error.is_empty()), "{during}");
    assert!(!log.contains("gave up"), "nothing was given up during the outage:\n{log}");
    println!(
        "discord outage of {outage:?}: {refused} requests answered 503 meanwhile; 13 events stored during it; \
         10 messages ({} edits) and 3 thread lines delivered in order {drained:?} after Discord came back",
        messages.iter().map(|message| message.edit_count).sum::<u32>()
    );
}
