//! The memory rows: `opspod run`'s resident set idle, and once it has loaded 10,000 functions into its cache.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::Utc;

use opspod::app::App;

use super::support::discord::{self, EVE, GUILD, TEAM, ms};
use super::support::fake_discord::Actor;
use super::support::ingest::BATCH;
use super::support::memory::mb;
use super::support::run::Opspod;
use super::support::table::{NONE, Row, count, verdict};
use super::support::{BenchResult, events};
use super::{RSS_AIMS, SETTLE};

pub const ROWS: [&str; 2] = ["RSS, idle (empty store)", "RSS, 10,000 functions cached (store + autocomplete cache)"];

pub async fn rows(functions: usize) -> BenchResult<Vec<Row>> {
    let (idle, idle_peak, idle_anonymous) = {
        let fake = discord::fake().await;
        let dir = tempfile::tempdir()?;
        let bot = start_opspod(&fake, &dir).await?;
        let (now, peak) = bot.memory_kib()?;
        let anonymous = bot.anonymous_kib()?;
        bot.stop().await?;
        (now, peak, anonymous)
    };
    let fake = discord::fake().await;
    let dir = tempfile::tempdir()?;
    let known = store_functions(&database(&dir), functions).await?;
    let bot = start_opspod(&fake, &dir).await?;
    let (loaded, _) = bot.memory_kib()?;
    let (answered_in, choices) = autocomplete(&fake).await?;
    tokio::time::sleep(SETTLE).await;
    let (cached, cached_peak) = bot.memory_kib()?;
    bot.stop().await?;
    let name = if functions == 10_000 { ROWS[1].to_owned() } else { ROWS[1].replace("10,000", &count(functions)) };
    Ok(vec![
        Row::new(
            ROWS[0],
            format!(
                "{:.1} MB (peak {:.1} MB; {:.1} MB anonymous, the rest pages of the binary and libraries)",
                mb(idle),
                mb(idle_peak),
                mb(idle_anonymous)
            ),
            NONE,
            verdict(&format!("≤ {:.0} MB", RSS_AIMS.0), mb(idle) <= RSS_AIMS.0),
        ),
        Row::new(
            name,
            format!(
                "{:.1} MB (peak {:.1} MB; {:.1} MB before the autocomplete read {} names in {:.0} ms, offered {choices})",
                mb(cached),
                mb(cached_peak),
                mb(loaded),
                count(known),
                ms(answered_in)
            ),
            NONE,
            verdict(&format!("≤ {:.0} MB", RSS_AIMS.1), mb(cached) <= RSS_AIMS.1),
        ),
    ])
}

fn database(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}?mode=rwc", dir.path().join("opspod.db").display())
}

/// `opspod run` on the store in `dir`, connected to `fake`, left alone for [`SETTLE`].
async fn start_opspod(
    fake: &super::support::fake_discord::FakeDiscord,
    dir: &tempfile::TempDir,
) -> BenchResult<Opspod> {
    let config = dir.path().join("opspod.toml");
    std::fs::write(&config, super::support::run::config(&database(dir), fake))?;
    let mut bot = Opspod::start(&config)?;
    bot.connected(fake, Duration::from_secs(15)).await?;
    tokio::time::sleep(SETTLE).await;
    Ok(bot)
}

/// Stores an alarm on each of `count` functions, inside a maintenance window so that nothing waits in the outbox
/// (which `opspod run` would deliver), and returns how many functions the store then knows.
async fn store_functions(database: &str, count: usize) -> BenchResult<usize> {
    let now = Utc::now();
    let text = format!(
        "[channels.team]\n[channels.oncall]\n[aws]\nenabled = false\n[[maintenance]]\nname = \"bench\"\n\
         start = \"{}\"\nend = \"{}\"\nresources = [\"cache-fn-*\"]\n",
        (now - chrono::Duration::hours(1)).to_rfc3339(),
        (now + chrono::Duration::hours(1)).to_rfc3339()
    );
    let loaded = opspod::config::load_str(&text, "bench.toml", &BTreeMap::new()).map_err(|e| e.to_string())?;
    let app = App::open(&loaded, Some(database)).await?;
    let at = now.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string();
    let raws: Vec<String> = (0..count)
        .map(|n| {
            let function = format!("cache-fn-{n:05}");
            events::alarm(&format!("{function}-errors"), &function, "ALARM", &at)
        })
        .collect();
    for (k, batch) in raws.chunks(BATCH).enumerate() {
        app.pipeline.ingest(&discord::inputs("replay", k * BATCH, batch)).await?;
    }
    let known = app.store.known_functions().await?.len();
    let pending = app.store.pending_outbox().await?;
    app.store.close().await;
    if pending > 0 {
        return Err(format!("{pending} messages wait in the outbox despite the maintenance window").into());
    }
    Ok(known)
}

/// Types a function name into `/incident function:` and waits for the choices; returns how long they took and
/// how many were offered.
async fn autocomplete(fake: &super::support::fake_discord::FakeDiscord) -> BenchResult<(Duration, usize)> {
    let actor = Actor { guild_id: GUILD, channel_id: TEAM, user_id: EVE, username: "eve", roles: &[] };
    let options = serde_json::json!([{"name": "function", "type": 3, "value": "cache-fn-0", "focused": true}]);
    let mut typing = fake.slash_command(actor, "incident", options);
    typing["type"] = 4.into();
    let from = fake.requests().len();
    let sent = Instant::now();
    fake.send_interaction(typing).await;
    let answer =
        discord::received(fake, from, Duration::from_secs(10), |r| r.path.starts_with("/interactions/")).await?;
    let choices = answer.json().and_then(|json| json["data"]["choices"].as_array()).map_or(0, Vec::len);
    if choices == 0 {
        return Err(format!("the autocomplete offered nothing: {:?}", answer.json()).into());
    }
    Ok((answer.received.duration_since(sent), choices))
}

// The digest.
