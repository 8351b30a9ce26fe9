//! A storm through the whole path: thousands of alarm transitions arriving in SQS-sized batches while the outbox
//! delivers to the real serenity client against the fake Discord, which answers 429 to a sixth post within 5 s.
//! The channel gets one message per storm group (plus its edits and a thread), nothing is lost, nothing draws a
//! 429, and the outbox is empty soon after the storm ends.

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use opspod::app::App;
use opspod::chat::discord::connect;
use opspod::pipeline::{Input, Payload};
use support::events;
use support::fake_discord::FakeDiscord;
use tokio_util::sync::CancellationToken;

const GUILD: u64 = 2_100;
const TEAM: u64 = 2_101;
const ONCALL: u64 = 2_102;

fn config(base_url: &str) -> String {
    format!(
        "[channels.team]\ndiscord_id = {TEAM}\n[channels.oncall]\ndiscord_id = {ONCALL}\n\
         [mentions]\noncall = \"role:2200\"\n\
         [discord]\nguild_id = {GUILD}\napi_base_url = \"{base_url}\"\nresponders = [\"@oncall\"]\n[aws]\nenabled = false\n"
    )
}

/// The `n`th transition of the storm: function `n % functions` flips between ALARM and OK.
fn transition(n: usize, functions: usize, start: DateTime<Utc>) -> String {
    let function = format!("storm-fn-{:03}", n % functions);
    let flip = n / functions;
    let state = if flip.is_multiple_of(2) { "ALARM" } else { "OK" };
    let at = start + chrono::Duration::milliseconds(n as i64 * 7);
    events::alarm(&format!("{function}-errors"), &function, state, &at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_storm_of_2000_transitions_over_100_functions_is_one_message_with_no_429_and_no_backlog() {
    let fake = FakeDiscord::start().await;
    fake.add_channel(GUILD, TEAM, "team");
    fake.add_channel(GUILD, ONCALL, "oncall");
    fake.limit_channel_posts(5, Duration::from_secs(5));
    let env = BTreeMap::from([("DISCORD_TOKEN".to_string(), "test-token".to_string())]);
    let loaded = opspod::config::load_str(&config(&fake.base_url()), "storm.toml", &env).expect("config");
    let db = support::SqliteDb::new();
    let app = App::open(&loaded, Some(&db.url)).await.expect("app");
    let stop = CancellationToken::new();
    let connected = connect::start(
        &loaded.config,
        loaded.config.discord.as_ref().unwrap(),
        loaded.secrets.discord_token.as_ref().unwrap(),
        &app,
        stop.clone(),
    );
    assert!(fake.wait_for_ready(Duration::from_secs(5)).await, "the bot connects");
    let delivery = app.delivery(connected.sink);
    let ready = app.pipeline.outbox_ready();
    let delivering = tokio::spawn({
        let stop = stop.clone();
        async move { delivery.run(ready, stop).await }
    });

    let (transitions, functions) = (2_000, 100);
    let start = Utc::now();
    let began = Instant::now();
    for batch in (0..transitions).collect::<Vec<_>>().chunks(10) {
        let inputs: Vec<Input> = batch
            .iter()
            .map(|&n| Input {
                source: "sqs".into(),
                origin: format!("storm#{n}"),
                payload: Payload::Raw(transition(n, functions, start).into_bytes()),
            })
            .collect();
        app.pipeline.ingest(&inputs).await.expect("every batch is stored");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let storm_took = began.elapsed();
    let ended = Instant::now();
    while app.store.pending_outbox().await.unwrap() > 0 {
        if ended.elapsed() > Duration::from_secs(30) {
            let pending: Vec<(String, i64, Option<String>)> = sqlx::query_as(
                "SELECT op, COUNT(*), MAX(last_error) FROM outbox WHERE sent_at IS NULL AND given_up_at IS NULL GROUP BY op",
            )
            .fetch_all(&sqlx::SqlitePool::connect(&db.url).await.unwrap())
            .await
            .unwrap();
            panic!("a backlog remains 30 s after the storm ({storm_took:?}): {pending:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let drained = ended.elapsed();
    stop.cancel();
    let _ = delivering.await;

    assert_eq!(app.store.event_count().await.unwrap(), transitions as i64, "every transition is stored");
    let channel = format!("/channels/{TEAM}/messages");
    let requests = fake.requests();
    let posts = requests.iter().filter(|r| r.method == "POST" && r.path == channel).count();
    let messages: Vec<_> = fake.messages(TEAM).into_iter().filter(|m| !m.via_webhook).collect();
    assert_eq!(
        messages.len(),
        1,
        "one message for the storm group: {:#?}",
        messages.iter().map(|m| &m.embeds).collect::<Vec<_>>()
    );
    assert_eq!(posts, 1, "no post was refused with a 429");
    let title = messages[0].embeds[0]["title"].as_str().unwrap().to_owned();
    assert!(title.ends_with("Storm: 100 alarms · AWS/Lambda · us-east-1 · 210987654321"), "{title}");
    let edits = requests.iter().filter(|r| r.method == "PATCH" && r.path.starts_with(&channel)).count();
    let thread_lines: usize = requests
        .iter()
        .filter(|r| {
            r.method == "POST" && r.path.starts_with("/channels/") && r.path != channel && r.path.ends_with("/messages")
        })
        .count();
    println!(
        "storm: {transitions} transitions over {functions} functions in {storm_took:?}: 1 post, {edits} edits, \
         {thread_lines} thread messages; outbox empty {drained:?} after the last batch"
    );
    assert!(
        edits + thread_lines < 200,
        "the storm is summarised, not replayed: {edits} edits, {thread_lines} thread lines"
    );
}

#[tokio::test]
async fn acknowledging_a_storm_message_acknowledges_every_alarm_it_shows() {
    let (store, _db) = support::sqlite_store().await;
    let pipeline = opspod::pipeline::Pipeline::new(
        store.clone(),
        opspod::pipeline::Rules::default(),
        std::sync::Arc::new(opspod::ports::SystemClock),
    );
    let start = Utc::now();
    let inputs: Vec<Input> = (0..3)
        .map(|n| Input {
            source: "test".into(),
            origin: format!("t{n}"),
            payload: Payload::Raw(transition(n, 3, start).into_bytes()),
        })
        .collect();
    let reports = pipeline.ingest(&inputs).await.unwrap();
    let incidents: Vec<String> = reports
        .iter()
        .map(|outcome| match outcome {
            opspod::pipeline::Outcome::Accepted(report) => report.incident.clone().unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    let dana = opspod::interventions::Actor { id: "discord:7".into(), display: "<@7>".into() };
    let ack = opspod::domain::lifecycle::Intervention::Acknowledge;
    let reply = opspod::interventions::apply(&store, &incidents[0], ack, &dana, "button", Utc::now()).await.unwrap();
    assert!(reply.text().ends_with("and the 2 other alarms of its storm."), "{}", reply.text());
    for incident in &incidents {
        assert_eq!(store.incident(incident).await.unwrap().unwrap().status.as_str(), "acknowledged");
    }
    let member_timeline = store.timeline(&incidents[2]).await.unwrap();
    assert_eq!(
        member_timeline.last().unwrap().note,
        format!("Acknowledged by <@7> (from the storm message of {})", incidents[0])
    );
}
