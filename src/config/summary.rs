//! What `opspod check-config` prints: each feature on or off, in words, with no secret in sight.

use std::fmt::Write;

use secrecy::ExposeSecret;

use super::model::{Config, DEFAULT_CRITICAL_ALARMS, Store};
use super::secrets::{DISCORD_TOKEN, Secrets};

impl Store {
    /// The store in words, without the password a PostgreSQL URL may carry.
    pub fn describe(&self) -> String {
        let database = self.database.trim();
        if let Some(rest) = ["postgres://", "postgresql://"].iter().find_map(|scheme| database.strip_prefix(scheme)) {
            return describe_postgres(rest);
        }
        let path = database.strip_prefix("sqlite://").or_else(|| database.strip_prefix("sqlite:")).unwrap_or(database);
        let path = path.split('?').next().unwrap_or(path);
        format!("SQLite file {path}")
    }
}

/// `user:secret@db.internal:5432/opspod?sslmode=require` → `PostgreSQL database opspod on db.internal:5432 as user`.
fn describe_postgres(rest: &str) -> String {
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let (authority, database) = rest.split_once('/').unwrap_or((rest, ""));
    let (user, host) = match authority.rsplit_once('@') {
        Some((userinfo, host)) => (userinfo.split(':').next().filter(|user| !user.is_empty()), host),
        None => (None, authority),
    };
    let mut text = String::from("PostgreSQL");
    if !database.is_empty() {
        let _ = write!(text, " database {database}");
    }
    let _ = write!(text, " on {}", if host.is_empty() { "localhost" } else { host });
    if let Some(user) = user {
        let _ = write!(text, " as {user}");
    }
    text
}

impl Config {
    /// A readable list of what is configured and what is off.
    pub fn summary(&self, secrets: &Secrets) -> String {
        let lines = [
            ("store", self.store.describe()),
            ("channels", self.channels_line()),
            ("mentions", count(self.mentions.len(), "handle", "handles")),
            ("routing", self.routing_line()),
            ("owners", self.owners_line()),
            ("runbooks", count(self.runbooks.len(), "runbook", "runbooks")),
            ("aws", self.aws_line()),
            ("sqs", self.sqs_line()),
            ("delivery", self.delivery_line()),
            ("discord", self.discord_line()),
            ("discord token", token_line(secrets)),
            ("oncall", self.oncall_line()),
            ("health", self.health_line()),
        ];
        let width = lines.iter().map(|(label, _)| label.len()).max().unwrap_or(0);
        lines.iter().map(|(label, text)| format!("{label:<width$}  {text}\n")).collect()
    }

    fn channels_line(&self) -> String {
        let names = self.channels.keys().cloned().collect::<Vec<_>>().join(", ");
        let with_ids = self.channels.values().filter(|channel| channel.discord_id.is_some()).count();
        format!("{names} ({with_ids} of {} with a Discord id)", self.channels.len())
    }

    fn routing_line(&self) -> String {
        let rules = count(self.routing.rules.len(), "rule", "rules");
        let critical = match &self.routing.critical_alarms {
            Some(patterns) => patterns.join(", "),
            None => format!("{} (default)", DEFAULT_CRITICAL_ALARMS.join(", ")),
        };
        let watched = match self.watched_regions() {
            [] => "all".to_owned(),
            regions => regions.join(", "),
        };
        let oncall = self.routing.oncall_mention.as_deref().unwrap_or("nobody");
        format!("{rules}; critical alarms: {critical}; watched regions: {watched}; on-call mention: {oncall}")
    }

    fn owners_line(&self) -> String {
        if self.owners.is_empty() {
            return "none: alerts go to the team channel without owner mentions".into();
        }
        let teams = self
            .owners
            .iter()
            .map(|owner| if owner.interactive { format!("{} (interactive)", owner.team) } else { owner.team.clone() });
        teams.collect::<Vec<_>>().join(", ")
    }

    fn oncall_line(&self) -> String {
        match &self.oncall {
            Some(oncall) => format!(
                "{} in turn, {}-day shifts from {}",
                oncall.rotation.join(", "),
                oncall.shift_days,
                oncall.start
            ),
            None => "off: no [oncall] section".into(),
        }
    }

    fn aws_line(&self) -> String {
        let Some(aws) = &self.aws else {
            return "default credential chain's account and region (no [aws] section)".into();
        };
        let regions = if aws.regions.is_empty() { "default region".to_owned() } else { aws.regions.join(", ") };
        if !aws.enabled {
            return "off (aws.enabled = false): no pollers, alerts without AWS context".into();
        }
        let accounts = aws.accounts.iter().map(|account| match &account.role_arn {
            Some(role) => format!("{} ({}, via {role})", account.name, account.id),
            None => format!("{} ({})", account.name, account.id),
        });
        let accounts = accounts.collect::<Vec<_>>();
        let accounts = if accounts.is_empty() { "default account".to_owned() } else { accounts.join(", ") };
        let every = |seconds: u64| if seconds == 0 { "off".to_owned() } else { format!("every {seconds} s") };
        let health_view = if aws.health_organization { " (organization view)" } else { "" };
        format!(
            "regions: {regions}; accounts: {accounts}; alarm poller {}; Health poller {}{health_view}; context within {} s",
            every(aws.alarm_poll_seconds),
            every(aws.health_poll_seconds),
            aws.enrich_seconds
        )
    }

    fn discord_line(&self) -> String {
        let Some(discord) = &self.discord else {
            return "off: no [discord] section; alerts are printed on the console".into();
        };
        let api = discord.api_base_url.as_deref().unwrap_or(super::model::DISCORD_API);
        let commands = if discord.global_commands { "global" } else { "guild" };
        format!(
            "guild {} via {api}; responders {}; {commands} slash commands",
            discord.guild_id,
            discord.responders.join(", ")
        )
    }

    fn sqs_line(&self) -> String {
        let Some(sqs) = &self.sqs else {
            return "off: no [sqs] section".into();
        };
        let queues = sqs.queues.join(", ");
        format!("{queues} (wait {}s, up to {} messages)", sqs.wait_seconds, sqs.max_messages)
    }

    /// Where `/healthz` and `/metrics` are served, with a warning when others than this host can reach them.
    fn health_line(&self) -> String {
        let health = &self.health;
        if !health.enabled {
            return "off ([health] enabled = false): no /healthz or /metrics".into();
        }
        let line = format!("/healthz and /metrics on http://{}", health.listen);
        match health.listen.parse::<std::net::SocketAddr>() {
            Ok(address) if !address.ip().is_loopback() => format!(
                "{line}; WARNING: {} is not a loopback address, so anyone who can reach this host can read them",
                address.ip()
            ),
            _ => line,
        }
    }

    fn delivery_line(&self) -> String {
        let settings = self.delivery();
        let defaults = if self.delivery.is_none() { " (defaults)" } else { "" };
        format!(
            "{} attempts, backoff {} ms to {} ms{defaults}",
            settings.max_attempts,
            settings.initial_backoff.as_millis(),
            settings.max_backoff.as_millis()
        )
    }
}

fn token_line(secrets: &Secrets) -> String {
    match &secrets.discord_token {
        Some(token) if !token.expose_secret().is_empty() => format!("set (from {DISCORD_TOKEN})"),
        _ => format!("not set: export {DISCORD_TOKEN} to connect to Discord"),
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
