//! The crash harness: `opspod run` is killed with SIGKILL at random points of a storm of alarm transitions and
//! restarted at once, twenty times. Afterwards every event is in the store, every incident's message is in its
//! channel exactly once, with its later edits and thread lines, and the fake Discord's record is the proof.
//!
//! Real parts only: the `opspod` binary as a child process, its SQLite file, an SQS queue in moto fed by an
//! EventBridge rule, and the fake Discord the bot reaches over HTTP and its gateway, which answers a sixth post in
//! a channel within 5 s with 429 and, like Discord, returns the existing message to a create that repeats an
//! enforced nonce (how a post sent just before a crash, and retried after it, stays one message).
//!
//! The first kill is aimed at the moment the fake has taken the storm's first post, before the bot can mark it
//! sent; the others come at random gaps from a seeded generator: the seed is printed, and
//! `OPSPOD_CRASH_SEED=<seed>` replays the gaps (not moto's or the bot's timing). `OPSPOD_CRASH_KEEP=1` keeps the
//! store and every run's log.
//!
//! What a crash used to cost, and no longer may: a run started right after a killed one waits until Discord no
//! longer counts its predecessor's posts (so no 429 at all), takes over the rows the killed run had claimed
//! (SQLite has one delivering process), and resends a thread message with the lines written down for it, under
//! the same nonce (so no line appears twice).

mod support;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use chrono::{DateTime, Utc};
use opspod::chat::discord::embed;
use opspod::chat::message::Message;
use opspod::store::Store;
use sqlx::SqlitePool;
use support::aws::{Aws, FedQueue};
use support::bot::Bot;
use support::events;
use support::fake_discord::{FakeDiscord, FakeMessage};
use support::run::unique;

const GUILD: u64 = 2_300;
const ONCALL_ROLE: u64 = 2_310;
/// Four teams own a quarter of the functions each and get their alerts in their own channel, so the storm is four
/// storm messages, each with its edits and thread; `team` and `oncall` are the default channels.
const CHANNELS: [(&str, u64); 6] =
    [("checkout", 2_301), ("orders", 2_302), ("search", 2_303), ("billing", 2_304), ("team", 2_305), ("oncall", 2_306)];
const TEAMS: usize = 4;

/// A fifth of the 10,000 transitions over 500 functions, in the same proportion (20 flips a function), so
/// the test takes about a minute. moto is the bottleneck: it spends about 5 ms of a core on each event put and
/// 4 ms on each one received and deleted, more as the queue grows, and the rest of the suite shares it. At the
/// issue's scale the bot had stored 2,804 events after 7 minutes; 3,000 at 100 a second went to 2,310 in 7.5.
const TRANSITIONS: usize = 2_000;
const FUNCTIONS: usize = 100;
/// Ten events (a full `PutEvents`) this often: 80 a second, about what moto takes while the bot reads them.
const PUBLISH_EVERY: Duration = Duration::from_millis(125);
/// The publisher waits while the queue holds more than this (a few seconds of the bot being down).
const QUEUE_CAP: u64 = 400;
const KILLS: usize = 20;
/// The last kills wait for the storm to be published, so they land while the bot drains it.
const KILLS_WHILE_DRAINING: usize = 5;
/// Gaps between kills, in milliseconds: from mid-start-up to a few seconds of work.
const GAP_MS: (u64, u64) = (100, 3_000);
/// Discord's per-channel limit as the fake applies it: 5 posts in any 5 s.
const POST_WINDOW: Duration = Duration::from_secs(5);
/// How long the last process may take to store and deliver everything: a killed process's claims on outbox rows
/// last 60 s (`delivery::CLAIM`), and the queue may hold a few hundred events.
const DRAIN_LIMIT: Duration = Duration::from_secs(150);

/// SplitMix64: a small seeded generator, so a failing run can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn between(&mut self, (low, high): (u64, u64)) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

fn seed() -> u64 {
    match std::env::var("OPSPOD_CRASH_SEED") {
        Ok(seed) => seed.trim().parse().expect("OPSPOD_CRASH_SEED must be a number"),
        Err(_) => {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
            now.as_nanos() as u64 ^ u64::from(std::process::id())
        }
    }
}

fn config(dir: &Path, database: &str, queue: &FedQueue, discord: &str) -> PathBuf {
    let mut config = format!(
        "[store]\ndatabase = \"{database}\"\n\n[mentions]\noncall = \"role:{ONCALL_ROLE}\"\n\n\
         [discord]\nguild_id = {GUILD}\napi_base_url = \"{discord}\"\nresponders = [\"@oncall\"]\n\n\
         [health]\nenabled = false\n\n[aws]\nenabled = false\n\n\
         [sqs]\nqueues = [\"{}\"]\nwait_seconds = 1\nvisibility_timeout_seconds = 3\n\n",
        queue.url
    );
    for (name, id) in CHANNELS {
        config.push_str(&format!("[channels.{name}]\ndiscord_id = {id}\n"));
    }
    for (team, _) in &CHANNELS[..TEAMS] {
        config
            .push_str(&format!("\n[[owners]]\nteam = \"{team}\"\nchannel = \"{team}\"\nresources = [\"{team}-*\"]\n"));
    }
    let path = dir.join("opspod.toml");
    std::fs::write(&path, config).unwrap();
    path
}

/// The `n`th transition of the storm: function `n % FUNCTIONS` (owned by one of the teams) flips between ALARM
/// and OK, 7 ms after the one before.
fn transition(n: usize, start: DateTime<Utc>) -> String {
    let index = n % FUNCTIONS;
    let function = format!("{}-fn-{index:03}", CHANNELS[index % TEAMS].0);
    let state = if (n / FUNCTIONS).is_multiple_of(2) { "ALARM" } else { "OK" };
    let at = start + chrono::Duration::milliseconds(n as i64 * 7);
    events::alarm(&format!("{function}-errors"), &function, state, &at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string())
}

/// How the publishing went: how long it took and the deepest the queue got.
struct Published {
    took: Duration,
    peak_queue: u64,
}

/// Publishes the storm on the queue's bus, ten events per `PutEvents` (EventBridge's maximum), pausing while the
/// queue holds more than `QUEUE_CAP`: moto's receive slows with the queue's length, and past a thousand or so
/// messages it falls behind for good.
async fn publish_storm(queue: FedQueue, start: DateTime<Utc>) -> Published {
    let aws = Aws::connect().await;
    let began = Instant::now();
    let mut peak_queue = 0;
    let mut pace = tokio::time::interval(PUBLISH_EVERY);
    pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let all: Vec<usize> = (0..TRANSITIONS).collect();
    for (index, batch) in all.chunks(10).enumerate() {
        pace.tick().await;
        if index % 10 == 0 {
            loop {
                let queued = aws.messages_left(&queue).await;
                peak_queue = peak_queue.max(queued);
                if queued <= QUEUE_CAP {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
        let entries = batch.iter().map(|&n| entry(&queue.bus, &transition(n, start))).collect();
        let output = aws.events.put_events().set_entries(Some(entries)).send().await.expect("put events");
        assert_eq!(output.failed_entry_count, 0, "EventBridge refused an event");
    }
    Published { took: began.elapsed(), peak_queue }
}

/// A `PutEvents` entry for an event as the generators write it.
fn entry(bus: &str, event: &str) -> PutEventsRequestEntry {
    let event: serde_json::Value = serde_json::from_str(event).unwrap();
    PutEventsRequestEntry::builder()
        .event_bus_name(bus)
        .source(event["source"].as_str().unwrap())
        .detail_type(event["detail-type"].as_str().unwrap())
        .detail(event["detail"].to_string())
        .resources(event["resources"][0].as_str().unwrap())
        .build()
}

/// The bot as a process that is killed and started again, each run with its own log files.
struct Crashing {
    config: PathBuf,
    dir: PathBuf,
    env: Vec<(&'static str, &'static str)>,
    /// When each run was started: it cannot have sent anything before.
    starts: Vec<Instant>,
    bot: Option<Bot>,
}

impl Crashing {
    fn start(&mut self) {
        self.starts.push(Instant::now());
        let out = self.dir.join(format!("run-{:02}.out", self.starts.len()));
        self.bot = Some(Bot::start_with(&self.config, &out, &self.env));
    }

    fn kill_and_restart(&mut self) {
        self.bot.take().expect("a running bot").kill();
        self.start();
    }

    fn stderr(&self) -> String {
        self.bot.as_ref().map(Bot::stderr).unwrap_or_default()
    }

    /// Every line of every run's log that mentions `needle`, for a failure's message.
    fn logged(&self, needle: &str) -> Vec<String> {
        (1..=self.starts.len())
            .flat_map(|run| {
                let log = std::fs::read_to_string(self.dir.join(format!("run-{run:02}.stderr"))).unwrap_or_default();
                log.lines()
                    .filter(|line| line.contains(needle))
                    .map(|line| format!("run {run}: {line}"))
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

/// Where the kills landed.
#[derive(Debug, Default)]
struct Kills {
    while_publishing: usize,
    while_draining: usize,
}

/// Kills the bot `KILLS` times, restarting it at once each time. The first kill is aimed: it lands as soon as the
/// fake Discord has taken the storm's first post, most likely before the bot marked it sent, which is the crash
/// `enforce_nonce` is for. The others come at random gaps, the last few after the storm is published.
async fn kill_and_restart(
    bot: &mut Crashing,
    fake: &FakeDiscord,
    publishing: &tokio::task::JoinHandle<Published>,
    rng: &mut Rng,
) -> Kills {
    let mut kills = Kills::default();
    let posts: Vec<String> = CHANNELS[..TEAMS].iter().map(|(_, id)| format!("/channels/{id}/messages")).collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !fake.requests().iter().any(|r| r.method == "POST" && posts.contains(&r.path)) {
        assert!(Instant::now() < deadline, "no storm post within 60 s:\n{}", tail(&bot.stderr(), 40));
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    for kill in 0..KILLS {
        if kill == KILLS - KILLS_WHILE_DRAINING {
            while !publishing.is_finished() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        if kill > 0 {
            tokio::time::sleep(Duration::from_millis(rng.between(GAP_MS))).await;
        }
        if publishing.is_finished() {
            kills.while_draining += 1;
        } else {
            kills.while_publishing += 1;
        }
        bot.kill_and_restart();
    }
    kills
}

/// The posts the fake refused with 429, as those a run drew on its own (described) and the number drawn right
/// after a restart: a refusal is a restart's when a post admitted in its window came from an earlier, killed run,
/// whose sends the new run's pacer cannot know of.
fn refusals(fake: &FakeDiscord, starts: &[Instant]) -> (Vec<String>, usize) {
    let requests = fake.requests();
    let refused = fake.refused_posts();
    let mut own = Vec::new();
    let mut after_restart = 0;
    for &(channel, at) in &refused {
        let run_began = starts.iter().copied().filter(|start| *start <= at).max().expect("a run was started");
        let path = format!("/channels/{channel}/messages");
        let inherited = requests.iter().any(|r| {
            r.method == "POST"
                && r.path == path
                && r.received < run_began
                && at.duration_since(r.received) < POST_WINDOW
                && !refused.contains(&(channel, r.received))
        });
        if inherited {
            after_restart += 1;
        } else {
            own.push(format!("{path}, {:?} into its run", at - run_began));
        }
    }
    (own, after_restart)
}

/// Waits until the store holds every transition, none rejected, the outbox is empty and so is the queue.
async fn wait_until_drained(bot: &Crashing, database: &str, aws: &Aws, queue: &FedQueue, since: Instant) {
    let store = Store::connect(database).await.expect("the bot created its store");
    let done = Some((TRANSITIONS as i64, 0, 0));
    loop {
        let now = progress(&store).await;
        if now == done && aws.messages_left(queue).await == 0 {
            break;
        }
        assert!(
            since.elapsed() < DRAIN_LIMIT,
            "not drained {DRAIN_LIMIT:?} after the last kill: (events, rejected, pending outbox) = {now:?}; \
             outbox: {:?}\nlast run's stderr:\n{}",
            pending_outbox(database).await,
            tail(&bot.stderr(), 40)
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    store.close().await;
}

/// What the store holds now: events, rejections and pending outbox rows.
async fn progress(store: &Store) -> Option<(i64, usize, i64)> {
    Some((store.event_count().await.ok()?, store.rejected().await.ok()?.len(), store.pending_outbox().await.ok()?))
}

/// What the store says was delivered: each posted incident's message, the thread lines sent, what was given up.
struct Delivered {
    /// `(channel id, message id)` of each incident's opening message.
    posted: Vec<(u64, u64)>,
    /// The embed of the last edit queued for each posted message, as opspod renders it for Discord.
    last_edits: HashMap<u64, serde_json::Value>,
    /// Every thread line marked sent.
    notes: Vec<String>,
    given_up: i64,
}

async fn delivered(database: &str) -> Delivered {
    let db = SqlitePool::connect(database).await.unwrap();
    let channel_ids = HashMap::from(CHANNELS);
    let posted: Vec<(String, String)> =
        sqlx::query_as("SELECT channel, message_ref FROM chat_messages").fetch_all(&db).await.unwrap();
    let last_edits: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.message_ref, o.body FROM outbox o JOIN chat_messages c ON c.incident_id = o.incident_id \
         WHERE o.id = (SELECT MAX(id) FROM outbox WHERE incident_id = o.incident_id AND op = 'edit')",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    let notes: Vec<String> =
        sqlx::query_scalar("SELECT body FROM outbox WHERE op = 'note' AND sent_at IS NOT NULL ORDER BY id")
            .fetch_all(&db)
            .await
            .unwrap();
    let given_up =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE given_up_at IS NOT NULL").fetch_one(&db).await.unwrap();
    db.close().await;
    let posted = posted.iter().map(|(channel, id)| (channel_ids[channel.as_str()], id.parse().unwrap())).collect();
    let last_edits = last_edits.iter().map(|(id, body)| (id.parse().unwrap(), discord_embed(body))).collect();
    Delivered { posted, last_edits, notes: notes.iter().flat_map(|body| note_lines(body)).collect(), given_up }
}

/// The embed opspod sends to Discord for an edit queued with `body`.
fn discord_embed(body: &str) -> serde_json::Value {
    let message: Message = serde_json::from_str(body).expect("an edit's body is a message");
    serde_json::to_value(embed::edit(&message)).unwrap()["embeds"][0].clone()
}

/// Whether a message in the fake shows `expected`'s title, text and colour.
fn shows(message: &FakeMessage, expected: &serde_json::Value) -> bool {
    ["title", "description", "color"].iter().all(|key| message.embeds[0][key] == expected[key])
}

/// The fake Discord with the channels and role the config names, answering 429 like Discord's channel limit.
async fn fake_discord() -> FakeDiscord {
    let fake = FakeDiscord::start().await;
    for (name, id) in CHANNELS {
        fake.add_channel(GUILD, id, name);
    }
    fake.add_role(GUILD, ONCALL_ROLE, "oncall");
    fake.limit_channel_posts(5, POST_WINDOW);
    fake
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_sigkills_in_a_storm_lose_no_event_and_post_no_message_twice() {
    let seed = seed();
    println!("crash: seed {seed} (replay with OPSPOD_CRASH_SEED={seed})");
    let mut rng = Rng(seed);
    let fake = fake_discord().await;
    let aws = Aws::connect().await;
    let queue = aws.queue_fed_by_a_rule(&unique("crash")).await;
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("opspod.db").display());
    let config = config(dir.path(), &database, &queue, &fake.base_url());
    let env = vec![("DISCORD_TOKEN", "test-token")];
    let mut bot = Crashing { config, dir: dir.path().to_owned(), env, starts: vec![], bot: None };
    bot.start();
    let connected = fake.wait_for_ready(Duration::from_secs(30)).await;
    assert!(connected, "the bot connects to the fake Discord:\n{}", bot.stderr());

    let storm_queue = FedQueue { url: queue.url.clone(), bus: queue.bus.clone() };
    let publishing = tokio::spawn(publish_storm(storm_queue, Utc::now()));
    let kills = kill_and_restart(&mut bot, &fake, &publishing, &mut rng).await;
    let last_kill = Instant::now();
    let published = publishing.await.expect("the storm is published");
    wait_until_drained(&bot, &database, &aws, &queue, last_kill).await;
    let drained = last_kill.elapsed();
    bot.bot.take().expect("the last run").stop();
    if std::env::var_os("OPSPOD_CRASH_KEEP").is_some() {
        println!("crash: the store and every run's log stay in {}", dir.keep().display());
    }

    let store = Store::connect(&database).await.unwrap();
    let delivered = delivered(&database).await;
    let messages: Vec<FakeMessage> =
        CHANNELS.iter().flat_map(|(_, id)| fake.messages(*id)).filter(|m| !m.via_webhook).collect();
    let edits: u32 = messages.iter().map(|m| m.edit_count).sum();
    let (thread_messages, lines) = thread_lines(&fake, &messages);
    let repeated: usize = lines.values().map(|count| count - 1).sum();
    let (own_429s, restart_429s) = refusals(&fake, &bot.starts);
    println!(
        "crash: {TRANSITIONS} transitions over {FUNCTIONS} functions published in {:.1?} (queue peaked at {}); {KILLS} SIGKILLs \
         ({} while publishing, {} while draining); {} messages, {edits} edits, {thread_messages} thread messages \
         ({repeated} lines repeated after a crash), {} deduplicated creates; posts answered 429: {} by a run's own \
         pacing, {restart_429s} just after a restart; stored and delivered {drained:.1?} after the last kill",
        published.took,
        published.peak_queue,
        kills.while_publishing,
        kills.while_draining,
        messages.len(),
        fake.deduplicated_creates(),
        own_429s.len(),
    );

    assert_nothing_was_lost(&store, &delivered).await;
    assert_each_incident_was_posted_once_and_shows_its_last_edit(&messages, &delivered);
    let missing: Vec<&String> = delivered.notes.iter().filter(|line| !lines.contains_key(*line)).collect();
    assert!(missing.is_empty(), "{} thread lines marked sent are in no thread: {missing:#?}", missing.len());
    assert!(own_429s.is_empty(), "a run overran its own pacing: {own_429s:#?}\n{:#?}", bot.logged("answered 429"));
    assert_eq!(restart_429s, 0, "a run posted into its predecessor's window: {:#?}", bot.logged("answered 429"));
    assert_eq!(
        repeated,
        0,
        "thread lines appear twice: {:#?}",
        lines.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>()
    );
    let (publishing, draining) = (kills.while_publishing, kills.while_draining);
    assert!(publishing > 0 && draining > 0, "kills landed while publishing ({publishing}) and draining ({draining})");
}

async fn assert_nothing_was_lost(store: &Store, delivered: &Delivered) {
    assert_eq!(store.event_count().await.unwrap(), TRANSITIONS as i64, "every transition is stored");
    assert!(store.rejected().await.unwrap().is_empty(), "no transition was rejected");
    assert_eq!(store.pending_outbox().await.unwrap(), 0, "the outbox is empty");
    assert_eq!(delivered.given_up, 0, "no message was given up");
}

fn assert_each_incident_was_posted_once_and_shows_its_last_edit(messages: &[FakeMessage], delivered: &Delivered) {
    let expected: BTreeSet<(u64, u64)> = delivered.posted.iter().copied().collect();
    let found: BTreeSet<(u64, u64)> = messages.iter().map(|m| (m.channel_id, m.id)).collect();
    assert_eq!(expected.len(), delivered.posted.len(), "each posted incident has a message of its own");
    assert_eq!(found, expected, "the channels hold exactly the messages the store says were posted");
    let distinct = |key: fn(&FakeMessage) -> String| messages.iter().map(key).collect::<BTreeSet<_>>().len();
    assert_eq!(distinct(|m| m.object["nonce"].to_string()), messages.len(), "no nonce was posted twice");
    assert_eq!(distinct(|m| m.embeds[0]["footer"]["text"].to_string()), messages.len(), "no incident posted twice");
    let titles: Vec<&str> = messages.iter().map(|m| m.embeds[0]["title"].as_str().unwrap_or_default()).collect();
    let storms = titles.iter().filter(|title| title.contains("Storm:")).count();
    assert!(storms >= TEAMS, "each team's storm is one grouped message: {titles:#?}");
    assert!(messages.iter().any(|m| m.edit_count > 0), "the storm messages were edited as the storm went on");
    for message in messages {
        let last = delivered.last_edits.get(&message.id).expect("every storm message was edited");
        assert!(shows(message, last), "a message shows its last edit: {:#?}\nnot {last:#?}", message.embeds[0]);
    }
}

/// The thread messages under `messages`, and how many times each line appears in them.
fn thread_lines(fake: &FakeDiscord, messages: &[FakeMessage]) -> (usize, HashMap<String, usize>) {
    let mut count = 0;
    let mut lines = HashMap::new();
    for thread in messages.iter().filter_map(|m| m.thread_id) {
        for message in fake.thread_messages(thread) {
            count += 1;
            for line in message.content.lines() {
                *lines.entry(line.to_owned()).or_insert(0) += 1;
            }
        }
    }
    (count, lines)
}

fn note_lines(body: &str) -> Vec<String> {
    let note: serde_json::Value = serde_json::from_str(body).unwrap();
    note["text"].as_str().unwrap_or_default().lines().map(str::to_owned).collect()
}

/// The pending outbox by operation, with the last error, for a timeout's message.
async fn pending_outbox(database: &str) -> Vec<(String, i64, Option<String>)> {
    let Ok(db) = SqlitePool::connect(database).await else { return vec![] };
    sqlx::query_as(
        "SELECT op, COUNT(*), MAX(last_error) FROM outbox WHERE sent_at IS NULL AND given_up_at IS NULL GROUP BY op",
    )
    .fetch_all(&db)
    .await
    .unwrap_or_default()
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
