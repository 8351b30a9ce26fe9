//! What the scheduler remembers: the last due time claimed per job, and every run with its outcome.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Result, Store, from_millis, millis};

/// A run the store holds: claimed, and finished unless a crash interrupted it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRunRow {
    pub job: String,
    pub due_at: DateTime<Utc>,
    pub started_at: DateTime<Utc>,
    pub late: chrono::Duration,
    /// Due times skipped because the bot was down through them; the run covers them once.
    pub missed: u32,
    pub finished_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub note: String,
}

/// A claim on the run due at `due_at`, moving the job on from `after`.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim<'a> {
    pub job: &'a str,
    pub after: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
    pub missed: u32,
}

impl Store {
    /// The last due time claimed for `job`; `None` for a job the scheduler has never seen.
    pub async fn job_last_due(&self, job: &str) -> Result<Option<DateTime<Utc>>> {
        let row = sqlx::query("SELECT last_due_at FROM job_state WHERE job = $1")
            .bind(job.to_owned())
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|row| row.try_get::<i64, _>(0).map(from_millis)).transpose()?)
    }

    /// Starts remembering `job` from `due_at`, without a run: a new install does not run what was due before it.
    pub async fn start_job(&self, job: &str, due_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "INSERT INTO job_state (job, last_due_at, updated_at) VALUES ($1, $2, $3) ON CONFLICT (job) DO NOTHING",
        )
        .bind(job.to_owned())
        .bind(millis(due_at))
        .bind(millis(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Claims the run due at `claim.due_at`; false when the job already moved past `claim.after` (another
    /// replica, or this one before a restart, claimed it).
    pub async fn claim_job_run(&self, claim: &Claim<'_>) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let moved =
            sqlx::query("UPDATE job_state SET last_due_at = $1, updated_at = $2 WHERE job = $3 AND last_due_at = $4")
                .bind(millis(claim.due_at))
                .bind(millis(claim.now))
                .bind(claim.job.to_owned())
                .bind(millis(claim.after))
                .execute(&mut *tx)
                .await?;
        if moved.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO job_runs (job, due_at, started_at, heartbeat_at, late_ms, missed) \
             VALUES ($1, $2, $3, $3, $4, $5) ON CONFLICT (job, due_at) DO NOTHING",
        )
        .bind(claim.job.to_owned())
        .bind(millis(claim.due_at))
        .bind(millis(claim.now))
        .bind((claim.now - claim.due_at).num_milliseconds().max(0))
        .bind(i64::from(claim.missed))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn finish_job_run(
        &self,
        job: &str,
        due_at: DateTime<Utc>,
        outcome: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query("UPDATE job_runs SET finished_at = $1, outcome = $2, note = $3 WHERE job = $4 AND due_at = $5")
            .bind(millis(now))
            .bind(outcome.to_owned())
            .bind(note.to_owned())
            .bind(job.to_owned())
            .bind(millis(due_at))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Says that the run due at `due_at` is still being worked on.
    pub async fn beat_job_run(&self, job: &str, due_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE job_runs SET heartbeat_at = $1 WHERE job = $2 AND due_at = $3 AND finished_at IS NULL")
            .bind(millis(now))
            .bind(job.to_owned())
            .bind(millis(due_at))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Runs claimed but never finished whose last beat is older than `quiet_since`: a crash interrupted them.
    /// A run that still beats is in progress, here or on another replica, and is not among them.
    pub async fn interrupted_job_runs(&self, job: &str, quiet_since: DateTime<Utc>) -> Result<Vec<JobRunRow>> {
        let rows = sqlx::query(&format!(
            "{SELECT_RUNS} WHERE job = $1 AND finished_at IS NULL AND heartbeat_at < $2 ORDER BY due_at"
        ))
        .bind(job.to_owned())
        .bind(millis(quiet_since))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(run_row).collect()
    }

    /// Takes over an interrupted run: true for exactly one of the schedulers that saw it quiet, whose beat now
    /// keeps the others away.
    pub async fn take_over_job_run(
        &self,
        job: &str,
        due_at: DateTime<Utc>,
        quiet_since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let taken = sqlx::query(
            "UPDATE job_runs SET heartbeat_at = $1 \
             WHERE job = $2 AND due_at = $3 AND finished_at IS NULL AND heartbeat_at < $4",
        )
        .bind(millis(now))
        .bind(job.to_owned())
        .bind(millis(due_at))
        .bind(millis(quiet_since))
        .execute(self.pool())
        .await?;
        Ok(taken.rows_affected() == 1)
    }

    /// The most recent runs of every job, newest first.
    pub async fn job_runs(&self, limit: i64) -> Result<Vec<JobRunRow>> {
        let rows = sqlx::query(&format!("{SELECT_RUNS} ORDER BY due_at DESC, job LIMIT $1"))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(run_row).collect()
    }
}

const SELECT_RUNS: &str = "SELECT job, due_at, started_at, late_ms, missed, finished_at, outcome, note FROM job_runs";

fn run_row(row: &sqlx::any::AnyRow) -> Result<JobRunRow> {
    Ok(JobRunRow {
        job: row.try_get("job")?,
        due_at: from_millis(row.try_get("due_at")?),
        started_at: from_millis(row.try_get("started_at")?),
        late: chrono::Duration::milliseconds(row.try_get("late_ms")?),
        missed: u32::try_from(row.try_get::<i64, _>("missed")?).unwrap_or(u32::MAX),
        finished_at: row.try_get::<Option<i64>, _>("finished_at")?.map(from_millis),
        outcome: row.try_get("outcome")?,
        note: row.try_get("note")?,
    })
}
