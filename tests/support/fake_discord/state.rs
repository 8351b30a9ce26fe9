//! What the fake Discord knows and remembers: guilds, channels, messages, interactions and every request.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::{mpsc, watch};

use super::{Failure, Recorded};

/// Ids the fake hands out: increasing snowflakes, like Discord's, well above the ids tests declare.
const FIRST_ID: u64 = 1_300_000_000_000_000_000;

pub struct Shared {
    pub port: u16,
    inner: Mutex<Inner>,
    /// How many times a gateway client has identified and been sent READY.
    pub ready: watch::Sender<u32>,
    next_id: AtomicU64,
}

impl Shared {
    pub fn new(port: u16) -> Self {
        Shared {
            port,
            inner: Mutex::new(Inner::default()),
            ready: watch::Sender::new(0),
            next_id: AtomicU64::new(FIRST_ID),
        }
    }

    /// The state; never held across an `.await`, so a plain mutex is enough.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    pub fn gateway_url(&self) -> String {
        format!("ws://127.0.0.1:{}/gateway", self.port)
    }
}

/// One gateway dispatch waiting for the connection task, which numbers it: `(t, d)`.
pub type Dispatch = (String, Value);

#[derive(Default)]
pub struct Inner {
    pub requests: Vec<Recorded>,
    pub guilds: BTreeMap<u64, Guild>,
    pub channels: BTreeMap<u64, Channel>,
    /// Keyed by id, and ids increase, so iterating gives the order messages were posted in.
    pub messages: BTreeMap<u64, StoredMessage>,
    pub failures: VecDeque<PendingFailure>,
    pub down: bool,
    /// Every gateway payload the client sent, with the token replaced.
    pub gateway_received: Vec<Value>,
    /// The live gateway connection that has identified, if any.
    pub gateway: Option<mpsc::UnboundedSender<Dispatch>>,
    /// Interactions sent to the bot, by token (what callbacks and webhooks carry).
    pub interactions: HashMap<String, InteractionInfo>,
    /// Registered commands: `None` for global ones, `Some(guild)` for a guild's.
    pub commands: BTreeMap<Option<u64>, Vec<Value>>,
    /// When set, at most this many posts to one channel in any window; the rest answer 429.
    pub channel_post_limit: Option<(usize, Duration)>,
    /// When each channel's admitted posts arrived, for `channel_post_limit`.
    pub channel_posts: HashMap<u64, Vec<Instant>>,
    /// The posts `channel_post_limit` answered 429: their channel and when they arrived.
    pub refused_posts: Vec<(u64, Instant)>,
    /// The bot's messages created with `enforce_nonce`, by channel and nonce: the message's id and when it was
    /// created, so a create that repeats the nonce soon after gets that message back (see `messages::create`).
    pub nonces: HashMap<(u64, String), (u64, Instant)>,
    /// How many creates were answered with an earlier message because their nonce matched it.
    pub deduplicated_creates: usize,
}

impl Inner {
    /// Sends a gateway event if a client is connected; events without a listener are dropped, as on Discord.
    pub fn push_event(&self, name: &str, data: Value) {
        if let Some(gateway) = &self.gateway {
            let _ = gateway.send((name.to_owned(), data));
        }
    }

    pub fn guild_mut(&mut self, guild_id: u64) -> &mut Guild {
        self.guilds.entry(guild_id).or_insert_with(|| Guild { name: format!("Guild {guild_id}"), ..Guild::default() })
    }

    /// The failure the next request should get, consuming one use of it.
    pub fn take_failure(&mut self, method: &str, path: &str) -> Option<Failure> {
        let index = self.failures.iter().position(|f| f.matches(method, path))?;
        let pending = &mut self.failures[index];
        pending.remaining -= 1;
        let failure = pending.failure.clone();
        if pending.remaining == 0 {
            self.failures.remove(index);
        }
        Some(failure)
    }

    /// A 429 for a post beyond `channel_post_limit` in its channel's window; otherwise the post counts.
    pub fn channel_limited(&mut self, request: &Recorded) -> Option<Failure> {
        let (count, window) = self.channel_post_limit?;
        let segments: Vec<&str> = request.path.split('/').collect();
        let ["", "channels", channel, "messages"] = segments.as_slice() else { return None };
        let channel: u64 = channel.parse().ok().filter(|_| request.method == "POST")?;
        let posts = self.channel_posts.entry(channel).or_default();
        posts.retain(|at| request.received.duration_since(*at) < window);
        if posts.len() >= count {
            let retry_after = (window - request.received.duration_since(posts[0])).as_secs_f64();
            self.refused_posts.push((channel, request.received));
            return Some(Failure::RateLimited { retry_after, global: false });
        }
        posts.push(request.received);
        None
    }
}

impl super::FakeDiscord {
    /// Each post `limit_channel_posts` refused with a 429 so far: its channel and when it arrived (the
    /// `received` of its request in `requests()`).
    pub fn refused_posts(&self) -> Vec<(u64, Instant)> {
        self.shared.lock().refused_posts.clone()
    }
}

#[derive(Default)]
pub struct Guild {
    pub name: String,
    pub roles: BTreeMap<u64, String>,
    pub members: BTreeMap<u64, Member>,
}

pub struct Member {
    pub name: String,
    pub roles: Vec<u64>,
    pub bot: bool,
}

pub struct Channel {
    pub guild_id: u64,
    pub name: String,
    /// 0 for a text channel, 11 for a public thread.
    pub kind: u8,
    pub parent_id: Option<u64>,
    pub forbidden: bool,
    pub auto_archive_duration: u64,
}

pub struct StoredMessage {
    /// The message object as Discord returns it.
    pub object: Value,
    /// What the bot asked for; Discord does not echo it back, so it is kept beside the object.
    pub allowed_mentions: Option<Value>,
    pub edit_count: u32,
    pub thread_id: Option<u64>,
}

impl StoredMessage {
    pub fn channel_id(&self) -> u64 {
        self.object["channel_id"].as_str().and_then(|id| id.parse().ok()).unwrap_or_default()
    }
}

pub struct InteractionInfo {
    pub channel_id: u64,
    /// The message a component sits on, for `UPDATE_MESSAGE` (type 7) callbacks.
    pub message_id: Option<u64>,
    pub acknowledged: bool,
    pub original: Option<u64>,
}

pub struct PendingFailure {
    /// `None` matches every route; otherwise a method and a path prefix (without `/api/v10`).
    pub route: Option<(String, String)>,
    pub remaining: usize,
    pub failure: Failure,
}

impl PendingFailure {
    fn matches(&self, method: &str, path: &str) -> bool {
        match &self.route {
            None => true,
            Some((m, prefix)) => m.eq_ignore_ascii_case(method) && path.starts_with(prefix.as_str()),
        }
    }
}
