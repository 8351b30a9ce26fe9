//! Interaction payloads as Discord sends them in `INTERACTION_CREATE`, for tests to push through the gateway.

use serde_json::{Value, json};

use super::FakeDiscord;
use super::objects::{APPLICATION_ID, BOT_PERMISSIONS, timestamp, user};

/// Who acts in an interaction: a guild member with roles, in a channel.
#[derive(Clone, Copy, Debug)]
pub struct Actor<'a> {
    pub guild_id: u64,
    pub channel_id: u64,
    pub user_id: u64,
    pub username: &'a str,
    pub roles: &'a [u64],
}

impl FakeDiscord {
    /// A slash command (type 2) with `options` as Discord nests them, e.g.
    /// `[{"name": "since", "type": 3, "value": "24h"}]`. Its token is `token-{id}`.
    pub fn slash_command(&self, actor: Actor<'_>, name: &str, options: Value) -> Value {
        let mut interaction = self.interaction(2, actor);
        interaction["data"] = json!({
            "id": self.next_id().to_string(), "name": name, "type": 1, "options": options,
            "guild_id": actor.guild_id.to_string(),
        });
        interaction
    }

    /// A button press (type 3) on `message`, a message object as `messages()` reports it (`.object`).
    pub fn button_press(&self, actor: Actor<'_>, message: &Value, custom_id: &str) -> Value {
        let mut interaction = self.interaction(3, actor);
        interaction["data"] = json!({ "custom_id": custom_id, "component_type": 2 });
        interaction["message"] = message.clone();
        interaction
    }

    fn interaction(&self, kind: u8, actor: Actor<'_>) -> Value {
        let id = self.next_id();
        json!({
            "id": id.to_string(), "application_id": APPLICATION_ID.to_string(), "type": kind,
            "token": format!("token-{id}"), "version": 1, "guild_id": actor.guild_id.to_string(),
            "channel_id": actor.channel_id.to_string(),
            "channel": { "id": actor.channel_id.to_string(), "type": 0, "guild_id": actor.guild_id.to_string() },
            "member": {
                "user": user(actor.user_id, actor.username, false),
                "roles": actor.roles.iter().map(u64::to_string).collect::<Vec<_>>(), "joined_at": timestamp(),
                "deaf": false, "mute": false, "flags": 0, "pending": false, "nick": null, "avatar": null,
                "premium_since": null, "communication_disabled_until": null, "permissions": "2248473465835073",
            },
            "app_permissions": BOT_PERMISSIONS.to_string(), "locale": "en-US", "guild_locale": "en-US",
            "entitlements": [], "attachment_size_limit": 10_485_760, "authorizing_integration_owners": { "0": actor.guild_id.to_string() }, "context": 0,
        })
    }
}
