//! The scheduler against a real store and a clock the tests move: runs on time, never twice, catches up once.

mod support;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use opspod::jobs::{Job, JobSchedule, Run, Scheduler};
use opspod::ports::ManualClock;
use opspod::store::Store;

/// A job that remembers every run it was asked to make.
#[derive(Default)]
struct Recorder(Mutex<Vec<Run>>);

impl Job for Recorder {
    fn run(&self, run: Run) -> BoxFuture<'static, anyhow::Result<String>> {
        self.0.lock().unwrap().push(run);
        Box::pin(async { Ok("recorded".to_owned()) })
    }
}

impl Recorder {
    fn runs(&self) -> Vec<Run> {
        self.0.lock().unwrap().clone()
    }
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

/// The claim a scheduler makes at `now` on Monday 23 November's 09:00 UTC run of the digest.
fn monday_run_claimed_at(now: &str) -> opspod::store::Claim<'static> {
    opspod::store::Claim {
        job: "digest",
        after: at("2026-11-16T09:00:00Z"),
        due_at: at("2026-11-23T09:00:00Z"),
        now: at(now),
        missed: 0,
    }
}

fn scheduler(store: &Store, clock: &Arc<ManualClock>, job: &Arc<Recorder>, cron: &str, zone: &str) -> Scheduler {
    let mut scheduler = Scheduler::new(store.clone(), clock.clone());
    scheduler.add("digest", JobSchedule::parse(cron, zone).unwrap(), job.clone());
    scheduler
}

#[tokio::test]
async fn a_weekly_job_runs_at_its_time_once_and_not_again_after_a_restart() {
    let (store, _db) = support::sqlite_store().await;
    let clock = Arc::new(ManualClock::at(at("2026-11-20T12:00:00Z")));
    let job = Arc::new(Recorder::default());
    let first = scheduler(&store, &clock, &job, "0 9 * * Mon", "Europe/Berlin");

    first.tick().await.unwrap();
    assert!(job.runs().is_empty(), "a new install does not run what was due before it");

    clock.set(at("2026-11-23T07:59:00Z"));
    first.tick().await.unwrap();
    assert!(job.runs().is_empty(), "not before Monday 09:00 Berlin (08:00 UTC)");

    clock.set(at("2026-11-23T08:00:30Z"));
    first.tick().await.unwrap();
    first.tick().await.unwrap();
    let runs = job.runs();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].due_at, at("2026-11-23T08:00:00Z"));
    assert_eq!(runs[0].late, None, "30 s after its time is on time");

    let restarted = scheduler(&store, &clock, &job, "0 9 * * Mon", "Europe/Berlin");
    clock.set(at("2026-11-23T08:05:00Z"));
    restarted.tick().await.unwrap();
    assert_eq!(job.runs().len(), 1, "a restart does not repeat the run");
    let recorded = store.job_runs(10).await.unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].outcome.as_deref(), Some("done"));
}

#[tokio::test]
async fn after_downtime_through_several_due_times_the_job_catches_up_exactly_once_and_says_it_is_late() {
    let (store, _db) = support::sqlite_store().await;
    let clock = Arc::new(ManualClock::at(at("2026-11-20T12:00:00Z")));
    let job = Arc::new(Recorder::default());
    scheduler(&store, &clock, &job, "0 9 * * *", "UTC").tick().await.unwrap();

    // Down from Friday noon to Monday 11:30: Saturday, Sunday and Monday 09:00 passed.
    clock.set(at("2026-11-23T11:30:00Z"));
    let restarted = scheduler(&store, &clock, &job, "0 9 * * *", "UTC");
    restarted.tick().await.unwrap();
    restarted.tick().await.unwrap();

    let runs = job.runs();
    assert_eq!(runs.len(), 1, "one catch-up, not three: {runs:?}");
    assert_eq!(runs[0].due_at, at("2026-11-23T09:00:00Z"), "the run stands for the latest due time");
    let late = runs[0].late.as_ref().expect("the catch-up is marked late");
    assert_eq!(
        late.describe(),
        "Late: due Monday 09:00 UTC, sent 2 h 30 min later because opspod was not running then. \
         It missed 2 earlier runs too; this one stands for them."
    );

    clock.set(at("2026-11-24T09:00:00Z"));
    restarted.tick().await.unwrap();
    assert_eq!(job.runs().len(), 2, "the next day runs on time again");
    assert_eq!(job.runs()[1].late, None);
}

#[tokio::test]
async fn the_schedule_keeps_local_time_across_the_change_to_summer_time() {
    let (store, _db) = support::sqlite_store().await;
    let clock = Arc::new(ManualClock::at(at("2027-03-20T00:00:00Z")));
    let job = Arc::new(Recorder::default());
    let scheduler = scheduler(&store, &clock, &job, "0 9 * * Mon", "Europe/Berlin");
    scheduler.tick().await.unwrap();

    for now in ["2027-03-22T08:00:00Z", "2027-03-29T06:59:00Z", "2027-03-29T07:00:00Z", "2027-03-29T08:00:00Z"] {
        clock.set(at(now));
        scheduler.tick().await.unwrap();
    }
    let due: Vec<DateTime<Utc>> = job.runs().iter().map(|run| run.due_at).collect();
    assert_eq!(due, [at("2027-03-22T08:00:00Z"), at("2027-03-29T07:00:00Z")], "09:00 Berlin in winter, then summer");
    assert!(job.runs().iter().all(|run| run.late.is_none()));
}

#[tokio::test]
async fn a_run_a_crash_interrupted_is_resumed_once_on_the_next_start() {
    let (store, _db) = support::sqlite_store().await;
    let clock = Arc::new(ManualClock::at(at("2026-11-20T12:00:00Z")));
    let job = Arc::new(Recorder::default());
    scheduler(&store, &clock, &job, "0 9 * * Mon", "UTC").tick().await.unwrap();
    // The claim is made, then the process dies before the job finishes.
    let claim = monday_run_claimed_at("2026-11-23T09:00:01Z");
    assert!(store.claim_job_run(&claim).await.unwrap());

    clock.set(at("2026-11-23T09:03:00Z"));
    let restarted = scheduler(&store, &clock, &job, "0 9 * * Mon", "UTC");
    restarted.tick().await.unwrap();
    restarted.tick().await.unwrap();
    let runs = job.runs();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].due_at, at("2026-11-23T09:00:00Z"));
    assert_eq!(store.job_runs(10).await.unwrap()[0].outcome.as_deref(), Some("done"));
}

#[tokio::test]
async fn two_schedulers_on_one_postgres_database_run_a_due_job_once() {
    let (store, _db) = support::postgres_store().await;
    let clock = Arc::new(ManualClock::at(at("2026-11-20T12:00:00Z")));
    let job = Arc::new(Recorder::default());
    let one = scheduler(&store, &clock, &job, "0 9 * * Mon", "UTC");
    let other = scheduler(&store, &clock, &job, "0 9 * * Mon", "UTC");
    one.tick().await.unwrap();
    clock.set(at("2026-11-23T09:00:00Z"));
    let (a, b) = tokio::join!(one.tick(), other.tick());
    a.unwrap();
    b.unwrap();
    assert_eq!(job.runs().len(), 1);
}

#[tokio::test]
async fn a_run_still_in_progress_on_another_replica_is_left_alone_until_it_goes_quiet() {
    let (store, _db) = support::sqlite_store().await;
    let clock = Arc::new(ManualClock::at(at("2026-11-20T12:00:00Z")));
    let job = Arc::new(Recorder::default());
    scheduler(&store, &clock, &job, "0 9 * * Mon", "UTC").tick().await.unwrap();
    let claim = monday_run_claimed_at("2026-11-23T09:00:00Z");
    assert!(store.claim_job_run(&claim).await.unwrap(), "the other replica claims the run");

    let starting = scheduler(&store, &clock, &job, "0 9 * * Mon", "UTC");
    clock.set(at("2026-11-23T09:01:30Z"));
    store.beat_job_run("digest", claim.due_at, at("2026-11-23T09:01:30Z")).await.unwrap();
    clock.set(at("2026-11-23T09:03:00Z"));
    starting.tick().await.unwrap();
    assert!(job.runs().is_empty(), "the other replica beat 90 s ago: its run is in progress");

    clock.set(at("2026-11-23T09:04:00Z"));
    let another = scheduler(&store, &clock, &job, "0 9 * * Mon", "UTC");
    let (first, second) = tokio::join!(starting.tick(), another.tick());
    assert_eq!(first.unwrap().len() + second.unwrap().len(), 1, "quiet for 2.5 min: one scheduler takes it over");
    assert_eq!(job.runs().len(), 1);
    assert_eq!(store.job_runs(10).await.unwrap()[0].outcome.as_deref(), Some("done"));
}
