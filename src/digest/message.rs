//! A digest as a chat message (the summary, its charts and the full Markdown attached), and the scheduled job
//! that posts every team's digest through the outbox.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use opspod_commands::digest::{Digest, FunctionWeek};

use super::{Digests, TeamDigest, Window};
use crate::chat::chart::{ChartKind, Series, SeriesChart, render_series_chart};
use crate::chat::message::{Image, Message, Tone};
use crate::domain::routing::Severity;
use crate::jobs::{Job, Run};
use crate::ports::Clock;
use crate::store::{OutboxItem, OutboxOp, Store};

/// Functions drawn in the charts: the worst ones.
const CHARTED: usize = 5;

/// The digest as one message: the summary as its text, the daily errors chart inside, and the cost and
/// cold-start charts and the full Markdown attached.
pub fn digest_message(digest: &Digest) -> Message {
    let text = digest.render_text();
    let mut lines = text.lines().map(str::to_owned);
    let title = lines.next().unwrap_or_default().trim_matches('*').to_owned();
    let mut charts = charts(digest).into_iter();
    let image = charts.next();
    let mut files: Vec<Image> = charts.collect();
    let markdown = digest.render_markdown();
    files.push(Image {
        name: digest.attachment_name(),
        description: format!("The full reliability digest of {}, as Markdown", digest.team),
        png: markdown.into_bytes(),
    });
    Message {
        tone: Tone::Notice,
        severity: Severity::Info,
        title,
        lines: lines.collect(),
        context: vec![],
        links: vec![],
        mentions: vec![],
        incident_id: None,
        controls: vec![],
        image,
        files,
    }
}

/// Daily errors and daily cost of the worst functions, and their cold-start rates this period and the last.
fn charts(digest: &Digest) -> Vec<Image> {
    let worst: Vec<&FunctionWeek> = digest.ranked().into_iter().take(CHARTED).collect();
    if worst.is_empty() {
        return vec![];
    }
    let daily = |pick: fn(&opspod_commands::digest::Day) -> f64| -> Vec<Series> {
        worst
            .iter()
            .map(|week| Series {
                label: week.function.clone(),
                points: week.daily.iter().map(|day| (midnight(day.day), pick(day))).collect(),
            })
            .collect()
    };
    let cold_starts: Vec<Series> = worst
        .iter()
        .map(|week| Series {
            label: week.function.clone(),
            points: week
                .daily
                .iter()
                .filter_map(|day| {
                    let logged = day.logged_invocations.filter(|n| *n > 0)?;
                    Some((midnight(day.day), day.cold_starts? as f64 / logged as f64 * 100.0))
                })
                .collect(),
        })
        .collect();
    let wanted = [
        ("errors.png", "Errors per day, worst functions", None, daily(|day| day.errors as f64), ChartKind::Bars),
        (
            "cost.png",
            "Estimated cost per day (USD), worst functions",
            Some("$"),
            daily(|day| day.cost),
            ChartKind::Lines,
        ),
        (
            "coldstarts.png",
            "Cold-start rate per day (% of invocations), worst functions",
            Some("%"),
            cold_starts,
            ChartKind::Bars,
        ),
    ];
    wanted
        .into_iter()
        .filter_map(|(name, title, unit, series, kind)| {
            let chart = SeriesChart { title: title.to_owned(), unit: unit.map(str::to_owned), series, kind };
            match render_series_chart(&chart) {
                Ok(png) => Some(Image { name: name.to_owned(), description: title.to_owned(), png }),
                Err(error) => {
                    tracing::warn!(%error, chart = name, "The digest goes without this chart.");
                    None
                }
            }
        })
        .collect()
}

fn midnight(day: chrono::NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// The outbox item that posts a team's digest once for a given due time, however often it is built.
pub fn digest_post(team: &TeamDigest, key: &str) -> OutboxItem {
    OutboxItem {
        idempotency_key: format!("digest|{}|{key}", team.digest.team),
        incident_id: None,
        channel: team.channel.clone(),
        op: OutboxOp::Post,
        body: serde_json::to_string(&digest_message(&team.digest)).expect("messages serialise"),
    }
}

/// The scheduled weekly digest: every team's, over the seven days before the due time.
pub struct DigestJob {
    pub digests: Arc<Digests>,
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub outbox_ready: Arc<tokio::sync::Notify>,
}

impl Job for DigestJob {
    fn run(&self, run: Run) -> BoxFuture<'static, anyhow::Result<String>> {
        let (digests, store, clock) = (self.digests.clone(), self.store.clone(), self.clock.clone());
        let outbox_ready = self.outbox_ready.clone();
        Box::pin(async move {
            let window = Window { start: run.due_at - chrono::Duration::days(7), end: run.due_at };
            let late = run.late.as_ref().map(crate::jobs::Late::describe);
            let built = digests.build(window, None, late, clock.now()).await?;
            let key = run.due_at.timestamp_millis().to_string();
            let posts: Vec<OutboxItem> = built.digests.iter().map(|team| digest_post(team, &key)).collect();
            store.enqueue(&posts, clock.now()).await?;
            outbox_ready.notify_one();
            Ok(format!(
                "queued {} digests ({} GetMetricData calls, {} KB of logs read)",
                posts.len(),
                built.reads.metric_calls,
                built.reads.log_bytes / 1024
            ))
        })
    }
}
