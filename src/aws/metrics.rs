//! CloudWatch `GetMetricData`, batched: every query of a burst goes into calls of up to 500 queries, never one
//! call per metric.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};
use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt, TryStreamExt};

use super::alarms::time;
use super::counted::CountCalls;
use super::failure::AwsFailure;

const GET_METRIC_DATA: &str = "cloudwatch:GetMetricData";

/// CloudWatch's limit on queries per `GetMetricData` call.
pub const QUERIES_PER_CALL: usize = 500;
/// `GetMetricData` calls at once: a digest of 1,000 functions makes ten, well under CloudWatch's 50 a second.
const CALLS_IN_FLIGHT: usize = 4;

/// One metric statistic to fetch; `id` must be unique within a fetch and match `^[a-z][a-zA-Z0-9_]*$`.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRequest {
    pub id: String,
    pub namespace: String,
    pub name: String,
    pub dimensions: BTreeMap<String, String>,
    /// `Sum`, `Average`, `Maximum`, `p95`…
    pub stat: String,
    pub period_seconds: u32,
}

/// Datapoints, oldest first.
pub type Series = Vec<(DateTime<Utc>, f64)>;

#[derive(Clone, Debug)]
pub struct MetricReader {
    client: Client,
}

impl MetricReader {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        let config = aws_sdk_cloudwatch::config::Builder::from(config).interceptor(CountCalls("cloudwatch")).build();
        MetricReader { client: Client::from_conf(config) }
    }

    /// Every request's datapoints between `start` and `end`, by request id; `calls` counts the API calls made.
    /// Up to [`CALLS_IN_FLIGHT`] calls of 500 queries go out at once.
    pub async fn fetch(
        &self,
        requests: &[MetricRequest],
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<(HashMap<String, Series>, usize), AwsFailure> {
        // Each call owns its client and queries: a future that borrows them is not `Send` for every lifetime,
        // which the boxed command handlers and jobs need.
        let calls: Vec<_> = requests
            .chunks(QUERIES_PER_CALL)
            .map(|chunk| fetch_chunk(Client::clone(&self.client), chunk.iter().map(query).collect(), start, end))
            .collect();
        let chunks: Vec<(Vec<(String, Series)>, usize)> =
            stream::iter(calls).buffer_unordered(CALLS_IN_FLIGHT).try_collect().await?;
        let mut found: HashMap<String, Series> = HashMap::with_capacity(requests.len());
        let mut calls = 0;
        for (series, pages) in chunks {
            calls += pages;
            for (id, points) in series {
                found.entry(id).or_default().extend(points);
            }
        }
        for series in found.values_mut() {
            series.sort_by_key(|(at, _)| *at);
        }
        Ok((found, calls))
    }
}

/// One call's queries, through every page of its answer; returns the series by id and the pages read.
async fn fetch_chunk(
    client: Client,
    queries: Vec<MetricDataQuery>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<(Vec<(String, Series)>, usize), AwsFailure> {
    let mut pages = client
        .get_metric_data()
        .set_metric_data_queries(Some(queries))
        .start_time(aws_smithy_types::DateTime::from_millis(start.timestamp_millis()))
        .end_time(aws_smithy_types::DateTime::from_millis(end.timestamp_millis()))
        .into_paginator()
        .send();
    let (mut series, mut calls) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        calls += 1;
        let page = page.map_err(|error| AwsFailure::of(GET_METRIC_DATA, &error))?;
        for result in page.metric_data_results() {
            let Some(id) = result.id() else { continue };
            let points = result.timestamps().iter().zip(result.values()).filter_map(|(at, value)| {
                let at = time(at)?;
                Some((at, *value))
            });
            series.push((id.to_owned(), points.collect()));
        }
    }
    Ok((series, calls))
}

fn query(request: &MetricRequest) -> MetricDataQuery {
    let dimensions =
        request.dimensions.iter().map(|(name, value)| Dimension::builder().name(name).value(value).build());
    let metric = Metric::builder()
        .namespace(&request.namespace)
        .metric_name(&request.name)
        .set_dimensions(Some(dimensions.collect()))
        .build();
    let stat = MetricStat::builder()
        .metric(metric)
        .period(i32::try_from(request.period_seconds).unwrap_or(60))
        .stat(&request.stat)
        .build();
    MetricDataQuery::builder().id(&request.id).metric_stat(stat).return_data(true).build()
}
