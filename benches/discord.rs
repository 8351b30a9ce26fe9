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

mod support;

use std::time::{Duration, Instant};

use support::BenchResult;
use support::discord::{
    CHANNELS, Latencies, PRESS_AIM, Press, SPREAD_INTERVAL, alarm, channel_id, harness, ms, one_channel, presses,
    spread,
};
use support::fake_discord::Recorded;

/// Discord's per-channel message limit, which the fake enforces in the burst.
const CHANNEL_LIMIT: (usize, Duration) = (5, Duration::from_secs(5));

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
    support::log_from_env();
    let sizes = if support::full_run() { Sizes::bench() } else { Sizes::smoke() };
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
    rows.push(Latencies::new(spread_name, &spread(sizes.spread).await?));
    let one = one_channel(sizes.one_channel).await?;
    rows.push(Latencies::new("event → POST, one channel".into(), &one));
    let burst = burst(sizes.burst).await?;
    print_latencies(&rows);
    let each: Vec<String> = one.iter().map(|latency| format!("{:.0}", ms(*latency))).collect();
    println!("\none channel, each event → POST (ms): {}\n", each.join(" "));
    print_burst(&burst);
    Ok(())
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

fn press_rows(timings: &[(Press, Duration)]) -> Vec<Latencies> {
    let all: Vec<Duration> = timings.iter().map(|(_, latency)| *latency).collect();
    let mut rows = vec![Latencies::new("press → interaction callback".into(), &all)];
    for kind in Press::CYCLE {
        let mine: Vec<Duration> = timings.iter().filter(|(k, _)| *k == kind).map(|(_, latency)| *latency).collect();
        rows.push(Latencies::new(kind.name().into(), &mine));
    }
    rows
}

fn print_latencies(rows: &[Latencies]) {
    println!("{:<34}  {:>5}  {:>9}  {:>9}  {:>9}", "latency", "n", "p50 (ms)", "p99 (ms)", "max (ms)");
    for row in rows {
        let (p50, p99) = (row.percentile(50.0), row.percentile(99.0));
        let max = row.max();
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
