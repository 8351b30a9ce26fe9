//! Discord latency and pacing against the fake Discord on loopback: `cargo bench --bench discord`.
//!
//! The real serenity client and opspod's real pipeline → outbox → delivery → `DiscordSink`, wired by
//! `connect::start` as `tests/discord.rs` does, over SQLite in a temp dir, with a delivery worker running.
//! It measures, on the fake's clock of when each request arrived:
//! - button press → interaction callback (a first Ack, a refused press, an Ack on an acknowledged incident);
//! - `Pipeline::ingest` → `POST /channels/{id}/messages`, one alert at a time spread over 20 channels at most
//!   40 a second (under both of opspod's pacing limits), and 10 alerts in quick succession in one channel,
//!   where opspod's 5-per-5 s pacing is the point;
//! - a burst of alerts into one channel, against a fake that answers 429 past 5 posts in 5 s. A full burst is
//!   200 alerts, about 200 s of pacing, so it runs only with `OPSPOD_BENCH_FULL=1`; otherwise 30.
//!
//! Run without `--bench` (as `cargo test --benches` does), it makes one small pass as a smoke test.
//! `OPSPOD_LOG=warn` shows opspod's and serenity's logs on stderr.

#[path = "../tests/support/events.rs"]
#[expect(dead_code, reason = "the bench uses only alarm events")]
mod events;
#[path = "../tests/support/fake_discord/mod.rs"]
#[expect(dead_code, reason = "the bench uses part of the fake's API")]
mod fake_discord;

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use fake_discord::{Actor, FakeDiscord, FakeMessage, Recorded};
use opspod::app::App;
use opspod::chat::discord::connect;
use opspod::pipeline::{Input, Payload};
use tokio_util::sync::CancellationToken;

const GUILD: u64 = 1_100;
const TEAM: u64 = 1_101;
const ONCALL: u64 = 1_102;
const ONCALL_ROLE: u64 = 1_200;
const DANA: u64 = 1_300;
const EVE: u64 = 1_301;
/// Alert channels `ch00`…: channel `n` has id `FIRST_CHANNEL + n` and owns functions `fn-{n:02}-*`.
const FIRST_CHANNEL: u64 = 2_000;
const CHANNELS: usize = 20;
/// Discord's per-channel message limit, which the fake enforces in the burst.
const CHANNEL_LIMIT: (usize, Duration) = (5, Duration::from_secs(5));
/// Spread alerts start at most this often, below opspod's global pacing of 50 requests a second.
const SPREAD_INTERVAL: Duration = Duration::from_millis(25);
/// What a press must be answered within, at the 99th percentile.
const PRESS_AIM: Duration = Duration::from_millis(100);

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// How much each measurement does.
struct Sizes {
    presses: usize,
    spread: usize,
    one_channel: usize,
    burst: usize,
}

impl Sizes {
    fn bench() -> Sizes {
        let full = std::env::var("OPSPOD_BENCH_FULL").is_ok_and(|value| value == "1");
        Sizes { presses: 200, spread: 100, one_channel: 10, burst: if full { 200 } else { 30 } }
    }

    fn smoke() -> Sizes {
        Sizes { presses: 9, spread: 20, one_channel: 3, burst: 5 }
    }
}

fn main() -> BenchResult<()> {
    if let Ok(filter) = std::env::var("OPSPOD_LOG") {
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    }
    // `cargo bench` passes `--bench`; without it this is `cargo test --benches`, which only wants to know it runs.
    let sizes = if std::env::args().any(|arg| arg == "--bench") { Sizes::bench() } else { Sizes::smoke() };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(&sizes))
}

async fn run(sizes: &Sizes) -> BenchResult<()> {
    println!(
        "opspod → fake Discord on loopback (serenity, SQLite); burst of {} alerts{}\n",
        sizes.burst,
        if sizes.burst < 200 { " (OPSPOD_BENCH_FULL=1 for 200)" } else { "" }
    );
    let mut rows = press_rows(&presses(sizes.presses).await?);
    let spread_name = format!("event → POST, {CHANNELS} channels, ≤{}/s", 1_000 / SPREAD_INTERVAL.as_millis());
    rows.push(Row::new(spread_name, &spread(sizes.spread).await?));
    let one = one_channel(sizes.one_channel).await?;
    rows.push(Row::new("event → POST, one channel".into(), &one));
    let burst = burst(sizes.burst).await?;
    print_latencies(&rows);
    let each: Vec<String> = one.iter().map(|latency| format!("{:.0}", ms(*latency))).collect();
    println!("\none channel, each event → POST (ms): {}\n", each.join(" "));
    print_burst(&burst);
    Ok(())
}

fn channel_id(n: usize) -> u64 {
    FIRST_CHANNEL + n as u64
}

fn config(base_url: &str) -> String {
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

/// An alarm going off on function `fn-{channel}-{n}`, which routes to channel `ch{channel}`.
fn alarm(channel: usize, n: usize) -> (String, String) {
    let function = format!("fn-{channel:02}-{n:03}");
    let at = format!("2026-11-20T{:02}:{:02}:{:02}.000+0000", 10 + n / 3600, n / 60 % 60, n % 60);
    let raw = events::alarm(&format!("{function}-errors"), &function, "ALARM", &at);
    (function, raw)
}

/// opspod wired as `opspod run` wires it, with its delivery worker running, against a fresh fake Discord.
struct Harness {
    fake: FakeDiscord,
    app: App,
    stop: CancellationToken,
    _db: tempfile::TempDir,
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn harness() -> BenchResult<Harness> {
    let fake = FakeDiscord::start().await;
    fake.add_channel(GUILD, TEAM, "team");
    fake.add_channel(GUILD, ONCALL, "oncall");
    for n in 0..CHANNELS {
        fake.add_channel(GUILD, channel_id(n), &format!("ch{n:02}"));
    }
    fake.add_role(GUILD, ONCALL_ROLE, "oncall");
    fake.add_member(GUILD, DANA, "dana", &[ONCALL_ROLE]);
    fake.add_member(GUILD, EVE, "eve", &[]);
    let env = BTreeMap::from([("DISCORD_TOKEN".to_string(), "bench-token".to_string())]);
    let loaded = opspod::config::load_str(&config(&fake.base_url()), "bench.toml", &env).map_err(|e| e.to_string())?;
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
    async fn ingest(&self, raws: &[String]) -> BenchResult<()> {
        let inputs: Vec<Input> = raws
            .iter()
            .enumerate()
            .map(|(n, raw)| Input {
                source: "bench".into(),
                origin: format!("bench:{n}"),
                payload: Payload::Raw(raw.clone().into_bytes()),
            })
            .collect();
        self.app.pipeline.ingest(&inputs).await?;
        Ok(())
    }

    async fn drained(&self, within: Duration) -> BenchResult<()> {
        let store = &self.app.store;
        wait_until(within, "an empty outbox", || async { store.pending_outbox().await.is_ok_and(|n| n == 0) }).await
    }

    /// The first request from `from` on that `matches`, once the fake has received it.
    async fn received(
        &self,
        from: usize,
        within: Duration,
        matches: impl Fn(&Recorded) -> bool,
    ) -> BenchResult<Recorded> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(found) = self.fake.requests().into_iter().skip(from).find(|r| matches(r)) {
                return Ok(found);
            }
            if Instant::now() > deadline {
                return Err(format!("no matching request within {within:?}").into());
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    /// The bot's own messages (not interaction replies) in every alert channel.
    fn posted(&self) -> Vec<FakeMessage> {
        (0..CHANNELS).flat_map(|n| self.fake.messages(channel_id(n))).filter(|m| !m.via_webhook).collect()
    }
}

async fn wait_until<F, Fut>(within: Duration, what: &str, done: F) -> BenchResult<()>
where
    F: Fn() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !done().await {
        if Instant::now() > deadline {
            return Err(format!("timed out after {within:?} waiting for {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

/// What a press is, and what its answer must start with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Press {
    FirstAck,
    Refused,
    AlreadyAcked,
}

impl Press {
    /// The order presses go in: each incident gets an Ack, a press from a non-responder, and a second Ack.
    const CYCLE: [Press; 3] = [Press::FirstAck, Press::Refused, Press::AlreadyAcked];

    fn name(self) -> &'static str {
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
async fn presses(count: usize) -> BenchResult<Vec<(Press, Duration)>> {
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
fn is_post_for(request: &Recorded, channel: u64, function: &str) -> bool {
    request.method == "POST"
        && request.path == format!("/channels/{channel}/messages")
        && request
            .json()
            .and_then(|json| json["embeds"][0]["title"].as_str())
            .is_some_and(|title| title.split(" · ").next().is_some_and(|head| head.ends_with(&format!(" {function}"))))
}

/// One alert at a time, each to the next channel, waiting for its POST before the next and starting no sooner
/// than [`SPREAD_INTERVAL`] after the previous one, so that neither of opspod's pacing limits applies.
async fn spread(count: usize) -> BenchResult<Vec<Duration>> {
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
async fn one_channel(count: usize) -> BenchResult<Vec<Duration>> {
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

/// What a burst into one channel cost.
struct Burst {
    alerts: usize,
    requests: usize,
    posts: usize,
    rate_limited: usize,
    /// The shortest time from one POST to the fifth after it, on the fake's clock: under 5 s draws a 429.
    tightest_six: Option<Duration>,
    first_post: Duration,
    wall: Duration,
}

/// Alerts on distinct functions, all in one batch for one channel, delivered until the outbox is empty,
/// against a fake that answers 429 to a sixth post within 5 s.
async fn burst(alerts: usize) -> BenchResult<Burst> {
    let h = harness().await?;
    h.fake.limit_channel_posts(CHANNEL_LIMIT.0, CHANNEL_LIMIT.1);
    let raws: Vec<String> = (0..alerts).map(|n| alarm(0, n).1).collect();
    let from = h.fake.requests().len();
    let start = Instant::now();
    h.ingest(&raws).await?;
    let paced = CHANNEL_LIMIT.1 * u32::try_from(alerts / CHANNEL_LIMIT.0)?;
    h.drained(paced + Duration::from_secs(60)).await?;
    let wall = start.elapsed();
    let requests: Vec<Recorded> = h.fake.requests().split_off(from);
    let channel = format!("/channels/{}/messages", channel_id(0));
    let posts: Vec<&Recorded> = requests.iter().filter(|r| r.method == "POST" && r.path == channel).collect();
    let delivered = h.fake.messages(channel_id(0)).iter().filter(|m| !m.via_webhook).count();
    if delivered != alerts {
        return Err(format!("{delivered} of {alerts} alerts reached the channel").into());
    }
    Ok(Burst {
        alerts,
        requests: requests.len(),
        // Every POST the fake did not turn into a message was answered 429.
        rate_limited: posts.len() - delivered,
        posts: posts.len(),
        tightest_six: posts
            .windows(CHANNEL_LIMIT.0 + 1)
            .map(|six| six[CHANNEL_LIMIT.0].received.duration_since(six[0].received))
            .min(),
        first_post: posts.first().map(|p| p.received.duration_since(start)).unwrap_or_default(),
        wall,
    })
}

/// A line of the latency table.
struct Row {
    name: String,
    sorted: Vec<Duration>,
}

impl Row {
    fn new(name: String, latencies: &[Duration]) -> Row {
        let mut sorted = latencies.to_vec();
        sorted.sort();
        Row { name, sorted }
    }

    /// The nearest-rank percentile.
    fn percentile(&self, p: f64) -> Duration {
        let rank = ((p / 100.0) * self.sorted.len() as f64).ceil() as usize;
        self.sorted.get(rank.saturating_sub(1)).copied().unwrap_or_default()
    }
}

fn press_rows(timings: &[(Press, Duration)]) -> Vec<Row> {
    let all: Vec<Duration> = timings.iter().map(|(_, latency)| *latency).collect();
    let mut rows = vec![Row::new("press → interaction callback".into(), &all)];
    for kind in Press::CYCLE {
        let mine: Vec<Duration> = timings.iter().filter(|(k, _)| *k == kind).map(|(_, latency)| *latency).collect();
        rows.push(Row::new(kind.name().into(), &mine));
    }
    rows
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn print_latencies(rows: &[Row]) {
    println!("{:<34}  {:>5}  {:>9}  {:>9}  {:>9}", "latency", "n", "p50 (ms)", "p99 (ms)", "max (ms)");
    for row in rows {
        let (p50, p99) = (row.percentile(50.0), row.percentile(99.0));
        let max = row.sorted.last().copied().unwrap_or_default();
        println!("{:<34}  {:>5}  {:>9.1}  {:>9.1}  {:>9.1}", row.name, row.sorted.len(), ms(p50), ms(p99), ms(max));
    }
    let p99 = rows.first().map(|row| row.percentile(99.0)).unwrap_or_default();
    let verdict = if p99 <= PRESS_AIM { "met" } else { "MISSED" };
    println!("\naim: press → callback p99 ≤ {} ms: {verdict}", PRESS_AIM.as_millis());
}

fn print_burst(burst: &Burst) {
    println!(
        "{:<22}  {:>6}  {:>13}  {:>5}  {:>4}  {:>16}  {:>14}  {:>8}  {:>7}",
        "burst",
        "alerts",
        "REST requests",
        "POSTs",
        "429s",
        "6-POST span (ms)",
        "first POST (s)",
        "wall (s)",
        "posts/s"
    );
    println!(
        "{:<22}  {:>6}  {:>13}  {:>5}  {:>4}  {:>16}  {:>14.3}  {:>8.1}  {:>7.2}",
        "one channel, one batch",
        burst.alerts,
        burst.requests,
        burst.posts,
        burst.rate_limited,
        burst.tightest_six.map_or("-".into(), |span| format!("{:.1}", ms(span))),
        burst.first_post.as_secs_f64(),
        burst.wall.as_secs_f64(),
        burst.alerts as f64 / burst.wall.as_secs_f64()
    );
    let verdict = if burst.rate_limited == 0 { "met" } else { "MISSED" };
    println!(
        "\naim: no 429 from the fake's {} posts per {:?} per channel: {verdict}",
        CHANNEL_LIMIT.0, CHANNEL_LIMIT.1
    );
}
