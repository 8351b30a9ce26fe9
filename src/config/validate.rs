//! Semantic checks over the whole config: references resolve, values are in range, patterns compile.
//! Every check runs and reports; nothing stops at the first problem.

use crate::domain::glob::Glob;
use crate::domain::health::HealthCategory;
use crate::domain::routing::{ONCALL, Severity, TEAM};

use super::convert::{MentionTarget, source_kind};
use super::error::{KeyPath, Problems};
use super::model::{Account, Config, Owner, Rule, Runbook, When};

const STATES: [&str; 6] = ["ALARM", "OK", "INSUFFICIENT_DATA", "open", "upcoming", "closed"];

pub(super) fn validate(config: &Config, problems: &mut Problems) {
    let mut check = Check { config, problems };
    check.store();
    check.channels();
    check.mentions();
    check.routing();
    check.owners();
    check.runbooks();
    check.aws();
    check.oncall();
    check.commands();
    check.sqs();
    check.delivery();
    check.discord();
    check.jobs();
    check.escalation();
    check.flapping();
    check.maintenance();
    check.grouping();
    check.health();
}

struct Check<'a> {
    config: &'a Config,
    problems: &'a mut Problems,
}

fn root(section: &str) -> KeyPath {
    KeyPath::root().key(section)
}

impl Check<'_> {
    fn report(&mut self, at: KeyPath, message: impl Into<String>) {
        self.problems.check(at, message);
    }

    fn store(&mut self) {
        let database = self.config.store.database.trim();
        let at = root("store").key("database");
        if database.is_empty() {
            self.report(at, "must name a SQLite file (opspod.db) or a postgres:// URL");
        } else if database.contains("://")
            && !["sqlite:", "postgres:", "postgresql:"].iter().any(|s| database.starts_with(s))
        {
            self.report(at, "opspod stores to SQLite (a file path or sqlite: URL) or PostgreSQL (postgres:// URL)");
        }
    }

    fn channels(&mut self) {
        for required in [TEAM, ONCALL] {
            if !self.config.channels.contains_key(required) {
                self.report(root("channels"), format!("the {required} channel is required: add [channels.{required}]"));
            }
        }
    }

    fn mentions(&mut self) {
        for (handle, target) in &self.config.mentions {
            let at = root("mentions").key(handle);
            if let Some(bare) = handle.strip_prefix('@') {
                self.report(at.clone(), format!("declare the handle without @ (`{bare}`); use it as \"{handle}\""));
            }
            if MentionTarget::parse(target).is_none() {
                self.report(at, format!("{target:?} is not a mention target: write \"role:<id>\" or \"user:<id>\""));
            }
        }
    }

    fn routing(&mut self) {
        let at = root("routing");
        let routing = &self.config.routing;
        if let Some(patterns) = &routing.critical_alarms {
            self.globs(&at.key("critical_alarms"), patterns);
        }
        if let Some(handle) = &routing.oncall_mention {
            self.mention(at.key("oncall_mention"), handle);
        }
        for (index, region) in routing.watched_regions.iter().flatten().enumerate() {
            self.region(at.key("watched_regions").index(index), region);
        }
        for (index, rule) in routing.rules.iter().enumerate() {
            self.rule(&at.key("rules").index(index), rule);
        }
    }

    fn rule(&mut self, at: &KeyPath, rule: &Rule) {
        if rule.name.trim().is_empty() {
            self.report(at.key("name"), "must not be empty: the name is shown when the rule routes an alert");
        }
        self.when(&at.key("when"), &rule.when);
        if let Some(channel) = &rule.channel {
            self.channel(at.key("channel"), channel);
        }
        if let Some(severity) = rule.severity.as_deref().filter(|raw| Severity::parse(raw).is_none()) {
            self.report(
                at.key("severity"),
                format!("unknown severity {severity:?} (severities: info, warning, critical)"),
            );
        }
        for (index, handle) in rule.mentions.iter().flatten().enumerate() {
            self.mention(at.key("mentions").index(index), handle);
        }
    }

    fn when(&mut self, at: &KeyPath, when: &When) {
        if let Some(source) = when.source.as_deref().filter(|raw| source_kind(raw).is_none()) {
            self.report(at.key("source"), format!("unknown source {source:?} (sources: alarm, health, abuse)"));
        }
        for (key, pattern) in [("alarm", &when.alarm), ("resource", &when.resource)] {
            if let Some(pattern) = pattern {
                self.glob(at.key(key), pattern);
            }
        }
        if let Some(region) = &when.region {
            self.region(at.key("region"), region);
        }
        if let Some(account) = &when.account {
            self.account_id(at.key("account"), account);
        }
        if let Some(state) = when.state.as_deref().filter(|raw| !STATES.iter().any(|s| s.eq_ignore_ascii_case(raw))) {
            self.report(at.key("state"), format!("unknown state {state:?} (states: {})", STATES.join(", ")));
        }
        if let Some(category) = when.health_category.as_deref().filter(|raw| HealthCategory::parse(raw).is_none()) {
            let known = "issue, accountNotification, scheduledChange, investigation";
            self.report(
                at.key("health_category"),
                format!("unknown Health category {category:?} (categories: {known})"),
            );
        }
    }

    fn owners(&mut self) {
        for (index, owner) in self.config.owners.iter().enumerate() {
            self.owner(&root("owners").index(index), owner);
            let earlier = self.config.owners[..index].iter().any(|other| other.team == owner.team);
            if earlier && !owner.team.is_empty() {
                self.report(
                    root("owners").index(index).key("team"),
                    format!("team {:?} is declared twice", owner.team),
                );
            }
        }
    }

    fn owner(&mut self, at: &KeyPath, owner: &Owner) {
        if owner.team.trim().is_empty() {
            self.report(at.key("team"), "must not be empty");
        }
        if let Some(handle) = &owner.mention {
            self.mention(at.key("mention"), handle);
        }
        if let Some(channel) = &owner.channel {
            self.channel(at.key("channel"), channel);
        }
        self.globs(&at.key("resources"), &owner.resources);
        if owner.resources.is_empty() && owner.tags.is_empty() {
            self.report(at.clone(), "owns nothing: give `resources` globs or `tags`");
        }
    }

    fn runbooks(&mut self) {
        for (index, runbook) in self.config.runbooks.iter().enumerate() {
            self.runbook(&root("runbooks").index(index), runbook);
        }
    }

    fn runbook(&mut self, at: &KeyPath, runbook: &Runbook) {
        if !is_http_url(&runbook.url) {
            self.report(at.key("url"), format!("{:?} is not an http(s) URL", runbook.url));
        }
        self.globs(&at.key("resources"), &runbook.resources);
        self.globs(&at.key("alarms"), &runbook.alarms);
        if runbook.resources.is_empty() && runbook.alarms.is_empty() && runbook.tags.is_empty() {
            self.report(at.clone(), "covers nothing: give `resources`, `alarms` or `tags`");
        }
    }

    fn aws(&mut self) {
        let Some(aws) = &self.config.aws else { return };
        for (index, region) in aws.regions.iter().enumerate() {
            self.region(root("aws").key("regions").index(index), region);
        }
        for (index, account) in aws.accounts.iter().enumerate() {
            let at = root("aws").key("accounts").index(index);
            self.account_id(at.key("id"), &account.id);
            if account.name.trim().is_empty() {
                self.report(at.key("name"), "must not be empty: it is how alerts name the account");
            }
            if aws.accounts[..index].iter().any(|other| other.id == account.id) {
                self.report(at.key("id"), format!("account {:?} is declared twice", account.id));
            }
            self.role(&at, account);
        }
        self.range(root("aws").key("enrich_seconds"), aws.enrich_seconds, 1, 300);
        if !["insights", "scan"].contains(&aws.logs_engine.as_str()) {
            self.report(
                root("aws").key("logs_engine"),
                format!("must be \"insights\" or \"scan\", not {:?}", aws.logs_engine),
            );
        }
    }

    fn role(&mut self, at: &KeyPath, account: &Account) {
        match &account.role_arn {
            Some(arn) if !looks_like_role_arn(arn, &account.id) => self.report(
                at.key("role_arn"),
                format!("{arn:?} is not a role ARN in account {} (arn:aws:iam::{}:role/NAME)", account.id, account.id),
            ),
            None if account.external_id.is_some() => {
                self.report(at.key("external_id"), "is only used with role_arn, which is missing")
            }
            _ => {}
        }
    }

    fn commands(&mut self) {
        for (index, command) in self.config.commands.iter().enumerate() {
            let at = root("commands").index(index);
            for (n, option) in command.options.iter().enumerate() {
                if opspod_commands::custom::Kind::parse(&option.kind).is_none() {
                    let path = at.key("options").index(n).key("kind");
                    self.report(path, format!("must be \"text\", \"number\" or \"function\", not {:?}", option.kind));
                }
            }
            if let Some(since) = &command.since
                && let Err(error) = opspod_commands::args::Since::parse(since)
            {
                self.report(at.key("since"), error.0);
            }
            if let Some((definition, _)) = super::convert::custom_definition(command) {
                for problem in definition.problems(&opspod_commands::ask::BUILTINS) {
                    self.report(at.clone(), problem);
                }
            }
            if self.config.commands[..index].iter().any(|other| other.name == command.name) {
                self.report(at.key("name"), format!("command {:?} is declared twice", command.name));
            }
        }
    }

    fn oncall(&mut self) {
        let Some(oncall) = &self.config.oncall else { return };
        let at = root("oncall");
        if oncall.rotation.is_empty() {
            self.report(at.key("rotation"), "lists nobody: name the people on call, as handles from [mentions]");
        }
        for (index, handle) in oncall.rotation.iter().enumerate() {
            self.mention(at.key("rotation").index(index), handle);
        }
        if chrono::DateTime::parse_from_rfc3339(&oncall.start).is_err() {
            self.report(
                at.key("start"),
                format!("{:?} is not an RFC 3339 time like 2026-11-02T09:00:00Z", oncall.start),
            );
        }
        self.range(at.key("shift_days"), u64::from(oncall.shift_days), 1, 28);
    }

    fn jobs(&mut self) {
        for (name, job) in &self.config.jobs {
            let at = root("jobs").key(name);
            let Some(spec) = crate::jobs::spec(name) else {
                let known = crate::jobs::REGISTRY.iter().map(|spec| spec.name).collect::<Vec<_>>().join(", ");
                self.report(at, format!("unknown job {name:?} (jobs: {known})"));
                continue;
            };
            let schedule = job.schedule.as_deref().unwrap_or(spec.default_schedule);
            let zone = job.time_zone.as_deref().unwrap_or(spec.default_time_zone);
            if let Err(error) = crate::jobs::JobSchedule::parse(schedule, zone) {
                let key = if error.contains("time zone") { "time_zone" } else { "schedule" };
                self.report(at.key(key), error);
            }
        }
    }

    fn escalation(&mut self) {
        let Some(escalation) = &self.config.escalation else { return };
        let at = root("escalation").key("steps");
        if escalation.steps.is_empty() {
            self.report(at.clone(), "lists no step: add { after_minutes = 10, mention = \"primary\" }");
        }
        let mut previous = 0;
        for (index, step) in escalation.steps.iter().enumerate() {
            let at = at.index(index);
            match step.mention.as_str() {
                "primary" | "secondary" if self.config.oncall.is_none() => self.report(
                    at.key("mention"),
                    format!("{:?} means the on-call rotation's person, but there is no [oncall] section", step.mention),
                ),
                "primary" | "secondary" => {}
                handle => self.mention(at.key("mention"), handle),
            }
            if step.after_minutes == 0 || step.after_minutes <= previous {
                self.report(
                    at.key("after_minutes"),
                    format!("must be more than the step before's ({previous}), not {}", step.after_minutes),
                );
            }
            previous = step.after_minutes;
        }
    }

    fn flapping(&mut self) {
        let at = root("flapping");
        self.range(at.key("changes"), u64::from(self.config.flapping.changes), 2, 100);
        self.range(at.key("minutes"), u64::from(self.config.flapping.minutes), 1, 1440);
    }

    fn grouping(&mut self) {
        let at = root("grouping");
        let grouping = &self.config.grouping;
        if crate::domain::grouping::GroupBy::parse(&grouping.by).is_none() {
            self.report(at.key("by"), format!("{:?} is not one of namespace, resource, off", grouping.by));
        }
        self.range(at.key("window_seconds"), grouping.window_seconds, 5, 3600);
        self.range(at.key("max_minutes"), grouping.max_minutes, 1, 1440);
    }

    fn maintenance(&mut self) {
        for (index, window) in self.config.maintenance.iter().enumerate() {
            let at = root("maintenance").index(index);
            let start = self.time(at.key("start"), &window.start);
            let end = self.time(at.key("end"), &window.end);
            if let (Some(start), Some(end)) = (start, end)
                && end <= start
            {
                self.report(at.key("end"), format!("{} is not after the start, {}", window.end, window.start));
            }
            if window.alarms.is_empty() && window.resources.is_empty() {
                self.report(at.clone(), "covers nothing: give `alarms` or `resources` globs");
            }
            self.globs(&at.key("alarms"), &window.alarms);
            self.globs(&at.key("resources"), &window.resources);
        }
    }

    fn time(&mut self, at: KeyPath, text: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        let parsed = chrono::DateTime::parse_from_rfc3339(text).ok();
        if parsed.is_none() {
            self.report(at, format!("{text:?} is not an RFC 3339 time like 2026-12-01T22:00:00Z"));
        }
        parsed
    }

    fn discord(&mut self) {
        let Some(discord) = &self.config.discord else { return };
        let at = root("discord");
        if let Some(url) = &discord.api_base_url
            && !is_http_url(url)
        {
            self.report(at.key("api_base_url"), format!("{url:?} is not an http(s) URL"));
        }
        for (name, channel) in &self.config.channels {
            if channel.discord_id.is_none() {
                self.report(root("channels").key(name), "needs a discord_id when [discord] is on");
            }
        }
        if discord.responders.is_empty() {
            self.report(at.key("responders"), "lists no role: nobody could press Ack, Silence or Resolve");
        }
        for (index, handle) in discord.responders.iter().enumerate() {
            let target = self.config.mention_target(handle);
            if !matches!(target, Some(MentionTarget::Role(_))) {
                self.report(
                    at.key("responders").index(index),
                    format!("{handle} must be a role declared in [mentions]"),
                );
            }
        }
    }

    fn sqs(&mut self) {
        let Some(sqs) = &self.config.sqs else { return };
        let at = root("sqs");
        if sqs.queues.is_empty() {
            self.report(at.key("queues"), "lists no queue: add a queue URL, or remove [sqs] to turn the source off");
        }
        for (index, queue) in sqs.queues.iter().enumerate().filter(|(_, queue)| !is_http_url(queue)) {
            self.report(at.key("queues").index(index), format!("{queue:?} is not a queue URL (https://sqs.…)"));
        }
        self.range(at.key("wait_seconds"), sqs.wait_seconds.into(), 0, 20);
        self.range(at.key("max_messages"), sqs.max_messages.into(), 1, 10);
        if let Some(timeout) = sqs.visibility_timeout_seconds {
            self.range(at.key("visibility_timeout_seconds"), timeout.into(), 0, 43_200);
        }
    }

    fn health(&mut self) {
        let listen = &self.config.health.listen;
        if listen.parse::<std::net::SocketAddr>().is_err() {
            let message = format!("{listen:?} is not an IP address and port, such as 127.0.0.1:9187 or [::1]:9187");
            self.report(root("health").key("listen"), message);
        }
    }

    fn delivery(&mut self) {
        let Some(delivery) = &self.config.delivery else { return };
        let at = root("delivery");
        self.range(at.key("max_attempts"), delivery.max_attempts.into(), 1, 1_000);
        self.range(at.key("initial_backoff_ms"), delivery.initial_backoff_ms, 1, 3_600_000);
        if delivery.max_backoff_ms < delivery.initial_backoff_ms {
            self.report(at.key("max_backoff_ms"), "must be at least initial_backoff_ms");
        }
    }

    fn channel(&mut self, at: KeyPath, name: &str) {
        if !self.config.channels.contains_key(name) {
            let known = self.config.channels.keys().cloned().collect::<Vec<_>>().join(", ");
            self.report(at, format!("unknown channel {name:?} (channels: {known})"));
        }
    }

    fn mention(&mut self, at: KeyPath, handle: &str) {
        let Some(name) = handle.strip_prefix('@') else {
            return self.report(at, format!("{handle:?} is not a mention handle: write it with @, like \"@{handle}\""));
        };
        if !self.config.mentions.contains_key(name) {
            let known = self.config.mentions.keys().map(|key| format!("@{key}")).collect::<Vec<_>>().join(", ");
            self.report(
                at,
                format!(
                    "unknown mention {handle:?}: declare `{name} = \"role:<id>\"` in [mentions] (mentions: {known})"
                ),
            );
        }
    }

    fn globs(&mut self, at: &KeyPath, patterns: &[String]) {
        for (index, pattern) in patterns.iter().enumerate() {
            self.glob(at.index(index), pattern);
        }
    }

    fn glob(&mut self, at: KeyPath, pattern: &str) {
        if let Err(error) = Glob::new(pattern) {
            self.report(at, error);
        }
    }

    fn region(&mut self, at: KeyPath, region: &str) {
        if !looks_like_region(region) {
            self.report(at, format!("{region:?} is not an AWS region (like \"us-east-1\")"));
        }
    }

    fn account_id(&mut self, at: KeyPath, id: &str) {
        if id.len() != 12 || !id.bytes().all(|byte| byte.is_ascii_digit()) {
            self.report(at, format!("{id:?} is not an AWS account id (12 digits, as a string)"));
        }
    }

    fn range(&mut self, at: KeyPath, value: u64, min: u64, max: u64) {
        if !(min..=max).contains(&value) {
            self.report(at, format!("must be between {min} and {max}, not {value}"));
        }
    }
}

/// `arn:aws:iam::111122223333:role/opspod-read` (any partition), in the account it is declared under.
fn looks_like_role_arn(arn: &str, account: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, "iam", "", id, resource]
        if partition.starts_with("aws") && *id == account && resource.strip_prefix("role/").is_some_and(|name| !name.is_empty()))
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`.
pub(super) fn looks_like_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let [first, middle @ .., last] = parts.as_slice() else { return false };
    let lower = |part: &&str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_lowercase());
    first.len() == 2
        && lower(first)
        && !middle.is_empty()
        && middle.iter().all(lower)
        && !last.is_empty()
        && last.bytes().all(|byte| byte.is_ascii_digit())
}

fn is_http_url(url: &str) -> bool {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace))
}
