//! Scheduled jobs: a registry of what can run, cron schedules in a time zone from config, and runs recorded in
//! the store, so that a restart never repeats a run and downtime is caught up exactly once, marked late.

mod schedule;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::ports::Clock;
use crate::store::{Claim, Store, StoreError};

pub use schedule::JobSchedule;

/// A job opspod knows how to run, and when it runs unless config says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobSpec {
    pub name: &'static str,
    pub what: &'static str,
    pub default_schedule: &'static str,
    pub default_time_zone: &'static str,
}

/// The weekly reliability digest, to each team's channel.
pub const DIGEST: JobSpec = JobSpec {
    name: "digest",
    what: "the weekly reliability digest, to each team's channel",
    default_schedule: "0 9 * * Mon",
    default_time_zone: "UTC",
};

/// Every job, by the name config uses for it (`[jobs.digest]`).
pub const REGISTRY: &[JobSpec] = &[DIGEST];

pub fn spec(name: &str) -> Option<&'static JobSpec> {
    REGISTRY.iter().find(|spec| spec.name == name)
}

/// A run started later than this after its due time says it is late.
const GRACE: chrono::Duration = chrono::Duration::minutes(2);
/// The scheduler looks at the clock at least this often, so a clock jump or a suspended machine is noticed.
const MAX_SLEEP: Duration = Duration::from_secs(60);
/// A running job says so this often...
const HEARTBEAT: Duration = Duration::from_secs(30);
/// ...and a claimed run that has not said so for this long was interrupted by a crash.
const QUIET: chrono::Duration = chrono::Duration::minutes(2);

/// One run of a job, as the job sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub job: String,
    pub due_at: DateTime<Utc>,
    /// Set when the run starts well after its due time.
    pub late: Option<Late>,
}

/// Why a run is late, in words for the message it sends.
#[derive(Debug, Clone, PartialEq)]
pub struct Late {
    /// "Monday 09:00 Europe/Berlin".
    pub due_local: String,
    pub by: chrono::Duration,
    /// Earlier due times that passed while opspod was down; this run stands for them.
    pub missed: u32,
}

impl Late {
    /// "Late: due Monday 09:00 Europe/Berlin, sent 3 h 12 min later because opspod was not running then."
    pub fn describe(&self) -> String {
        let mut text =
            format!("Late: due {}, sent {} later because opspod was not running then.", self.due_local, span(self.by));
        if self.missed > 0 {
            let runs = if self.missed == 1 { "run" } else { "runs" };
            text.push_str(&format!(" It missed {} earlier {runs} too; this one stands for them.", self.missed));
        }
        text
    }
}

fn span(duration: chrono::Duration) -> String {
    let minutes = duration.num_minutes();
    match (minutes / 1440, minutes / 60 % 24, minutes % 60) {
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// What a job does when it is due. It must be safe to run twice for the same due time (a crash between its
/// work and the record of it resumes it): jobs post through the outbox under keys that include the due time.
pub trait Job: Send + Sync {
    /// Returns a line for the run record: "posted 3 digests". The future owns what it uses, so that it is `Send`
    /// without tying it to the scheduler's borrows.
    fn run(&self, run: Run) -> futures::future::BoxFuture<'static, anyhow::Result<String>>;
}

struct Scheduled {
    name: String,
    schedule: JobSchedule,
    job: Arc<dyn Job>,
}

/// Runs due jobs against the store's record of runs.
pub struct Scheduler {
    store: Store,
    clock: Arc<dyn Clock>,
    jobs: Vec<Scheduled>,
}

impl Scheduler {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Self {
        Scheduler { store, clock, jobs: Vec::new() }
    }

    pub fn add(&mut self, name: &str, schedule: JobSchedule, job: Arc<dyn Job>) {
        self.jobs.push(Scheduled { name: name.to_owned(), schedule, job });
    }

    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// Resumes any run a crash interrupted and runs every job that is due now; returns the runs made.
    pub async fn tick(&self) -> Result<Vec<Run>, StoreError> {
        let mut runs = Vec::new();
        for scheduled in &self.jobs {
            runs.extend(self.resume(scheduled).await?);
            if let Some(run) = self.run_if_due(scheduled).await? {
                runs.push(run);
            }
        }
        Ok(runs)
    }

    /// Ticks until `shutdown`, sleeping until the next due time (at most a minute).
    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            if let Err(error) = self.tick().await {
                tracing::error!(%error, "The scheduler could not read or record job runs; it tries again shortly.");
            }
            let wait = self.until_next_due().min(MAX_SLEEP).max(Duration::from_millis(200));
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    fn until_next_due(&self) -> Duration {
        let now = self.clock.now();
        self.jobs
            .iter()
            .filter_map(|scheduled| scheduled.schedule.next_after(now))
            .map(|due| (due - now).to_std().unwrap_or_default())
            .min()
            .unwrap_or(MAX_SLEEP)
    }

    async fn run_if_due(&self, scheduled: &Scheduled) -> Result<Option<Run>, StoreError> {
        let now = self.clock.now();
        let Some(last) = self.store.job_last_due(&scheduled.name).await? else {
            // A new install starts from now: what was due before it existed is not "missed".
            let start = scheduled.schedule.latest_until(now).unwrap_or(now);
            self.store.start_job(&scheduled.name, start, now).await?;
            return Ok(None);
        };
        let Some(next) = scheduled.schedule.next_after(last).filter(|next| *next <= now) else { return Ok(None) };
        let due_at = scheduled.schedule.latest_until(now).unwrap_or(next);
        let missed = scheduled.schedule.due_between(last, due_at, 10_000).saturating_sub(1);
        let claim = Claim { job: &scheduled.name, after: last, due_at, now, missed };
        if !self.store.claim_job_run(&claim).await? {
            return Ok(None);
        }
        Ok(Some(self.execute(scheduled, due_at, missed).await?))
    }

    async fn resume(&self, scheduled: &Scheduled) -> Result<Vec<Run>, StoreError> {
        let mut runs = Vec::new();
        let quiet_since = self.clock.now() - QUIET;
        for interrupted in self.store.interrupted_job_runs(&scheduled.name, quiet_since).await? {
            let taken =
                self.store.take_over_job_run(&scheduled.name, interrupted.due_at, quiet_since, self.clock.now());
            if !taken.await? {
                continue;
            }
            tracing::warn!(job = %scheduled.name, due_at = %interrupted.due_at, "Resuming a job run that a restart interrupted.");
            runs.push(self.execute(scheduled, interrupted.due_at, interrupted.missed).await?);
        }
        Ok(runs)
    }

    async fn execute(&self, scheduled: &Scheduled, due_at: DateTime<Utc>, missed: u32) -> Result<Run, StoreError> {
        let by = self.clock.now() - due_at;
        let late = (by > GRACE || missed > 0).then(|| Late { due_local: scheduled.schedule.local(due_at), by, missed });
        let run = Run { job: scheduled.name.clone(), due_at, late };
        let (outcome, note) = match self.beating(scheduled, due_at, scheduled.job.run(run.clone())).await {
            Ok(note) => {
                tracing::info!(job = %scheduled.name, %due_at, "{note}");
                ("done", note)
            }
            Err(error) => {
                tracing::error!(job = %scheduled.name, %due_at, "The job failed: {error:#}");
                ("failed", format!("{error:#}"))
            }
        };
        self.store.finish_job_run(&scheduled.name, due_at, outcome, &note, self.clock.now()).await?;
        Ok(run)
    }

    /// Drives `work` while beating for its run, so that no other scheduler takes it for interrupted.
    async fn beating<T>(&self, scheduled: &Scheduled, due_at: DateTime<Utc>, work: impl Future<Output = T>) -> T {
        let mut beats = tokio::time::interval(HEARTBEAT);
        beats.tick().await;
        tokio::pin!(work);
        loop {
            tokio::select! {
                done = &mut work => return done,
                _ = beats.tick() => {
                    if let Err(error) = self.store.beat_job_run(&scheduled.name, due_at, self.clock.now()).await {
                        tracing::warn!(job = %scheduled.name, %error, "Could not record that the job is still running.");
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_names_are_unique_and_every_default_schedule_parses() {
        let mut names: Vec<&str> = REGISTRY.iter().map(|spec| spec.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), REGISTRY.len(), "duplicate job names in the registry");
        for spec in REGISTRY {
            JobSchedule::parse(spec.default_schedule, spec.default_time_zone)
                .unwrap_or_else(|error| panic!("{}: {error}", spec.name));
        }
    }

    #[test]
    fn a_late_run_says_when_it_was_due_and_how_late_it_is() {
        let late =
            Late { due_local: "Monday 09:00 Europe/Berlin".into(), by: chrono::Duration::minutes(192), missed: 1 };
        assert_eq!(
            late.describe(),
            "Late: due Monday 09:00 Europe/Berlin, sent 3 h 12 min later because opspod was not running then. \
             It missed 1 earlier run too; this one stands for them."
        );
    }
}
