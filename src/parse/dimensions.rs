//! Which resource an alarm is about, read from the dimensions of its metrics.

use std::collections::BTreeMap;

use crate::domain::{MetricQuery, Resource, ResourceKind, SafeText};

/// Lambda's `Resource` dimension is `function:alias` or `function:version`; elsewhere (`AWS/Usage`) the same
/// dimension name means something else entirely, so it only names a function in this namespace.
const LAMBDA_NAMESPACE: &str = "AWS/Lambda";

/// Where the alarm's metrics live, taken from the event envelope.
pub(super) struct Place<'a> {
    pub(super) region: &'a str,
    pub(super) account: &'a str,
}

/// The resource named by the highest-priority dimension across all metrics; an unknown dimension's value when
/// that is all there is; the alarm itself when there are no dimensions at all (composite alarms).
pub(super) fn resource_of(alarm_name: &str, metrics: &[MetricQuery], place: Place) -> Resource {
    let (kind, name) = best_known(metrics)
        .or_else(|| first_unknown(metrics))
        .unwrap_or_else(|| (ResourceKind::Alarm, alarm_name.to_owned()));
    Resource {
        kind,
        name: SafeText::from_untrusted(&name),
        region: place.region.to_owned(),
        account: place.account.to_owned(),
        tags: BTreeMap::new(),
    }
}

fn best_known(metrics: &[MetricQuery]) -> Option<(ResourceKind, String)> {
    ResourceKind::DIMENSION_PRIORITY.iter().find_map(|dimension| {
        metrics.iter().find_map(|metric| known(metric, dimension, metric.dimensions.get(*dimension)?))
    })
}

fn known(metric: &MetricQuery, dimension: &str, value: &str) -> Option<(ResourceKind, String)> {
    if dimension == "Resource" {
        let in_lambda = metric.namespace.as_deref() == Some(LAMBDA_NAMESPACE);
        let function = value.split(':').next().filter(|function| !function.is_empty());
        return function.filter(|_| in_lambda).map(|function| (ResourceKind::Function, function.to_owned()));
    }
    Some((ResourceKind::from_dimension(dimension)?, value.to_owned()))
}

fn first_unknown(metrics: &[MetricQuery]) -> Option<(ResourceKind, String)> {
    let value = metrics.iter().find_map(|metric| metric.dimensions.values().next())?;
    Some((ResourceKind::Other, value.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(namespace: &str, dimensions: &[(&str, &str)]) -> MetricQuery {
        MetricQuery {
            id: "m1".into(),
            namespace: Some(namespace.into()),
            name: Some("Errors".into()),
            dimensions: dimensions.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            stat: Some("Sum".into()),
            period_seconds: Some(60),
            expression: None,
            label: None,
            return_data: true,
        }
    }

    fn resource(metrics: &[MetricQuery]) -> (ResourceKind, String) {
        let place = Place { region: "eu-west-1", account: "111122223333" };
        let resource = resource_of("my-alarm", metrics, place);
        (resource.kind, resource.name.to_string())
    }

    #[test]
    fn a_function_beats_the_api_that_calls_it_whatever_the_metric_order() {
        let metrics =
            [metric("AWS/ApiGateway", &[("ApiName", "orders")]), metric("AWS/Lambda", &[("FunctionName", "f")])];
        assert_eq!(resource(&metrics), (ResourceKind::Function, "f".into()));
    }

    #[test]
    fn a_lambda_alias_names_the_function_before_the_colon() {
        let metrics = [metric("AWS/Lambda", &[("Resource", "checkout-api:live")])];
        assert_eq!(resource(&metrics), (ResourceKind::Function, "checkout-api".into()));
    }

    #[test]
    fn a_resource_dimension_outside_lambda_is_not_a_function() {
        let metrics = [metric("AWS/Usage", &[("Resource", "ConcurrentExecutions"), ("Service", "Lambda")])];
        assert_eq!(resource(&metrics), (ResourceKind::Other, "ConcurrentExecutions".into()));
    }

    #[test]
    fn an_unknown_dimension_names_an_other_resource() {
        let metrics = [metric("Checkout", &[("Tenant", "acme")])];
        assert_eq!(resource(&metrics), (ResourceKind::Other, "acme".into()));
    }

    #[test]
    fn no_dimensions_means_the_alarm_itself() {
        assert_eq!(resource(&[metric("Checkout", &[])]), (ResourceKind::Alarm, "my-alarm".into()));
        assert_eq!(resource(&[]), (ResourceKind::Alarm, "my-alarm".into()));
    }

    #[test]
    fn the_resource_lives_where_the_envelope_says() {
        let place = Place { region: "eu-west-1", account: "111122223333" };
        let resource = resource_of("a", &[metric("AWS/SQS", &[("QueueName", "jobs")])], place);
        assert_eq!(
            (resource.kind, resource.region.as_str(), resource.account.as_str()),
            (ResourceKind::Queue, "eu-west-1", "111122223333")
        );
        assert!(resource.tags.is_empty());
    }
}
