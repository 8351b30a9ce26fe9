//! The REST half of the fake: records each request, injects failures, then answers like Discord's API v10.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::Failure;
use super::messages::{self, Via};
use super::objects::{self, APPLICATION_ID};
use super::record::{self, Recorded, RecordedFile};
use super::state::{Channel, InteractionInfo, Shared};

/// A route's answer: the happy value, or the error Discord would give.
pub type Answer<T> = Result<T, DiscordError>;

/// An error answer: its status and Discord's JSON error body.
#[derive(Debug)]
pub struct DiscordError {
    status: u16,
    body: Value,
}

impl DiscordError {
    fn into_response(self) -> Response {
        json_response(self.status, &self.body)
    }
}

pub async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 64 << 20).await.unwrap_or_default();
    let recorded = record::record(&parts, &bytes);
    let injected = {
        let mut inner = shared.lock();
        inner.requests.push(recorded.clone());
        if inner.down {
            Some(Failure::Status(503))
        } else {
            inner.take_failure(&recorded.method, &recorded.path).or_else(|| inner.channel_limited(&recorded))
        }
    };
    if let Some(failure) = injected {
        return failure_response(&failure, &recorded);
    }
    route(&shared, &recorded).unwrap_or_else(DiscordError::into_response)
}

fn route(shared: &Shared, request: &Recorded) -> Answer<Response> {
    let segments: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
    let (payload, files) = payload(request);
    let ok = |value: Value| Ok(reply(200, Some(value), request));
    match (request.method.as_str(), segments.as_slice()) {
        ("GET", ["gateway"]) => ok(json!({ "url": shared.gateway_url() })),
        ("GET", ["gateway", "bot"]) => ok(json!({
            "url": shared.gateway_url(), "shards": 1,
            "session_start_limit": { "total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1 },
        })),
        ("GET", ["users", "@me"]) => ok(objects::bot_user()),
        ("GET", ["users", id]) => ok(user(shared, snowflake(id)?)?),
        ("GET", ["oauth2", "applications", "@me"]) => ok(objects::application()),
        ("GET", ["channels", channel]) => ok(channel_object(shared, snowflake(channel)?)?),
        ("POST", ["channels", channel, "typing"]) => {
            accessible(shared, snowflake(channel)?)?;
            Ok(reply(204, None, request))
        }
        ("POST", ["channels", channel, "messages"]) => {
            let channel = snowflake(channel)?;
            accessible(shared, channel)?;
            ok(messages::create(shared, channel, &payload, &files, Via::Bot)?)
        }
        ("GET", ["channels", channel, "messages", message]) => {
            let channel = snowflake(channel)?;
            accessible(shared, channel)?;
            ok(message_in(shared, channel, snowflake(message)?)?)
        }
        ("PATCH", ["channels", channel, "messages", message]) => {
            let channel = snowflake(channel)?;
            accessible(shared, channel)?;
            message_in(shared, channel, snowflake(message)?)?;
            ok(edit(shared, snowflake(message)?, &payload, &files)?)
        }
        ("DELETE", ["channels", channel, "messages", message]) => {
            let channel = snowflake(channel)?;
            accessible(shared, channel)?;
            message_in(shared, channel, snowflake(message)?)?;
            shared.lock().messages.remove(&snowflake(message)?);
            Ok(reply(204, None, request))
        }
        ("POST", ["channels", channel, "messages", message, "threads"]) => {
            ok(start_thread(shared, snowflake(channel)?, snowflake(message)?, &payload)?)
        }
        ("GET", ["guilds", guild]) => ok(guild_part(shared, snowflake(guild)?, objects::guild)?),
        ("GET", ["guilds", guild, "roles"]) => {
            ok(guild_part(shared, snowflake(guild)?, |id, g| json!(objects::roles(id, g)))?)
        }
        ("GET", ["guilds", guild, "channels"]) => ok(guild_channels(shared, snowflake(guild)?)?),
        ("GET", ["guilds", guild, "members", member]) => ok(guild_member(shared, snowflake(guild)?, member)?),
        ("PUT", ["applications", app, "commands"]) => ok(put_commands(shared, app, None, &payload)?),
        ("PUT", ["applications", app, "guilds", guild, "commands"]) => {
            ok(put_commands(shared, app, Some(snowflake(guild)?), &payload)?)
        }
        ("GET", ["applications", _, "commands"]) => ok(commands(shared, None)),
        ("GET", ["applications", _, "guilds", guild, "commands"]) => ok(commands(shared, Some(snowflake(guild)?))),
        ("POST", ["interactions", _, token, "callback"]) => {
            callback(shared, token, &payload, &files)?;
            Ok(reply(204, None, request))
        }
        ("POST", ["webhooks", app, token]) => ok(follow_up(shared, app, token, &payload, &files)?),
        ("GET", ["webhooks", app, token, "messages", message]) => {
            let id = webhook_message(shared, app, token, message)?;
            ok(message_in(shared, webhook_channel(shared, token)?, id)?)
        }
        ("PATCH", ["webhooks", app, token, "messages", message]) => {
            let id = webhook_message(shared, app, token, message)?;
            ok(edit(shared, id, &payload, &files)?)
        }
        ("DELETE", ["webhooks", app, token, "messages", message]) => {
            let id = webhook_message(shared, app, token, message)?;
            shared.lock().messages.remove(&id);
            Ok(reply(204, None, request))
        }
        _ => {
            eprintln!("fake discord: no route for {} (answered 404)", request.route());
            Err(error(404, "404: Not Found", 0))
        }
    }
}

/// The JSON payload and the uploaded files, however the request carried them.
fn payload(request: &Recorded) -> (Value, Vec<RecordedFile>) {
    (request.json().cloned().unwrap_or(json!({})), request.files().to_vec())
}

fn snowflake(text: &str) -> Answer<u64> {
    text.parse().map_err(|_| invalid_form("id", "NUMBER_TYPE_COERCE", &format!("Value \"{text}\" is not snowflake.")))
}

/// The channel, if it exists and the bot may see it (a thread inherits its parent's access).
fn accessible(shared: &Shared, channel_id: u64) -> Answer<()> {
    let inner = shared.lock();
    let channel = inner.channels.get(&channel_id).ok_or_else(|| error(404, "Unknown Channel", 10003))?;
    let parent_forbidden = channel.parent_id.and_then(|p| inner.channels.get(&p)).is_some_and(|p| p.forbidden);
    if channel.forbidden || parent_forbidden {
        return Err(error(403, "Missing Access", 50001));
    }
    Ok(())
}

fn channel_object(shared: &Shared, channel_id: u64) -> Answer<Value> {
    accessible(shared, channel_id)?;
    let inner = shared.lock();
    Ok(objects::channel(channel_id, &inner.channels[&channel_id]))
}

fn user(shared: &Shared, user_id: u64) -> Answer<Value> {
    let inner = shared.lock();
    let member = inner.guilds.values().find_map(|g| g.members.get(&user_id));
    member.map(|m| objects::user(user_id, &m.name, m.bot)).ok_or_else(|| error(404, "Unknown User", 10013))
}

fn message_in(shared: &Shared, channel_id: u64, message_id: u64) -> Answer<Value> {
    let inner = shared.lock();
    let stored = inner.messages.get(&message_id).filter(|m| m.channel_id() == channel_id);
    stored.map(|m| m.object.clone()).ok_or_else(|| error(404, "Unknown Message", 10008))
}

fn edit(shared: &Shared, message_id: u64, payload: &Value, files: &[RecordedFile]) -> Answer<Value> {
    let Some(mut stored) = shared.lock().messages.remove(&message_id) else {
        return Err(error(404, "Unknown Message", 10008));
    };
    let edited = messages::edit(shared, &mut stored, payload, files);
    shared.lock().messages.insert(message_id, stored);
    edited
}

/// A thread started from a message takes the message's id, as on Discord; one thread per message.
fn start_thread(shared: &Shared, channel_id: u64, message_id: u64, payload: &Value) -> Answer<Value> {
    accessible(shared, channel_id)?;
    message_in(shared, channel_id, message_id)?;
    let name = payload["name"]
        .as_str()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid_form("name", "BASE_TYPE_REQUIRED", "This field is required"))?;
    let mut inner = shared.lock();
    if inner.messages[&message_id].thread_id.is_some() {
        return Err(error(400, "A thread has already been created for this message", 160004));
    }
    let guild_id = inner.channels[&channel_id].guild_id;
    let thread = Channel {
        guild_id,
        name: name.to_owned(),
        kind: 11,
        parent_id: Some(channel_id),
        forbidden: false,
        auto_archive_duration: payload["auto_archive_duration"].as_u64().unwrap_or(4320),
    };
    let object = objects::channel(message_id, &thread);
    inner.channels.insert(message_id, thread);
    let starter = inner.messages.get_mut(&message_id).expect("checked above");
    starter.thread_id = Some(message_id);
    starter.object["thread"] = object.clone();
    let mut event = object.clone();
    event["newly_created"] = json!(true);
    inner.push_event("THREAD_CREATE", event);
    Ok(object)
}

fn guild_part(shared: &Shared, guild_id: u64, part: impl Fn(u64, &super::state::Guild) -> Value) -> Answer<Value> {
    let inner = shared.lock();
    inner.guilds.get(&guild_id).map(|g| part(guild_id, g)).ok_or_else(|| error(404, "Unknown Guild", 10004))
}

fn guild_channels(shared: &Shared, guild_id: u64) -> Answer<Value> {
    let inner = shared.lock();
    if !inner.guilds.contains_key(&guild_id) {
        return Err(error(404, "Unknown Guild", 10004));
    }
    let channels = inner.channels.iter().filter(|(_, c)| c.guild_id == guild_id && c.kind != 11);
    Ok(json!(channels.map(|(id, c)| objects::channel(*id, c)).collect::<Vec<_>>()))
}

fn guild_member(shared: &Shared, guild_id: u64, member: &str) -> Answer<Value> {
    let inner = shared.lock();
    let guild = inner.guilds.get(&guild_id).ok_or_else(|| error(404, "Unknown Guild", 10004))?;
    if member == "@me" || member == objects::BOT_USER_ID.to_string() {
        return Ok(objects::bot_member(guild_id));
    }
    let user_id = snowflake(member)?;
    let found = guild.members.get(&user_id).ok_or_else(|| error(404, "Unknown Member", 10007))?;
    Ok(objects::member(guild_id, user_id, found))
}

fn own_application(app: &str) -> Answer<()> {
    if app == APPLICATION_ID.to_string() { Ok(()) } else { Err(error(403, "Missing Access", 50001)) }
}

/// A bulk overwrite: the given commands replace the old ones and come back with ids.
fn put_commands(shared: &Shared, app: &str, guild_id: Option<u64>, payload: &Value) -> Answer<Value> {
    own_application(app)?;
    let given = payload
        .as_array()
        .ok_or_else(|| invalid_form("_", "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"))?;
    let registered: Vec<Value> = given
        .iter()
        .map(|command| {
            let mut command = command.clone();
            command["id"] = json!(shared.next_id().to_string());
            command["application_id"] = json!(APPLICATION_ID.to_string());
            command["version"] = json!(shared.next_id().to_string());
            command["guild_id"] = json!(guild_id.map(|g| g.to_string()));
            for (key, default) in [("type", json!(1)), ("description", json!("")), ("nsfw", json!(false))] {
                if command.get(key).is_none_or(Value::is_null) {
                    command[key] = default;
                }
            }
            command["default_member_permissions"] =
                command.get("default_member_permissions").cloned().unwrap_or(Value::Null);
            command
        })
        .collect();
    shared.lock().commands.insert(guild_id, registered.clone());
    Ok(json!(registered))
}

fn commands(shared: &Shared, guild_id: Option<u64>) -> Value {
    json!(shared.lock().commands.get(&guild_id).cloned().unwrap_or_default())
}

/// The first answer to an interaction: only one is allowed, and messages it creates become `@original`.
fn callback(shared: &Shared, token: &str, payload: &Value, files: &[RecordedFile]) -> Answer<()> {
    let (channel_id, message_id) = {
        let mut inner = shared.lock();
        let info = inner.interactions.get_mut(token).ok_or_else(|| error(404, "Unknown interaction", 10062))?;
        if info.acknowledged {
            return Err(error(400, "Interaction has already been acknowledged.", 40060));
        }
        info.acknowledged = true;
        (info.channel_id, info.message_id)
    };
    let data = payload.get("data").cloned().unwrap_or(json!({}));
    let original = match payload["type"].as_u64() {
        Some(4) => Some(messages::create(shared, channel_id, &data, files, Via::Webhook)?),
        // Deferred: Discord shows "is thinking…" (flag 128, LOADING) until `@original` is edited.
        Some(5) => {
            let flags = data["flags"].as_u64().unwrap_or(0) | messages::LOADING;
            let placeholder = json!({ "content": "", "flags": flags, "components": [] });
            Some(messages::insert(shared, channel_id, &placeholder, &[], Via::Webhook))
        }
        Some(7) => {
            let message_id = message_id.ok_or_else(|| error(400, "Interaction has no message", 50035))?;
            edit(shared, message_id, &data, files)?;
            None
        }
        Some(1 | 6 | 8 | 9) => None,
        _ => {
            return Err(invalid_form(
                "type",
                "BASE_TYPE_CHOICES",
                "Value must be one of {1, 4, 5, 6, 7, 8, 9, 10, 12}.",
            ));
        }
    };
    if let Some(id) = original.as_ref().and_then(|o| o["id"].as_str()).and_then(|id| id.parse().ok()) {
        shared.lock().interactions.get_mut(token).expect("known").original = Some(id);
    }
    Ok(())
}

fn follow_up(shared: &Shared, app: &str, token: &str, payload: &Value, files: &[RecordedFile]) -> Answer<Value> {
    own_application(app).map_err(|_| error(404, "Unknown Webhook", 10015))?;
    let channel_id = {
        let inner = shared.lock();
        let info = inner.interactions.get(token).filter(|i| i.acknowledged);
        info.map(|i| i.channel_id).ok_or_else(|| error(404, "Unknown Webhook", 10015))?
    };
    messages::create(shared, channel_id, payload, files, Via::Webhook)
}

fn webhook_channel(shared: &Shared, token: &str) -> Answer<u64> {
    let inner = shared.lock();
    inner.interactions.get(token).map(|i| i.channel_id).ok_or_else(|| error(404, "Unknown Webhook", 10015))
}

/// The message id a webhook path names: `@original` or an id, which must exist.
fn webhook_message(shared: &Shared, app: &str, token: &str, message: &str) -> Answer<u64> {
    own_application(app).map_err(|_| error(404, "Unknown Webhook", 10015))?;
    let inner = shared.lock();
    let info: &InteractionInfo = inner.interactions.get(token).ok_or_else(|| error(404, "Unknown Webhook", 10015))?;
    let id = if message == "@original" { info.original } else { message.parse().ok() };
    id.filter(|id| inner.messages.contains_key(id)).ok_or_else(|| error(404, "Unknown Message", 10008))
}

/// Discord's error body: `{"message": …, "code": …}`.
pub fn error(status: u16, message: &str, code: u32) -> DiscordError {
    DiscordError { status, body: json!({ "message": message, "code": code }) }
}

/// Discord's 50035 "Invalid Form Body" with one field error, in its nested `_errors` shape.
pub fn invalid_form(field: &str, code: &str, message: &str) -> DiscordError {
    let errors = json!({ field: { "_errors": [{ "code": code, "message": message }] } });
    DiscordError { status: 400, body: json!({ "message": "Invalid Form Body", "code": 50035, "errors": errors }) }
}

fn json_response(status: u16, body: &Value) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("a valid response")
}

/// A success, with the rate-limit headers Discord puts on every answer.
fn reply(status: u16, body: Option<Value>, request: &Recorded) -> Response {
    let mut response = match body {
        Some(body) => json_response(status, &body),
        None => Response::builder()
            .status(StatusCode::from_u16(status).expect("a status"))
            .body(Body::empty())
            .expect("a response"),
    };
    let reset_after = 1.0;
    add_ratelimit_headers(&mut response, request, 5, 4, reset_after);
    response
}

fn add_ratelimit_headers(response: &mut Response, request: &Recorded, limit: u32, remaining: u32, reset_after: f64) {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs_f64();
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: String| {
        headers.insert(name, HeaderValue::from_str(&value).expect("an ASCII header"));
    };
    set("x-ratelimit-limit", limit.to_string());
    set("x-ratelimit-remaining", remaining.to_string());
    set("x-ratelimit-reset", format!("{:.3}", now + reset_after));
    set("x-ratelimit-reset-after", format!("{reset_after:.3}"));
    set("x-ratelimit-bucket", bucket(request));
}

/// A stable, opaque bucket id per method and route shape, like Discord's hashes.
fn bucket(request: &Recorded) -> String {
    let shape: String =
        request.path.split('/').map(|s| if s.parse::<u64>().is_ok() { ":id" } else { s }).collect::<Vec<_>>().join("/");
    let hash = shape
        .bytes()
        .chain(request.method.bytes())
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    format!("{hash:016x}")
}

/// A 429 as Discord sends it (body per the docs: no `code`), or a status with Discord's error body.
fn failure_response(failure: &Failure, request: &Recorded) -> Response {
    match failure {
        Failure::RateLimited { retry_after, global } => {
            let body =
                json!({ "message": "You are being rate limited.", "retry_after": retry_after, "global": global });
            let mut response = json_response(429, &body);
            add_ratelimit_headers(&mut response, request, 5, 0, *retry_after);
            let headers = response.headers_mut();
            headers.insert("retry-after", HeaderValue::from(retry_after.ceil() as u64));
            headers.insert("x-ratelimit-scope", HeaderValue::from_static(if *global { "global" } else { "user" }));
            if *global {
                headers.insert("x-ratelimit-global", HeaderValue::from_static("true"));
            }
            response
        }
        Failure::Status(403) => error(403, "Missing Access", 50001).into_response(),
        Failure::Status(status) => {
            let reason = StatusCode::from_u16(*status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Error");
            error(*status, &format!("{status}: {reason}"), 0).into_response()
        }
    }
}
