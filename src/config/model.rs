//! The config file's shape, as serde structs: one `Option<Section>` per feature that can be off.
//!
//! Values that need checking (severities, globs, mention targets) stay strings here, so that `validate` can
//! report every bad one with its own message instead of serde stopping at the first.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

/// The whole config, as written (after environment overrides).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    pub store: Store,
    /// Channel name (`team`, `oncall`, `payments`) to its Discord settings.
    pub channels: BTreeMap<String, Channel>,
    /// Mention handle without `@` (`payments`) to its Discord target (`role:111`, `user:222`).
    pub mentions: BTreeMap<String, String>,
    pub routing: Routing,
    pub owners: Vec<Owner>,
    pub runbooks: Vec<Runbook>,
    /// Absent: the default credential chain's account and region.
    pub aws: Option<Aws>,
    /// Absent: the SQS source is off.
    pub sqs: Option<Sqs>,
    /// Absent: the outbox retries with the defaults of [`super::DeliverySettings`].
    pub delivery: Option<Delivery>,
    /// Absent: alerts go to the console instead of Discord.
    pub discord: Option<Discord>,
    /// Absent: `/oncall` says no rotation is configured.
    pub oncall: Option<OnCallRotation>,
    /// Commands the team defines: a Logs Insights query with placeholders.
    pub commands: Vec<CustomCommand>,
    /// Scheduled jobs by registry name (`digest`): when they run. Absent ones run on their default schedule.
    pub jobs: BTreeMap<String, Job>,
    /// Absent: nobody is re-pinged when a critical incident goes unacknowledged.
    pub escalation: Option<Escalation>,
    /// When an alarm counts as flapping; absent means the defaults.
    pub flapping: Flapping,
    /// Planned windows in which matching incidents are recorded but not posted.
    pub maintenance: Vec<Maintenance>,
    /// Which alarms share one storm message; absent means the defaults.
    pub grouping: Grouping,
    /// `/healthz` and `/metrics`; absent means on, on loopback.
    pub health: Health,
}

/// The names of the top-level sections, for "unknown section" messages.
pub const SECTIONS: [&str; 18] = [
    "aws",
    "channels",
    "commands",
    "delivery",
    "discord",
    "escalation",
    "flapping",
    "grouping",
    "health",
    "jobs",
    "maintenance",
    "mentions",
    "oncall",
    "owners",
    "routing",
    "runbooks",
    "sqs",
    "store",
];

/// The database: a SQLite file path, or a `sqlite:`/`postgres://` URL.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Store {
    pub database: String,
}

impl Default for Store {
    fn default() -> Self {
        Store { database: "opspod.db".into() }
    }
}

/// A PostgreSQL URL may carry a password, so `Debug` shows the store the way the summary does.
impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("database", &self.describe()).finish()
    }
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    /// Optional until the Discord integration is configured.
    pub discord_id: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Routing {
    /// Alarm name globs that are critical by default; absent means [`DEFAULT_CRITICAL_ALARMS`].
    pub critical_alarms: Option<Vec<String>>,
    /// The handle (`@oncall`) pinged on critical alerts in the on-call channel.
    pub oncall_mention: Option<String>,
    /// Regions whose Health issues go to on-call; absent means `aws.regions`, else every region.
    pub watched_regions: Option<Vec<String>>,
    /// Deserialised one by one, so that one bad rule does not hide another.
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// Alarm names that page unless a rule says otherwise, when `routing.critical_alarms` is absent.
pub const DEFAULT_CRITICAL_ALARMS: [&str; 3] = ["*critical*", "*-p1-*", "*sev1*"];

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub name: String,
    #[serde(default)]
    pub when: When,
    pub channel: Option<String>,
    /// `info`, `warning` or `critical`.
    pub severity: Option<String>,
    /// Handles (`@payments`) that replace the default mentions.
    pub mentions: Option<Vec<String>>,
}

/// A rule's conditions; every one given must hold.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// `alarm`, `health` or `abuse`.
    pub source: Option<String>,
    /// Alarm name glob.
    pub alarm: Option<String>,
    pub namespace: Option<String>,
    /// Resource name glob.
    pub resource: Option<String>,
    pub region: Option<String>,
    pub account: Option<String>,
    /// `ALARM`, `OK`, `INSUFFICIENT_DATA`, or a Health status: `open`, `upcoming`, `closed`.
    pub state: Option<String>,
    /// `issue`, `accountNotification`, `scheduledChange` or `investigation`.
    pub health_category: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Owner {
    pub team: String,
    pub mention: Option<String>,
    pub channel: Option<String>,
    #[serde(default)]
    pub interactive: bool,
    /// Resource name globs.
    #[serde(default)]
    pub resources: Vec<String>,
    /// Resources carrying all of these tags belong to the team too.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runbook {
    pub url: String,
    #[serde(default)]
    pub resources: Vec<String>,
    #[serde(default)]
    pub alarms: Vec<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aws {
    /// `false` turns every AWS call off: no pollers, alerts without context.
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub regions: Vec<String>,
    /// Deserialised one by one, like routing rules.
    #[serde(default)]
    pub accounts: Vec<Account>,
    /// Seconds between `DescribeAlarms` polls; 0 turns the alarm poller off.
    #[serde(default = "default_alarm_poll_seconds")]
    pub alarm_poll_seconds: u64,
    /// Seconds between Health `DescribeEvents` polls; 0 turns the Health poller off.
    #[serde(default = "default_health_poll_seconds")]
    pub health_poll_seconds: u64,
    /// Read Health through the organization view (`…ForOrganization`) from the management or delegated account.
    #[serde(default)]
    pub health_organization: bool,
    /// How long enrichment may take before the alert is left as posted.
    #[serde(default = "default_enrich_seconds")]
    pub enrich_seconds: u64,
    /// Show Cost Explorer's actual Lambda cost beside `/cost`'s estimate; each call costs $0.01.
    #[serde(default)]
    pub cost_explorer: bool,
    /// How commands read logs: `insights` (Logs Insights filters them server-side) or `scan` (`FilterLogEvents`).
    #[serde(default = "default_logs_engine")]
    pub logs_engine: String,
}

fn default_logs_engine() -> String {
    "insights".into()
}

impl Aws {
    /// Whether commands and the digest read logs through Logs Insights rather than a `FilterLogEvents` scan.
    pub fn logs_through_insights(&self) -> bool {
        self.logs_engine == "insights"
    }
}

impl Default for Aws {
    fn default() -> Self {
        Aws {
            enabled: true,
            regions: vec![],
            accounts: vec![],
            alarm_poll_seconds: default_alarm_poll_seconds(),
            health_poll_seconds: default_health_poll_seconds(),
            health_organization: false,
            enrich_seconds: default_enrich_seconds(),
            cost_explorer: false,
            logs_engine: default_logs_engine(),
        }
    }
}

fn yes() -> bool {
    true
}

fn default_alarm_poll_seconds() -> u64 {
    60
}

fn default_health_poll_seconds() -> u64 {
    300
}

fn default_enrich_seconds() -> u64 {
    20
}

/// A custom command: `/name option:value …` runs `query` over `log_groups` for the last `since`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomCommand {
    pub name: String,
    pub description: String,
    /// Logs Insights query; `{option}` placeholders become literals.
    pub query: String,
    /// Log group names; may use a `function` option as `{function}`.
    pub log_groups: Vec<String>,
    #[serde(default)]
    pub options: Vec<CustomOption>,
    /// `15m`, `6h`, `7d`; 1h by default.
    pub since: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomOption {
    pub name: String,
    /// `text`, `number` or `function`.
    pub kind: String,
    #[serde(default = "yes")]
    pub required: bool,
}

/// Who is on call: people (mention handles) taking shifts in turn from `start`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnCallRotation {
    pub rotation: Vec<String>,
    /// RFC 3339: when the first person's first shift began, e.g. `2026-11-02T09:00:00+01:00`.
    pub start: String,
    #[serde(default = "default_shift_days")]
    pub shift_days: u32,
}

fn default_shift_days() -> u32 {
    7
}

/// `[jobs.<name>]`: when a registered job runs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Job {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// A cron expression: `minute hour day-of-month month day-of-week`, optionally with seconds first.
    pub schedule: Option<String>,
    /// An IANA time zone such as `Europe/Berlin`, in which the schedule is read; UTC by default.
    pub time_zone: Option<String>,
}

impl Default for Job {
    fn default() -> Self {
        Job { enabled: true, schedule: None, time_zone: None }
    }
}

/// `[escalation]`: re-ping while a critical incident stays unacknowledged.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    /// Tried in order; each step's `after_minutes` counts from the incident's opening.
    pub steps: Vec<EscalationStep>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationStep {
    pub after_minutes: u64,
    /// A handle declared in `[mentions]` (`@oncall`), or `primary` / `secondary`: the rotation's person on
    /// call now and the one after them.
    pub mention: String,
}

/// `[flapping]`: more than `changes` state changes within `minutes` marks an alarm flapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flapping {
    #[serde(default = "default_flap_changes")]
    pub changes: u32,
    #[serde(default = "default_flap_minutes")]
    pub minutes: u32,
}

impl Default for Flapping {
    fn default() -> Self {
        Flapping { changes: default_flap_changes(), minutes: default_flap_minutes() }
    }
}

fn default_flap_changes() -> u32 {
    4
}

fn default_flap_minutes() -> u32 {
    30
}

/// `[grouping]`: alarms that fire close together and share a cause become one storm message.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grouping {
    /// `namespace` (same namespace, region, account and channel), `resource` (same resource) or `off`.
    #[serde(default = "default_group_by")]
    pub by: String,
    /// A new alarm joins a group whose last member came at most this long before.
    #[serde(default = "default_group_window")]
    pub window_seconds: u64,
    /// A group takes no members after it has been open this long.
    #[serde(default = "default_group_span")]
    pub max_minutes: u64,
}

impl Default for Grouping {
    fn default() -> Self {
        Grouping { by: default_group_by(), window_seconds: default_group_window(), max_minutes: default_group_span() }
    }
}

fn default_group_by() -> String {
    "namespace".into()
}

fn default_group_window() -> u64 {
    120
}

fn default_group_span() -> u64 {
    60
}

/// `[[maintenance]]`: a planned window; incidents it covers are recorded and shown in the digest, not posted.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Maintenance {
    pub name: String,
    /// RFC 3339.
    pub start: String,
    /// RFC 3339.
    pub end: String,
    /// Alarm name globs.
    #[serde(default)]
    pub alarms: Vec<String>,
    /// Resource name globs.
    #[serde(default)]
    pub resources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub id: String,
    pub name: String,
    /// A role in that account to assume through STS, from the default chain's credentials.
    pub role_arn: Option<String>,
    /// The external id the role's trust policy asks for.
    pub external_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sqs {
    pub queues: Vec<String>,
    /// Long-poll wait, 0..=20 seconds.
    #[serde(default = "default_wait_seconds")]
    pub wait_seconds: u32,
    /// Messages per receive, 1..=10.
    #[serde(default = "default_max_messages")]
    pub max_messages: u32,
    pub visibility_timeout_seconds: Option<u32>,
}

fn default_wait_seconds() -> u32 {
    20
}

fn default_max_messages() -> u32 {
    10
}

/// `[discord]`: the bot in one Discord server. The token comes only from `DISCORD_TOKEN`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discord {
    pub guild_id: u64,
    /// Discord's own API by default; a REST proxy (twilight-http-proxy) or a test fake otherwise, in which
    /// case serenity's ratelimiter is off and opspod's own pacing governs.
    pub api_base_url: Option<String>,
    /// Role handles (declared in `[mentions]`) whose members may press Ack, Silence and Resolve.
    #[serde(default)]
    pub responders: Vec<String>,
    /// Register slash commands for the whole application instead of instantly in the guild.
    #[serde(default)]
    pub global_commands: bool,
}

/// Discord's own API.
pub const DISCORD_API: &str = "https://discord.com";

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    #[serde(default = "default_initial_backoff_ms")]
    pub initial_backoff_ms: u64,
    #[serde(default = "default_max_backoff_ms")]
    pub max_backoff_ms: u64,
}

impl Default for Delivery {
    fn default() -> Self {
        Delivery {
            max_attempts: default_max_attempts(),
            initial_backoff_ms: default_initial_backoff_ms(),
            max_backoff_ms: default_max_backoff_ms(),
        }
    }
}

fn default_max_attempts() -> u32 {
    12
}

fn default_initial_backoff_ms() -> u64 {
    500
}

fn default_max_backoff_ms() -> u64 {
    60_000
}

/// `[health]`: the HTTP server for `/healthz` and `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Health {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// An IP address and port. Loopback by default: the endpoints have no authentication.
    #[serde(default = "default_health_listen")]
    pub listen: String,
}

impl Default for Health {
    fn default() -> Self {
        Health { enabled: true, listen: default_health_listen() }
    }
}

fn default_health_listen() -> String {
    "127.0.0.1:9187".into()
}
