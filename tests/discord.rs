//! opspod on Discord: the real serenity client against the fake Discord, asserting on what the bot sent.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use opspod::app::App;
use opspod::chat::context::with_context;
use opspod::chat::discord::connect;
use opspod::chat::message::{Message, Note};
use opspod::delivery::Delivery;
use opspod::domain::context::{Context, LambdaStats, MetricSeries};
use opspod::pipeline::{Input, Payload};
use opspod::store::{EnrichmentWrite, Finished};
use serde_json::Value;
use support::bot::eventually;
use support::events;
use support::fake_discord::{Actor, Failure, FakeDiscord, FakeMessage};
use tokio_util::sync::CancellationToken;

const GUILD: u64 = 1_100;
const TEAM: u64 = 1_101;
const ONCALL: u64 = 1_102;
const ONCALL_ROLE: u64 = 1_200;
const PAYMENTS_ROLE: u64 = 1_201;
const DANA: u64 = 1_300;
const EVE: u64 = 1_301;

const T1: &str = "2026-11-20T14:02:11.000+0000";
const T2: &str = "2026-11-20T14:31:05.000+0000";

struct Harness {
    fake: FakeDiscord,
    app: App,
    delivery: Delivery,
    stop: CancellationToken,
    _db: support::SqliteDb,
}

fn config(base_url: &str, extra: &str) -> String {
    format!(
        "[channels.team]\ndiscord_id = {TEAM}\n[channels.oncall]\ndiscord_id = {ONCALL}\n\
         [mentions]\noncall = \"role:{ONCALL_ROLE}\"\npayments = \"role:{PAYMENTS_ROLE}\"\n\
         [routing]\noncall_mention = \"@oncall\"\ncritical_alarms = [\"*critical*\"]\n\
         [[owners]]\nteam = \"payments\"\nmention = \"@payments\"\nresources = [\"checkout-*\"]\n\
         [grouping]\nby = \"off\"\n\
         [discord]\nguild_id = {GUILD}\napi_base_url = \"{base_url}\"\nresponders = [\"@oncall\"]\n{extra}"
    )
}

async fn harness() -> Harness {
    harness_with("").await
}

/// The harness with more config appended.
async fn harness_with(extra: &str) -> Harness {
    let fake = FakeDiscord::start().await;
    fake.add_channel(GUILD, TEAM, "team");
    fake.add_channel(GUILD, ONCALL, "oncall");
    fake.add_role(GUILD, ONCALL_ROLE, "oncall");
    fake.add_member(GUILD, DANA, "dana", &[ONCALL_ROLE]);
    fake.add_member(GUILD, EVE, "eve", &[]);
    let env = BTreeMap::from([("DISCORD_TOKEN".to_string(), "test-token".to_string())]);
    let loaded = opspod::config::load_str(&config(&fake.base_url(), extra), "test.toml", &env).expect("config");
    let db = support::SqliteDb::new();
    let app = App::open(&loaded, Some(&db.url)).await.expect("app");
    let stop = CancellationToken::new();
    let discord = loaded.config.discord.as_ref().unwrap();
    let token = loaded.secrets.discord_token.as_ref().unwrap();
    let connected = connect::start(&loaded.config, discord, token, &app, stop.clone());
    let delivery = app.delivery(connected.sink);
    assert!(fake.wait_for_ready(Duration::from_secs(5)).await, "the bot connects to the gateway");
    Harness { fake, app, delivery, stop, _db: db }
}

impl Harness {
    async fn ingest(&self, raws: &[String]) {
        let inputs: Vec<Input> = raws
            .iter()
            .map(|raw| Input {
                source: "test".into(),
                origin: "test".into(),
                payload: Payload::Raw(raw.clone().into_bytes()),
            })
            .collect();
        self.app.pipeline.ingest(&inputs).await.expect("ingest");
    }

    async fn deliver(&self) {
        for _ in 0..500 {
            self.delivery.pass().await.unwrap();
            if self.app.store.pending_outbox().await.unwrap() == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the outbox did not drain");
    }

    fn only_message(&self, channel: u64) -> FakeMessage {
        let messages: Vec<FakeMessage> = self.fake.messages(channel).into_iter().filter(|m| !m.via_webhook).collect();
        assert_eq!(messages.len(), 1, "{messages:#?}");
        messages.into_iter().next().unwrap()
    }

    /// The `n`th interaction response, which must be private, as text.
    async fn private_answer(&self, n: usize) -> String {
        eventually(Duration::from_secs(5), "an answer", || async { self.fake.interaction_responses().len() > n }).await;
        let response = self.fake.interaction_responses()[n].json().cloned().unwrap();
        assert_eq!(response["data"]["flags"], 64, "private: {response}");
        response["data"]["content"].as_str().unwrap().to_owned()
    }

    async fn press(&self, user: u64, roles: &[u64], message: &Value, custom_id: &str) -> String {
        let actor = Actor { guild_id: GUILD, channel_id: ONCALL, user_id: user, username: "someone", roles };
        let before = self.fake.interaction_responses().len();
        self.fake.send_interaction(self.fake.button_press(actor, message, custom_id)).await;
        eventually(Duration::from_secs(5), "an answer to the press", || async {
            self.fake.interaction_responses().len() > before
        })
        .await;
        let answer = self.fake.interaction_responses()[before].json().cloned().unwrap();
        assert_eq!(answer["data"]["flags"], 64, "answers to a press are ephemeral: {answer}");
        answer["data"]["content"].as_str().unwrap().to_owned()
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

fn incident_id(message: &FakeMessage) -> String {
    message.embeds[0]["footer"]["text"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_critical_alarm_reaches_oncall_with_its_embed_buttons_and_only_the_configured_mentions() {
    let h = harness().await;
    h.ingest(&[events::alarm("checkout-critical-errors", "checkout-api", "ALARM", T1)]).await;
    h.deliver().await;

    let message = h.only_message(ONCALL);
    assert_eq!(message.content, format!("<@&{PAYMENTS_ROLE}> <@&{ONCALL_ROLE}>"));
    let allowed = message.allowed_mentions.clone().unwrap();
    assert_eq!(allowed["roles"], serde_json::json!([PAYMENTS_ROLE.to_string(), ONCALL_ROLE.to_string()]));
    assert_eq!(allowed["parse"], serde_json::json!([]));
    assert_eq!(message.embeds[0]["title"], "🔴 checkout-api · Errors ≥ 5 · us-east-1 · 210987654321");
    assert_eq!(message.embeds[0]["color"], 0xD92D20);
    let ids: Vec<&str> = message.components[0]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["custom_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![
            format!("opspod:ack:{}", incident_id(&message)),
            format!("opspod:resolve:{}", incident_id(&message)),
            format!("opspod:bugreport:{}", incident_id(&message)),
        ]
    );
    assert!(h.fake.messages(TEAM).is_empty());
    assert_eq!(h.fake.identified_intents(), Some(1), "the bot asks for the GUILDS intent only");
}

#[tokio::test(flavor = "multi_thread")]
async fn recovery_edits_the_same_message_and_writes_in_its_thread() {
    let h = harness().await;
    h.ingest(&[events::alarm("checkout-api-errors", "checkout-api", "ALARM", T1)]).await;
    h.deliver().await;
    h.ingest(&[events::alarm("checkout-api-errors", "checkout-api", "OK", T2)]).await;
    h.deliver().await;

    let message = h.only_message(TEAM);
    assert_eq!(message.edit_count, 1);
    assert!(message.embeds[0]["title"].as_str().unwrap().starts_with("✅ checkout-api"));
    assert_eq!(message.embeds[0]["color"], 0x2F9E44);
    let thread = h.fake.thread_messages(message.id);
    assert_eq!(thread.len(), 1);
    assert_eq!(thread[0].content, "14:31 OK — resolved after 28 min");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ack_from_a_responder_acks_once_even_when_pressed_twice() {
    let h = harness().await;
    h.ingest(&[events::alarm("checkout-critical-errors", "checkout-api", "ALARM", T1)]).await;
    h.deliver().await;
    let message = h.only_message(ONCALL);
    let ack = format!("opspod:ack:{}", incident_id(&message));

    let first = h.press(DANA, &[ONCALL_ROLE], &message.object, &ack).await;
    let second = h.press(DANA, &[ONCALL_ROLE], &message.object, &ack).await;
    h.deliver().await;

    assert!(first.starts_with("You acknowledged"), "{first}");
    assert!(second.starts_with(&format!("Already acknowledged by <@{DANA}>")), "{second}");
    let edited = h.only_message(ONCALL);
    assert_eq!(edited.edit_count, 1);
    assert!(edited.embeds[0]["description"].as_str().unwrap().contains(&format!("Acknowledged by <@{DANA}>.")));
    let buttons = edited.components[0]["components"].as_array().unwrap();
    assert!(buttons.iter().all(|b| b["custom_id"] != ack), "the Ack button is gone");
    let timeline = h.app.store.timeline(&incident_id(&message)).await.unwrap();
    let acks: Vec<_> = timeline.iter().filter(|entry| entry.kind == "acknowledged").collect();
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].actor, format!("discord:{DANA}"));
    assert_eq!(acks[0].via, "button");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_press_from_someone_without_a_responder_role_is_refused_and_changes_nothing() {
    let h = harness().await;
    h.ingest(&[events::alarm("checkout-critical-errors", "checkout-api", "ALARM", T1)]).await;
    h.deliver().await;
    let message = h.only_message(ONCALL);

    let answer = h.press(EVE, &[], &message.object, &format!("opspod:resolve:{}", incident_id(&message))).await;
    h.deliver().await;

    assert!(answer.contains("Only members with @oncall can act on incidents"), "{answer}");
    assert_eq!(h.only_message(ONCALL).edit_count, 0);
    assert_eq!(h.app.store.incident(&incident_id(&message)).await.unwrap().unwrap().status.as_str(), "open");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_incident_command_answers_privately_with_the_open_incidents() {
    let h = harness().await;
    h.ingest(&[events::alarm("checkout-critical-errors", "checkout-api", "ALARM", T1)]).await;
    h.deliver().await;
    let id = incident_id(&h.only_message(ONCALL));
    let actor = Actor { guild_id: GUILD, channel_id: TEAM, user_id: EVE, username: "eve", roles: &[] };

    h.fake.send_interaction(h.fake.slash_command(actor, "incident", serde_json::json!([]))).await;
    eventually(Duration::from_secs(5), "an answer to /incident", || async {
        !h.fake.interaction_responses().is_empty()
    })
    .await;

    let answer = h.fake.interaction_responses()[0].json().cloned().unwrap();
    let content = answer["data"]["content"].as_str().unwrap_or_default().to_owned();
    assert!(content.starts_with("1 open incident:"), "{answer}");
    assert!(content.contains(&id));
    assert_eq!(answer["data"]["flags"], 64);
    let names: Vec<String> =
        h.fake.registered_commands(Some(GUILD)).iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(
        names,
        vec![
            "help",
            "incident",
            "errors",
            "coldstarts",
            "cost",
            "bugreport",
            "alarms",
            "health",
            "silence",
            "oncall",
            "run",
            "digest"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_outage_and_rate_limits_end_with_everything_delivered_in_order_once_across_a_restart() {
    let h = harness().await;
    h.fake.set_down(true);
    let storm: Vec<String> = (0..6)
        .map(|n| {
            events::alarm(
                &format!("fn-{n}-errors"),
                &format!("fn-{n}"),
                "ALARM",
                &format!("2026-11-20T14:0{n}:00.000+0000"),
            )
        })
        .collect();
    h.ingest(&storm).await;
    for _ in 0..3 {
        assert_eq!(h.delivery.pass().await.unwrap().delivered, 0);
    }
    // The bot restarts in the middle of the outage: a fresh worker over the same store.
    let restarted = h.app.delivery(Arc::new(opspod::chat::discord::sink::DiscordSink::new(
        Arc::new(connect::http(
            &"test-token".to_string().into(),
            &opspod::config::Discord {
                guild_id: GUILD,
                api_base_url: Some(h.fake.base_url()),
                responders: vec![],
                global_commands: false,
            },
        )),
        connect::directory(
            &opspod::config::load_str(&config(&h.fake.base_url(), ""), "t", &BTreeMap::new()).unwrap().config,
        ),
        opspod::chat::discord::pacing::Pacer::default(),
    )));
    h.fake.set_down(false);
    h.fake.answer_next(3, Failure::RateLimited { retry_after: 0.05, global: false });
    for _ in 0..500 {
        restarted.pass().await.unwrap();
        if h.app.store.pending_outbox().await.unwrap() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let titles: Vec<String> =
        h.fake.messages(TEAM).iter().map(|m| m.embeds[0]["title"].as_str().unwrap().to_owned()).collect();
    let expected: Vec<String> = (0..6).map(|n| format!("🔴 fn-{n} · Errors ≥ 5 · us-east-1 · 210987654321")).collect();
    assert_eq!(titles, expected, "each alarm posted once, in the order it happened");
}

#[tokio::test(flavor = "multi_thread")]
async fn check_config_online_names_the_channel_and_the_permission_the_bot_lacks() {
    let fake = FakeDiscord::start().await;
    fake.add_channel(GUILD, TEAM, "team");
    fake.add_channel(GUILD, ONCALL, "oncall");
    fake.add_role(GUILD, ONCALL_ROLE, "oncall");
    fake.forbid_channel(ONCALL);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("opspod.toml");
    std::fs::write(&file, config(&fake.base_url(), "")).unwrap();

    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_opspod"))
        .args(["check-config", "--online", "--config", file.to_str().unwrap()])
        .env("DISCORD_TOKEN", "test-token")
        .env_remove("OPSPOD_CONFIG")
        .output()
        .await
        .unwrap();

    let out = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{out}");
    assert!(out.contains(&format!("ok    #team ({TEAM}): the bot can post")), "{out}");
    assert!(out.contains(&format!("FAIL  #oncall ({ONCALL}): the bot lacks View Channel")), "{out}");
    assert!(!out.contains("test-token"));
}

#[tokio::test(flavor = "multi_thread")]
async fn function_names_autocomplete_from_the_functions_opspod_has_seen() {
    let h = harness().await;
    h.ingest(&[
        events::alarm("checkout-api-errors", "checkout-api", "ALARM", T1),
        events::alarm("search-api-errors", "search-api", "ALARM", T1),
        events::alarm("checkout-worker-errors", "checkout-worker", "ALARM", T1),
    ])
    .await;
    let actor = Actor { guild_id: GUILD, channel_id: TEAM, user_id: EVE, username: "eve", roles: &[] };
    let options = serde_json::json!([{"name": "function", "type": 3, "value": "checkout", "focused": true}]);
    let mut typing = h.fake.slash_command(actor, "incident", options);
    typing["type"] = 4.into();

    h.fake.send_interaction(typing).await;
    eventually(Duration::from_secs(5), "autocomplete choices", || async { !h.fake.interaction_responses().is_empty() })
        .await;

    let answer = h.fake.interaction_responses()[0].json().cloned().unwrap();
    assert_eq!(answer["type"], 8, "an autocomplete result: {answer}");
    let choices: Vec<&str> =
        answer["data"]["choices"].as_array().unwrap().iter().map(|c| c["value"].as_str().unwrap()).collect();
    assert_eq!(choices, vec!["checkout-api", "checkout-worker"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_badly_typed_function_gets_an_answer_that_says_what_is_accepted() {
    let h = harness().await;
    let actor = Actor { guild_id: GUILD, channel_id: TEAM, user_id: EVE, username: "eve", roles: &[] };
    let options = serde_json::json!([{"name": "function", "type": 3, "value": "checkout api!"}]);

    h.fake.send_interaction(h.fake.slash_command(actor, "incident", options)).await;
    eventually(Duration::from_secs(5), "an answer", || async { !h.fake.interaction_responses().is_empty() }).await;

    let answer = h.fake.interaction_responses()[0].json().cloned().unwrap();
    let content = answer["data"]["content"].as_str().unwrap_or_default();
    assert!(content.starts_with("`function` must be a Lambda function name"), "{answer}");
    assert_eq!(answer["data"]["flags"], 64);
}

#[tokio::test(flavor = "multi_thread")]
async fn silencing_from_the_menu_records_a_silence_for_the_alarm_and_says_until_when() {
    let h = harness().await;
    h.ingest(&[events::alarm("checkout-critical-errors", "checkout-api", "ALARM", T1)]).await;
    h.deliver().await;
    let message = h.only_message(ONCALL);
    let actor = Actor { guild_id: GUILD, channel_id: ONCALL, user_id: DANA, username: "dana", roles: &[ONCALL_ROLE] };
    let mut pick = h.fake.button_press(actor, &message.object, &format!("opspod:silence:{}", incident_id(&message)));
    pick["data"]["component_type"] = 3.into();
    pick["data"]["values"] = serde_json::json!(["1h"]);

    h.fake.send_interaction(pick).await;
    eventually(Duration::from_secs(5), "an answer", || async { !h.fake.interaction_responses().is_empty() }).await;
    h.deliver().await;

    let answer = h.fake.interaction_responses()[0].json().cloned().unwrap();
    assert!(answer["data"]["content"].as_str().unwrap().starts_with("You silenced"), "{answer}");
    let silences = h.app.store.silences(chrono::Utc::now()).await.unwrap();
    assert_eq!(silences.len(), 1);
    assert_eq!((silences[0].kind(), silences[0].pattern()), ("alarm", "checkout-critical-errors"));
    let left = silences[0].expires_at - chrono::Utc::now();
    assert!(left > chrono::Duration::minutes(59) && left <= chrono::Duration::minutes(60));
    let edited = h.only_message(ONCALL);
    assert!(edited.embeds[0]["description"].as_str().unwrap().contains(&format!("Silenced by <@{DANA}> until")));
}

#[tokio::test(flavor = "multi_thread")]
async fn context_is_edited_in_with_the_chart_attached_inside_the_embed() {
    let h = harness().await;
    h.ingest(&[events::alarm("checkout-api-errors", "checkout-api", "ALARM", T1)]).await;
    h.deliver().await;
    let posted = h.only_message(TEAM);
    assert!(posted.embeds[0]["description"].as_str().unwrap().ends_with("Gathering context…"), "{posted:?}");

    // What the enricher writes once it has the function's numbers and its metric around the transition.
    let incident = h.app.store.incident(&incident_id(&posted)).await.unwrap().unwrap();
    let opened: chrono::DateTime<chrono::Utc> = "2026-11-20T14:02:11Z".parse().unwrap();
    let points = (0..60).map(|m| (opened - chrono::Duration::minutes(59 - m), if m > 50 { 37.0 } else { 1.0 }));
    let context = Context {
        lambda: Some(LambdaStats { window_minutes: 15, invocations: 90.0, errors: 37.0, ..LambdaStats::default() }),
        series: Some(MetricSeries {
            label: "checkout-api · Errors (Sum, 1 min)".into(),
            points: points.collect(),
            threshold: Some(5.0),
        }),
        ..Context::default()
    };
    let stored: Message = serde_json::from_str(incident.message.as_deref().unwrap()).unwrap();
    let edited = with_context(stored, &context, incident.opened_at);
    let write = EnrichmentWrite {
        incident_id: incident.id.clone(),
        channel: incident.channel.clone(),
        context: serde_json::to_string(&context).unwrap(),
        expected_message: incident.message.clone(),
        edit: Some(serde_json::to_string(&edited).unwrap()),
        note: Some(
            serde_json::to_string(&Note {
                text: "14:02 context added".into(),
                thread: incident.title,
                mentions: vec![],
            })
            .unwrap(),
        ),
        at: chrono::Utc::now(),
    };
    assert_eq!(h.app.store.finish_enrichment(&write).await.unwrap(), Finished::Written);
    h.deliver().await;

    let edit = h
        .fake
        .requests()
        .into_iter()
        .find(|request| request.method == "PATCH" && request.path == format!("/channels/{TEAM}/messages/{}", posted.id))
        .expect("the edit");
    let files = edit.files();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].filename, "chart.png");
    assert!(files[0].size > 10_000, "a real PNG, not a placeholder: {} bytes", files[0].size);
    let message = h.only_message(TEAM);
    assert_eq!(message.embeds[0]["image"]["url"], "attachment://chart.png");
    let description = message.embeds[0]["description"].as_str().unwrap();
    assert!(description.contains("37 errors in 15 min · 41% of 90 invocations"), "{description}");
    assert!(!description.contains("Gathering context"), "{description}");
    assert_eq!(edit.json().unwrap()["allowed_mentions"]["parse"], serde_json::json!([]), "edits ping nobody");
    assert_eq!(h.fake.thread_messages(posted.id)[0].content, "14:02 context added");
}

#[tokio::test(flavor = "multi_thread")]
async fn draft_bug_report_answers_privately_with_the_markdown_file_and_a_preview() {
    let front = support::cbor_front::CloudWatchFront::start(&support::aws_endpoint()).await;
    support::point_aws_at_moto(&front.url());
    let world = support::lambda_world::World::connect(&front.url()).await;
    let function = format!("checkout-api-{}", support::run::unique("bug"));
    world.function(&function, aws_sdk_lambda::types::Runtime::Python312).await;
    let at = chrono::Utc::now() - chrono::Duration::minutes(30);
    let error = "[ERROR] KeyError: 'sku'\nTraceback (most recent call last):\n  File \"/var/task/cart/add.py\", line 21, in add_item\n    sku = item['sku']\n";
    world
        .log(
            &function,
            &[(at, "START RequestId: r-1 Version: 1".into()), (at, error.into()), (at, "END RequestId: r-1".into())],
        )
        .await;

    let h = harness().await;
    h.ingest(&[events::alarm(&format!("{function}-errors"), &function, "ALARM", T1)]).await;
    h.deliver().await;
    let message = h.only_message(TEAM);
    let press = format!("opspod:bugreport:{}", incident_id(&message));
    let before = h.fake.interaction_responses().len();
    let actor = Actor { guild_id: GUILD, channel_id: TEAM, user_id: EVE, username: "eve", roles: &[] };
    h.fake.send_interaction(h.fake.button_press(actor, &message.object, &press)).await;
    eventually(Duration::from_secs(20), "the draft", || async {
        h.fake.interaction_responses().iter().skip(before).any(|r| r.path.starts_with("/webhooks/"))
    })
    .await;

    let responses: Vec<_> = h.fake.interaction_responses().into_iter().skip(before).collect();
    let deferred = responses[0].json().unwrap();
    assert_eq!((deferred["type"].as_u64(), deferred["data"]["flags"].as_u64()), (Some(5), Some(64)), "{deferred}");
    let followup = responses.iter().find(|r| r.path.starts_with("/webhooks/")).unwrap();
    let files = followup.files();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].filename, format!("bugreport-{function}.md"));
    let body = followup.json().unwrap();
    assert_eq!(body["flags"], 64, "a draft is for the person who asked: {body}");
    let preview = body["content"].as_str().unwrap();
    assert!(preview.contains("KeyError") && preview.contains("cart/add.py:21"), "{preview}");
    assert_eq!(h.only_message(TEAM).edit_count, 0, "asking for a draft changes nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_is_deferred_at_once_then_answered_from_aws_in_the_channel() {
    let front = support::cbor_front::CloudWatchFront::start(&support::aws_endpoint()).await;
    support::point_aws_at_moto(&front.url());
    let world = support::lambda_world::World::connect(&front.url()).await;
    let function = format!("search-api-{}", support::run::unique("cmd"));
    world.function(&function, aws_sdk_lambda::types::Runtime::Nodejs20x).await;
    let at = chrono::Utc::now() - chrono::Duration::minutes(30);
    world.metric(&function, "Invocations", aws_sdk_cloudwatch::types::StandardUnit::Count, &[(at, vec![40.0])]).await;
    world.metric(&function, "Errors", aws_sdk_cloudwatch::types::StandardUnit::Count, &[(at, vec![4.0])]).await;

    let h = harness().await;
    let actor = Actor { guild_id: GUILD, channel_id: TEAM, user_id: EVE, username: "eve", roles: &[] };
    let options = serde_json::json!([{"name": "function", "type": 3, "value": function}]);
    h.fake.send_interaction(h.fake.slash_command(actor, "errors", options)).await;
    eventually(Duration::from_secs(20), "the answer", || async {
        h.fake.interaction_responses().iter().any(|r| r.path.starts_with("/webhooks/"))
    })
    .await;

    let responses = h.fake.interaction_responses();
    let deferred = responses[0].json().unwrap();
    assert_eq!(deferred["type"], 5, "deferred within Discord's three seconds: {deferred}");
    assert!(
        deferred["data"]["flags"].is_null() || deferred["data"]["flags"] == 0,
        "answered in the channel: {deferred}"
    );
    let answer = responses.iter().find(|r| r.path.starts_with("/webhooks/")).unwrap().json().unwrap();
    let content = answer["content"].as_str().unwrap();
    assert!(content.contains(&function) && content.contains("(10.0%)"), "4 of 40 invocations failed: {content}");
}

#[tokio::test(flavor = "multi_thread")]
async fn only_responders_may_add_a_silence_and_everyone_may_list_them() {
    let h = harness().await;
    let eve = Actor { guild_id: GUILD, channel_id: TEAM, user_id: EVE, username: "eve", roles: &[] };
    let dana = Actor { guild_id: GUILD, channel_id: TEAM, user_id: DANA, username: "dana", roles: &[ONCALL_ROLE] };
    let add = serde_json::json!([{"name": "alarm", "type": 3, "value": "checkout-*"}, {"name": "for", "type": 3, "value": "4h"}]);

    h.fake.send_interaction(h.fake.slash_command(eve, "silence", add.clone())).await;
    assert!(h.private_answer(0).await.starts_with("Only members with @oncall can add or end silences"));
    assert!(h.app.store.silences(chrono::Utc::now()).await.unwrap().is_empty(), "nothing changed");

    h.fake.send_interaction(h.fake.slash_command(dana, "silence", add)).await;
    assert!(h.private_answer(1).await.starts_with("Silenced alarm `checkout-*` until"));
    h.fake.send_interaction(h.fake.slash_command(eve, "silence", serde_json::json!([]))).await;
    let listed = h.private_answer(2).await;
    assert!(listed.contains("#1 alarm `checkout-*`") && listed.contains(&format!("by <@{DANA}>")), "{listed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn digest_answers_privately_with_the_teams_week_and_its_markdown() {
    // The figures from AWS are tested in tests/digest.rs; here, what Discord receives.
    let h = harness_with("[aws]\nenabled = false\n").await;
    h.ingest(&[events::alarm(
        "checkout-api-critical",
        "checkout-api",
        "ALARM",
        &chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string(),
    )])
    .await;
    h.deliver().await;

    let eve = Actor { guild_id: GUILD, channel_id: TEAM, user_id: EVE, username: "eve", roles: &[] };
    let options = serde_json::json!([{"name": "team", "type": 3, "value": "payments"}]);
    h.fake.send_interaction(h.fake.slash_command(eve, "digest", options)).await;
    eventually(Duration::from_secs(30), "the digest", || async {
        h.fake.interaction_responses().iter().any(|r| r.path.starts_with("/webhooks/"))
    })
    .await;

    let responses = h.fake.interaction_responses();
    let deferred = responses[0].json().unwrap();
    assert_eq!((deferred["type"].as_u64(), deferred["data"]["flags"].as_u64()), (Some(5), Some(64)), "{deferred}");
    let followup = responses.iter().find(|r| r.path.starts_with("/webhooks/")).unwrap();
    let body = followup.json().unwrap();
    assert_eq!(body["flags"], 64, "a digest asked for is for the person who asked: {body}");
    let content = body["content"].as_str().unwrap();
    assert!(content.starts_with("**Weekly reliability digest · payments ·"), "{content}");
    assert!(content.contains("**Incidents:** 1") && content.contains("1 critical"), "{content}");
    assert_eq!(body["allowed_mentions"]["parse"], serde_json::json!([]), "{body}");
    assert!(followup.files().iter().any(|file| file.filename == "digest-payments.md"));

    let unknown = serde_json::json!([{"name": "team", "type": 3, "value": "paymnets"}]);
    h.fake.send_interaction(h.fake.slash_command(eve, "digest", unknown)).await;
    eventually(Duration::from_secs(10), "the refusal", || async {
        h.fake.interaction_responses().iter().filter(|r| r.path.starts_with("/webhooks/")).count() > 1
    })
    .await;
    let refusal =
        h.fake.interaction_responses().into_iter().filter(|r| r.path.starts_with("/webhooks/")).nth(1).unwrap();
    let refusal = refusal.json().unwrap()["content"].as_str().unwrap().to_owned();
    assert!(refusal.contains("There is no team `paymnets`; teams: payments, team."), "{refusal}");
}
