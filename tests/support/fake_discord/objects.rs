//! Discord's JSON objects as the API documents them (ids as strings), built from the fake's state.

use serde_json::{Value, json};

use super::state::{Channel, Guild, Inner, Member};

/// The bot's user id; Discord gives a bot the same id as its application.
pub const BOT_USER_ID: u64 = 1_200_000_000_000_000_001;
/// The application id interactions and command registration use.
pub const APPLICATION_ID: u64 = BOT_USER_ID;
/// The human who owns the application (what `GET /oauth2/applications/@me` reports as owner).
pub const OWNER_USER_ID: u64 = 1_200_000_000_000_000_002;
/// The role every declared guild gives the bot, so serenity's cache grants it what opspod needs.
pub const BOT_ROLE_ID: u64 = 1_200_000_000_000_000_003;

/// View channel, send messages, embed links, attach files, read history, use application commands,
/// create public threads and send messages in threads: what a chat-ops bot is invited with.
pub const BOT_PERMISSIONS: u64 =
    (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 31) | (1 << 35) | (1 << 38);
/// View channel, send messages and read history: a plain `@everyone`.
pub const EVERYONE_PERMISSIONS: u64 = (1 << 10) | (1 << 11) | (1 << 16);
/// What a forbidden channel's overwrite denies the bot's role.
const VIEW_AND_SEND: u64 = (1 << 10) | (1 << 11);

pub fn timestamp() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

pub fn user(id: u64, username: &str, bot: bool) -> Value {
    json!({
        "id": id.to_string(), "username": username, "discriminator": "0", "global_name": null,
        "avatar": null, "bot": bot, "system": false, "public_flags": 0, "flags": 0, "banner": null,
        "accent_color": null,
    })
}

pub fn bot_user() -> Value {
    let mut bot = user(BOT_USER_ID, "opspod", true);
    bot["verified"] = json!(true);
    bot["mfa_enabled"] = json!(false);
    bot
}

pub fn application() -> Value {
    json!({
        "id": APPLICATION_ID.to_string(), "name": "opspod", "icon": null, "description": "",
        "rpc_origins": [], "bot_public": false, "bot_require_code_grant": false,
        "terms_of_service_url": null, "privacy_policy_url": null,
        "owner": user(OWNER_USER_ID, "owner", false), "verify_key": "0".repeat(64), "team": null,
        "guild_id": null, "primary_sku_id": null, "slug": null, "cover_image": null, "flags": 0,
        "tags": [], "install_params": null, "custom_install_url": null, "summary": "",
        "bot": bot_user(),
    })
}

pub fn role(guild_id: u64, id: u64, name: &str, permissions: u64, position: u16) -> Value {
    json!({
        "id": id.to_string(), "guild_id": guild_id.to_string(), "name": name, "color": 0, "hoist": false,
        "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null },
        "icon": null, "unicode_emoji": null, "position": position, "permissions": permissions.to_string(),
        "managed": false, "mentionable": false, "flags": 0,
    })
}

pub fn roles(guild_id: u64, guild: &Guild) -> Vec<Value> {
    let mut all = vec![
        role(guild_id, guild_id, "@everyone", EVERYONE_PERMISSIONS, 0),
        role(guild_id, BOT_ROLE_ID, "opspod", BOT_PERMISSIONS, 1),
    ];
    all.extend(guild.roles.iter().enumerate().map(|(i, (id, name))| role(guild_id, *id, name, 0, 2 + i as u16)));
    all
}

pub fn member(guild_id: u64, user_id: u64, member: &Member) -> Value {
    json!({
        "user": user(user_id, &member.name, member.bot), "nick": null, "avatar": null,
        "roles": member.roles.iter().map(u64::to_string).collect::<Vec<_>>(), "joined_at": timestamp(),
        "premium_since": null, "deaf": false, "mute": false, "flags": 0, "pending": false,
        "permissions": null, "communication_disabled_until": null, "guild_id": guild_id.to_string(),
    })
}

pub fn bot_member(guild_id: u64) -> Value {
    member(guild_id, BOT_USER_ID, &Member { name: "opspod".into(), roles: vec![BOT_ROLE_ID], bot: true })
}

pub fn channel(id: u64, channel: &Channel) -> Value {
    let mut object = json!({
        "id": id.to_string(), "type": channel.kind, "guild_id": channel.guild_id.to_string(),
        "name": channel.name, "position": 0, "topic": null, "nsfw": false, "last_message_id": null,
        "rate_limit_per_user": 0, "parent_id": channel.parent_id.map(|p| p.to_string()), "flags": 0,
        "permission_overwrites": [],
    });
    if channel.forbidden {
        object["permission_overwrites"] = json!([{
            "id": BOT_ROLE_ID.to_string(), "type": 0, "allow": "0", "deny": VIEW_AND_SEND.to_string(),
        }]);
    }
    if channel.kind == 11 {
        object["owner_id"] = json!(BOT_USER_ID.to_string());
        object["message_count"] = json!(0);
        object["member_count"] = json!(1);
        object["total_message_sent"] = json!(0);
        object["thread_metadata"] = json!({
            "archived": false, "auto_archive_duration": channel.auto_archive_duration,
            "archive_timestamp": timestamp(), "locked": false, "create_timestamp": timestamp(),
        });
        object.as_object_mut().expect("an object").remove("permission_overwrites");
    }
    object
}

/// `GET /guilds/{id}`: the guild without the gateway-only fields.
pub fn guild(guild_id: u64, guild: &Guild) -> Value {
    json!({
        "id": guild_id.to_string(), "name": guild.name, "icon": null, "icon_hash": null, "splash": null,
        "discovery_splash": null, "owner_id": OWNER_USER_ID.to_string(), "afk_channel_id": null,
        "afk_timeout": 300, "widget_enabled": false, "widget_channel_id": null, "verification_level": 0,
        "default_message_notifications": 1, "explicit_content_filter": 0, "roles": roles(guild_id, guild),
        "emojis": [], "features": [], "mfa_level": 0, "application_id": null, "system_channel_id": null,
        "system_channel_flags": 0, "rules_channel_id": null, "max_presences": null, "max_members": 500000,
        "vanity_url_code": null, "description": null, "banner": null, "premium_tier": 0,
        "premium_subscription_count": 0, "preferred_locale": "en-US", "public_updates_channel_id": null,
        "max_video_channel_users": 25, "max_stage_video_channel_users": 50, "nsfw_level": 0, "stickers": [],
        "premium_progress_bar_enabled": false, "safety_alerts_channel_id": null,
    })
}

/// The gateway's `GUILD_CREATE`: the guild plus its channels, members and the rest serenity's cache wants.
pub fn guild_create(inner: &Inner, guild_id: u64, guild_state: &Guild) -> Value {
    let mut object = guild(guild_id, guild_state);
    let channels: Vec<Value> = inner
        .channels
        .iter()
        .filter(|(_, c)| c.guild_id == guild_id && c.kind != 11)
        .map(|(id, c)| channel(*id, c))
        .collect();
    let threads: Vec<Value> = inner
        .channels
        .iter()
        .filter(|(_, c)| c.guild_id == guild_id && c.kind == 11)
        .map(|(id, c)| channel(*id, c))
        .collect();
    let mut members = vec![bot_member(guild_id)];
    members.extend(guild_state.members.iter().map(|(id, m)| member(guild_id, *id, m)));
    let extra = json!({
        "joined_at": timestamp(), "large": false, "unavailable": false, "member_count": members.len(),
        "voice_states": [], "members": members, "channels": channels, "threads": threads, "presences": [],
        "stage_instances": [], "guild_scheduled_events": [],
    });
    for (key, value) in extra.as_object().expect("an object") {
        object[key] = value.clone();
    }
    object
}
