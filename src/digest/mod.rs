//! The weekly reliability digest: each team's functions (metrics and logs from AWS), incidents (the store's
//! timeline) and AWS Health, gathered into the [`Digest`] the commands crate judges and renders, then posted
//! to the team's channel by the scheduler, on demand by `opspod digest`, or privately by `/digest`.

mod figures;
mod health;
mod incidents;
mod message;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use opspod_commands::digest::{Digest, FunctionWeek};

use crate::aws::AwsAccess;
use crate::aws::failure::AwsFailure;
use crate::aws::lambda::FunctionReader;
use crate::config::Config;
use crate::domain::context::FunctionFacts;
use crate::domain::ownership::Directory;
use crate::domain::routing::TEAM;
use crate::insight::ScanBudget;
use crate::store::{IncidentRecord, Store, StoreError};

pub use figures::{Reading, Reads, Window};
pub use message::{DigestJob, digest_message, digest_post};

/// Functions whose logs a digest reads per team, account and region; the rest are counted from metrics only.
pub const DEFAULT_LOG_SCANS: usize = 100;

/// A team's digest and the channel it goes to.
#[derive(Debug, Clone)]
pub struct TeamDigest {
    pub digest: Digest,
    pub channel: String,
}

/// Every digest asked for, and what reading AWS took.
#[derive(Debug, Clone)]
pub struct Built {
    pub digests: Vec<TeamDigest>,
    pub reads: Reads,
}

#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error("There is no team {}; teams: {known}.", opspod_commands::echo(asked))]
    UnknownTeam { asked: String, known: String },
    #[error("The digest could not read opspod's store: {0}")]
    Store(#[from] StoreError),
}

/// Builds digests from the store and, when AWS is on, from the watched accounts and regions.
pub struct Digests {
    store: Store,
    /// Built on first use when not given: the bot starts without waiting for AWS.
    access: tokio::sync::OnceCell<Option<Arc<AwsAccess>>>,
    settings: crate::config::Aws,
    directory: Directory,
    reading: Reading,
}

impl Digests {
    /// Over `access`, or with no AWS figures when it is `None`.
    pub fn new(config: &Config, store: Store, access: Option<Arc<AwsAccess>>) -> Self {
        let digests = Digests::lazy(config, store);
        Digests { access: tokio::sync::OnceCell::new_with(Some(access)), ..digests }
    }

    /// AWS access is built from `[aws]` when the first digest needs it.
    pub fn lazy(config: &Config, store: Store) -> Self {
        let settings = config.aws_settings();
        let budget = ScanBudget { insights: settings.logs_through_insights(), ..ScanBudget::default() };
        Digests {
            store,
            access: tokio::sync::OnceCell::new(),
            settings,
            directory: config.directory(),
            reading: Reading { budget, max_scans: DEFAULT_LOG_SCANS },
        }
    }

    async fn access(&self) -> Option<&Arc<AwsAccess>> {
        self.access
            .get_or_init(|| async {
                let settings = Some(&self.settings).filter(|aws| aws.enabled)?;
                Some(Arc::new(AwsAccess::from_config(settings).await))
            })
            .await
            .as_ref()
    }

    pub fn with_reading(mut self, reading: Reading) -> Self {
        self.reading = reading;
        self
    }

    /// The teams with a digest: every owner's team, and `team` for what nobody owns.
    pub fn teams(&self) -> Vec<String> {
        let mut teams: BTreeSet<String> = self.directory.owners.iter().map(|owner| owner.team.clone()).collect();
        teams.insert(TEAM.to_owned());
        teams.into_iter().collect()
    }

    /// The digest of `team` (or of every team) over `window`, as of `now`.
    pub async fn build(
        &self,
        window: Window,
        team: Option<&str>,
        late: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Built, DigestError> {
        let teams = self.teams_asked(team)?;
        let (functions, all_facts, reads, mut notes) = self.functions(window, &teams).await;
        let incidents = self.store.incidents_between(window.previous_start(), window.end).await?;
        let (this, last): (Vec<IncidentRecord>, Vec<IncidentRecord>) = incidents
            .into_iter()
            .partition(|incident| incident.opened_at >= window.start || incident.state_changes > 0);
        let health = self.store.health_event_bodies(window.start).await?;
        if self.access().await.is_none() {
            notes.push("AWS is off in opspod's config, so this digest has no function figures.".into());
        }
        let team_of = |incident: &IncidentRecord| self.team_of(&incident.resource_name);
        let digests = teams
            .iter()
            .map(|team| {
                let mine: Vec<FunctionWeek> =
                    functions.iter().filter(|(owner, _)| owner == team).map(|(_, w)| w.clone()).collect();
                let owns = |name: &str| self.team_of(name) == *team;
                let mut notes = notes.clone();
                notes.extend(metrics_only(&mine));
                let digest = Digest {
                    team: team.clone(),
                    start: window.start,
                    end: window.end,
                    late: late.clone(),
                    functions: mine,
                    incidents: incidents::week(&this, &last, window, team, &team_of),
                    health: health::items(&health, &owns, &all_facts, window, now, team == TEAM),
                    notes,
                    currency: "USD".into(),
                };
                TeamDigest { digest, channel: self.channel_of(team) }
            })
            .collect();
        Ok(Built { digests, reads })
    }

    fn teams_asked(&self, team: Option<&str>) -> Result<Vec<String>, DigestError> {
        let teams = self.teams();
        match team {
            None => Ok(teams),
            Some(asked) if teams.iter().any(|known| known == asked) => Ok(vec![asked.to_owned()]),
            Some(asked) => Err(DigestError::UnknownTeam { asked: asked.to_owned(), known: teams.join(", ") }),
        }
    }

    fn team_of(&self, resource: &str) -> String {
        self.directory
            .owner_named(resource, &BTreeMap::new())
            .map_or_else(|| TEAM.to_owned(), |owner| owner.team.clone())
    }

    fn channel_of(&self, team: &str) -> String {
        let owner = self.directory.owners.iter().find(|owner| owner.team == team);
        owner.and_then(|owner| owner.channel.clone()).unwrap_or_else(|| TEAM.to_owned())
    }

    /// Every function of the asked teams with its figures, every function's facts (for runtime notices), what
    /// reading took, and notes on what could not be read.
    async fn functions(
        &self,
        window: Window,
        teams: &[String],
    ) -> (Vec<(String, FunctionWeek)>, Vec<FunctionFacts>, Reads, Vec<String>) {
        let (mut found, mut all, mut reads, mut notes) = (Vec::new(), Vec::new(), Reads::default(), Vec::new());
        let Some(access) = self.access().await else { return (found, all, reads, notes) };
        for (scope, config) in access.scopes() {
            let place = format!("{} {}", scope.account_name, scope.region);
            let facts = match FunctionReader::new(config).all().await {
                Ok(facts) => facts,
                Err(failure) => {
                    notes.push(unreadable("the list of functions", &place, &failure));
                    continue;
                }
            };
            let asked: Vec<FunctionFacts> =
                facts.iter().filter(|f| teams.contains(&self.team_of(&f.name))).cloned().collect();
            all.extend(facts);
            let team_of = |name: &str| self.team_of(name);
            match figures::gather(config, &scope.region, &asked, window, self.reading, &self.directory, &team_of).await
            {
                Ok((weeks, scope_reads)) => {
                    reads.add(scope_reads);
                    found.extend(weeks.into_iter().map(|week| (self.team_of(&week.function), week)));
                }
                Err((what, failure)) => notes.push(unreadable(what, &place, &failure)),
            }
        }
        (found, all, reads, notes)
    }
}

/// The note for a team's active functions whose logs were not read (beyond the per-team cap, or without logs).
fn metrics_only(functions: &[FunctionWeek]) -> Option<String> {
    let count = functions
        .iter()
        .filter(|week| week.this.invocations + week.last.invocations > 0)
        .filter(|week| week.this.logged_invocations + week.last.logged_invocations == 0)
        .count();
    (count > 0).then(|| {
        format!(
            "{count} quieter functions were counted from CloudWatch metrics only: their cold starts, memory and \
             timeouts are not in this digest."
        )
    })
}

fn unreadable(what: &str, place: &str, failure: &AwsFailure) -> String {
    failure.log(what);
    let reason = match failure {
        AwsFailure::Denied { action } => format!("AWS denied {action}"),
        AwsFailure::Throttled { .. } => "AWS throttled the calls".into(),
        AwsFailure::SubscriptionRequired { .. } => "it needs an AWS support plan".into(),
        AwsFailure::Failed { .. } => "the AWS call failed".into(),
    };
    format!("Could not read {what} in {place}: {reason}; details are in opspod's log.")
}
