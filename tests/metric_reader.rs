//! opspod's `GetMetricData` reader against moto behind the CBOR front: queries go out 500 to a call, several calls
//! at once, and every query gets its own series back.

mod support;

use std::collections::BTreeMap;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};
use opspod::aws::metrics::{MetricReader, MetricRequest};
use support::cbor_front::CloudWatchFront;

#[tokio::test(flavor = "multi_thread")]
async fn twelve_hundred_queries_go_out_in_three_calls_and_each_gets_its_own_functions_sum() {
    let front = CloudWatchFront::start(&support::aws_endpoint()).await;
    let config = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(front.url())
        .region(Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::Credentials::new("testing", "testing", None, None, "tests"))
        .load()
        .await;
    let stem = format!("reader-{}-{}", std::process::id(), chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0));
    let at = chrono::Utc::now() - chrono::Duration::minutes(5);
    let client = aws_sdk_cloudwatch::Client::new(&config);
    for n in 0..3 {
        let datum = MetricDatum::builder()
            .metric_name("Invocations")
            .dimensions(Dimension::builder().name("FunctionName").value(format!("{stem}-{n}")).build())
            .timestamp(DateTime::from_secs(at.timestamp()))
            .value(f64::from(10 * (n + 1)))
            .build();
        client.put_metric_data().namespace("AWS/Lambda").metric_data(datum).send().await.expect("put metric data");
    }
    let requests: Vec<MetricRequest> = (0..1_200)
        .map(|i| MetricRequest {
            id: format!("q{i}"),
            namespace: "AWS/Lambda".into(),
            name: "Invocations".into(),
            dimensions: BTreeMap::from([("FunctionName".to_owned(), format!("{stem}-{}", i % 3))]),
            stat: "Sum".into(),
            period_seconds: 3_600,
        })
        .collect();

    let (answers, calls) = MetricReader::new(&config)
        .fetch(&requests, at - chrono::Duration::minutes(30), at + chrono::Duration::minutes(30))
        .await
        .expect("the metrics are read");

    assert_eq!((calls, front.calls("GetMetricData")), (3, 3), "500 + 500 + 200 queries");
    assert_eq!(answers.len(), 1_200, "every query is answered");
    for i in [0, 1, 2, 499, 500, 501, 1_199] {
        let sum: f64 = answers[&format!("q{i}")].iter().map(|(_, value)| value).sum();
        assert_eq!(sum, f64::from(10 * (i % 3 + 1)), "q{i} reads {stem}-{}", i % 3);
    }
}
