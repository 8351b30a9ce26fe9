//! What opspod finds out about an incident after posting it: the function's numbers, its top errors, the last
//! deploy, AWS Health issues in the same place, and what could not be found out.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A deployed version of a function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deploy {
    /// `42`, or `$LATEST` when the code was deployed without publishing a version.
    pub version: String,
    pub deployed_at: Option<DateTime<Utc>>,
    pub code_sha256: Option<String>,
}

/// A Lambda function as its configuration describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionFacts {
    pub name: String,
    pub runtime: Option<String>,
    pub memory_mb: Option<u32>,
    pub architecture: Option<String>,
    /// The deploy in effect when the alarm fired.
    pub deploy: Option<Deploy>,
}

/// A function's metrics over the window before the transition.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LambdaStats {
    pub window_minutes: u32,
    pub invocations: f64,
    pub errors: f64,
    pub throttles: f64,
    pub duration_avg_ms: Option<f64>,
    pub duration_p95_ms: Option<f64>,
    pub duration_max_ms: Option<f64>,
    pub concurrency_max: Option<f64>,
}

impl LambdaStats {
    /// Errors as a share of invocations, when there were any.
    pub fn error_rate(&self) -> Option<f64> {
        (self.invocations > 0.0).then(|| self.errors / self.invocations)
    }
}

/// One error signature found in the function's logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopError {
    /// `ValueError: invalid literal for int() with base 10: '<str>'`.
    pub signature: String,
    pub count: usize,
    /// `orders/parse.py:88 in parse_order`: the innermost frame in the team's own code.
    pub frame: Option<String>,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
}

/// What a scan of the function's logs found, beyond signatures.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LogFindings {
    pub top_errors: Vec<TopError>,
    pub timeouts: usize,
    pub out_of_memory: usize,
    pub cold_starts: usize,
    pub events_scanned: usize,
    /// A limit (events, bytes, time) stopped the scan before the window's end.
    pub truncated: bool,
}

/// Another open incident that may share a cause: an AWS Health issue for an alarm, an alarm for a Health issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Related {
    pub incident_id: String,
    pub title: String,
    pub since: DateTime<Utc>,
}

/// A function of ours that a Health event concerns, with its owner's mention when config names one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OurFunction {
    pub name: String,
    pub owner: Option<String>,
}

/// The metric around the transition, for the chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSeries {
    /// `Errors (Sum, 1 min)`.
    pub label: String,
    pub points: Vec<(DateTime<Utc>, f64)>,
    pub threshold: Option<f64>,
}

/// Everything enrichment learned about one incident.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Context {
    pub lambda: Option<LambdaStats>,
    pub logs: Option<LogFindings>,
    pub function: Option<FunctionFacts>,
    /// For alarms: open Health issues for the same service and region.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub health: Vec<Related>,
    /// For Health issues: our open alarm incidents in the same service and region.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alarms: Vec<Related>,
    /// For Health events: our functions it concerns (named by AWS, or on the runtime it retires).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub our_functions: Vec<OurFunction>,
    /// How many functions of ours were checked for `our_functions`.
    pub functions_checked: Option<usize>,
    pub series: Option<MetricSeries>,
    /// What could not be learned, and why: "logs (logs:FilterLogEvents denied)".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unavailable: Vec<String>,
}

/// The CloudWatch namespace's AWS Health service code: `AWS/Lambda` → `LAMBDA`.
pub fn health_service_of(namespace: &str) -> Option<&'static str> {
    Some(match namespace {
        "AWS/Lambda" => "LAMBDA",
        "AWS/ApiGateway" => "APIGATEWAY",
        "AWS/SQS" => "SQS",
        "AWS/DynamoDB" => "DYNAMODB",
        "AWS/SNS" => "SNS",
        "AWS/States" => "STATES",
        "AWS/Kinesis" => "KINESIS",
        "AWS/Firehose" => "FIREHOSE",
        "AWS/S3" => "S3",
        "AWS/RDS" => "RDS",
        "AWS/EC2" => "EC2",
        "AWS/ECS" => "ECS",
        "AWS/ApplicationELB" | "AWS/NetworkELB" | "AWS/ELB" => "ELASTICLOADBALANCING",
        "AWS/Events" => "EVENTS",
        "AWS/ElastiCache" => "ELASTICACHE",
        "AWS/CloudFront" => "CLOUDFRONT",
        "AWS/AppSync" => "APPSYNC",
        "AWS/Cognito" => "COGNITO",
        _ => return None,
    })
}

/// The Lambda runtime a Health lifecycle notice retires, from its type code or metadata:
/// `AWS_LAMBDA_PYTHON_3_9_DEPRECATION` → `python3.9`, `AWS_LAMBDA_NODEJS_16_X_…` → `nodejs16.x`.
pub fn retired_runtime(type_code: &str, metadata: &std::collections::BTreeMap<String, String>) -> Option<String> {
    if let Some(runtime) = metadata.get("deprecated_versions").or(metadata.get("runtime")) {
        return Some(runtime.trim().to_ascii_lowercase());
    }
    let rest = type_code.strip_prefix("AWS_LAMBDA_")?;
    let families = ["PYTHON", "NODEJS", "JAVA", "DOTNETCORE", "DOTNET", "RUBY", "GO", "PROVIDED"];
    let family = families.iter().find(|family| rest.starts_with(*family))?;
    let version: Vec<&str> = rest[family.len()..]
        .trim_start_matches('_')
        .split('_')
        .take_while(|part| part.chars().all(|c| c.is_ascii_digit()) || *part == "X" || *part == "AL2")
        .collect();
    if version.is_empty() {
        return None;
    }
    let family = family.to_ascii_lowercase();
    let joined = version.join(".").to_ascii_lowercase();
    Some(format!("{family}{joined}"))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn runtime_lifecycle_notices_name_the_runtime_they_retire() {
        let none = BTreeMap::new();
        assert_eq!(retired_runtime("AWS_LAMBDA_PYTHON_3_9_DEPRECATION", &none).as_deref(), Some("python3.9"));
        assert_eq!(retired_runtime("AWS_LAMBDA_NODEJS_16_X_DEPRECATION", &none).as_deref(), Some("nodejs16.x"));
        assert_eq!(retired_runtime("AWS_LAMBDA_JAVA_8_DEPRECATION", &none).as_deref(), Some("java8"));
        assert_eq!(retired_runtime("AWS_LAMBDA_OPERATIONAL_ISSUE", &none), None);
        assert_eq!(retired_runtime("AWS_EC2_INSTANCE_RETIREMENT", &none), None);
        let named = BTreeMap::from([("deprecated_versions".to_owned(), "Python3.8".to_owned())]);
        assert_eq!(retired_runtime("AWS_LAMBDA_RUNTIME_DEPRECATION", &named).as_deref(), Some("python3.8"));
    }

    #[test]
    fn an_error_rate_needs_invocations() {
        let stats = LambdaStats { invocations: 90.0, errors: 37.0, ..LambdaStats::default() };
        assert!((stats.error_rate().unwrap() - 0.4111).abs() < 1e-3);
        assert_eq!(LambdaStats::default().error_rate(), None);
    }
}
