//! The gateway half of the fake: HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, RESUME and dispatches.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::objects::{self, APPLICATION_ID};
use super::state::{Dispatch, Shared};

/// Discord's usual interval; long enough that no heartbeat falls due in a short test.
const HEARTBEAT_INTERVAL_MS: u64 = 45_000;

pub async fn upgrade(State(shared): State<Arc<Shared>>, upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(move |socket| serve(shared, socket))
}

/// One gateway session. Answers are plain JSON text frames: serenity's IDENTIFY asks for `compress: true`,
/// but it reads text frames as they are and only inflates binary ones, so the fake never compresses.
async fn serve(shared: Arc<Shared>, mut socket: WebSocket) {
    let (sender, mut dispatches) = mpsc::unbounded_channel::<Dispatch>();
    let mut sequence = 0_u64;
    let hello = json!({ "op": 10, "d": { "heartbeat_interval": HEARTBEAT_INTERVAL_MS } });
    if send(&mut socket, &hello).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(message)) = incoming else { break };
                let Message::Text(text) = message else {
                    if matches!(message, Message::Close(_)) { break }
                    continue;
                };
                let Ok(payload) = serde_json::from_str::<Value>(&text) else { continue };
                let answers = answer(&shared, &sender, &payload, &mut sequence);
                for answer in answers {
                    if send(&mut socket, &answer).await.is_err() {
                        break;
                    }
                }
            }
            Some((name, data)) = dispatches.recv() => {
                sequence += 1;
                if send(&mut socket, &json!({ "op": 0, "t": name, "s": sequence, "d": data })).await.is_err() {
                    break;
                }
            }
        }
    }
    let mut inner = shared.lock();
    if inner.gateway.as_ref().is_some_and(|live| live.same_channel(&sender)) {
        inner.gateway = None;
    }
}

/// What the fake sends back for one payload from the client; records the payload with its token hidden.
fn answer(
    shared: &Shared,
    sender: &mpsc::UnboundedSender<Dispatch>,
    payload: &Value,
    sequence: &mut u64,
) -> Vec<Value> {
    let mut recorded = payload.clone();
    if recorded["d"].get("token").is_some() {
        recorded["d"]["token"] = json!("[redacted]");
    }
    shared.lock().gateway_received.push(recorded);
    match payload["op"].as_u64() {
        Some(1) => vec![json!({ "op": 11 })],
        Some(2) => {
            *sequence = 0;
            let answers = identified(shared, sequence);
            shared.lock().gateway = Some(sender.clone());
            shared.ready.send_modify(|count| *count += 1);
            answers
        }
        Some(6) => {
            *sequence = payload["d"]["seq"].as_u64().unwrap_or(*sequence) + 1;
            shared.lock().gateway = Some(sender.clone());
            vec![json!({ "op": 0, "t": "RESUMED", "s": *sequence, "d": {} })]
        }
        _ => Vec::new(),
    }
}

/// READY, then one GUILD_CREATE per declared guild, as Discord sends them after IDENTIFY.
fn identified(shared: &Shared, sequence: &mut u64) -> Vec<Value> {
    let inner = shared.lock();
    let mut next = || {
        *sequence += 1;
        *sequence
    };
    let unavailable: Vec<Value> =
        inner.guilds.keys().map(|id| json!({ "id": id.to_string(), "unavailable": true })).collect();
    let ready = json!({
        "v": 10, "user": objects::bot_user(), "guilds": unavailable, "session_id": format!("fake-session-{}", shared.next_id()),
        "resume_gateway_url": shared.gateway_url(), "shard": [0, 1],
        "application": { "id": APPLICATION_ID.to_string(), "flags": 0 }, "private_channels": [], "relationships": [],
    });
    let mut answers = vec![json!({ "op": 0, "t": "READY", "s": next(), "d": ready })];
    for (guild_id, guild) in &inner.guilds {
        let guild_create = objects::guild_create(&inner, *guild_id, guild);
        answers.push(json!({ "op": 0, "t": "GUILD_CREATE", "s": next(), "d": guild_create }));
    }
    answers
}

async fn send(socket: &mut WebSocket, payload: &Value) -> Result<(), axum::Error> {
    socket.send(Message::Text(payload.to_string().into())).await
}
