//! opspod wired as `opspod run` wires it, against a fresh fake Discord on loopback: the real serenity client and
//! the real pipeline → outbox → delivery → `DiscordSink` (by `connect::start`, as `tests/discord.rs` does), over
//! SQLite in a temp dir, with a delivery worker running. And the latencies measured through it, on the fake's
//! clock of when each request arrived: button press → interaction callback, and event → channel post.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::time::{Duration, Instant};

use opspod::app::App;
use opspod::chat::discord::connect;
use opspod::pipeline::{Input, Payload};
use tokio_util::sync::CancellationToken;

use super::fake_discord::{Actor, FakeDiscord, FakeMessage, Recorded};
use super::{BenchResult, events};

pub const GUILD: u64 = 1_100;
pub const TEAM: u64 = 1_101;
pub const ONCALL: u64 = 1_102;
pub const ONCALL_ROLE: u64 = 1_200;
pub const DANA: u64 = 1_300;
pub const EVE: u64 = 1_301;
/// Alert channels `ch00`…: channel `n` has id `FIRST_CHANNEL + n` and owns functions `fn-{n:02}-*`.
pub const FIRST_CHANNEL: u64 = 2_000;
pub const CHANNELS: usize = 20;
/// What a press must be answered within, at the 99th percentile.
pub const PRESS_AIM: Duration = Duration::from_millis(100);
/// Spread alerts start at most this often, below opspod's global pacing of 50 requests a second.
pub const SPREAD_INTERVAL: Duration = Duration::from_millis(25);

pub fn channel_id(n: usize) -> u64 {
    FIRST_CHANNEL + n as u64
}

/// The bench's config: `team` and `oncall`, an `@oncall` role that may respond, and [`CHANNELS`] owned channels.
pub fn config(base_url: &str) -> String {
    let mut config = format!(
        "[channels.team]\ndiscord_id = {TEAM}\n[channels.oncall]\ndiscord_id = {ONCALL}\n\
         [mentions]\noncall = \"role:{ONCALL_ROLE}\"\n[routing]\noncall_mention = \"@oncall\"\n\
         [discord]\nguild_id = {GUILD}\napi_base_url = \"{base_url}\"\nresponders = [\"@oncall\"]\n"
    );
    for n in 0..CHANNELS {
        config.push_str(&format!(
            "[channels.ch{n:02}]\ndiscord_id = {}\n[[owners]]\nteam = \"team{n:02}\"\nchannel = \"ch{n:02}\"\n\
             resources = [\"fn-{n:02}-*\"]\n",
            channel_id(n)
        ));
    }
    config
}

/// A fake Discord with the bench's guild, channels, role and members (`dana` responds, `eve` does not).
pub async fn fake() -> FakeDiscord {
    let fake = FakeDiscord::start().await;
    fake.add_channel(GUILD, TEAM, "team");
    fake.add_channel(GUILD, ONCALL, "oncall");
    for n in 0..CHANNELS {
        fake.add_channel(GUILD, channel_id(n), &format!("ch{n:02}"));
    }
    fake.add_role(GUILD, ONCALL_ROLE, "oncall");
    fake.add_member(GUILD, DANA, "dana", &[ONCALL_ROLE]);
    fake.add_member(GUILD, EVE, "eve", &[]);
    fake
}

/// An alarm going off on function `fn-{channel}-{n}`, which routes to channel `ch{channel}`.
pub fn alarm(channel: usize, n: usize) -> (String, String) {
    let function = format!("fn-{channel:02}-{n:03}");
    let at = format!("2026-11-20T{:02}:{:02}:{:02}.000+0000", 10 + n / 3600, n / 60 % 60, n % 60);
    let raw = events::alarm(&format!("{function}-errors"), &function, "ALARM", &at);
    (function, raw)
}

/// Inputs as a source hands them to the pipeline, one per raw event.
pub fn inputs(source: &str, first: usize, raws: &[String]) -> Vec<Input> {
    raws.iter()
        .enumerate()
        .map(|(n, raw)| Input {
            source: source.into(),
            origin: format!("{source}:{}", first + n),
            payload: Payload::Raw(raw.clone().into_bytes()),
        })
        .collect()
}

/// opspod wired as `opspod run` wires it, with its delivery worker running, against a fresh fake Discord.
pub struct Harness {
    pub fake: FakeDiscord,
    pub app: App,
    stop: CancellationToken,
    _db: tempfile::TempDir,
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// The bench's harness with [`config`], grouping off: the latencies and the burst are about each alarm's own
/// message, and with grouping on, alarms close together in one channel share a storm message instead.
pub async fn harness() -> BenchResult<Harness> {
    harness_with("[grouping]\nby = \"off\"\n").await
}

/// The bench's harness with `extra` TOML appended to [`config`] (new sections only).
pub async fn harness_with(extra: &str) -> BenchResult<Harness> {
    let fake = fake().await;
    let env = BTreeMap::from([("DISCORD_TOKEN".to_string(), "bench-token".to_string())]);
    let text = config(&fake.base_url()) + extra;
    let loaded = opspod::config::load_str(&text, "bench.toml", &env).map_err(|e| e.to_string())?;
    let db = tempfile::tempdir()?;
    let app = App::open(&loaded, Some(&format!("sqlite://{}?mode=rwc", db.path().join("opspod.db").display()))).await?;
    let stop = CancellationToken::new();
    let discord = loaded.config.discord.as_ref().ok_or("the bench config has [discord]")?;
    let token = loaded.secrets.discord_token.as_ref().ok_or("the bench sets DISCORD_TOKEN")?;
    let connected = connect::start(&loaded.config, discord, token, &app, stop.clone());
    let delivery = app.delivery(connected.sink);
    let (ready, worker_stop) = (app.pipeline.outbox_ready(), stop.clone());
    tokio::spawn(async move { delivery.run(ready, worker_stop).await });
    if !fake.wait_for_ready(Duration::from_secs(5)).await {
        return Err("the bot did not connect to the fake gateway".into());
    }
    // Presses are answered once poise's setup ran, which registers the commands.
    let registered = || async { !fake.registered_commands(Some(GUILD)).is_empty() };
    wait_until(Duration::from_secs(5), "slash command registration", registered).await?;
    Ok(Harness { fake, app, stop, _db: db })
}

impl Harness {
    pub async fn ingest(&self, raws: &[String]) -> BenchResult<()> {
        self.app.pipeline.ingest(&inputs("bench", 0, raws)).await?;
        Ok(())
    }

    pub async fn drained(&self, within: Duration) -> BenchResult<()> {
        let store = &self.app.store;
        wait_until(within, "an empty outbox", || async { store.pending_outbox().await.is_ok_and(|n| n == 0) }).await
    }

    /// The first request from `from` on that `matches`, once the fake has received it.
    pub async fn received(
        &self,
        from: usize,
        within: Duration,
        matches: impl Fn(&Recorded) -> bool,
    ) -> BenchResult<Recorded> {
        received(&self.fake, from, within, matches).await
    }

    /// The bot's own messages (not interaction replies) in every alert channel.
    pub fn posted(&self) -> Vec<FakeMessage> {
        (0..CHANNELS).flat_map(|n| self.fake.messages(channel_id(n))).filter(|m| !m.via_webhook).collect()
    }
}

/// The first request to `fake` from `from` on that `matches`, once it has arrived.
pub async fn received(
    fake: &FakeDiscord,
    from: usize,
    within: Duration,
    matches: impl Fn(&Recorded) -> bool,
) -> BenchResult<Recorded> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(found) = fake.requests().into_iter().skip(from).find(|r| matches(r)) {
            return Ok(found);
        }
        if Instant::now() > deadline {
            return Err(format!("no matching request within {within:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Polls `done` every 5 ms until it holds.
pub async fn wait_until<F, Fut>(within: Duration, what: &str, done: F) -> BenchResult<()>
where
    F: Fn() -> Fut,
    Fut: Future<Output = bool>,
{
    wait_until_every(within, Duration::from_millis(5), what, done).await
}

/// Polls `done` every `every` until it holds, or fails after `within`.
pub async fn wait_until_every<F, Fut>(within: Duration, every: Duration, what: &str, done: F) -> BenchResult<()>
where
    F: Fn() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !done().await {
        if Instant::now() > deadline {
            return Err(format!("timed out after {within:?} waiting for {what}").into());
        }
        tokio::time::sleep(every).await;
    }
    Ok(())
}

/// What a press is, and what its answer must start with.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Press {
    FirstAck,
    Refused,
    AlreadyAcked,
}

impl Press {
    /// The order presses go in: each incident gets an Ack, a press from a non-responder, and a second Ack.
    pub const CYCLE: [Press; 3] = [Press::FirstAck, Press::Refused, Press::AlreadyAcked];

    pub fn name(self) -> &'static str {
        match self {
            Press::FirstAck => "  first Ack",
            Press::Refused => "  refused (no responder role)",
            Press::AlreadyAcked => "  Ack when already acknowledged",
        }
    }

    fn expected_answer(self) -> &'static str {
        match self {
            Press::FirstAck => "You acknowledged",
            Press::Refused => "Only members with @oncall",
            Press::AlreadyAcked => "Already acknowledged",
        }
    }
}

/// Presses Ack buttons on posted incidents, one at a time, timing each from INTERACTION_CREATE to the callback.
pub async fn presses(count: usize) -> BenchResult<Vec<(Press, Duration)>> {
    let h = harness().await?;
    let incidents = count.div_ceil(Press::CYCLE.len());
    let raws: Vec<String> = (0..incidents).map(|n| alarm(n % CHANNELS, n).1).collect();
    h.ingest(&raws).await?;
    h.drained(Duration::from_secs(60)).await?;
    let posted = h.posted();
    let mut timings = Vec::with_capacity(count);
    for n in 0..count {
        let message = posted.get(n / Press::CYCLE.len()).ok_or("an incident was not posted")?;
        let kind = Press::CYCLE[n % Press::CYCLE.len()];
        timings.push((kind, press(&h, message, kind).await?));
    }
    Ok(timings)
}

async fn press(h: &Harness, message: &FakeMessage, kind: Press) -> BenchResult<Duration> {
    let (user_id, roles): (u64, &[u64]) = if kind == Press::Refused { (EVE, &[]) } else { (DANA, &[ONCALL_ROLE]) };
    let actor = Actor { guild_id: GUILD, channel_id: message.channel_id, user_id, username: "bench", roles };
    let incident =
        message.embeds[0]["footer"]["text"].as_str().ok_or("an incident message has its id in the footer")?;
    let interaction = h.fake.button_press(actor, &message.object, &format!("opspod:ack:{incident}"));
    let callback = format!("/interactions/{}/", interaction["id"].as_str().unwrap_or_default());
    let from = h.fake.requests().len();
    let sent = Instant::now();
    h.fake.send_interaction(interaction).await;
    let answer =
        h.received(from, Duration::from_secs(5), |r| r.method == "POST" && r.path.starts_with(&callback)).await?;
    let content = answer.json().and_then(|json| json["data"]["content"].as_str()).unwrap_or_default();
    if !content.starts_with(kind.expected_answer()) {
        return Err(format!("{} was answered {content:?}", kind.name().trim()).into());
    }
    Ok(answer.received.duration_since(sent))
}

/// Whether `request` posts the alert for `function` to `channel` (its embed title names the function).
pub fn is_post_for(request: &Recorded, channel: u64, function: &str) -> bool {
    request.method == "POST"
        && request.path == format!("/channels/{channel}/messages")
        && request
            .json()
            .and_then(|json| json["embeds"][0]["title"].as_str())
            .is_some_and(|title| title.split(" · ").next().is_some_and(|head| head.ends_with(&format!(" {function}"))))
}

/// One alert at a time, each to the next channel, waiting for its POST before the next and starting no sooner
/// than [`SPREAD_INTERVAL`] after the previous one, so that neither of opspod's pacing limits applies.
pub async fn spread(count: usize) -> BenchResult<Vec<Duration>> {
    let h = harness().await?;
    let mut latencies = Vec::with_capacity(count);
    for n in 0..count {
        let (function, raw) = alarm(n % CHANNELS, n);
        let from = h.fake.requests().len();
        let start = Instant::now();
        h.ingest(&[raw]).await?;
        let channel = channel_id(n % CHANNELS);
        let post = h.received(from, Duration::from_secs(30), |r| is_post_for(r, channel, &function)).await?;
        latencies.push(post.received.duration_since(start));
        tokio::time::sleep_until((start + SPREAD_INTERVAL).into()).await;
    }
    Ok(latencies)
}

/// Alerts in quick succession in one channel: each ingested on its own, without waiting for the POSTs.
pub async fn one_channel(count: usize) -> BenchResult<Vec<Duration>> {
    let h = harness().await?;
    let from = h.fake.requests().len();
    let mut sent = Vec::with_capacity(count);
    for n in 0..count {
        let (function, raw) = alarm(0, n);
        sent.push((function, Instant::now()));
        h.ingest(&[raw]).await?;
    }
    let mut latencies = Vec::with_capacity(count);
    for (function, start) in sent {
        let post = h.received(from, Duration::from_secs(60), |r| is_post_for(r, channel_id(0), &function)).await?;
        latencies.push(post.received.duration_since(start));
    }
    Ok(latencies)
}

/// Latencies under a name, sorted, for percentiles.
pub struct Latencies {
    pub name: String,
    pub sorted: Vec<Duration>,
}

impl Latencies {
    pub fn new(name: String, latencies: &[Duration]) -> Latencies {
        let mut sorted = latencies.to_vec();
        sorted.sort();
        Latencies { name, sorted }
    }

    /// The nearest-rank percentile.
    pub fn percentile(&self, p: f64) -> Duration {
        super::percentile(&self.sorted, p)
    }

    pub fn max(&self) -> Duration {
        self.sorted.last().copied().unwrap_or_default()
    }
}

pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// What the bot sent to channels and the threads started from its messages, as a fresh fake Discord saw it.
#[derive(Debug, Default, Clone, Copy)]
pub struct Traffic {
    /// Every REST request the fake received.
    pub requests: usize,
    /// Messages the bot posted in channels (interaction replies and thread messages left out).
    pub posts: usize,
    pub edits: usize,
    pub threads: usize,
    pub thread_messages: usize,
    /// Posts the fake answered 429 under its per-channel limit.
    pub rate_limited: usize,
}

/// What a fresh fake Discord received, whose `limit_channel_posts(count, window)` was set before the first post.
pub fn traffic(fake: &FakeDiscord, (count, window): (usize, Duration)) -> Traffic {
    let requests = fake.requests();
    // The posts the fake refused, found the way it refuses them: in arrival order, a post to a channel that
    // already admitted `count` posts within `window` draws a 429, any other counts. A failed post is not always a
    // 429 (opspod's first note to an incident's thread draws 404 Unknown Channel before it starts the thread).
    let mut admitted: HashMap<u64, Vec<Instant>> = HashMap::new();
    let mut rate_limited = 0;
    for request in requests.iter().filter(|r| r.method == "POST") {
        let segments: Vec<&str> = request.path.split('/').collect();
        let ["", "channels", channel, "messages"] = segments.as_slice() else { continue };
        let Ok(channel) = channel.parse::<u64>() else { continue };
        let posts = admitted.entry(channel).or_default();
        posts.retain(|at| request.received.duration_since(*at) < window);
        if posts.len() >= count {
            rate_limited += 1;
        } else {
            posts.push(request.received);
        }
    }
    let bots = |channel: u64| fake.messages(channel).into_iter().filter(|m| !m.via_webhook).collect::<Vec<_>>();
    let threads: HashSet<u64> =
        admitted.keys().flat_map(|&channel| bots(channel)).filter_map(|m| m.thread_id).collect();
    let in_threads: usize = threads.iter().map(|&thread| bots(thread).len()).sum();
    let in_channels: usize = admitted.keys().filter(|c| !threads.contains(c)).map(|&channel| bots(channel).len()).sum();
    Traffic {
        requests: requests.len(),
        posts: in_channels,
        edits: requests.iter().filter(|r| r.method == "PATCH" && r.path.starts_with("/channels/")).count(),
        threads: threads.len(),
        thread_messages: in_threads,
        rate_limited,
    }
}
