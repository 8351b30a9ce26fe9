//! The bot wired to the fake Discord (as `tests/discord.rs` does), with real enrichment against moto, and a
//! checker that reads every request the bot sent for mentions that could notify or render as live.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use opspod::app::App;
use opspod::aws::AwsAccess;
use opspod::chat::discord::connect;
use opspod::config::Loaded;
use opspod::delivery::Delivery;
use opspod::pipeline::{Input, Payload};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::support::bot::eventually;
use crate::support::fake_discord::{Actor, FakeDiscord, Recorded};

pub const GUILD: u64 = 1_100;
pub const TEAM: u64 = 1_101;
pub const ONCALL: u64 = 1_102;
pub const ONCALL_ROLE: u64 = 1_200;
pub const PAYMENTS_ROLE: u64 = 1_201;
pub const DANA: u64 = 1_300;
pub const EVE: u64 = 1_301;

/// The only roles and users config lets the bot mention.
pub const CONFIGURED_ROLES: [u64; 2] = [ONCALL_ROLE, PAYMENTS_ROLE];
pub const CONFIGURED_USERS: [u64; 1] = [DANA];

fn config(base_url: &str) -> String {
    format!(
        "[channels.team]\ndiscord_id = {TEAM}\n[channels.oncall]\ndiscord_id = {ONCALL}\n\
         [mentions]\noncall = \"role:{ONCALL_ROLE}\"\npayments = \"role:{PAYMENTS_ROLE}\"\ndana = \"user:{DANA}\"\n\
         [routing]\noncall_mention = \"@oncall\"\ncritical_alarms = [\"*critical*\"]\n\
         [[owners]]\nteam = \"payments\"\nmention = \"@payments\"\nresources = [\"checkout-*\"]\n\
         [aws]\nregions = [\"us-east-1\"]\nenrich_seconds = 15\n\
         [discord]\nguild_id = {GUILD}\napi_base_url = \"{base_url}\"\nresponders = [\"@oncall\"]\n"
    )
}

pub struct Harness {
    pub fake: FakeDiscord,
    pub app: App,
    pub loaded: Loaded,
    delivery: Delivery,
    stop: CancellationToken,
    _db: crate::support::SqliteDb,
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// The bot connected to a fresh fake Discord; AWS must already point at moto (`support::point_aws_at_moto`).
pub async fn harness() -> Harness {
    let fake = FakeDiscord::start().await;
    fake.add_channel(GUILD, TEAM, "team");
    fake.add_channel(GUILD, ONCALL, "oncall");
    fake.add_role(GUILD, ONCALL_ROLE, "oncall");
    fake.add_role(GUILD, PAYMENTS_ROLE, "payments");
    fake.add_member(GUILD, DANA, "dana", &[ONCALL_ROLE]);
    fake.add_member(GUILD, EVE, "eve", &[]);
    let env = BTreeMap::from([("DISCORD_TOKEN".to_string(), "test-token".to_string())]);
    let loaded = opspod::config::load_str(&config(&fake.base_url()), "test.toml", &env).expect("config");
    let db = crate::support::SqliteDb::new();
    let app = App::open(&loaded, Some(&db.url)).await.expect("app");
    let stop = CancellationToken::new();
    let discord = loaded.config.discord.as_ref().unwrap();
    let token = loaded.secrets.discord_token.as_ref().unwrap();
    let connected = connect::start(&loaded.config, discord, token, &app, stop.clone());
    let delivery = app.delivery(connected.sink);
    assert!(fake.wait_for_ready(Duration::from_secs(5)).await, "the bot connects to the gateway");
    Harness { fake, app, loaded, delivery, stop, _db: db }
}

impl Harness {
    pub async fn ingest(&self, raws: &[String]) {
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

    pub async fn deliver(&self) {
        for _ in 0..500 {
            self.delivery.pass().await.unwrap();
            if self.app.store.pending_outbox().await.unwrap() == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the outbox did not drain");
    }

    /// Runs the real enricher against moto until every open incident has its context, then delivers the edits.
    pub async fn enrich(&self) {
        let access = AwsAccess::from_config(&self.loaded.config.aws_settings()).await;
        let enricher = self.app.enricher(&self.loaded.config, access);
        enricher.settle(Duration::from_secs(40)).await;
        self.deliver().await;
    }

    /// Sends a slash command as Eve and waits for its final answer (a callback, or the webhook follow-up of a
    /// deferred one); returns that answer's JSON.
    pub async fn slash(&self, name: &str, options: Value) -> Value {
        let actor = Actor { guild_id: GUILD, channel_id: TEAM, user_id: EVE, username: "eve", roles: &[] };
        let before = self.fake.interaction_responses().len();
        self.fake.send_interaction(self.fake.slash_command(actor, name, options)).await;
        let answered = || {
            let responses: Vec<Recorded> = self.fake.interaction_responses().into_iter().skip(before).collect();
            let deferred = responses.first().and_then(Recorded::json).is_some_and(|r| r["type"] == 5);
            let last = responses.last().and_then(Recorded::json).cloned();
            match (deferred, responses.iter().any(|r| r.path.starts_with("/webhooks/"))) {
                (true, false) => None,
                _ => last,
            }
        };
        eventually(Duration::from_secs(30), &format!("the answer to /{name}"), || async { answered().is_some() }).await;
        answered().unwrap()
    }
}

/// The text of a message-like JSON payload (`content`, embeds, component labels), or of an interaction callback's
/// `data`; the answer to an interaction callback is found under `data`.
pub fn message_of(request: &Recorded) -> Option<Value> {
    let json = request.json()?.clone();
    if request.path.starts_with("/interactions/") {
        // 4: a message, 7: an updated message; 5/6 defer and 8 offers autocomplete choices.
        return matches!(json["type"].as_u64(), Some(4 | 7)).then(|| json["data"].clone());
    }
    let carries = |key: &str| json.get(key).is_some_and(|v| !v.is_null());
    (carries("content") || carries("embeds") || carries("components")).then_some(json)
}

/// Every user-visible string in a message payload: content, embed texts, component labels, a thread's name.
pub fn texts(message: &Value) -> Vec<String> {
    let mut texts = Vec::new();
    let mut push = |value: &Value| {
        if let Some(text) = value.as_str() {
            texts.push(text.to_owned());
        }
    };
    push(&message["content"]);
    push(&message["name"]);
    for embed in message["embeds"].as_array().into_iter().flatten() {
        for key in ["title", "description"] {
            push(&embed[key]);
        }
        push(&embed["footer"]["text"]);
        push(&embed["author"]["name"]);
        for field in embed["fields"].as_array().into_iter().flatten() {
            push(&field["name"]);
            push(&field["value"]);
        }
    }
    for row in message["components"].as_array().into_iter().flatten() {
        for component in row["components"].as_array().into_iter().flatten() {
            push(&component["label"]);
            push(&component["placeholder"]);
            for option in component["options"].as_array().into_iter().flatten() {
                push(&option["label"]);
                push(&option["description"]);
            }
        }
    }
    texts
}

/// Mention syntax Discord would render or notify: `@everyone`, `@here` (any case), `<@1>`, `<@!1>`, `<@&1>`, `<#1>`.
pub fn live_mentions(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let mut found: Vec<String> = ["@everyone", "@here"]
        .iter()
        .flat_map(|mass| lower.match_indices(mass).map(|(at, m)| text[at..at + m.len()].to_owned()))
        .collect();
    let bytes = text.as_bytes();
    for (at, _) in text.match_indices('<') {
        let mut i = at + 1;
        match (bytes.get(i), bytes.get(i + 1)) {
            (Some(b'@'), Some(b'!' | b'&')) => i += 2,
            (Some(b'@' | b'#'), _) => i += 1,
            _ => continue,
        }
        let digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits > 0 && bytes.get(i + digits) == Some(&b'>') {
            found.push(text[at..=i + digits].to_owned());
        }
    }
    found
}

/// The configured mentions, the only live ones allowed.
fn configured_markup() -> BTreeSet<String> {
    let roles = CONFIGURED_ROLES.iter().map(|id| format!("<@&{id}>"));
    let users = CONFIGURED_USERS.iter().flat_map(|id| [format!("<@{id}>"), format!("<@!{id}>")]);
    roles.chain(users).collect()
}

/// Bidi controls that reorder what people read (the "Trojan Source" characters).
pub fn bidi_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(
            |c| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'),
        )
        .collect()
}

/// What is wrong with one request's mentions: a missing or too wide `allowed_mentions`, a live mention in its
/// text that config did not ask for, or a bidi control.
pub fn mention_problems(request: &Recorded) -> Vec<String> {
    let Some(message) = message_of(request) else { return vec![] };
    let route = request.route();
    let mut problems = Vec::new();
    let ids = |value: &Value| -> Vec<u64> {
        value.as_array().into_iter().flatten().filter_map(|id| id.as_str()?.parse().ok()).collect()
    };
    match message.get("allowed_mentions").filter(|value| value.is_object()) {
        None => problems.push(format!("{route}: no allowed_mentions in {message}")),
        Some(allowed) => {
            let parse = &allowed["parse"];
            if !(parse.is_null() || parse.as_array().is_some_and(Vec::is_empty)) {
                problems.push(format!("{route}: allowed_mentions.parse is {parse}"));
            }
            let roles = ids(&allowed["roles"]);
            if roles.iter().any(|id| !CONFIGURED_ROLES.contains(id)) {
                problems.push(format!("{route}: allowed_mentions.roles {roles:?} beyond config"));
            }
            let users = ids(&allowed["users"]);
            if users.iter().any(|id| !CONFIGURED_USERS.contains(id)) {
                problems.push(format!("{route}: allowed_mentions.users {users:?} beyond config"));
            }
            if allowed["replied_user"] == true {
                problems.push(format!("{route}: allowed_mentions.replied_user is true"));
            }
        }
    }
    let configured = configured_markup();
    for text in texts(&message) {
        let live: Vec<String> = live_mentions(&text).into_iter().filter(|m| !configured.contains(m)).collect();
        if !live.is_empty() {
            problems.push(format!("{route}: live mentions {live:?} in {text:?}"));
        }
        let bidi = bidi_controls(&text);
        if !bidi.is_empty() {
            problems.push(format!("{route}: bidi controls {bidi:?} in {text:?}"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checker_finds_every_kind_of_live_mention_and_nothing_broken() {
        let found = live_mentions("hi @everyone @HERE <@1> <@!2> <@&3> <#4> <@x> <@> <#> <:e:5>");
        assert_eq!(found, ["@everyone", "@HERE", "<@1>", "<@!2>", "<@&3>", "<#4>"]);
        assert!(live_mentions("@\u{200B}everyone <\u{200B}@1> <@\u{200B}&2> user@example.com").is_empty());
    }
}
