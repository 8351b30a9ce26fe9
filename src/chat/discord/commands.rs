//! The slash commands as poise registers them; what each says comes from the `opspod-commands` crate.

use std::sync::Arc;

use opspod_commands::args::{FunctionName, Since};
use opspod_commands::{bugreport as draft, help, incident};

use super::bot::{BotState, Context};
use crate::domain::text::SafeText;
use crate::store::IncidentView;

pub fn all() -> Vec<poise::Command<Arc<BotState>, anyhow::Error>> {
    vec![
        help(),
        incident(),
        errors(),
        coldstarts(),
        cost(),
        bugreport(),
        alarms(),
        health(),
        silence(),
        oncall(),
        run(),
        digest(),
    ]
}

/// The reliability digest for a team (or every team), privately, with its charts and the full Markdown.
#[poise::command(slash_command, ephemeral)]
async fn digest(
    ctx: Context<'_>,
    #[description = "A team from the owners in config; every team when left out"] team: Option<String>,
    #[description = "How far back: 7d by default (at most 30d)"] since: Option<String>,
) -> anyhow::Result<()> {
    let since = Since::parse(since.as_deref().unwrap_or("7d")).map_err(|error| UserError(error.0))?;
    ctx.defer_ephemeral().await?;
    let now = ctx.data().clock.now();
    let window = crate::digest::Window { start: now - chrono::Duration::from_std(since.duration())?, end: now };
    let built =
        ctx.data().digests.build(window, team.as_deref(), None, now).await.map_err(|e| UserError(e.to_string()))?;
    let none = poise::serenity_prelude::CreateAllowedMentions::new().everyone(false).empty_roles().empty_users();
    for team in &built.digests {
        let mut reply = poise::CreateReply::default().content(team.digest.render_text()).allowed_mentions(none.clone());
        let message = crate::digest::digest_message(&team.digest);
        for file in message.image.iter().chain(&message.files) {
            reply =
                reply.attachment(poise::serenity_prelude::CreateAttachment::bytes(file.png.clone(), file.name.clone()));
        }
        ctx.send(reply).await?;
    }
    Ok(())
}

/// A mistake in what the user typed; shown to them as it is.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UserError(pub String);

/// What opspod can do here, and what is not built yet.
#[poise::command(slash_command, ephemeral)]
async fn help(ctx: Context<'_>) -> anyhow::Result<()> {
    let mut text = help::render();
    for (definition, _) in &ctx.data().customs {
        text.push_str(&format!("\n`/run {}` — {}", definition.name, definition.description));
    }
    ctx.say(text).await?;
    Ok(())
}

/// The open incidents, or one incident with its timeline.
#[poise::command(slash_command, ephemeral)]
async fn incident(
    ctx: Context<'_>,
    #[description = "An incident id, like inc-3f9a1c07d2"]
    #[autocomplete = "autocomplete_incident"]
    id: Option<String>,
    #[description = "Only incidents about this Lambda function"]
    #[autocomplete = "autocomplete_function"]
    function: Option<String>,
) -> anyhow::Result<()> {
    let store = &ctx.data().store;
    let Some(raw) = id else {
        let function = function.map(|raw| FunctionName::parse(&raw)).transpose().map_err(|error| UserError(error.0))?;
        let open: Vec<incident::Incident> = store
            .open_incident_views(200)
            .await?
            .iter()
            .filter(|view| function.as_ref().is_none_or(|f| view.resource_name == f.as_str()))
            .map(shown)
            .collect();
        ctx.say(incident::render_open(&open)).await?;
        return Ok(());
    };
    let id = incident::validate_id(&raw).map_err(|error| UserError(error.0))?;
    let Some(view) = store.incident(id).await? else {
        return Err(UserError(format!("There is no incident {id}.")).into());
    };
    let timeline: Vec<incident::Entry> = store
        .timeline(id)
        .await?
        .into_iter()
        .map(|row| incident::Entry {
            at: row.at.format("%H:%M").to_string(),
            kind: row.kind,
            actor: row.actor.strip_prefix("discord:").map(|user| format!("<@{user}>")).unwrap_or(row.actor),
            via: row.via,
            note: row.note,
        })
        .collect();
    ctx.say(incident::render_one(&shown(&view), &timeline)).await?;
    Ok(())
}

/// Errors per function: invocations, error rate, throttles, timeouts, OOM kills and the top signatures.
#[poise::command(slash_command)]
async fn errors(
    ctx: Context<'_>,
    #[description = "One Lambda function; all of them when left out"]
    #[autocomplete = "autocomplete_function"]
    function: Option<String>,
    #[description = "How far back: 15m, 6h, 7d (at most 30d); 24h when left out"] since: Option<String>,
) -> anyhow::Result<()> {
    answer(ctx, function, since, Question::Errors).await
}

/// Cold starts per function from Lambda's REPORT lines, interactive functions first.
#[poise::command(slash_command)]
async fn coldstarts(
    ctx: Context<'_>,
    #[description = "One Lambda function; all of them when left out"]
    #[autocomplete = "autocomplete_function"]
    function: Option<String>,
    #[description = "How far back: 15m, 6h, 7d (at most 30d); 24h when left out"] since: Option<String>,
) -> anyhow::Result<()> {
    answer(ctx, function, since, Question::ColdStarts).await
}

/// What Lambda bills per function, what failed invocations cost, and the month at this rate.
#[poise::command(slash_command)]
async fn cost(
    ctx: Context<'_>,
    #[description = "One Lambda function; all of them when left out"]
    #[autocomplete = "autocomplete_function"]
    function: Option<String>,
    #[description = "How far back: 15m, 6h, 7d (at most 30d); 24h when left out"] since: Option<String>,
) -> anyhow::Result<()> {
    answer(ctx, function, since, Question::Cost).await
}

/// A draft bug report for the function's top error, as a Markdown file with a preview.
#[poise::command(slash_command)]
async fn bugreport(
    ctx: Context<'_>,
    #[description = "The Lambda function"]
    #[autocomplete = "autocomplete_function"]
    function: String,
    #[description = "How far back: 15m, 6h, 7d (at most 30d); 24h when left out"] since: Option<String>,
) -> anyhow::Result<()> {
    let (function, since) = arguments(Some(function), since)?;
    let function = function.expect("given");
    ctx.defer().await?;
    let input = ctx.data().insights.bugreport(&function, since).await.map_err(|e| UserError(e.to_string()))?;
    let Some(input) = input else {
        ctx.say(crate::insight::no_errors(&function, since)).await?;
        return Ok(());
    };
    let report = draft::draft(&input);
    let file = poise::serenity_prelude::CreateAttachment::bytes(
        report.markdown.into_bytes(),
        format!("bugreport-{}.md", function.as_str()),
    );
    let none = poise::serenity_prelude::CreateAllowedMentions::new().everyone(false).empty_roles().empty_users();
    ctx.send(poise::CreateReply::default().content(report.preview).attachment(file).allowed_mentions(none)).await?;
    Ok(())
}

/// What is in ALARM now, and for how long.
#[poise::command(slash_command)]
async fn alarms(ctx: Context<'_>) -> anyhow::Result<()> {
    let items = crate::cli::ask::open_items(&ctx.data().store, "alarm|").await;
    ctx.say(opspod_commands::alarms::render_alarms(&items, ctx.data().clock.now())).await?;
    Ok(())
}

/// The open and upcoming AWS Health events that touch us.
#[poise::command(slash_command)]
async fn health(ctx: Context<'_>) -> anyhow::Result<()> {
    let items = crate::cli::ask::open_items(&ctx.data().store, "health|").await;
    ctx.say(opspod_commands::alarms::render_health(&items, ctx.data().clock.now())).await?;
    Ok(())
}

/// The questions that take a function and a window and answer from AWS.
enum Question {
    Errors,
    ColdStarts,
    Cost,
}

/// Validates the arguments, defers (AWS may take longer than Discord's three seconds), and answers.
async fn answer(
    ctx: Context<'_>,
    function: Option<String>,
    since: Option<String>,
    question: Question,
) -> anyhow::Result<()> {
    let (function, since) = arguments(function, since)?;
    ctx.defer().await?;
    let (insights, function) = (&ctx.data().insights, function.as_ref());
    let text = match question {
        Question::Errors => insights.errors(function, since).await.map(|answer| answer.render_text()),
        Question::ColdStarts => insights.coldstarts(function, since).await.map(|answer| answer.render_text()),
        Question::Cost => insights.cost(function, since).await.map(|answer| answer.render_text()),
    };
    ctx.say(text.map_err(|error| UserError(error.to_string()))?).await?;
    Ok(())
}

/// Lists the silences, silences an alarm, resource or Health type now or later, or ends one early.
#[poise::command(slash_command, ephemeral)]
#[expect(clippy::too_many_arguments, reason = "poise makes each parameter one of the slash command's options")]
async fn silence(
    ctx: Context<'_>,
    #[description = "An alarm name or glob, like checkout-*"] alarm: Option<String>,
    #[description = "A resource name or glob, like search-api"] resource: Option<String>,
    #[description = "A Health event type or glob, like AWS_EC2_*"] health: Option<String>,
    #[description = "How long: 30m, 4h, 7d (at most 30d); 1h when left out"]
    #[rename = "for"]
    duration: Option<String>,
    #[description = "When it starts, like 2026-12-01T22:00Z or 2026-12-01T23:00+01:00; now when left out"] from: Option<
        String,
    >,
    #[description = "When it ends, like 2026-12-02T01:00Z; instead of for"] until: Option<String>,
    #[description = "The number of a silence to end now"] remove: Option<String>,
) -> anyhow::Result<()> {
    let ask = opspod_commands::silence::ask(opspod_commands::silence::Options {
        alarm: alarm.as_deref(),
        resource: resource.as_deref(),
        health: health.as_deref(),
        duration: duration.as_deref(),
        from: from.as_deref(),
        until: until.as_deref(),
        remove: remove.as_deref(),
    })
    .map_err(|error| UserError(error.0))?;
    let state = ctx.data();
    let member = ctx.author_member().await;
    if ask != opspod_commands::silence::SilenceAsk::List && !state.may_respond(member.as_deref()) {
        return Err(UserError(format!(
            "Only members with {} can add or end silences; nothing was changed.",
            state.responder_names()
        ))
        .into());
    }
    let user = ctx.author().id;
    let actor = crate::interventions::Actor { id: format!("discord:{user}"), display: format!("<@{user}>") };
    let reply = crate::interventions::silence(&state.store, &ask, &actor, state.clock.now()).await?;
    ctx.say(reply.text()).await?;
    Ok(())
}

/// Who is on call until when, and who is next; `handover` gives the rest of the shift to someone else.
#[poise::command(slash_command)]
async fn oncall(
    ctx: Context<'_>,
    #[description = "Give the rest of the shift to this person in the rotation, like @eve"] handover: Option<String>,
) -> anyhow::Result<()> {
    let state = ctx.data();
    if handover.is_some() && !state.may_respond(ctx.author_member().await.as_deref()) {
        return Err(UserError(format!(
            "Only members with {} can hand over; nothing was changed.",
            state.responder_names()
        ))
        .into());
    }
    let user = ctx.author().id;
    let actor = crate::interventions::Actor { id: format!("discord:{user}"), display: format!("<@{user}>") };
    let now = state.clock.now();
    let reply =
        crate::interventions::oncall(&state.store, state.rotation.as_ref(), handover.as_deref(), &actor, now).await?;
    let none = poise::serenity_prelude::CreateAllowedMentions::new().everyone(false).empty_roles().empty_users();
    let ephemeral = matches!(reply, crate::interventions::Reply::Refused(_));
    ctx.send(poise::CreateReply::default().content(reply.text()).allowed_mentions(none).ephemeral(ephemeral)).await?;
    Ok(())
}

/// Runs a command your team defined in config (`[[commands]]`), answered in the channel.
#[poise::command(slash_command)]
async fn run(
    ctx: Context<'_>,
    #[description = "The command, as config names it"]
    #[autocomplete = "autocomplete_custom"]
    command: String,
    #[description = "Its options as name:value, like function:checkout-api text:\"order failed\" since:6h"]
    options: Option<String>,
) -> anyhow::Result<()> {
    let customs = &ctx.data().customs;
    if customs.is_empty() {
        return Err(UserError("No custom commands are defined: add [[commands]] to opspod's config.".into()).into());
    }
    let line = format!("/{} {}", command.trim().trim_start_matches('/'), options.unwrap_or_default());
    let Some(parsed) = opspod_commands::custom::parse_line(&line, customs) else {
        let names: Vec<&str> = customs.iter().map(|(definition, _)| definition.name.as_str()).collect();
        return Err(UserError(format!(
            "There is no custom command `{}`; there are {}.",
            command.trim(),
            names.join(", ")
        ))
        .into());
    };
    let opspod_commands::custom::Invocation { index, values, since } = parsed.map_err(|error| UserError(error.0))?;
    ctx.defer().await?;
    let (text, _) =
        ctx.data().insights.custom(&customs[index].0, &values, since).await.map_err(|e| UserError(e.to_string()))?;
    let none = poise::serenity_prelude::CreateAllowedMentions::new().everyone(false).empty_roles().empty_users();
    ctx.send(poise::CreateReply::default().content(text).allowed_mentions(none)).await?;
    Ok(())
}

async fn autocomplete_custom(ctx: Context<'_>, partial: &str) -> Vec<poise::serenity_prelude::AutocompleteChoice> {
    ctx.data()
        .customs
        .iter()
        .filter(|(definition, _)| definition.name.contains(partial.trim_start_matches('/')))
        .take(25)
        .map(|(definition, _)| {
            let label =
                crate::domain::text::truncate(&format!("{} — {}", definition.name, definition.description), 100);
            poise::serenity_prelude::AutocompleteChoice::new(label, definition.name.clone())
        })
        .collect()
}

/// Validates the shared arguments; `since` defaults to 24 hours.
fn arguments(function: Option<String>, since: Option<String>) -> Result<(Option<FunctionName>, Since), UserError> {
    let function = function.map(|raw| FunctionName::parse(&raw)).transpose().map_err(|error| UserError(error.0))?;
    let since = Since::parse(since.as_deref().unwrap_or("24h")).map_err(|error| UserError(error.0))?;
    Ok((function, since))
}

async fn autocomplete_function(ctx: Context<'_>, partial: &str) -> Vec<String> {
    let partial = partial.to_lowercase();
    let names = ctx.data().functions.names(&ctx.data().store).await;
    names.into_iter().filter(|name| name.to_lowercase().contains(&partial)).take(25).collect()
}

async fn autocomplete_incident(ctx: Context<'_>, partial: &str) -> Vec<poise::serenity_prelude::AutocompleteChoice> {
    let open = ctx.data().store.open_incident_views(100).await.unwrap_or_default();
    open.iter()
        .filter(|view| view.id.contains(partial) || view.title.to_lowercase().contains(&partial.to_lowercase()))
        .take(25)
        .map(|view| {
            let label = crate::domain::text::truncate(&format!("{} · {}", view.id, view.title), 100);
            poise::serenity_prelude::AutocompleteChoice::new(label, view.id.clone())
        })
        .collect()
}

fn shown(view: &IncidentView) -> incident::Incident {
    incident::Incident {
        id: view.id.clone(),
        title: view.title.clone(),
        status: view.status.as_str().to_owned(),
        channel: view.channel.clone(),
        opened: view.opened_at.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// A user error is shown in the bot's own words; anything else is logged with a reference the user can quote,
/// and no internal text reaches chat.
pub async fn on_error(error: poise::FrameworkError<'_, Arc<BotState>, anyhow::Error>) {
    match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            let text = match error.downcast_ref::<UserError>() {
                Some(user) => user.0.clone(),
                None => {
                    let reference = ctx.id();
                    tracing::error!(error = %format!("{error:#}"), reference, command = %ctx.command().name, "A command failed.");
                    format!("Something went wrong on our side (reference {reference}).")
                }
            };
            tell(ctx, &text).await;
        }
        poise::FrameworkError::ArgumentParse { error, input, ctx, .. } => {
            let input = input.map(|input| format!(" from {}", opspod_commands::echo(&input))).unwrap_or_default();
            let text = format!(
                "`/{}` could not read its options{input}: {}. `/help` shows what each command takes.",
                ctx.command().qualified_name,
                SafeText::from_untrusted(&error.to_string())
            );
            tell(ctx, &text).await;
        }
        // Discord sent options the command does not have, or of another type: a registration older than this
        // version of opspod. poise's default only logs it, and the user would see "The application did not
        // respond".
        poise::FrameworkError::CommandStructureMismatch { description, ctx, .. } => {
            tracing::warn!(command = %ctx.command.qualified_name, description, "Discord sent options this command does not take; the registered commands may be out of date.");
            let text = format!(
                "`/{}` got options it does not take, which happens while Discord still shows an older version of \
                 opspod's commands. Try again in a minute; if it persists, restart opspod so it registers them again.",
                ctx.command.qualified_name
            );
            tell(poise::Context::Application(ctx), &text).await;
        }
        other => {
            if let Err(error) = poise::builtins::on_error(other).await {
                tracing::warn!(%error, "Failed to handle a framework error.");
            }
        }
    }
}

/// Answers the user privately with `text`.
async fn tell(ctx: Context<'_>, text: &str) {
    let reply = poise::CreateReply::default().content(text).ephemeral(true);
    if let Err(error) = ctx.send(reply).await {
        tracing::warn!(%error, "Failed to tell the user about a command error.");
    }
}
