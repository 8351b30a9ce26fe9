//! The bot on Discord's gateway: slash commands through poise, and the Ack, Silence and Resolve buttons on
//! incident messages, each checked against the responder roles in config.

use std::sync::Arc;

use serenity::all::{
    ComponentInteraction, ComponentInteractionDataKind, CreateAllowedMentions, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, FullEvent, GatewayIntents, GuildId, Http,
    Interaction, Member,
};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::commands;
use super::embed::parse_custom_id;
use crate::chat::message::Control;
use crate::domain::lifecycle::Intervention;
use crate::interventions::{self, Actor, Reply};
use crate::ports::Clock;
use crate::store::Store;

/// What command and button handlers share.
pub struct BotState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub outbox_ready: Arc<Notify>,
    pub guild_id: u64,
    /// Role ids whose members may act on incidents, with the handles to name them in refusals.
    pub responders: Vec<(u64, String)>,
    pub global_commands: bool,
    pub functions: FunctionCache,
    /// What `/errors`, `/coldstarts` and `/bugreport` read AWS through.
    pub insights: crate::insight::Insights,
    pub rotation: Option<crate::domain::oncall::Rotation>,
    /// What `/digest` builds from.
    pub digests: crate::digest::Digests,
    /// The team's own commands from `[[commands]]`, run with `/run`.
    pub customs: Vec<(opspod_commands::custom::Definition, opspod_commands::args::Since)>,
}

/// Function names for autocomplete, read from the store at most once a minute so typing stays fast.
#[derive(Default)]
pub struct FunctionCache {
    cached: tokio::sync::Mutex<Option<(std::time::Instant, Vec<String>)>>,
}

impl FunctionCache {
    const FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(60);

    pub async fn names(&self, store: &Store) -> Vec<String> {
        let mut cached = self.cached.lock().await;
        if let Some((at, names)) = cached.as_ref()
            && at.elapsed() < Self::FRESH_FOR
        {
            return names.clone();
        }
        match store.known_functions().await {
            Ok(names) => {
                *cached = Some((std::time::Instant::now(), names.clone()));
                names
            }
            Err(error) => {
                tracing::warn!(%error, "Failed to read function names for autocomplete.");
                cached.as_ref().map(|(_, names)| names.clone()).unwrap_or_default()
            }
        }
    }
}

pub type Context<'a> = poise::Context<'a, Arc<BotState>, anyhow::Error>;

impl BotState {
    pub fn may_respond(&self, member: Option<&Member>) -> bool {
        member.is_some_and(|member| {
            member.roles.iter().any(|role| self.responders.iter().any(|(id, _)| role.get() == *id))
        })
    }

    pub fn responder_names(&self) -> String {
        self.responders.iter().map(|(_, name)| name.as_str()).collect::<Vec<_>>().join(" or ")
    }
}

/// Connects to the gateway with the only intent opspod needs (guilds: interactions arrive regardless), and
/// runs until `shutdown`; serenity reconnects and resumes on its own.
pub async fn run(http: Http, state: Arc<BotState>, shutdown: CancellationToken) -> anyhow::Result<()> {
    let setup_state = state.clone();
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            event_handler: |ctx, event, _framework, state| Box::pin(on_event(ctx, event, state.clone())),
            on_error: |error| Box::pin(commands::on_error(error)),
            allowed_mentions: Some(CreateAllowedMentions::new().everyone(false).empty_roles().empty_users()),
            ..Default::default()
        })
        .initialize_owners(false)
        .setup(move |ctx, _ready, framework| {
            Box::pin(async move {
                register(ctx, framework.options(), &setup_state).await;
                Ok(setup_state)
            })
        })
        .build();
    let mut client =
        serenity::all::ClientBuilder::new_with_http(http, GatewayIntents::GUILDS).framework(framework).await?;
    let shards = client.shard_manager.clone();
    // serenity's `shutdown_all` returns without ending `start` when no shard runner exists (the gateway was never
    // reached: a refused token, no network), so waiting for `start` alone would keep `opspod run` from exiting.
    tokio::select! {
        started = client.start() => started?,
        () = shutdown.cancelled() => shards.shutdown_all().await,
    }
    Ok(())
}

async fn register(
    ctx: &serenity::all::Context,
    options: &poise::FrameworkOptions<Arc<BotState>, anyhow::Error>,
    state: &BotState,
) {
    let registered = if state.global_commands {
        poise::builtins::register_globally(ctx, &options.commands).await
    } else {
        poise::builtins::register_in_guild(ctx, &options.commands, GuildId::new(state.guild_id)).await
    };
    match registered {
        Ok(()) => tracing::info!(
            commands = options.commands.len(),
            global = state.global_commands,
            "Registered slash commands."
        ),
        Err(error) => tracing::error!(%error, "Failed to register slash commands; they will not appear in Discord."),
    }
}

async fn on_event(ctx: &serenity::all::Context, event: &FullEvent, state: Arc<BotState>) -> anyhow::Result<()> {
    match event {
        FullEvent::Ready { data_about_bot } => {
            tracing::info!(user = %data_about_bot.user.name, guilds = data_about_bot.guilds.len(), "Connected to Discord.");
        }
        FullEvent::InteractionCreate { interaction: Interaction::Component(press) } => {
            match parse_custom_id(&press.data.custom_id) {
                Some((Control::BugReport, incident)) => bug_report(ctx, press, incident, &state).await,
                Some((control, incident)) => {
                    let reply = press_reply(press, control, incident, &state).await;
                    respond(ctx, press, &reply).await;
                }
                None => {}
            }
        }
        _ => {}
    }
    Ok(())
}

async fn press_reply(press: &ComponentInteraction, control: Control, incident: &str, state: &BotState) -> Reply {
    if !state.may_respond(press.member.as_ref()) {
        return Reply::Refused(format!(
            "Only members with {} can act on incidents; nothing was changed.",
            state.responder_names()
        ));
    }
    let Some(intervention) = intervention(control, &press.data.kind) else {
        return Reply::Refused("Pick how long to silence it for.".into());
    };
    let actor = Actor { id: format!("discord:{}", press.user.id), display: format!("<@{}>", press.user.id) };
    match interventions::apply(&state.store, incident, intervention, &actor, "button", state.clock.now()).await {
        Ok(reply) => {
            state.outbox_ready.notify_one();
            reply
        }
        Err(error) => {
            tracing::error!(%error, reference = %press.id, incident, "Failed to record a button press.");
            Reply::Refused(format!("Something went wrong on our side; nothing was changed (reference {}).", press.id))
        }
    }
}

/// Drafts a bug report for the incident's function, privately: deferred at once, since reading the logs can
/// take longer than Discord's three seconds. Anyone may ask; it changes nothing.
async fn bug_report(ctx: &serenity::all::Context, press: &ComponentInteraction, incident: &str, state: &BotState) {
    if let Err(error) = press.defer_ephemeral(&ctx.http).await {
        tracing::warn!(%error, interaction = %press.id, "Failed to defer a bug report press.");
        return;
    }
    let followup = match draft_for(incident, state).await {
        Ok((preview, Some((name, markdown)))) => CreateInteractionResponseFollowup::new()
            .content(preview)
            .add_file(serenity::all::CreateAttachment::bytes(markdown.into_bytes(), name)),
        Ok((text, None)) => CreateInteractionResponseFollowup::new().content(text),
        Err(text) => CreateInteractionResponseFollowup::new().content(text),
    };
    let followup = followup
        .ephemeral(true)
        .allowed_mentions(CreateAllowedMentions::new().everyone(false).empty_roles().empty_users());
    if let Err(error) = press.create_followup(&ctx.http, followup).await {
        tracing::warn!(%error, interaction = %press.id, "Failed to send a bug report draft.");
    }
}

/// The preview and the Markdown file, or what to say instead.
async fn draft_for(incident: &str, state: &BotState) -> Result<(String, Option<(String, String)>), String> {
    let view =
        state.store.incident(incident).await.ok().flatten().ok_or(format!("There is no incident {incident}."))?;
    let function = opspod_commands::args::FunctionName::parse(&view.resource_name).map_err(|error| error.0)?;
    let since = opspod_commands::args::Since::DEFAULT;
    match state.insights.bugreport(&function, since).await.map_err(|error| error.to_string())? {
        Some(input) => {
            let report = opspod_commands::bugreport::draft(&input);
            Ok((report.preview, Some((format!("bugreport-{}.md", function.as_str()), report.markdown))))
        }
        None => Ok((crate::insight::no_errors(&function, since), None)),
    }
}

fn intervention(control: Control, kind: &ComponentInteractionDataKind) -> Option<Intervention> {
    Some(match control {
        Control::Ack => Intervention::Acknowledge,
        Control::Resolve => Intervention::Resolve,
        Control::BugReport => return None,
        Control::Silence => {
            let ComponentInteractionDataKind::StringSelect { values } = kind else { return None };
            let since = opspod_commands::args::Since::parse(values.first()?).ok()?;
            Intervention::Silence(since.duration())
        }
    })
}

/// Answers the press privately, within Discord's three seconds.
async fn respond(ctx: &serenity::all::Context, press: &ComponentInteraction, reply: &Reply) {
    let message = CreateInteractionResponseMessage::new()
        .content(reply.text())
        .ephemeral(true)
        .allowed_mentions(CreateAllowedMentions::new().everyone(false).empty_roles().empty_users());
    if let Err(error) = press.create_response(&ctx.http, CreateInteractionResponse::Message(message)).await {
        tracing::warn!(%error, interaction = %press.id, "Failed to answer a button press.");
    }
}
