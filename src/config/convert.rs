//! From the config as written to what the rest of opspod uses: routing policy, owner directory, URLs, settings.

use std::time::Duration;

use crate::domain::glob::Glob;
use crate::domain::health::HealthCategory;
use crate::domain::ownership::{self, Directory, ResourceMatcher};
use crate::domain::routing::{self, Conditions, Policy, Severity, SourceKind};
use crate::domain::silence::{Silence, SilenceTarget};

use super::model::{Aws, Config, DEFAULT_CRITICAL_ALARMS, Delivery, Maintenance, Owner, Rule, Runbook, When};

/// Whom a configured mention pings on Discord.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MentionTarget {
    Role(u64),
    User(u64),
}

impl MentionTarget {
    /// Reads `role:<id>` or `user:<id>`.
    pub fn parse(raw: &str) -> Option<Self> {
        let (kind, id) = raw.trim().split_once(':')?;
        let id: u64 = id.trim().parse().ok().filter(|id| *id > 0)?;
        match kind.trim() {
            "role" => Some(MentionTarget::Role(id)),
            "user" => Some(MentionTarget::User(id)),
            _ => None,
        }
    }

    /// The Discord markup that pings the target (`<@&111>` for a role, `<@222>` for a user).
    pub fn markup(self) -> String {
        match self {
            MentionTarget::Role(id) => format!("<@&{id}>"),
            MentionTarget::User(id) => format!("<@{id}>"),
        }
    }
}

/// How the outbox retries a message that Discord did not accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliverySettings {
    pub max_attempts: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl From<&Delivery> for DeliverySettings {
    fn from(delivery: &Delivery) -> Self {
        DeliverySettings {
            max_attempts: delivery.max_attempts,
            initial_backoff: Duration::from_millis(delivery.initial_backoff_ms),
            max_backoff: Duration::from_millis(delivery.max_backoff_ms),
        }
    }
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings::from(&Delivery::default())
    }
}

impl Config {
    /// The routing policy. A rule with a value that does not parse (which validation rules out) never matches,
    /// rather than matching more than it says.
    pub fn policy(&self) -> Policy {
        let critical = match &self.routing.critical_alarms {
            Some(patterns) => globs(patterns),
            None => DEFAULT_CRITICAL_ALARMS.iter().filter_map(|pattern| Glob::new(pattern).ok()).collect(),
        };
        Policy {
            rules: self.routing.rules.iter().filter_map(domain_rule).collect(),
            critical_alarms: critical,
            watched_regions: self.watched_regions().to_vec(),
            oncall_mention: self.routing.oncall_mention.clone(),
        }
    }

    /// Regions whose Health issues are watched: `routing.watched_regions`, else `aws.regions`; empty means all.
    pub fn watched_regions(&self) -> &[String] {
        let from_aws = self.aws.as_ref().map(|aws| aws.regions.as_slice());
        self.routing.watched_regions.as_deref().or(from_aws).unwrap_or_default()
    }

    /// The owners and runbooks, in the order written.
    pub fn directory(&self) -> Directory {
        Directory {
            owners: self.owners.iter().map(domain_owner).collect(),
            runbooks: self.runbooks.iter().map(domain_runbook).collect(),
        }
    }

    /// The custom commands as the commands crate runs them, with their windows; invalid ones were refused at load.
    pub fn custom_commands(&self) -> Vec<(opspod_commands::custom::Definition, opspod_commands::args::Since)> {
        self.commands.iter().filter_map(custom_definition).collect()
    }

    /// The `[[maintenance]]` windows as silences, one per glob, each with id 0 (the store never holds them, so
    /// `/silence remove:` cannot end one) and the reason `maintenance window <name>`.
    pub fn maintenance_silences(&self) -> Vec<Silence> {
        self.maintenance.iter().flat_map(window_silences).collect()
    }

    /// The on-call rotation, when `[oncall]` is configured (and valid, which loading checked).
    pub fn rotation(&self) -> Option<crate::domain::oncall::Rotation> {
        let oncall = self.oncall.as_ref()?;
        Some(crate::domain::oncall::Rotation {
            people: oncall.rotation.clone(),
            start: chrono::DateTime::parse_from_rfc3339(&oncall.start).ok()?.with_timezone(&chrono::Utc),
            shift: chrono::Duration::days(i64::from(oncall.shift_days)),
        })
    }

    /// `[escalation]` as the domain reads it; without the section, nothing escalates.
    pub fn escalation_policy(&self) -> crate::domain::escalation::Policy {
        use crate::domain::escalation::{Policy, Step, Target};
        let steps = self.escalation.iter().flat_map(|escalation| &escalation.steps).map(|step| Step {
            after: chrono::Duration::minutes(i64::try_from(step.after_minutes).unwrap_or(i64::MAX / 60_000)),
            target: match step.mention.as_str() {
                "primary" => Target::Primary,
                "secondary" => Target::Secondary,
                handle => Target::Handle(handle.to_owned()),
            },
        });
        Policy { steps: steps.collect() }
    }

    pub fn group_rule(&self) -> crate::domain::grouping::GroupRule {
        let grouping = &self.grouping;
        crate::domain::grouping::GroupRule {
            by: crate::domain::grouping::GroupBy::parse(&grouping.by)
                .unwrap_or(crate::domain::grouping::GroupBy::Namespace),
            window: chrono::Duration::seconds(i64::try_from(grouping.window_seconds).unwrap_or(120)),
            max_span: chrono::Duration::minutes(i64::try_from(grouping.max_minutes).unwrap_or(60)),
        }
    }

    pub fn flap_rule(&self) -> crate::domain::flapping::FlapRule {
        crate::domain::flapping::FlapRule {
            changes: self.flapping.changes,
            window: chrono::Duration::minutes(i64::from(self.flapping.minutes)),
        }
    }

    /// Every registered job that is not turned off, with its schedule (invalid ones were refused at load).
    pub fn job_schedules(&self) -> Vec<(&'static crate::jobs::JobSpec, crate::jobs::JobSchedule)> {
        crate::jobs::REGISTRY
            .iter()
            .filter_map(|spec| {
                let job = self.jobs.get(spec.name);
                if job.is_some_and(|job| !job.enabled) {
                    return None;
                }
                let schedule = job.and_then(|job| job.schedule.as_deref()).unwrap_or(spec.default_schedule);
                let zone = job.and_then(|job| job.time_zone.as_deref()).unwrap_or(spec.default_time_zone);
                Some((spec, crate::jobs::JobSchedule::parse(schedule, zone).ok()?))
            })
            .collect()
    }

    /// `[aws]`, or its defaults when the section is absent: the default chain's account and region, polled.
    pub fn aws_settings(&self) -> Aws {
        self.aws.clone().unwrap_or_default()
    }

    pub fn account_name(&self, id: &str) -> Option<&str> {
        self.aws.as_ref()?.accounts.iter().find(|account| account.id == id).map(|account| account.name.as_str())
    }

    /// The Discord target of a handle, written `@payments` or `payments`.
    pub fn mention_target(&self, handle: &str) -> Option<MentionTarget> {
        let name = handle.strip_prefix('@').unwrap_or(handle);
        self.mentions.get(name).and_then(|raw| MentionTarget::parse(raw))
    }

    /// The database URL for sqlx: a bare path becomes a SQLite URL that creates the file on first run.
    pub fn database_url(&self) -> String {
        let database = self.store.database.trim();
        let is_url = ["sqlite:", "postgres://", "postgresql://"].iter().any(|scheme| database.starts_with(scheme));
        if is_url { database.to_owned() } else { format!("sqlite://{database}?mode=rwc") }
    }

    pub fn delivery(&self) -> DeliverySettings {
        self.delivery.as_ref().map(DeliverySettings::from).unwrap_or_default()
    }
}

fn domain_rule(rule: &Rule) -> Option<routing::Rule> {
    Some(routing::Rule {
        name: rule.name.clone(),
        when: conditions(&rule.when)?,
        channel: rule.channel.clone(),
        severity: optional(rule.severity.as_deref(), Severity::parse)?,
        mentions: rule.mentions.clone(),
    })
}

fn conditions(when: &When) -> Option<Conditions> {
    Some(Conditions {
        source: optional(when.source.as_deref(), source_kind)?,
        alarm: optional(when.alarm.as_deref(), |pattern| Glob::new(pattern).ok())?,
        namespace: when.namespace.clone(),
        resource: optional(when.resource.as_deref(), |pattern| Glob::new(pattern).ok())?,
        region: when.region.clone(),
        account: when.account.clone(),
        state: when.state.clone(),
        health_category: optional(when.health_category.as_deref(), HealthCategory::parse)?,
    })
}

/// `Some(None)` when absent, `Some(Some(parsed))` when it parses, `None` when it does not.
fn optional<T>(raw: Option<&str>, parse: impl Fn(&str) -> Option<T>) -> Option<Option<T>> {
    match raw {
        None => Some(None),
        Some(raw) => parse(raw).map(Some),
    }
}

pub(super) fn source_kind(raw: &str) -> Option<SourceKind> {
    Some(match raw {
        "alarm" => SourceKind::Alarm,
        "health" => SourceKind::Health,
        "abuse" => SourceKind::Abuse,
        _ => return None,
    })
}

fn domain_owner(owner: &Owner) -> ownership::Owner {
    ownership::Owner {
        team: owner.team.clone(),
        mention: owner.mention.clone(),
        channel: owner.channel.clone(),
        interactive: owner.interactive,
        matcher: ResourceMatcher { names: globs(&owner.resources), tags: owner.tags.clone() },
    }
}

fn domain_runbook(runbook: &Runbook) -> ownership::Runbook {
    ownership::Runbook {
        url: runbook.url.clone(),
        matcher: ResourceMatcher { names: globs(&runbook.resources), tags: runbook.tags.clone() },
        alarms: globs(&runbook.alarms),
    }
}

/// A window's silences; none when its times do not read (which validation rules out).
fn window_silences(window: &Maintenance) -> Vec<Silence> {
    let time = |raw: &str| chrono::DateTime::parse_from_rfc3339(raw).ok().map(|at| at.with_timezone(&chrono::Utc));
    let (Some(starts_at), Some(expires_at)) = (time(&window.start), time(&window.end)) else { return vec![] };
    let alarms = globs(&window.alarms).into_iter().map(SilenceTarget::Alarm);
    let resources = globs(&window.resources).into_iter().map(SilenceTarget::Resource);
    alarms
        .chain(resources)
        .map(|target| Silence {
            id: 0,
            target,
            starts_at,
            expires_at,
            reason: format!("maintenance window {}", window.name),
            created_by: "config".to_owned(),
        })
        .collect()
}

/// Compiles globs; one that does not compile (which validation rules out) matches nothing.
fn globs(patterns: &[String]) -> Vec<Glob> {
    patterns.iter().filter_map(|pattern| Glob::new(pattern).ok()).collect()
}

/// A `[[commands]]` entry as a definition and its window; `None` when its kinds or window do not read.
pub(super) fn custom_definition(
    command: &super::model::CustomCommand,
) -> Option<(opspod_commands::custom::Definition, opspod_commands::args::Since)> {
    use opspod_commands::custom::{Definition, Kind, OptionDef};
    let options = command
        .options
        .iter()
        .map(|option| {
            Some(OptionDef { name: option.name.clone(), kind: Kind::parse(&option.kind)?, required: option.required })
        })
        .collect::<Option<Vec<_>>>()?;
    let since = opspod_commands::args::Since::parse(command.since.as_deref().unwrap_or("1h")).ok()?;
    let definition = Definition {
        name: command.name.clone(),
        description: command.description.clone(),
        query: command.query.clone(),
        log_groups: command.log_groups.clone(),
        options,
    };
    Some((definition, since))
}

#[cfg(test)]
mod tests {
    const WINDOW: &str = "[channels.team]\n[channels.oncall]\n[[maintenance]]\nname = \"db-upgrade\"\n\
        start = \"2026-12-01T22:00:00Z\"\nend = \"2026-12-02T01:00:00+01:00\"\n\
        alarms = [\"orders-*\"]\nresources = [\"orders-db\"]\n";

    #[test]
    fn a_maintenance_window_becomes_a_silence_per_glob_named_after_the_window() {
        let config = crate::config::load_str(WINDOW, "test.toml", &Default::default()).unwrap().config;

        let silences = config.maintenance_silences();

        let targets: Vec<(&str, &str)> = silences.iter().map(|silence| (silence.kind(), silence.pattern())).collect();
        assert_eq!(targets, vec![("alarm", "orders-*"), ("resource", "orders-db")]);
        for silence in &silences {
            assert_eq!(silence.reason, "maintenance window db-upgrade");
            assert_eq!(silence.created_by, "config");
            assert_eq!(silence.id, 0);
            assert_eq!(silence.starts_at, "2026-12-01T22:00:00Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap());
            assert_eq!(silence.expires_at, "2026-12-02T00:00:00Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap());
        }
    }

    #[test]
    fn no_maintenance_windows_means_no_silences() {
        let config = crate::config::load_str("[channels.team]\n[channels.oncall]\n", "test.toml", &Default::default())
            .unwrap()
            .config;

        assert!(config.maintenance_silences().is_empty());
    }
}
