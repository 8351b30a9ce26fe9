//! A small serverless world in moto and the CloudWatch front: functions with published versions, their logs,
//! their metrics and alarms on them, built with the real SDK clients.

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, MetricDatum, StandardUnit, StateValue, Statistic};
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};
use chrono::{DateTime, Utc};

use super::aws_endpoint;

pub struct World {
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub lambda: aws_sdk_lambda::Client,
}

/// The role moto requires a function to have.
const ROLE: &str = "opspod-test-lambda";

impl World {
    /// Clients for Logs and Lambda on moto, and for CloudWatch on the CBOR front before it.
    pub async fn connect(cloudwatch_url: &str) -> World {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(aws_endpoint())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_sqs::config::Credentials::new("testing", "testing", None, None, "tests"))
            .load()
            .await;
        let cloudwatch_config = config.to_builder().endpoint_url(cloudwatch_url).build();
        create_role().await;
        World {
            cloudwatch: aws_sdk_cloudwatch::Client::new(&cloudwatch_config),
            logs: aws_sdk_cloudwatchlogs::Client::new(&config),
            lambda: aws_sdk_lambda::Client::new(&config),
        }
    }

    /// Creates the function and publishes its first version; returns that version.
    pub async fn function(&self, name: &str, runtime: Runtime) -> String {
        let zip = tiny_zip();
        self.lambda
            .create_function()
            .function_name(name)
            .runtime(runtime)
            .role(format!("arn:aws:iam::123456789012:role/{ROLE}"))
            .handler("app.handler")
            .memory_size(512)
            .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
            .send()
            .await
            .expect("create function");
        let version = self.lambda.publish_version().function_name(name).send().await.expect("publish version");
        version.version.expect("a version number")
    }

    /// Writes `messages` to the function's log group, one stream, at the given times.
    pub async fn log(&self, function: &str, messages: &[(DateTime<Utc>, String)]) {
        let group = format!("/aws/lambda/{function}");
        let _ = self.logs.create_log_group().log_group_name(&group).send().await;
        let stream = "2026/11/28/[$LATEST]0123456789abcdef";
        let _ = self.logs.create_log_stream().log_group_name(&group).log_stream_name(stream).send().await;
        let events: Vec<InputLogEvent> = messages
            .iter()
            .map(|(at, message)| {
                InputLogEvent::builder().timestamp(at.timestamp_millis()).message(message).build().unwrap()
            })
            .collect();
        for chunk in events.chunks(500) {
            self.logs
                .put_log_events()
                .log_group_name(&group)
                .log_stream_name(stream)
                .set_log_events(Some(chunk.to_vec()))
                .send()
                .await
                .expect("put log events");
        }
    }

    /// One datapoint per minute of an AWS/Lambda metric, or several values in one minute.
    pub async fn metric(&self, function: &str, name: &str, unit: StandardUnit, points: &[(DateTime<Utc>, Vec<f64>)]) {
        let data: Vec<MetricDatum> = points
            .iter()
            .map(|(at, values)| {
                MetricDatum::builder()
                    .metric_name(name)
                    .dimensions(Dimension::builder().name("FunctionName").value(function).build())
                    .timestamp(aws_smithy_types::DateTime::from_millis(at.timestamp_millis()))
                    .set_values(Some(values.clone()))
                    .set_counts(Some(vec![1.0; values.len()]))
                    .unit(unit.clone())
                    .build()
            })
            .collect();
        for chunk in data.chunks(20) {
            self.cloudwatch
                .put_metric_data()
                .namespace("AWS/Lambda")
                .set_metric_data(Some(chunk.to_vec()))
                .send()
                .await
                .expect("put metric data");
        }
    }

    /// An alarm on the function's Errors ≥ `threshold` per minute.
    pub async fn errors_alarm(&self, name: &str, function: &str, threshold: f64) {
        self.cloudwatch
            .put_metric_alarm()
            .alarm_name(name)
            .alarm_description(format!("Errors on {function}"))
            .namespace("AWS/Lambda")
            .metric_name("Errors")
            .dimensions(Dimension::builder().name("FunctionName").value(function).build())
            .statistic(Statistic::Sum)
            .period(60)
            .evaluation_periods(1)
            .threshold(threshold)
            .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
            .send()
            .await
            .expect("put metric alarm");
    }

    pub async fn set_state(&self, alarm: &str, state: StateValue, reason: &str, data: Option<&str>) {
        self.cloudwatch
            .set_alarm_state()
            .alarm_name(alarm)
            .state_value(state)
            .state_reason(reason)
            .set_state_reason_data(data.map(str::to_owned))
            .send()
            .await
            .expect("set alarm state");
    }
}

/// moto checks that a function's role exists, so the role is made through IAM's query API.
async fn create_role() {
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let form = BTreeMap::from([
        ("Action", "CreateRole"),
        ("Version", "2010-05-08"),
        ("RoleName", ROLE),
        ("AssumeRolePolicyDocument", policy),
    ]);
    let body: String = form
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)))
        .collect::<Vec<_>>()
        .join("&");
    // A second test run finds the role already there; moto answers EntityAlreadyExists, which is fine.
    reqwest::Client::new()
        .post(aws_endpoint())
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", "AWS4-HMAC-SHA256 Credential=testing/20261128/us-east-1/iam/aws4_request")
        .body(body)
        .send()
        .await
        .expect("IAM CreateRole through moto");
}

/// A deployment package with one empty `app.py`, stored without compression: moto stores it and never runs it.
fn tiny_zip() -> Vec<u8> {
    let name = b"app.py";
    let mut zip = Vec::new();
    let u16s = |zip: &mut Vec<u8>, values: &[u16]| values.iter().for_each(|v| zip.extend_from_slice(&v.to_le_bytes()));
    let u32s = |zip: &mut Vec<u8>, values: &[u32]| values.iter().for_each(|v| zip.extend_from_slice(&v.to_le_bytes()));
    // Local file header: version, flags, method, time, date; CRC, sizes (all 0 for an empty file); name length.
    u32s(&mut zip, &[0x0403_4b50]);
    u16s(&mut zip, &[20, 0, 0, 0, 0]);
    u32s(&mut zip, &[0, 0, 0]);
    u16s(&mut zip, &[name.len() as u16, 0]);
    zip.extend_from_slice(name);
    // Central directory entry for it, at offset 0.
    let central_at = zip.len() as u32;
    u32s(&mut zip, &[0x0201_4b50]);
    u16s(&mut zip, &[20, 20, 0, 0, 0, 0]);
    u32s(&mut zip, &[0, 0, 0]);
    u16s(&mut zip, &[name.len() as u16, 0, 0, 0, 0]);
    u32s(&mut zip, &[0, 0]);
    zip.extend_from_slice(name);
    let central_len = zip.len() as u32 - central_at;
    // End of central directory: one entry.
    u32s(&mut zip, &[0x0605_4b50]);
    u16s(&mut zip, &[0, 0, 1, 1]);
    u32s(&mut zip, &[central_len, central_at]);
    u16s(&mut zip, &[0]);
    zip
}
