//! `opspod check-config --online`: asks Discord whether each configured channel exists and whether the bot
//! may post, embed, attach files, start threads and write in them there, naming what is missing.

use serenity::all::{
    Channel, ChannelId, GuildId, Http, PermissionOverwrite, PermissionOverwriteType, Permissions, Role, RoleId,
};

use super::sink::classify;
use crate::config::Config;

/// What opspod needs in every channel it posts to, with the names Discord's settings use.
pub const NEEDED: [(Permissions, &str); 6] = [
    (Permissions::VIEW_CHANNEL, "View Channel"),
    (Permissions::SEND_MESSAGES, "Send Messages"),
    (Permissions::EMBED_LINKS, "Embed Links"),
    (Permissions::ATTACH_FILES, "Attach Files"),
    (Permissions::CREATE_PUBLIC_THREADS, "Create Public Threads"),
    (Permissions::SEND_MESSAGES_IN_THREADS, "Send Messages in Threads"),
];

/// One line of the report per channel: fine, or what is wrong.
pub async fn check(http: &Http, config: &Config, guild_id: u64) -> Vec<Result<String, String>> {
    let guild = GuildId::new(guild_id);
    let context = match bot_context(http, guild).await {
        Ok(context) => context,
        Err(problem) => return vec![Err(problem)],
    };
    let mut report = Vec::new();
    for (name, channel) in &config.channels {
        let Some(id) = channel.discord_id else { continue };
        report.push(check_channel(http, &context, name, ChannelId::new(id), guild).await);
    }
    report
}

struct BotContext {
    user: serenity::all::UserId,
    roles: Vec<Role>,
    member_roles: Vec<RoleId>,
}

async fn bot_context(http: &Http, guild: GuildId) -> Result<BotContext, String> {
    let user = http.get_current_user().await.map_err(|e| format!("cannot log in to Discord: {}", classify(e)))?.id;
    let member = http
        .get_member(guild, user)
        .await
        .map_err(|e| format!("the bot is not a member of guild {guild}: {}", classify(e)))?;
    let roles =
        http.get_guild_roles(guild).await.map_err(|e| format!("cannot read the guild's roles: {}", classify(e)))?;
    Ok(BotContext { user, roles, member_roles: member.roles })
}

async fn check_channel(
    http: &Http,
    bot: &BotContext,
    name: &str,
    id: ChannelId,
    guild: GuildId,
) -> Result<String, String> {
    let channel = match http.get_channel(id).await {
        Ok(Channel::Guild(channel)) => channel,
        Ok(_) => return Err(format!("#{name} ({id}) is not a server text channel")),
        Err(error) => return Err(unreadable(name, id, error)),
    };
    if channel.guild_id != guild {
        return Err(format!("#{name} ({id}) belongs to another server ({})", channel.guild_id));
    }
    let granted = permissions(bot.user, guild, &bot.roles, &bot.member_roles, &channel.permission_overwrites);
    let missing: Vec<&str> = NEEDED.iter().filter(|(p, _)| !granted.contains(*p)).map(|(_, label)| *label).collect();
    if missing.is_empty() {
        Ok(format!("#{name} ({id}): the bot can post, embed, attach files and use threads"))
    } else {
        Err(format!("#{name} ({id}): the bot lacks {}", missing.join(", ")))
    }
}

fn unreadable(name: &str, id: ChannelId, error: serenity::Error) -> String {
    match error_status(&error) {
        Some(403) => format!("#{name} ({id}): the bot lacks View Channel, so it cannot see the channel at all"),
        Some(404) => format!("#{name} ({id}): no such channel; check channels.{name}.discord_id"),
        _ => format!("#{name} ({id}) cannot be read: {}", classify(error)),
    }
}

fn error_status(error: &serenity::Error) -> Option<u16> {
    match error {
        serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(response)) => {
            Some(response.status_code.as_u16())
        }
        _ => None,
    }
}

/// Discord's permission algorithm: the `@everyone` role and the member's roles, then the channel's
/// overwrites for `@everyone`, for the member's roles, and for the member; Administrator allows everything.
pub fn permissions(
    user: serenity::all::UserId,
    guild: GuildId,
    roles: &[Role],
    member_roles: &[RoleId],
    overwrites: &[PermissionOverwrite],
) -> Permissions {
    let everyone = RoleId::new(guild.get());
    let mut base = Permissions::empty();
    for role in roles.iter().filter(|role| role.id == everyone || member_roles.contains(&role.id)) {
        base |= role.permissions;
    }
    if base.contains(Permissions::ADMINISTRATOR) {
        return Permissions::all();
    }
    let overwrite_of = |wanted: PermissionOverwriteType| overwrites.iter().find(|o| o.kind == wanted);
    if let Some(o) = overwrite_of(PermissionOverwriteType::Role(everyone)) {
        base = (base & !o.deny) | o.allow;
    }
    let (mut allow, mut deny) = (Permissions::empty(), Permissions::empty());
    for o in overwrites
        .iter()
        .filter(|o| matches!(o.kind, PermissionOverwriteType::Role(r) if r != everyone && member_roles.contains(&r)))
    {
        allow |= o.allow;
        deny |= o.deny;
    }
    base = (base & !deny) | allow;
    if let Some(o) = overwrite_of(PermissionOverwriteType::Member(user)) {
        base = (base & !o.deny) | o.allow;
    }
    base
}

#[cfg(test)]
mod tests {
    use super::*;
    use serenity::all::UserId;

    fn role(id: u64, permissions: Permissions) -> Role {
        let mut role: Role = serde_json::from_value(serde_json::json!({
            "id": id.to_string(), "name": "r", "color": 0, "hoist": false, "position": 0, "permissions": "0",
            "managed": false, "mentionable": false, "flags": 0,
            "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null}
        }))
        .expect("a role");
        role.permissions = permissions;
        role
    }

    const GUILD: u64 = 10;
    const BOT_ROLE: u64 = 20;

    fn posting() -> Permissions {
        NEEDED.iter().fold(Permissions::empty(), |all, (p, _)| all | *p)
    }

    #[test]
    fn a_role_with_everything_needed_is_enough() {
        let roles = [role(GUILD, Permissions::empty()), role(BOT_ROLE, posting())];
        let granted = permissions(UserId::new(1), GuildId::new(GUILD), &roles, &[RoleId::new(BOT_ROLE)], &[]);
        assert!(granted.contains(posting()));
    }

    #[test]
    fn a_channel_overwrite_can_take_a_permission_away() {
        let roles = [role(GUILD, Permissions::empty()), role(BOT_ROLE, posting())];
        let deny = PermissionOverwrite {
            allow: Permissions::empty(),
            deny: Permissions::EMBED_LINKS,
            kind: PermissionOverwriteType::Role(RoleId::new(BOT_ROLE)),
        };
        let granted = permissions(UserId::new(1), GuildId::new(GUILD), &roles, &[RoleId::new(BOT_ROLE)], &[deny]);
        assert!(!granted.contains(Permissions::EMBED_LINKS));
        assert!(granted.contains(Permissions::SEND_MESSAGES));
    }

    #[test]
    fn administrator_allows_everything_whatever_the_overwrites() {
        let roles = [role(GUILD, Permissions::ADMINISTRATOR)];
        let deny = PermissionOverwrite {
            allow: Permissions::empty(),
            deny: Permissions::all(),
            kind: PermissionOverwriteType::Role(RoleId::new(GUILD)),
        };
        let granted = permissions(UserId::new(1), GuildId::new(GUILD), &roles, &[], &[deny]);
        assert!(granted.contains(posting()));
    }
}
