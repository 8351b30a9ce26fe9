//! AWS text never produces a live mention: alarm descriptions and reasons, Health descriptions and affected
//! entities, function names and log lines full of `@everyone`, `<@…>` and bidi overrides reach Discord broken, and
//! every request the bot sends admits only the configured roles and users in `allowed_mentions`.

#[path = "support/mention_harness.rs"]
mod mention_harness;
mod support;

use chrono::{DateTime, Utc};
use mention_harness::{DANA, Harness, ONCALL, ONCALL_ROLE, TEAM, harness, mention_problems, texts};
use serde_json::{Value, json};
use support::cbor_front::CloudWatchFront;
use support::events;
use support::fake_discord::Actor;
use support::lambda_world::World;

/// Every way text can ping or mislead: mass mentions, user/role/channel mentions (also the nickname form), a
/// right-to-left override that makes `exe.txt` read as `txt.exe`, and zero-width joiners inside mention syntax.
const HOSTILE: &str = "@everyone @here <@123> <@!124> <@&456> <#789> \u{202E}txt.exe\u{202C} zero\u{200D}width @\u{200D}here <\u{200D}@125>";

fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

/// An alarm event whose description and reason are hostile. Without `reasonData` the message shows the reason.
fn hostile_alarm(name: &str, function: &str, state: &str, at: DateTime<Utc>) -> String {
    let mut event: Value = serde_json::from_str(&events::alarm(name, function, state, &time(at))).unwrap();
    event["detail"]["configuration"]["description"] = json!(format!("Errors on {function}: {HOSTILE}"));
    event["detail"]["state"]["reason"] = json!(format!("Threshold Crossed: {HOSTILE}"));
    event["detail"]["state"].as_object_mut().unwrap().remove("reasonData");
    event.to_string()
}

/// A Health event whose description, affected entity values and tags are hostile, naming `function` too.
fn hostile_health(id: &str, function: &str) -> String {
    let mut event: Value = serde_json::from_str(&events::health(id, "open", "Fri, 20 Nov 2026 14:05:00 GMT")).unwrap();
    let detail = &mut event["detail"];
    detail["eventDescription"][0]["latestDescription"] =
        json!(format!("Increased error rates. {HOSTILE}\n\nMore: {HOSTILE}"));
    detail["affectedEntities"] = json!([
        {"entityValue": format!("arn:aws:lambda:us-east-1:210987654321:function:{HOSTILE}")},
        {"entityValue": "<@&456>", "tags": {"team": "@everyone"}},
        {"entityValue": format!("arn:aws:lambda:us-east-1:210987654321:function:{function}"), "tags": {"owner": "<@123>"}},
    ]);
    event.to_string()
}

/// START, a Python error whose message and traceback path are hostile, END and REPORT.
fn invocation(at: DateTime<Utc>, request: &str) -> Vec<(DateTime<Utc>, String)> {
    let ms = |n: i64| at + chrono::Duration::milliseconds(n);
    let error = format!(
        "[ERROR] ValueError: notify {HOSTILE}\nTraceback (most recent call last):\n  \
         File \"/var/task/<@123>/@everyone.py\", line 12, in handler\n    raise ValueError(msg)\n"
    );
    vec![
        (at, format!("START RequestId: {request} Version: 1")),
        (ms(5), error),
        (ms(9), format!("END RequestId: {request}")),
        (
            ms(10),
            format!(
                "REPORT RequestId: {request}\tDuration: 9.50 ms\tBilled Duration: 10 ms\tMemory Size: 512 MB\tMax Memory Used: 80 MB"
            ),
        ),
    ]
}

/// Every problem in every request the bot sent so far.
fn problems(h: &Harness) -> Vec<String> {
    h.fake.requests().iter().flat_map(mention_problems).collect()
}

/// Every user-visible text the bot sent so far.
fn all_texts(h: &Harness) -> Vec<String> {
    h.fake.requests().iter().filter_map(mention_harness::message_of).flat_map(|message| texts(&message)).collect()
}

struct HostileLogs {
    _front: CloudWatchFront,
    function: String,
}

/// moto with a function whose recent logs carry hostile errors, AWS pointed at it.
async fn hostile_world() -> HostileLogs {
    let front = CloudWatchFront::start(&support::aws_endpoint()).await;
    support::point_aws_at_moto(&front.url());
    let world = World::connect(&front.url()).await;
    let function = format!("checkout-api-{}", support::run::unique("mention"));
    world.function(&function, aws_sdk_lambda::types::Runtime::Python312).await;
    let start = Utc::now() - chrono::Duration::minutes(8);
    let lines: Vec<_> =
        (0..6).flat_map(|n| invocation(start + chrono::Duration::seconds(n * 20), &format!("req-{n:04}"))).collect();
    world.log(&function, &lines).await;
    HostileLogs { _front: front, function }
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_aws_text_reaches_discord_broken_and_only_configured_mentions_are_allowed() {
    let world = hostile_world().await;
    let function = &world.function;
    let h = harness().await;
    let now = Utc::now() - chrono::Duration::minutes(1);
    let critical = format!("{function}-critical <@&456> @here");

    // An alarm opens (critical: it notifies @payments and @oncall), a changed reason updates it in its thread,
    // a function named with `@` fires, and a Health event arrives.
    h.ingest(&[hostile_alarm(&critical, function, "ALARM", now)]).await;
    h.deliver().await;
    h.ingest(&[
        hostile_alarm(&critical, function, "INSUFFICIENT_DATA", now + chrono::Duration::seconds(30)),
        hostile_alarm("billing@everyone-errors", "billing@everyone", "ALARM", now),
        hostile_health(&support::run::unique("health"), function),
    ])
    .await;
    h.deliver().await;
    h.enrich().await;
    let oncall = h.fake.messages(ONCALL).into_iter().find(|m| !m.via_webhook).expect("the critical alarm's post");
    let ack = format!("opspod:ack:{}", oncall.embeds[0]["footer"]["text"].as_str().unwrap());
    let dana = Actor { guild_id: 1_100, channel_id: ONCALL, user_id: DANA, username: "dana", roles: &[ONCALL_ROLE] };
    h.fake.send_interaction(h.fake.button_press(dana, &oncall.object, &ack)).await;
    support::bot::eventually(std::time::Duration::from_secs(10), "the ack", || async {
        !h.fake.interaction_responses().is_empty()
    })
    .await;
    h.deliver().await;
    let incident = h.slash("incident", json!([])).await;
    let errors = h.slash("errors", json!([{"name": "function", "type": 3, "value": function}])).await;
    let alarms = h.slash("alarms", json!([])).await;
    let health = h.slash("health", json!([])).await;

    // The hostile text did reach Discord, broken, so the checks below are about real content.
    let sent = all_texts(&h).join("\n");
    assert!(sent.contains("@\u{200B}everyone"), "the hostile text was shown, broken:\n{sent}");
    assert!(sent.contains("txt.exe") && sent.contains("billing@"), "{sent}");
    let post = h.fake.messages(ONCALL).into_iter().find(|m| !m.via_webhook).unwrap();
    assert_eq!(post.content, format!("<@&{}> <@&{ONCALL_ROLE}>", mention_harness::PAYMENTS_ROLE));
    let described = post.embeds[0]["description"].as_str().unwrap();
    assert!(described.contains("Top errors in the logs"), "the context from the hostile logs is in: {described}");
    assert!(!h.fake.thread_messages(post.id).is_empty(), "the INSUFFICIENT_DATA reason went to the thread");
    assert!(h.fake.messages(TEAM).len() >= 2, "the `@` function's alarm and the Health event were posted");
    for (command, answer) in
        [("/incident", &incident), ("/errors", &errors), ("/alarms", &alarms), ("/health", &health)]
    {
        assert!(!answer_text(answer).is_empty(), "{command} answered with text: {answer}");
    }
    assert!(answer_text(&errors).contains("ValueError"), "/errors read the hostile logs: {}", answer_text(&errors));
    assert!(answer_text(&incident).contains(function.as_str()), "{}", answer_text(&incident));

    // Every post, edit, thread note and command answer (callbacks and follow-ups) is checked here.
    let problems = problems(&h);
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn event_fields_aws_fills_in_itself_cannot_mention_anyone_either() {
    // Anyone who may send to the queue can forge these, so they are as untrusted as a description.
    let world = hostile_world().await;
    let h = harness().await;
    let now = Utc::now() - chrono::Duration::minutes(1);
    let forged = |name: &str, function: &str| {
        let mut alarm: Value = serde_json::from_str(&hostile_alarm(name, function, "ALARM", now)).unwrap();
        alarm["region"] = json!("us-east-1 @everyone");
        alarm["account"] = json!("<@&456>");
        let metric = &mut alarm["detail"]["configuration"]["metrics"][0]["metricStat"]["metric"];
        metric["namespace"] = json!("AWS/<#789>");
        metric["name"] = json!("Errors @here");
        alarm
    };
    // Two alarms in one (forged) namespace, region and account within minutes make a storm message, whose
    // title names that place.
    let alarm = forged("checkout-x-errors", &world.function);
    let storm_mate = forged("checkout-y-errors", "checkout-y");
    let mut health: Value = serde_json::from_str(&hostile_health("forged", &world.function)).unwrap();
    health["detail"]["service"] = json!("LAMBDA @everyone");
    health["detail"]["eventTypeCode"] = json!("AWS_LAMBDA_<@&456>_ISSUE");
    health["detail"]["eventRegion"] = json!("us-east-1 <#789>");
    let mut abuse: Value = serde_json::from_str(&hostile_health("abuse", &world.function)).unwrap();
    abuse["detail-type"] = json!("AWS Health Abuse Event");
    abuse["detail"]["eventTypeCode"] = json!("AWS_ABUSE_<@123>_REPORT @here");

    h.ingest(&[alarm.to_string(), storm_mate.to_string(), health.to_string(), abuse.to_string()]).await;
    h.deliver().await;
    h.enrich().await;
    let incident = h.slash("incident", json!([])).await;
    let alarms = h.slash("alarms", json!([])).await;
    let health = h.slash("health", json!([])).await;

    let posted = h.fake.requests().iter().filter(|r| r.route().starts_with("POST /channels/")).count();
    assert!(posted >= 3, "the forged events were posted: {posted}");
    for (command, answer) in [("/incident", &incident), ("/alarms", &alarms), ("/health", &health)] {
        assert!(!answer_text(answer).is_empty(), "{command} answered with text: {answer}");
    }
    // Every post, edit, thread note and command answer (callbacks and follow-ups) is checked here.
    let problems = problems(&h);
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

/// The text of an interaction answer: a callback's `data.content`, or a follow-up's `content`, with its embeds.
fn answer_text(answer: &Value) -> String {
    let message = if answer.get("data").is_some() { &answer["data"] } else { answer };
    texts(message).join("\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_command_arguments_come_back_in_errors_that_cannot_mention_anyone() {
    let _world = hostile_world().await;
    let h = harness().await;
    let option = |name: &str| json!({"name": name, "type": 3, "value": HOSTILE});
    let asked = [
        ("errors", json!([option("since")])),
        ("errors", json!([option("function")])),
        ("coldstarts", json!([option("since")])),
        ("cost", json!([option("since")])),
        ("bugreport", json!([option("function")])),
        ("incident", json!([option("id")])),
        ("silence", json!([option("alarm"), option("for")])),
        ("silence", json!([option("remove")])),
        ("oncall", json!([option("handover")])),
        ("digest", json!([option("team")])),
        ("digest", json!([option("since")])),
        ("run", json!([option("command")])),
        ("run", json!([{"name": "command", "type": 3, "value": "recent-errors"}, option("options")])),
        // An option of the wrong type, as a stale command registration sends it.
        ("errors", json!([{"name": "since", "type": 4, "value": 7}])),
    ];
    for (command, options) in asked {
        let answer = h.slash(command, options.clone()).await;
        assert!(!answer_text(&answer).is_empty(), "/{command} {options} answered with text: {answer}");
    }

    let problems = problems(&h);
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}
