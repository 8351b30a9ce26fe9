//! Builders for domain events in unit tests, so each test says only what matters to it.

use chrono::{DateTime, Utc};

use super::alarm::{AlarmChange, AlarmKind, AlarmState, MetricQuery, StateValue};
use super::event::{Event, EventBody};
use super::health::{AffectedEntity, HealthCategory, HealthEvent, HealthStatus};
use super::resource::{Resource, ResourceKind};

pub const ACCOUNT: &str = "210987654321";

pub fn at(time: &str) -> DateTime<Utc> {
    format!("2026-11-20T{time}Z").parse().expect("a valid test time")
}

/// `checkout-api-errors` on the Lambda function `checkout-api`, in `state` at `time`.
pub fn alarm(name: &str, function: &str, state: StateValue, time: &str) -> Event {
    let resource = Resource {
        kind: ResourceKind::Function,
        name: function.into(),
        region: "us-east-1".into(),
        account: ACCOUNT.into(),
        tags: Default::default(),
    };
    let metric = MetricQuery {
        id: "m1".into(),
        namespace: Some("AWS/Lambda".into()),
        name: Some("Errors".into()),
        dimensions: [("FunctionName".to_string(), function.to_string())].into(),
        stat: Some("Sum".into()),
        period_seconds: Some(60),
        expression: None,
        label: None,
        return_data: true,
    };
    let change = AlarmChange {
        arn: format!("arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:{name}"),
        name: name.into(),
        description: None,
        kind: AlarmKind::Metric,
        metrics: vec![metric],
        alarm_rule: None,
        state: AlarmState {
            value: state,
            reason: "Threshold Crossed".into(),
            reason_data: None,
            timestamp: at(time),
            threshold: Some(5.0),
            recent_datapoints: vec![37.0],
        },
        previous: None,
        comparison: None,
        resource,
    };
    Event {
        id: format!("evt-{name}-{time}"),
        account: ACCOUNT.into(),
        region: "us-east-1".into(),
        time: at(time),
        body: EventBody::Alarm(change),
        delivered_via: None,
    }
}

/// A Lambda Health event with the given ARN suffix, category, status and region.
pub fn health(id: &str, category: HealthCategory, status: HealthStatus, region: &str, time: &str) -> Event {
    let event = HealthEvent {
        arn: format!("arn:aws:health:{region}::event/LAMBDA/AWS_LAMBDA_OPERATIONAL_ISSUE/{id}"),
        service: "LAMBDA".into(),
        type_code: "AWS_LAMBDA_OPERATIONAL_ISSUE".into(),
        category,
        scope: Some("PUBLIC".into()),
        communication_id: None,
        start: Some(at(time)),
        end: None,
        last_updated: at(time),
        status,
        event_region: region.into(),
        description: format!("Lambda {} in {region}", status.as_str()).into(),
        metadata: Default::default(),
        affected_entities: vec![],
        affected_account: Some(ACCOUNT.into()),
        page: 1,
        total_pages: 1,
        abuse: false,
        resource: Resource {
            kind: ResourceKind::Service,
            name: "LAMBDA".into(),
            region: region.into(),
            account: ACCOUNT.into(),
            tags: Default::default(),
        },
    };
    Event {
        id: format!("evt-{id}"),
        account: ACCOUNT.into(),
        region: region.into(),
        time: at(time),
        body: EventBody::Health(event),
        delivered_via: None,
    }
}

pub fn with_entities(mut event: Event, entities: &[&str]) -> Event {
    if let EventBody::Health(health) = &mut event.body {
        health.affected_entities = entities
            .iter()
            .map(|value| AffectedEntity {
                value: (*value).into(),
                status: None,
                last_updated: None,
                tags: Default::default(),
            })
            .collect();
    }
    event
}

pub fn as_abuse(mut event: Event) -> Event {
    if let EventBody::Health(health) = &mut event.body {
        health.abuse = true;
        health.service = "ABUSE".into();
    }
    event
}
