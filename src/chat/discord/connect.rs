//! Wires Discord from config: the HTTP client (through a proxy or fake when `api_base_url` says so), the
//! sink the outbox delivers through, and the gateway bot.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use serenity::all::{Http, HttpBuilder};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::bot::{self, BotState};
use super::pacing::Pacer;
use super::sink::{Directory, DiscordSink};
use crate::app::App;
use crate::config::{Config, DISCORD_API, Discord, MentionTarget};

/// The sink for the outbox and the running bot.
pub struct Connected {
    pub sink: Arc<DiscordSink>,
    pub bot: JoinHandle<()>,
}

/// serenity's HTTP client. Against Discord itself serenity's ratelimiter stays on; through a proxy or a fake
/// it must be off (serenity ignores the proxy while it is on), and opspod's own pacing governs.
pub fn http(token: &SecretString, discord: &Discord) -> Http {
    match discord.api_base_url.as_deref().filter(|url| url.trim_end_matches('/') != DISCORD_API) {
        Some(base) => {
            HttpBuilder::new(token.expose_secret()).proxy(base.trim_end_matches('/')).ratelimiter_disabled(true).build()
        }
        None => Http::new(token.expose_secret()),
    }
}

/// Channel names and mention handles from config, as Discord ids.
pub fn directory(config: &Config) -> Directory {
    let mut directory = Directory::default();
    for (name, channel) in &config.channels {
        if let Some(id) = channel.discord_id {
            directory.channels.insert(name.clone(), id);
        }
    }
    for handle in config.mentions.keys() {
        match config.mention_target(handle) {
            Some(MentionTarget::Role(id)) => directory.roles.insert(handle.clone(), id),
            Some(MentionTarget::User(id)) => directory.users.insert(handle.clone(), id),
            None => None,
        };
    }
    directory
}

pub fn start(
    config: &Config,
    discord: &Discord,
    token: &SecretString,
    app: &App,
    shutdown: CancellationToken,
) -> Connected {
    let directory = directory(config);
    let sink = Arc::new(DiscordSink::new(Arc::new(http(token, discord)), directory.clone(), Pacer::default()));
    let responders = discord
        .responders
        .iter()
        .filter_map(|handle| directory.roles.get(handle.trim_start_matches('@')).map(|id| (*id, handle.clone())))
        .collect();
    let state = Arc::new(BotState {
        store: app.store.clone(),
        clock: app.clock.clone(),
        outbox_ready: app.pipeline.outbox_ready(),
        guild_id: discord.guild_id,
        responders,
        global_commands: discord.global_commands,
        functions: Default::default(),
        insights: crate::insight::Insights::lazy(config, app.store.clone()),
        digests: crate::digest::Digests::lazy(config, app.store.clone()),
        rotation: config.rotation(),
        customs: config.custom_commands(),
    });
    let http = http(token, discord);
    let bot = tokio::spawn(async move {
        if let Err(error) = bot::run(http, state, shutdown).await {
            tracing::error!(error = %format!("{error:#}"), "The Discord gateway connection ended; buttons and commands are off until restart.");
        }
    });
    Connected { sink, bot }
}
