//! Two `opspod run` processes on one PostgreSQL database: both consume SQS and deliver the outbox without posting
//! anything twice, one leads, and when the leader is killed the other takes over within 30 seconds.

mod support;

use std::time::{Duration, Instant};

use support::aws::Aws;
use support::bot::{Bot, eventually};
use support::run::{stored, transcript, unique};

const LEADS: &str = "This replica leads";

fn config(dir: &std::path::Path, database: &str, queue: &str) -> std::path::PathBuf {
    let config = dir.join("opspod.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\ndatabase = \"{database}\"\n\n[channels.team]\n[channels.oncall]\n\n[grouping]\nby = \"off\"\n\n\
             [aws]\nenabled = false\n\n[sqs]\nqueues = [\"{queue}\"]\nwait_seconds = 1\nvisibility_timeout_seconds = 5\n"
        ),
    )
    .unwrap();
    config
}

#[tokio::test(flavor = "multi_thread")]
async fn two_replicas_post_every_event_once_and_the_survivor_takes_over_the_lead() {
    let db = support::PostgresDb::new().await;
    let aws = Aws::connect().await;
    let queue = aws.queue_fed_by_a_rule(&unique("replicas")).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &db.url, &queue.url);
    let first = Bot::start(&config, &dir.path().join("first.out"));
    eventually(Duration::from_secs(30), "the first replica to lead", || async { first.stderr().contains(LEADS) }).await;
    let second = Bot::start(&config, &dir.path().join("second.out"));
    eventually(Duration::from_secs(30), "the second replica to read SQS", || async {
        second.stderr().contains("Reading events from SQS")
    })
    .await;

    let events = 40;
    for n in 0..events {
        let at = format!("2026-11-20T14:{:02}:{:02}.000+0000", n / 60, n % 60);
        aws.publish(
            &queue,
            &support::events::alarm(&format!("replica-{n:02}-errors"), &format!("replica-fn-{n:02}"), "ALARM", &at),
        )
        .await;
    }
    eventually(Duration::from_secs(60), "every event stored and delivered", || async {
        stored(&db.url).await.is_some_and(|(stored, _, incidents, pending)| {
            stored == events && incidents == events as usize && pending == 0
        })
    })
    .await;
    let posts = |out: &str| transcript(&dir.path().join(out)).matches("new message").count();
    let (by_first, by_second) = (posts("first.out"), posts("second.out"));
    assert_eq!(by_first + by_second, events as usize, "every incident posted exactly once between the two");
    assert!(!second.stderr().contains(LEADS), "one leader at a time:\n{}", second.stderr());

    let killed = Instant::now();
    first.kill();
    eventually(Duration::from_secs(30), "the survivor to take the lead within 30 s", || async {
        second.stderr().contains(LEADS)
    })
    .await;
    let takeover = killed.elapsed();
    println!("replicas: {by_first} + {by_second} posts for {events} events; the lead moved {takeover:?} after SIGKILL");
    second.stop();
}
