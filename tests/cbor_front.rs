//! The CBOR fronts proven with the real SDK clients: CloudWatch through the front to moto, Health against its fake.

mod support;

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cloudwatch::error::ProvideErrorMetadata;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{
    AlarmType, ComparisonOperator, Dimension, Metric, MetricAlarm, MetricDataQuery, MetricDatum, MetricStat,
    StateValue, Statistic,
};
use aws_sdk_health::types::{
    DateTimeRange, EntityAccountFilter, EntityFilter, EventAccountFilter, EventFilter, OrganizationEventFilter,
};
use chrono::{TimeZone, Utc};
use support::cbor_front::{CloudWatchFront, EntityFixture, HealthFake, HealthFixture};

async fn sdk_config(url: String, attempts: u32) -> SdkConfig {
    let retries = RetryConfig::standard().with_max_attempts(attempts).with_initial_backoff(Duration::from_millis(5));
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::Credentials::new("testing", "testing", None, None, "tests"))
        .retry_config(retries)
        .load()
        .await
}

/// A front on a fresh port and a client that tries each call `attempts` times.
async fn cloudwatch(attempts: u32) -> (CloudWatchFront, aws_sdk_cloudwatch::Client) {
    let front = CloudWatchFront::start(&support::aws_endpoint()).await;
    let client = aws_sdk_cloudwatch::Client::new(&sdk_config(front.url(), attempts).await);
    (front, client)
}

async fn health(attempts: u32) -> (HealthFake, aws_sdk_health::Client) {
    let fake = HealthFake::start().await;
    let client = aws_sdk_health::Client::new(&sdk_config(fake.url(), attempts).await);
    (fake, client)
}

/// A name no other test (nor an earlier run against the same moto) uses.
fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

fn now() -> i64 {
    Utc::now().timestamp()
}

fn function(name: &str) -> Dimension {
    Dimension::builder().name("FunctionName").value(name).build()
}

/// A query on the `Duration` of the function named like the namespace: moto matches a query with dimensions on
/// the metric name and dimensions alone, across namespaces, so each test's data needs dimensions of its own.
fn stat_query(id: &str, namespace: &str, stat: &str, period: i32) -> MetricDataQuery {
    let metric = Metric::builder().namespace(namespace).metric_name("Duration").dimensions(function(namespace)).build();
    let stat = MetricStat::builder().metric(metric).period(period).stat(stat).build();
    MetricDataQuery::builder().id(id).metric_stat(stat).build()
}

async fn put_alarm(client: &aws_sdk_cloudwatch::Client, name: &str, namespace: &str) {
    client
        .put_metric_alarm()
        .alarm_name(name)
        .namespace(namespace)
        .metric_name("Errors")
        .dimensions(function("checkout"))
        .statistic(Statistic::Sum)
        .period(60)
        .evaluation_periods(1)
        .threshold(2.5)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .expect("put a metric alarm");
}

async fn metric_alarm(client: &aws_sdk_cloudwatch::Client, name: &str) -> MetricAlarm {
    let answer = client.describe_alarms().alarm_names(name).send().await.expect("describe alarms");
    answer.metric_alarms().first().cloned().expect("the alarm is described")
}

#[tokio::test]
async fn metric_data_put_through_the_front_comes_back_as_sum_and_exact_percentiles() {
    let (front, client) = cloudwatch(1).await;
    let namespace = unique("Opspod/Sum");
    let at = now() - 120;
    // Twenty durations: ten of 10 ms, five of 20, four of 30 and one of 1000.
    let datum = MetricDatum::builder()
        .metric_name("Duration")
        .dimensions(function(&namespace))
        .timestamp(DateTime::from_secs(at))
        .set_values(Some(vec![10.0, 20.0, 30.0, 1000.0]))
        .set_counts(Some(vec![10.0, 5.0, 4.0, 1.0]))
        .build();
    client.put_metric_data().namespace(&namespace).metric_data(datum).send().await.expect("put metric data");

    let answer = client
        .get_metric_data()
        .metric_data_queries(stat_query("total", &namespace, "Sum", 600))
        .metric_data_queries(stat_query("slow", &namespace, "p95", 600))
        .metric_data_queries(MetricDataQuery::builder().id("doubled").expression("total * 2").build())
        .metric_data_queries(stat_query("worst", &namespace, "p99", 600))
        .start_time(DateTime::from_secs(at - 300))
        .end_time(DateTime::from_secs(at + 300))
        .send()
        .await
        .expect("get metric data");

    let results = answer.metric_data_results();
    let ids: Vec<_> = results.iter().map(|r| r.id().unwrap_or_default()).collect();
    assert_eq!(ids, ["total", "slow", "doubled", "worst"], "every query answered, in request order");
    assert_eq!(results[0].values(), [1320.0]);
    assert_eq!(results[1].values(), [30.0], "the 19th of 20 sorted values");
    assert_eq!(results[3].values(), [1000.0], "the 20th of 20 sorted values");
    assert_eq!(results[0].timestamps(), results[1].timestamps(), "percentiles use moto's buckets");
    assert_eq!(results[0].timestamps(), [DateTime::from_secs(at - 300)]);
    assert!(results[2].values().is_empty(), "math expressions are answered empty");
    assert_eq!(results[2].status_code().map(|s| s.as_str()), Some("Complete"));
    let sent = front.requests_for("GetMetricData");
    assert_eq!(sent[0]["MetricDataQueries"].as_array().map(Vec::len), Some(4), "the front records what the SDK sent");
}

#[tokio::test]
async fn a_large_put_is_gzipped_by_the_sdk_and_still_answers_percentiles_and_lists_its_metric() {
    let (front, client) = cloudwatch(1).await;
    let namespace = unique("Opspod/Big");
    let at = now() - 60;
    let data: Vec<MetricDatum> = (1..=500)
        .map(|i| {
            MetricDatum::builder()
                .metric_name("Duration")
                .dimensions(function(&namespace))
                .timestamp(DateTime::from_secs(at))
                .value(f64::from(i))
                .build()
        })
        .collect();
    client.put_metric_data().namespace(&namespace).set_metric_data(Some(data)).send().await.expect("put metric data");

    let answer = client
        .get_metric_data()
        .metric_data_queries(stat_query("median", &namespace, "p50", 60))
        .start_time(DateTime::from_secs(at - 30))
        .end_time(DateTime::from_secs(at + 30))
        .send()
        .await
        .expect("get metric data");
    let listed = client.list_metrics().namespace(&namespace).send().await.expect("list metrics");

    assert!(front.requests().iter().any(|r| r.operation == "PutMetricData" && r.gzipped), "the SDK compressed it");
    assert_eq!(answer.metric_data_results()[0].values(), [250.0]);
    assert_eq!(listed.metrics().len(), 1);
    assert_eq!(listed.metrics()[0].dimensions(), [function(&namespace)]);
}

#[tokio::test]
async fn an_alarm_shows_its_state_and_set_alarm_state_moves_it_at_a_recent_time() {
    let (_front, client) = cloudwatch(1).await;
    let name = unique("checkout-errors");
    put_alarm(&client, &name, "Opspod/Alarms").await;
    let before = now();

    let created = metric_alarm(&client, &name).await;
    client
        .set_alarm_state()
        .alarm_name(&name)
        .state_value(StateValue::Alarm)
        .state_reason("Threshold crossed: 3 errors")
        .send()
        .await
        .expect("set alarm state");
    let moved = metric_alarm(&client, &name).await;

    assert_eq!(created.state_value(), Some(&StateValue::Ok), "moto's initial state");
    assert_eq!(created.threshold(), Some(2.5));
    assert_eq!(created.period(), Some(60));
    assert_eq!(created.dimensions(), [function("checkout")]);
    assert!(created.alarm_configuration_updated_timestamp().is_some());
    assert_eq!(moved.state_value(), Some(&StateValue::Alarm));
    assert_eq!(moved.state_reason(), Some("Threshold crossed: 3 errors"));
    let updated = moved.state_updated_timestamp().expect("a state update time").secs();
    assert!((before - 5..=now() + 1).contains(&updated), "updated at {updated}, test ran from {before}");
}

#[tokio::test]
async fn moto_errors_come_back_as_the_sdks_modeled_errors() {
    let (_front, client) = cloudwatch(1).await;

    let error = client
        .set_alarm_state()
        .alarm_name(unique("no-such-alarm"))
        .state_value(StateValue::Alarm)
        .state_reason("test")
        .send()
        .await
        .expect_err("an unknown alarm");

    assert_eq!(error.code(), Some("ResourceNotFound"));
    assert!(error.into_service_error().is_resource_not_found());
}

#[tokio::test]
async fn composite_alarms_are_listed_when_asked_for_and_change_state_and_go() {
    let (_front, client) = cloudwatch(1).await;
    let prefix = unique("composite");
    let (metric, composite) = (format!("{prefix}-errors"), format!("{prefix}-checkout-down"));
    put_alarm(&client, &metric, "Opspod/Composite").await;
    client
        .put_composite_alarm()
        .alarm_name(&composite)
        .alarm_rule(format!("ALARM(\"{metric}\")"))
        .alarm_actions("arn:aws:sns:us-east-1:123456789012:opspod")
        .send()
        .await
        .expect("put a composite alarm");

    let default = client.describe_alarms().alarm_name_prefix(&prefix).send().await.expect("describe alarms");
    let both = client
        .describe_alarms()
        .alarm_name_prefix(&prefix)
        .alarm_types(AlarmType::MetricAlarm)
        .alarm_types(AlarmType::CompositeAlarm)
        .send()
        .await
        .expect("describe both kinds");
    client
        .set_alarm_state()
        .alarm_name(&composite)
        .state_value(StateValue::Alarm)
        .state_reason("Children in alarm")
        .send()
        .await
        .expect("set the composite's state");
    let only_composite = client
        .describe_alarms()
        .alarm_names(&composite)
        .alarm_types(AlarmType::CompositeAlarm)
        .send()
        .await
        .expect("describe the composite");
    client.delete_alarms().alarm_names(&metric).alarm_names(&composite).send().await.expect("delete both");
    let after = client
        .describe_alarms()
        .alarm_name_prefix(&prefix)
        .alarm_types(AlarmType::MetricAlarm)
        .alarm_types(AlarmType::CompositeAlarm)
        .send()
        .await
        .expect("describe after deleting");

    assert_eq!((default.metric_alarms().len(), default.composite_alarms().len()), (1, 0), "metric alarms by default");
    assert_eq!((both.metric_alarms().len(), both.composite_alarms().len()), (1, 1));
    let listed = &both.composite_alarms()[0];
    assert_eq!(listed.alarm_rule(), Some(format!("ALARM(\"{metric}\")").as_str()));
    assert_eq!(listed.state_value(), Some(&StateValue::InsufficientData));
    assert_eq!(listed.alarm_actions(), ["arn:aws:sns:us-east-1:123456789012:opspod"]);
    let moved = &only_composite.composite_alarms()[0];
    assert_eq!(moved.state_value(), Some(&StateValue::Alarm));
    assert!(moved.state_transitioned_timestamp().is_some());
    assert!(after.metric_alarms().is_empty() && after.composite_alarms().is_empty());
}

#[tokio::test]
async fn describe_alarms_pages_by_max_records_in_name_order() {
    let (_front, client) = cloudwatch(1).await;
    let prefix = unique("paged");
    for i in [3, 1, 5, 2, 4] {
        put_alarm(&client, &format!("{prefix}-{i}"), "Opspod/Paged").await;
    }

    let mut pages = client.describe_alarms().alarm_name_prefix(&prefix).max_records(2).into_paginator().send();
    let mut sizes = Vec::new();
    let mut names = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.expect("a page");
        sizes.push(page.metric_alarms().len());
        names.extend(page.metric_alarms().iter().filter_map(|a| a.alarm_name().map(str::to_owned)));
    }
    let bad_token = client.describe_alarms().next_token("forged").send().await.expect_err("a forged token");

    assert_eq!(sizes, [2, 2, 1]);
    assert_eq!(names, (1..=5).map(|i| format!("{prefix}-{i}")).collect::<Vec<_>>());
    assert!(bad_token.into_service_error().is_invalid_next_token());
}

#[tokio::test]
async fn a_throttled_call_surfaces_as_throttling_and_the_sdk_retries_it() {
    let (front, once) = cloudwatch(1).await;
    let retrying = aws_sdk_cloudwatch::Client::new(&sdk_config(front.url(), 3).await);

    front.throttle_next(1);
    let error = once.list_metrics().namespace("Opspod/Throttled").send().await.expect_err("throttled");
    front.throttle_next(2);
    retrying.list_metrics().namespace("Opspod/Throttled").send().await.expect("the third attempt passes");

    // CloudWatch is query compatible: the `x-amzn-query-error` code wins over `__type` (ThrottlingException).
    assert_eq!(error.code(), Some("Throttling"));
    assert_eq!(error.raw_response().map(|r| r.status().as_u16()), Some(400));
    assert_eq!(front.calls("ListMetrics"), 4, "one throttled, then two throttled and one answered");
}

#[tokio::test]
async fn denied_and_failing_calls_surface_with_their_codes() {
    let (front, client) = cloudwatch(1).await;
    front.deny("GetMetricData");
    let query = stat_query("total", "Opspod/Denied", "Sum", 60);

    let denied = client
        .get_metric_data()
        .metric_data_queries(query)
        .start_time(DateTime::from_secs(now() - 600))
        .end_time(DateTime::from_secs(now()))
        .send()
        .await
        .expect_err("denied");
    front.fail_next(1);
    let failed = client.list_metrics().namespace("Opspod/Denied").send().await.expect_err("failed");
    let allowed = client.list_metrics().namespace("Opspod/Denied").send().await;

    assert_eq!(denied.code(), Some("AccessDenied"));
    assert_eq!(denied.raw_response().map(|r| r.status().as_u16()), Some(403));
    assert!(failed.into_service_error().is_internal_service_fault(), "CloudWatch's modeled 500");
    assert!(allowed.is_ok(), "only the denied operation is refused");
}

/// The Health tests' "now": fixed, so fixtures and filters built a second apart still agree.
const HEALTH_NOW: i64 = 1_790_000_000;

fn minutes_ago(minutes: i64) -> chrono::DateTime<Utc> {
    Utc.timestamp_opt(HEALTH_NOW - minutes * 60, 0).unwrap()
}

fn range(from: chrono::DateTime<Utc>, to: chrono::DateTime<Utc>) -> DateTimeRange {
    let secs = |t: chrono::DateTime<Utc>| DateTime::from_secs(t.timestamp());
    DateTimeRange::builder().from(secs(from)).to(secs(to)).build()
}

fn lambda_event(i: i64) -> HealthFixture {
    let arn = format!("arn:aws:health:us-east-1::event/LAMBDA/AWS_LAMBDA_OPERATIONAL_ISSUE/issue-{i}");
    HealthFixture::new(&arn, "LAMBDA", "us-east-1", minutes_ago(i))
}

#[tokio::test]
async fn health_events_are_filtered_by_last_updated_window_and_come_newest_first_in_pages() {
    let (fake, client) = health(1).await;
    for i in 1..=30 {
        fake.add_event(lambda_event(i));
    }
    fake.add_event(HealthFixture::new(
        "arn:aws:health:us-east-1::event/EC2/X/ec2-1",
        "EC2",
        "us-east-1",
        minutes_ago(2),
    ));

    let filter = EventFilter::builder().last_updated_times(range(minutes_ago(12), minutes_ago(1))).services("LAMBDA");
    let mut pages = client.describe_events().filter(filter.build()).max_results(5).into_paginator().send();
    let mut arns = Vec::new();
    while let Some(page) = pages.next().await {
        arns.extend(page.expect("a page").events().iter().filter_map(|e| e.arn().map(str::to_owned)));
    }

    assert_eq!(arns, (1..=12).map(|i| lambda_event(i).arn).collect::<Vec<_>>(), "newest first, inclusive window");
    assert_eq!(fake.calls("DescribeEvents"), 3, "12 events in pages of 5");
}

#[tokio::test]
async fn an_updated_event_moves_into_a_later_window_with_its_new_status() {
    let (fake, client) = health(1).await;
    let event = lambda_event(90);
    fake.add_event(event.clone());
    fake.update_event(&event.arn, minutes_ago(1), "closed");

    let filter = EventFilter::builder().last_updated_times(range(minutes_ago(5), minutes_ago(0))).build();
    let answer = client.describe_events().filter(filter).send().await.expect("describe events");

    let described = &answer.events()[0];
    assert_eq!(described.arn(), Some(event.arn.as_str()));
    assert_eq!(described.status_code().map(|s| s.as_str()), Some("closed"));
    assert_eq!(described.last_updated_time().map(|t| t.secs()), Some(minutes_ago(1).timestamp()));
    assert_eq!(described.start_time().map(|t| t.secs()), Some(minutes_ago(90).timestamp()));
}

#[tokio::test]
async fn event_details_and_affected_entities_come_back() {
    let (fake, client) = health(1).await;
    let mut event = lambda_event(3).entity(EntityFixture::new("checkout", "123456789012"));
    event.description = "Increased error rates for Lambda invocations.".to_owned();
    for i in 0..3 {
        let mut entity = EntityFixture::new(&format!("worker-{i}"), "123456789012");
        entity.entity_arn = Some(format!("arn:aws:lambda:us-east-1:123456789012:function:worker-{i}"));
        entity.tags.insert("team".to_owned(), "payments".to_owned());
        event = event.entity(entity);
    }
    fake.add_event(event.clone());

    let details = client
        .describe_event_details()
        .event_arns(&event.arn)
        .event_arns("arn:aws:health:us-east-1::event/LAMBDA/X/unknown")
        .send()
        .await
        .expect("describe event details");
    let filter = EntityFilter::builder().event_arns(&event.arn).build().unwrap();
    let mut pages = client.describe_affected_entities().filter(filter).max_results(3).into_paginator().send();
    let mut entities = Vec::new();
    while let Some(page) = pages.next().await {
        entities.extend(page.expect("a page").entities().to_vec());
    }

    let described = details.successful_set()[0].event_description().and_then(|d| d.latest_description());
    assert_eq!(described, Some("Increased error rates for Lambda invocations."));
    assert_eq!(details.failed_set()[0].event_arn(), Some("arn:aws:health:us-east-1::event/LAMBDA/X/unknown"));
    let values: Vec<_> = entities.iter().filter_map(|e| e.entity_value()).collect();
    assert_eq!(values, ["checkout", "worker-0", "worker-1", "worker-2"]);
    assert_eq!(entities[1].tags().and_then(|t| t.get("team")).map(String::as_str), Some("payments"));
    assert_eq!(entities[1].event_arn(), Some(event.arn.as_str()));
    assert_eq!(entities[1].status_code().map(|s| s.as_str()), Some("IMPAIRED"));
}

#[tokio::test]
async fn health_subscription_required_and_throttling_surface_with_their_codes() {
    let (fake, once) = health(1).await;
    let retrying = aws_sdk_health::Client::new(&sdk_config(fake.url(), 3).await);

    fake.throttle_next(1);
    let throttled = once.describe_events().send().await.expect_err("throttled");
    fake.throttle_next(1);
    let retried = retrying.describe_events().send().await;
    fake.subscription_required(true);
    let refused = once.describe_events().send().await.expect_err("no support plan");

    assert_eq!(throttled.code(), Some("ThrottlingException"));
    assert!(retried.is_ok(), "the SDK retried the throttled call");
    assert_eq!(refused.code(), Some("SubscriptionRequiredException"));
    assert_eq!(fake.calls("DescribeEvents"), 4);
}

#[tokio::test]
async fn the_organization_view_shows_each_event_in_its_accounts() {
    let (fake, client) = health(1).await;
    let mut specific = lambda_event(4).entity(EntityFixture::new("checkout", "111111111111"));
    specific.account_id = "111111111111".to_owned();
    specific = specific.entity(EntityFixture::new("billing", "222222222222"));
    let mut public =
        HealthFixture::new("arn:aws:health:us-east-1::event/SQS/X/public-1", "SQS", "us-east-1", minutes_ago(3));
    public.event_scope_code = "PUBLIC".to_owned();
    public.description = "Delays in SQS message delivery.".to_owned();
    fake.add_event(specific.clone());
    fake.add_event(public.clone());

    let window = OrganizationEventFilter::builder().last_updated_time(range(minutes_ago(10), minutes_ago(0)));
    let events = client.describe_events_for_organization().filter(window.build()).send().await.expect("org events");
    let in_second = OrganizationEventFilter::builder().aws_account_ids("222222222222").build();
    let second = client.describe_events_for_organization().filter(in_second).send().await.expect("by account");
    let accounts = client
        .describe_affected_accounts_for_organization()
        .event_arn(&specific.arn)
        .send()
        .await
        .expect("affected accounts");
    let pair = |arn: &str, account: Option<&str>| {
        EventAccountFilter::builder().event_arn(arn).set_aws_account_id(account.map(str::to_owned)).build().unwrap()
    };
    let details = client
        .describe_event_details_for_organization()
        .organization_event_detail_filters(pair(&specific.arn, Some("222222222222")))
        .organization_event_detail_filters(pair(&public.arn, None))
        .organization_event_detail_filters(pair(&public.arn, Some("111111111111")))
        .send()
        .await
        .expect("org details");
    let entity_filter = EntityAccountFilter::builder().event_arn(&specific.arn).aws_account_id("222222222222");
    let entities = client
        .describe_affected_entities_for_organization()
        .organization_entity_account_filters(entity_filter.build().unwrap())
        .send()
        .await
        .expect("org entities");

    let arns: Vec<_> = events.events().iter().filter_map(|e| e.arn()).collect();
    assert_eq!(arns, [public.arn.as_str(), specific.arn.as_str()], "newest first");
    assert_eq!(second.events().len(), 1);
    assert_eq!(accounts.affected_accounts(), ["111111111111", "222222222222"]);
    let found: Vec<_> = details.successful_set().iter().map(|d| d.aws_account_id()).collect();
    assert_eq!(found, [Some("222222222222"), None], "a public event is read without an account");
    let public_description = details.successful_set()[1].event_description().and_then(|d| d.latest_description());
    assert_eq!(public_description, Some("Delays in SQS message delivery."));
    assert_eq!(details.failed_set()[0].aws_account_id(), Some("111111111111"), "a public event has no account");
    let values: Vec<_> = entities.entities().iter().filter_map(|e| e.entity_value()).collect();
    assert_eq!(values, ["billing"]);
}
