//! A fake Discord on loopback for the real serenity client: REST under `/api/v10` and a gateway, recording all.
//!
//! Serenity reaches it with `HttpBuilder::new(token).proxy(fake.base_url()).ratelimiter_disabled(true)`
//! (the proxy is ignored while serenity's own ratelimiter is on). Tests declare guilds and channels,
//! inject failures, push interactions through the gateway, and assert on what the bot really sent.
//!
//! Failures look like Discord's: `set_down` answers every REST call 503 with a JSON body, which serenity
//! surfaces as `HttpError::UnsuccessfulRequest` with status 503 (a refused connection would instead be
//! `HttpError::Request`; both are transient). A 429 has the documented body without `code`, which
//! serenity cannot decode, so its `retry_after` is lost to callers: see `tests/fake_discord.rs`.

mod gateway;
mod interactions;
mod messages;
mod objects;
mod record;
mod rest;
mod state;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::task::JoinHandle;

#[allow(unused_imports, reason = "each test binary uses a different part of the fake's API")]
pub use interactions::Actor;
#[allow(unused_imports, reason = "each test binary uses a different part of the fake's API")]
pub use objects::{APPLICATION_ID, BOT_PERMISSIONS, BOT_ROLE_ID, BOT_USER_ID, OWNER_USER_ID};
#[allow(unused_imports, reason = "each test binary uses a different part of the fake's API")]
pub use record::{Recorded, RecordedBody, RecordedFile};
use state::{Channel, InteractionInfo, Member, PendingFailure, Shared, StoredMessage};

/// How long `send_interaction` waits for a client to be connected before giving up.
const CONNECTED_WITHIN: Duration = Duration::from_secs(5);

/// A failure to answer instead of the route's normal answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// 429 with `retry_after` (seconds) in the body, `retry-after` and `x-ratelimit-*` headers.
    RateLimited { retry_after: f64, global: bool },
    /// Any status with Discord's JSON error body (403 is "Missing Access", code 50001).
    Status(u16),
}

/// A message as it stands now in the fake, after every edit.
#[derive(Clone, Debug)]
pub struct FakeMessage {
    pub id: u64,
    pub channel_id: u64,
    pub content: String,
    pub embeds: Vec<Value>,
    pub components: Vec<Value>,
    /// What the bot sent as `allowed_mentions` (Discord does not echo it in the message object).
    pub allowed_mentions: Option<Value>,
    pub attachments: Vec<FakeAttachment>,
    pub flags: u64,
    pub edit_count: u32,
    /// The thread started from this message; on Discord its id is the message's id.
    pub thread_id: Option<u64>,
    /// True for interaction replies and follow-ups, which come through the application's webhook.
    pub via_webhook: bool,
    /// The full message object the fake answers with.
    pub object: Value,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeAttachment {
    pub id: u64,
    pub filename: String,
    pub size: u64,
    pub content_type: Option<String>,
    pub description: Option<String>,
}

/// The fake server; it stops when dropped.
pub struct FakeDiscord {
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeDiscord {
    /// Binds 127.0.0.1 on a free port and serves REST and the gateway until dropped.
    pub async fn start() -> FakeDiscord {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the fake Discord");
        let port = listener.local_addr().expect("a local address").port();
        let shared = Arc::new(Shared::new(port));
        let app = axum::Router::new()
            .route("/gateway", axum::routing::get(gateway::upgrade))
            .fallback(rest::handle)
            .with_state(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve the fake Discord");
        });
        FakeDiscord { shared, server }
    }

    /// What serenity's `HttpBuilder::proxy` wants: `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.shared.port)
    }

    /// Declares a text channel (and its guild, with an `@everyone` role and the bot as a member).
    pub fn add_channel(&self, guild_id: u64, channel_id: u64, name: &str) {
        let mut inner = self.shared.lock();
        inner.guild_mut(guild_id);
        let channel = Channel {
            guild_id,
            name: name.to_owned(),
            kind: 0,
            parent_id: None,
            forbidden: false,
            auto_archive_duration: 4320,
        };
        inner.push_event("CHANNEL_CREATE", objects::channel(channel_id, &channel));
        inner.channels.insert(channel_id, channel);
    }

    /// Makes a declared channel answer 403 "Missing Access" (code 50001). Its permission overwrites deny
    /// the bot's role view and send, so serenity's cache (if it saw the guild) refuses before calling REST.
    pub fn forbid_channel(&self, channel_id: u64) {
        let mut inner = self.shared.lock();
        let channel = inner.channels.get_mut(&channel_id).expect("forbid_channel needs a declared channel");
        channel.forbidden = true;
        let object = objects::channel(channel_id, channel);
        inner.push_event("CHANNEL_UPDATE", object);
    }

    /// Declares a role in a guild (no permissions of its own).
    pub fn add_role(&self, guild_id: u64, role_id: u64, name: &str) {
        self.shared.lock().guild_mut(guild_id).roles.insert(role_id, name.to_owned());
    }

    /// Declares a human member with roles; `GET /guilds/{id}/members/{user}` answers with it.
    pub fn add_member(&self, guild_id: u64, user_id: u64, name: &str, roles: &[u64]) {
        let member = Member { name: name.to_owned(), roles: roles.to_vec(), bot: false };
        self.shared.lock().guild_mut(guild_id).members.insert(user_id, member);
    }

    /// Every REST request so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().requests.clone()
    }

    /// The current state of each message in a channel, oldest first.
    pub fn messages(&self, channel_id: u64) -> Vec<FakeMessage> {
        let inner = self.shared.lock();
        inner
            .messages
            .iter()
            .filter(|(_, m)| m.channel_id() == channel_id)
            .map(|(id, m)| fake_message(*id, m))
            .collect()
    }

    /// The messages posted in a thread (a thread is a channel whose id is its starter message's id).
    pub fn thread_messages(&self, thread_id: u64) -> Vec<FakeMessage> {
        self.messages(thread_id)
    }

    /// The next `n` REST calls, whatever their route, answer with `failure`.
    pub fn answer_next(&self, n: usize, failure: Failure) {
        self.shared.lock().failures.push_back(PendingFailure { route: None, remaining: n, failure });
    }

    /// The next `n` calls with this method whose path (without `/api/v10`) starts with `path_prefix`
    /// answer with `failure`; other calls pass.
    pub fn answer_next_on(&self, method: &str, path_prefix: &str, n: usize, failure: Failure) {
        let route = Some((method.to_owned(), path_prefix.to_owned()));
        self.shared.lock().failures.push_back(PendingFailure { route, remaining: n, failure });
    }

    /// From now on, a post to a channel that already took `count` posts within `window` answers 429, as
    /// Discord's per-channel message limit does (measured on the fake's clock, when each request arrived).
    pub fn limit_channel_posts(&self, count: usize, window: Duration) {
        self.shared.lock().channel_post_limit = Some((count, window));
    }

    /// While down, every REST call answers 503 with a JSON body (and is still recorded).
    pub fn set_down(&self, down: bool) {
        self.shared.lock().down = down;
    }

    /// Whether a gateway client identified and was sent READY within `timeout`.
    pub async fn wait_for_ready(&self, timeout: Duration) -> bool {
        let mut ready = self.shared.ready.subscribe();
        matches!(tokio::time::timeout(timeout, ready.wait_for(|count| *count > 0)).await, Ok(Ok(_)))
    }

    /// Sends `INTERACTION_CREATE` with the next sequence number, and remembers the interaction's token so
    /// its callback and webhook calls are answered. Panics if no client is connected within 5 s.
    pub async fn send_interaction(&self, interaction: Value) {
        assert!(self.wait_for_ready(CONNECTED_WITHIN).await, "no gateway client is connected to the fake Discord");
        let token = interaction["token"].as_str().expect("an interaction needs a token").to_owned();
        let id_of = |value: &Value| value.as_str().and_then(|id| id.parse().ok());
        let info = InteractionInfo {
            channel_id: id_of(&interaction["channel_id"]).unwrap_or_default(),
            message_id: id_of(&interaction["message"]["id"]),
            acknowledged: false,
            original: None,
        };
        let mut inner = self.shared.lock();
        inner.interactions.insert(token, info);
        let gateway = inner.gateway.as_ref().expect("a connected gateway client");
        gateway.send(("INTERACTION_CREATE".to_owned(), interaction)).expect("the gateway connection is open");
    }

    /// Interaction callbacks and the webhook calls that follow them up or edit them, in order.
    pub fn interaction_responses(&self) -> Vec<Recorded> {
        let requests = self.shared.lock().requests.clone();
        requests
            .into_iter()
            .filter(|r| r.path.starts_with("/interactions/") || r.path.starts_with("/webhooks/"))
            .collect()
    }

    /// Every IDENTIFY the gateway received, with `d.token` replaced by `[redacted]`.
    pub fn identifies(&self) -> Vec<Value> {
        let inner = self.shared.lock();
        inner.gateway_received.iter().filter(|p| p["op"] == 2).cloned().collect()
    }

    /// The intents of the last IDENTIFY, as the bit set serenity sent.
    pub fn identified_intents(&self) -> Option<u64> {
        self.identifies().last().and_then(|identify| identify["d"]["intents"].as_u64())
    }

    /// Every payload the gateway received (heartbeats, IDENTIFY, RESUME, …), tokens redacted.
    pub fn gateway_received(&self) -> Vec<Value> {
        self.shared.lock().gateway_received.clone()
    }

    /// The `GUILD_CREATE` payload (`d`) the gateway sends for a declared guild after READY.
    pub fn guild_create(&self, guild_id: u64) -> Value {
        let inner = self.shared.lock();
        let guild = inner.guilds.get(&guild_id).expect("guild_create needs a declared guild");
        objects::guild_create(&inner, guild_id, guild)
    }

    /// A fresh snowflake, larger than every id handed out before.
    pub fn next_id(&self) -> u64 {
        self.shared.next_id()
    }

    /// Commands registered with `PUT …/commands`: `None` for global ones, `Some(guild)` for a guild's.
    pub fn registered_commands(&self, guild_id: Option<u64>) -> Vec<Value> {
        self.shared.lock().commands.get(&guild_id).cloned().unwrap_or_default()
    }
}

fn fake_message(id: u64, stored: &StoredMessage) -> FakeMessage {
    let object = &stored.object;
    let list = |key: &str| object[key].as_array().cloned().unwrap_or_default();
    let attachments = list("attachments")
        .iter()
        .map(|a| FakeAttachment {
            id: a["id"].as_str().and_then(|id| id.parse().ok()).unwrap_or_default(),
            filename: a["filename"].as_str().unwrap_or_default().to_owned(),
            size: a["size"].as_u64().unwrap_or_default(),
            content_type: a["content_type"].as_str().map(str::to_owned),
            description: a["description"].as_str().map(str::to_owned),
        })
        .collect();
    FakeMessage {
        id,
        channel_id: stored.channel_id(),
        content: object["content"].as_str().unwrap_or_default().to_owned(),
        embeds: list("embeds"),
        components: list("components"),
        allowed_mentions: stored.allowed_mentions.clone(),
        attachments,
        flags: object["flags"].as_u64().unwrap_or_default(),
        edit_count: stored.edit_count,
        thread_id: stored.thread_id,
        via_webhook: object.get("webhook_id").is_some(),
        object: object.clone(),
    }
}
