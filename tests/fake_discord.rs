//! The fake Discord checked against the real serenity client: REST, failures as serenity sees them, gateway.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use serenity::all::{
    ButtonStyle, ChannelId, ClientBuilder, Command, Context, CreateActionRow, CreateAllowedMentions, CreateAttachment,
    CreateButton, CreateCommand, CreateEmbed, CreateInteractionResponse, CreateInteractionResponseMessage,
    CreateMessage, CreateThread, EditInteractionResponse, EditMessage, EventHandler, GatewayIntents, GuildId, Http,
    HttpBuilder, Interaction, MessageId, ModelError, Nonce, Ready, RoleId,
};
use serenity::async_trait;
use serenity::http::HttpError;
use support::fake_discord::{APPLICATION_ID, Actor, BOT_USER_ID, Failure, FakeDiscord, OWNER_USER_ID};

const GUILD: u64 = 900_000_000_000_000_001;
const ALERTS: u64 = 900_000_000_000_000_010;
const SECRET_ROOM: u64 = 900_000_000_000_000_011;
const ONCALL_ROLE: u64 = 900_000_000_000_000_020;
const ALICE: u64 = 900_000_000_000_000_030;

async fn fake_with_a_guild() -> FakeDiscord {
    let fake = FakeDiscord::start().await;
    fake.add_channel(GUILD, ALERTS, "alerts");
    fake.add_channel(GUILD, SECRET_ROOM, "secret-room");
    fake.forbid_channel(SECRET_ROOM);
    fake.add_role(GUILD, ONCALL_ROLE, "oncall");
    fake.add_member(GUILD, ALICE, "alice", &[ONCALL_ROLE]);
    fake
}

fn http_for(fake: &FakeDiscord) -> Http {
    HttpBuilder::new("test-token").proxy(fake.base_url()).ratelimiter_disabled(true).build()
}

fn alert_message() -> CreateMessage {
    CreateMessage::new()
        .content("<@&900000000000000020> checkout-api is failing")
        .embed(
            CreateEmbed::new()
                .title("ALARM: checkout-api 5xx")
                .description("12 errors in 5 minutes")
                .colour(0xE0_1E_5A),
        )
        .components(vec![CreateActionRow::Buttons(vec![
            CreateButton::new("ack:42").label("Acknowledge").style(ButtonStyle::Primary),
        ])])
        .allowed_mentions(CreateAllowedMentions::new().roles(vec![ONCALL_ROLE]))
}

#[tokio::test]
async fn a_message_is_posted_edited_and_threaded_as_serenity_sent_it() {
    let fake = fake_with_a_guild().await;
    let http = http_for(&fake);

    let posted = ChannelId::new(ALERTS).send_message(&http, alert_message()).await.expect("post the alert");
    let mut edited = posted.clone();
    edited.edit(&http, EditMessage::new().content("checkout-api recovered").components(vec![])).await.expect("edit");
    let thread = ChannelId::new(ALERTS)
        .create_thread_from_message(&http, posted.id, CreateThread::new("checkout-api incident"))
        .await
        .expect("start a thread");
    thread.id.send_message(&http, CreateMessage::new().content("Logs: 12 timeouts")).await.expect("post in thread");

    let messages = fake.messages(ALERTS);
    assert_eq!(messages.len(), 1);
    let alert = &messages[0];
    assert_eq!(alert.id, posted.id.get());
    assert_eq!(alert.content, "checkout-api recovered");
    assert_eq!(alert.embeds[0]["title"], "ALARM: checkout-api 5xx");
    assert!(alert.components.is_empty(), "the edit removed the button");
    assert_eq!(alert.allowed_mentions, Some(json!({ "parse": [], "roles": [ONCALL_ROLE.to_string()], "users": [] })));
    assert_eq!(alert.edit_count, 1);
    assert_eq!(alert.thread_id, Some(thread.id.get()));
    assert_eq!(thread.id.get(), posted.id.get(), "Discord gives a message's thread the message's id");
    assert_eq!(fake.thread_messages(thread.id.get())[0].content, "Logs: 12 timeouts");
    let first_post = &fake.requests()[0];
    assert_eq!(first_post.route(), format!("POST /channels/{ALERTS}/messages"));
    assert_eq!(first_post.json().unwrap()["components"][0]["components"][0]["custom_id"], "ack:42");
    assert_eq!(first_post.headers["authorization"], "[redacted]");
}

/// What opspod's delivery can read from a failed serenity call: Discord's status and JSON error code.
/// Serenity keeps neither headers nor unknown body fields, so a 429's `retry_after` is not among them.
fn discord_status(error: &serenity::Error) -> Option<(u16, isize)> {
    match error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => {
            Some((response.status_code.as_u16(), response.error.code))
        }
        _ => None,
    }
}

#[tokio::test]
async fn a_file_upload_is_recorded_with_its_name_size_and_type_and_survives_an_edit() {
    let fake = fake_with_a_guild().await;
    let http = http_for(&fake);
    let report = CreateAttachment::bytes(b"id,cost\n1,2.50\n".to_vec(), "cost.csv").description("Cost by function");

    let mut posted = ChannelId::new(ALERTS)
        .send_message(&http, CreateMessage::new().content("Weekly cost").add_file(report))
        .await
        .expect("post with a file");
    posted.edit(&http, EditMessage::new().content("Weekly cost (final)")).await.expect("edit keeps the file");

    let files = fake.requests()[0].files().to_vec();
    assert_eq!(files.len(), 1);
    assert_eq!((files[0].field.as_str(), files[0].filename.as_str(), files[0].size), ("files[0]", "cost.csv", 15));
    assert_eq!(files[0].content_type.as_deref(), Some("text/csv"));
    assert_eq!(posted.attachments[0].filename, "cost.csv");
    let stored = &fake.messages(ALERTS)[0];
    assert_eq!(stored.content, "Weekly cost (final)");
    assert_eq!(stored.attachments.len(), 1);
    assert_eq!(stored.attachments[0].description.as_deref(), Some("Cost by function"));
}

#[tokio::test]
async fn the_reads_and_registrations_serenity_makes_are_answered_in_shapes_it_accepts() {
    let fake = fake_with_a_guild().await;
    let http = http_for(&fake);
    let guild = GuildId::new(GUILD);

    let me = http.get_current_user().await.expect("the bot user");
    let application = http.get_current_application_info().await.expect("the application");
    let channel = ChannelId::new(ALERTS).to_channel(&http).await.expect("a channel");
    let channels = guild.channels(&http).await.expect("the guild's channels");
    let roles = guild.roles(&http).await.expect("the guild's roles");
    let alice = guild.member(&http, ALICE).await.expect("a member");
    let partial = http.get_guild(guild).await.expect("the guild");
    // Registration needs the application id; a gateway client learns it from READY, plain `Http` must be told.
    http.set_application_id(application.id);
    let commands = vec![CreateCommand::new("errors").description("Top Lambda errors")];
    let global = Command::set_global_commands(&http, commands.clone()).await.expect("register globally");
    let in_guild = guild.set_commands(&http, commands).await.expect("register in a guild");

    assert_eq!((me.id.get(), me.bot), (BOT_USER_ID, true));
    assert_eq!(application.owner.map(|o| o.id.get()), Some(OWNER_USER_ID));
    assert_eq!(channel.guild().map(|c| c.name), Some("alerts".to_owned()));
    assert_eq!(channels.len(), 2);
    assert!(roles.contains_key(&RoleId::new(ONCALL_ROLE)));
    assert_eq!(alice.roles, vec![RoleId::new(ONCALL_ROLE)]);
    assert_eq!(partial.name, format!("Guild {GUILD}"));
    assert_eq!((global[0].name.as_str(), in_guild[0].guild_id), ("errors", Some(guild)));
    assert_eq!(fake.registered_commands(None)[0]["description"], "Top Lambda errors");
}

#[tokio::test]
async fn a_rate_limited_post_reaches_serenity_as_a_429_without_its_retry_after() {
    let fake = fake_with_a_guild().await;
    let http = http_for(&fake);
    fake.answer_next(1, Failure::RateLimited { retry_after: 2.5, global: false });

    let limited = ChannelId::new(ALERTS).send_message(&http, alert_message()).await.expect_err("a 429");
    let retried = ChannelId::new(ALERTS).send_message(&http, alert_message()).await;

    // Discord's documented 429 body has no `code`, so serenity fails to decode it and reports code -1.
    assert_eq!(discord_status(&limited), Some((429, -1)));
    let serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) = &limited else { unreachable!() };
    assert!(response.error.message.contains("Could not decode json"), "{}", response.error.message);
    assert!(retried.is_ok(), "only the next call was limited");
    assert_eq!(fake.requests().len(), 2, "serenity did not retry by itself: its ratelimiter is off");
    assert_eq!(fake.messages(ALERTS).len(), 1);
}

#[tokio::test]
async fn a_create_repeating_an_enforced_nonce_gets_the_first_message_back_instead_of_a_second_one() {
    let fake = fake_with_a_guild().await;
    const OTHER_ROOM: u64 = 900_000_000_000_000_012;
    fake.add_channel(GUILD, OTHER_ROOM, "other-room");
    let http = http_for(&fake);
    let nonce = || Nonce::String("3f9a1c07d2e4b5a6c7d8e9f0".into());
    let enforced = || alert_message().nonce(nonce()).enforce_nonce(true);

    let first = ChannelId::new(ALERTS).send_message(&http, enforced()).await.expect("post");
    let retried = ChannelId::new(ALERTS).send_message(&http, enforced()).await.expect("the retry is answered 200");
    let unenforced = ChannelId::new(ALERTS).send_message(&http, alert_message().nonce(nonce())).await.expect("post");
    let elsewhere = ChannelId::new(OTHER_ROOM).send_message(&http, enforced()).await.expect("post");

    assert_eq!(retried.id, first.id, "the retry names the message the first create made");
    assert_ne!(unenforced.id, first.id, "without enforce_nonce a nonce does not deduplicate");
    assert_ne!(elsewhere.id, first.id, "a nonce is checked within its channel");
    assert_eq!(fake.messages(ALERTS).len(), 2);
    assert_eq!(fake.deduplicated_creates(), 1);
    assert_eq!(fake.requests().len(), 4, "every create reached the fake");
}

#[tokio::test]
async fn a_forbidden_channel_answers_missing_access_and_an_unknown_one_unknown_channel() {
    let fake = fake_with_a_guild().await;
    let http = http_for(&fake);

    let forbidden = ChannelId::new(SECRET_ROOM).send_message(&http, alert_message()).await.expect_err("a 403");
    let unknown = ChannelId::new(42).send_message(&http, alert_message()).await.expect_err("a 404");
    let unknown_message =
        ChannelId::new(ALERTS).edit_message(&http, MessageId::new(7), EditMessage::new().content("x")).await;

    assert_eq!(discord_status(&forbidden), Some((403, 50001)));
    assert_eq!(forbidden.to_string(), "Missing Access");
    assert_eq!(discord_status(&unknown), Some((404, 10003)));
    assert_eq!(discord_status(&unknown_message.expect_err("a 404")), Some((404, 10008)));
    assert!(fake.messages(SECRET_ROOM).is_empty());
}

#[tokio::test]
async fn an_outage_answers_503_until_discord_is_back() {
    let fake = fake_with_a_guild().await;
    let http = http_for(&fake);

    fake.set_down(true);
    let during = ChannelId::new(ALERTS).send_message(&http, alert_message()).await.expect_err("a 503");
    fake.set_down(false);
    let after = ChannelId::new(ALERTS).send_message(&http, alert_message()).await;

    assert_eq!(discord_status(&during), Some((503, 0)));
    assert!(after.is_ok());
    assert_eq!(fake.messages(ALERTS).len(), 1);
}

#[tokio::test]
async fn an_unreachable_discord_is_a_request_error_not_a_status() {
    let fake = FakeDiscord::start().await;
    let url = fake.base_url();
    drop(fake);
    tokio::task::yield_now().await;
    let http = HttpBuilder::new("test-token").proxy(url).ratelimiter_disabled(true).build();

    let error = ChannelId::new(ALERTS).send_message(&http, alert_message()).await.expect_err("no server");

    assert!(matches!(error, serenity::Error::Http(HttpError::Request(_))), "{error:?}");
}

/// Records what the gateway delivered and answers interactions the way opspod's commands would.
#[derive(Clone, Default)]
struct Recorder {
    ready_as: Arc<Mutex<Option<String>>>,
    interactions: Arc<Mutex<Vec<Interaction>>>,
}

#[async_trait]
impl EventHandler for Recorder {
    async fn ready(&self, _: Context, ready: Ready) {
        *self.ready_as.lock().unwrap() = Some(ready.user.name.clone());
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        // Handlers run concurrently, so record arrival before the (slower) answers.
        self.interactions.lock().unwrap().push(interaction.clone());
        match &interaction {
            Interaction::Command(command) => {
                command.defer_ephemeral(&ctx.http).await.expect("defer");
                let edit = EditInteractionResponse::new().content("3 errors since 24h");
                command.edit_response(&ctx.http, edit).await.expect("edit the deferred reply");
            }
            Interaction::Component(press) => {
                let update =
                    CreateInteractionResponseMessage::new().content("Acknowledged by alice").components(vec![]);
                press
                    .create_response(&ctx.http, CreateInteractionResponse::UpdateMessage(update))
                    .await
                    .expect("update");
            }
            _ => {}
        }
    }
}

async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..100 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn a_serenity_client_gets_ready_and_receives_a_slash_command_and_a_button_press() {
    let fake = fake_with_a_guild().await;
    let alert = ChannelId::new(ALERTS).send_message(&http_for(&fake), alert_message()).await.expect("post");
    let recorder = Recorder::default();
    let mut client = ClientBuilder::new_with_http(http_for(&fake), GatewayIntents::GUILDS)
        .event_handler(recorder.clone())
        .await
        .expect("build the client");
    let (shards, cache, http) = (client.shard_manager.clone(), client.cache.clone(), client.http.clone());
    let running = tokio::spawn(async move { client.start().await });
    let alice = Actor { guild_id: GUILD, channel_id: ALERTS, user_id: ALICE, username: "alice", roles: &[ONCALL_ROLE] };

    assert!(fake.wait_for_ready(Duration::from_secs(3)).await, "the client identified");
    fake.send_interaction(fake.slash_command(alice, "errors", json!([{ "name": "since", "type": 3, "value": "24h" }])))
        .await;
    let on_alert = fake.messages(ALERTS)[0].object.clone();
    fake.send_interaction(fake.button_press(alice, &on_alert, "ack:42")).await;
    eventually("both interactions answered", || fake.interaction_responses().len() == 3).await;
    eventually("the guild in serenity's cache", || cache.guild(GUILD).is_some()).await;
    let refused = ChannelId::new(SECRET_ROOM).send_message((&cache, &*http), alert_message()).await;
    shards.shutdown_all().await;
    let _ = running.await;

    assert_eq!(recorder.ready_as.lock().unwrap().as_deref(), Some("opspod"));
    assert_eq!(fake.identified_intents(), Some(GatewayIntents::GUILDS.bits()));
    assert_eq!(fake.identifies()[0]["d"]["token"], "[redacted]");
    let seen = recorder.interactions.lock().unwrap();
    let Interaction::Command(command) = &seen[0] else { panic!("a slash command first: {:?}", seen[0]) };
    assert_eq!(command.data.name, "errors");
    assert_eq!(command.data.options[0].value.as_str(), Some("24h"));
    assert_eq!(command.member.as_ref().unwrap().roles, vec![RoleId::new(ONCALL_ROLE)]);
    let Interaction::Component(press) = &seen[1] else { panic!("then a button press: {:?}", seen[1]) };
    assert_eq!(press.data.custom_id, "ack:42");
    assert_eq!(press.message.id, alert.id);
    let answers: Vec<_> =
        fake.interaction_responses().into_iter().filter(|r| r.path.contains(&command.token)).collect();
    assert_eq!(answers[0].route(), format!("POST /interactions/{}/{}/callback", command.id, command.token));
    assert_eq!(
        answers[0].json(),
        Some(&json!({ "type": 5, "data": { "attachments": [], "flags": 64 } })),
        "a deferred ephemeral reply"
    );
    assert_eq!(answers[1].route(), format!("PATCH /webhooks/{APPLICATION_ID}/{}/messages/@original", command.token));
    let messages = fake.messages(ALERTS);
    assert_eq!(messages[0].content, "Acknowledged by alice", "the button press updated the alert");
    assert!(messages[0].components.is_empty());
    assert_eq!((messages[1].content.as_str(), messages[1].flags), ("3 errors since 24h", 64), "an ephemeral reply");
    assert!(
        matches!(refused, Err(serenity::Error::Model(ModelError::InvalidPermissions { .. }))),
        "with the guild cached, serenity refuses the forbidden channel itself: {refused:?}"
    );
    let startup: Vec<String> = fake.requests().iter().map(|r| r.route()).collect();
    assert_eq!(startup[1], "GET /gateway", "building the client asks for the gateway: {startup:?}");
}

#[tokio::test]
async fn every_payload_the_fake_sends_deserializes_into_serenity_models() {
    let fake = fake_with_a_guild().await;
    let alice = Actor { guild_id: GUILD, channel_id: ALERTS, user_id: ALICE, username: "alice", roles: &[ONCALL_ROLE] };
    let command = fake.slash_command(alice, "errors", json!([{ "name": "since", "type": 3, "value": "24h" }]));
    ChannelId::new(ALERTS).send_message(&http_for(&fake), alert_message()).await.expect("post");
    let press = fake.button_press(alice, &fake.messages(ALERTS)[0].object, "ack:42");

    let guild = serde_json::from_value::<serenity::all::Guild>(fake.guild_create(GUILD));
    let command = serde_json::from_value::<Interaction>(command);
    let press = serde_json::from_value::<Interaction>(press);

    assert!(guild.is_ok(), "{guild:?}");
    assert!(matches!(command, Ok(Interaction::Command(_))), "{command:?}");
    assert!(matches!(press, Ok(Interaction::Component(_))), "{press:?}");
}
