//! CloudWatch alarms through `DescribeAlarms`: every metric and composite alarm of a scope, all pages, copied
//! into [`DescribedAlarm`]s so nothing past this file knows the SDK's types.

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::types::{
    AlarmType, CompositeAlarm, Dimension, MetricAlarm, MetricDataQuery, StateValue as SdkState,
};
use chrono::{DateTime, Utc};

use super::counted::CountCalls;
use super::failure::AwsFailure;
use crate::domain::{MetricQuery, StateValue};
use crate::parse::DescribedAlarm;

const DESCRIBE_ALARMS: &str = "cloudwatch:DescribeAlarms";

/// Reads the alarms of one account and region.
#[derive(Clone, Debug)]
pub struct AlarmReader {
    client: Client,
}

impl AlarmReader {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        let config = aws_sdk_cloudwatch::config::Builder::from(config).interceptor(CountCalls("cloudwatch")).build();
        AlarmReader { client: Client::from_conf(config) }
    }

    /// Every alarm, metric and composite, across all pages; alarms CloudWatch describes without a state are
    /// skipped, since there is no transition to see in them.
    pub async fn describe_all(&self) -> Result<Vec<DescribedAlarm>, AwsFailure> {
        let mut pages = self
            .client
            .describe_alarms()
            .alarm_types(AlarmType::MetricAlarm)
            .alarm_types(AlarmType::CompositeAlarm)
            .max_records(100)
            .into_paginator()
            .send();
        let mut alarms = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| AwsFailure::of(DESCRIBE_ALARMS, &error))?;
            alarms.extend(page.metric_alarms().iter().filter_map(metric_alarm));
            alarms.extend(page.composite_alarms().iter().filter_map(composite_alarm));
        }
        Ok(alarms)
    }
}

fn metric_alarm(alarm: &MetricAlarm) -> Option<DescribedAlarm> {
    let metrics = if alarm.metrics().is_empty() { single_metric(alarm) } else { queries(alarm.metrics()) };
    Some(DescribedAlarm {
        arn: alarm.alarm_arn()?.to_owned(),
        name: alarm.alarm_name()?.to_owned(),
        description: alarm.alarm_description().map(str::to_owned),
        metrics,
        alarm_rule: None,
        threshold: alarm.threshold(),
        comparison_operator: alarm.comparison_operator().map(|operator| operator.as_str().to_owned()),
        threshold_metric_id: alarm.threshold_metric_id().map(str::to_owned),
        state: state(alarm.state_value()?)?,
        reason: alarm.state_reason().unwrap_or_default().to_owned(),
        reason_data: alarm.state_reason_data().map(str::to_owned),
        state_updated: time(alarm.state_updated_timestamp()?)?,
    })
}

fn composite_alarm(alarm: &CompositeAlarm) -> Option<DescribedAlarm> {
    Some(DescribedAlarm {
        arn: alarm.alarm_arn()?.to_owned(),
        name: alarm.alarm_name()?.to_owned(),
        description: alarm.alarm_description().map(str::to_owned),
        metrics: vec![],
        alarm_rule: Some(alarm.alarm_rule().unwrap_or_default().to_owned()),
        threshold: None,
        comparison_operator: None,
        threshold_metric_id: None,
        state: state(alarm.state_value()?)?,
        reason: alarm.state_reason().unwrap_or_default().to_owned(),
        reason_data: alarm.state_reason_data().map(str::to_owned),
        state_updated: time(alarm.state_updated_timestamp()?)?,
    })
}

fn single_metric(alarm: &MetricAlarm) -> Vec<MetricQuery> {
    let stat = alarm.statistic().map(|stat| stat.as_str().to_owned()).or(alarm.extended_statistic().map(str::to_owned));
    vec![MetricQuery {
        id: "m1".into(),
        namespace: alarm.namespace().map(str::to_owned),
        name: alarm.metric_name().map(str::to_owned),
        dimensions: dimensions(alarm.dimensions()),
        stat,
        period_seconds: alarm.period().and_then(|period| u32::try_from(period).ok()),
        expression: None,
        label: None,
        return_data: true,
    }]
}

fn queries(queries: &[MetricDataQuery]) -> Vec<MetricQuery> {
    queries
        .iter()
        .map(|query| {
            let stat = query.metric_stat();
            let metric = stat.and_then(|stat| stat.metric());
            MetricQuery {
                id: query.id().unwrap_or_default().to_owned(),
                namespace: metric.and_then(|metric| metric.namespace()).map(str::to_owned),
                name: metric.and_then(|metric| metric.metric_name()).map(str::to_owned),
                dimensions: metric.map(|metric| dimensions(metric.dimensions())).unwrap_or_default(),
                stat: stat.and_then(|stat| stat.stat()).map(str::to_owned),
                period_seconds: stat
                    .and_then(|stat| stat.period())
                    .or(query.period())
                    .and_then(|p| u32::try_from(p).ok()),
                expression: query.expression().map(str::to_owned),
                label: query.label().map(crate::domain::SafeText::from_untrusted),
                return_data: query.return_data().unwrap_or(true),
            }
        })
        .collect()
}

fn dimensions(dimensions: &[Dimension]) -> BTreeMap<String, String> {
    let pair = |d: &Dimension| Some((d.name()?.to_owned(), d.value()?.to_owned()));
    dimensions.iter().filter_map(pair).collect()
}

fn state(value: &SdkState) -> Option<StateValue> {
    StateValue::parse(value.as_str())
}

pub(super) fn time(value: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(value.to_millis().ok()?)
}
