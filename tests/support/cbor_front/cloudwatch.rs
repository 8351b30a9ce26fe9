//! `CloudWatchFront`: CloudWatch's CBOR protocol for the SDK, moto's JSON protocol behind, moto's gaps filled between.
//!
//! Filled in the front, because moto 5.2.5 cannot do them over JSON: percentile statistics in GetMetricData (see
//! `percentiles`), composite alarms and DescribeAlarms' `AlarmTypes`, `MaxRecords` and `NextToken` (see `alarms`).
//! Math expressions reach moto, which answers them empty with `StatusCode: Complete`; the front keeps that, and
//! gives any query moto left out the same empty answer, so every returned query Id is present, in request order.
//! Left to moto, and so as moto does it: a query with dimensions matches on metric name and dimensions but not
//! namespace, and Sum and friends are bucketed from StartTime rather than aligned to the period.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use super::alarms::{self, CompositeAlarms};
use super::cbor::Member;
use super::percentiles::{self, Recorder, Window};
use super::{
    AwsError, Decoded, Fault, FrontRequest, Ledger, decode_request, now_secs, ok_response, operation, serve, strings,
};

/// CloudWatch's Smithy service shape: the path segment of every CBOR call and the JSON protocol's target prefix.
const SERVICE: &str = "GraniteServiceVersion20100801";

/// moto routes a request to a service by the SigV4 credential scope, so the forwarded calls carry one for
/// `monitoring`; moto does not check the signature.
const MOTO_AUTHORIZATION: &str = "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/monitoring/aws4_request, \
                                  SignedHeaders=host, Signature=0";

/// The CloudWatch front; it stops when dropped.
pub struct CloudWatchFront {
    shared: Arc<Shared>,
    port: u16,
    server: JoinHandle<()>,
}

struct Shared {
    moto_url: String,
    http: reqwest::Client,
    state: Mutex<FrontState>,
}

#[derive(Default)]
struct FrontState {
    ledger: Ledger,
    denied: HashSet<String>,
    composites: CompositeAlarms,
    recorded: Recorder,
    /// How long moto took to answer, per operation.
    waited: HashMap<String, Duration>,
}

impl Drop for CloudWatchFront {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl CloudWatchFront {
    /// Serves on 127.0.0.1 (a free port) and forwards to the moto at `moto_url`.
    pub async fn start(moto_url: &str) -> CloudWatchFront {
        let shared = Arc::new(Shared {
            moto_url: moto_url.trim_end_matches('/').to_owned() + "/",
            // A proxy from the environment must not catch calls to a loopback moto.
            http: reqwest::Client::builder().no_proxy().build().expect("an HTTP client"),
            state: Mutex::new(FrontState::default()),
        });
        let app = axum::Router::new().fallback(handle).with_state(Arc::clone(&shared));
        let (port, server) = serve(app).await;
        CloudWatchFront { shared, port, server }
    }

    /// What the SDK's `endpoint_url` wants: `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The next `n` requests, whatever their operation, answer 400 `Throttling` (query code; `__type` is
    /// `ThrottlingException`), which the SDK retries as throttling.
    pub fn throttle_next(&self, n: usize) {
        self.shared.lock().ledger.throttle_next += n;
    }

    /// The next `n` requests (after any throttled ones) answer 500 `InternalServiceError`.
    pub fn fail_next(&self, n: usize) {
        self.shared.lock().ledger.fail_next += n;
    }

    /// While `down`, every call answers 500 `InternalFailure` (and is still counted).
    pub fn set_down(&self, down: bool) {
        self.shared.lock().ledger.down = down;
    }

    /// From now on `operation` (like `GetMetricData`) answers 403 `AccessDenied`, as a missing IAM permission does.
    pub fn deny(&self, operation: &str) {
        self.shared.lock().denied.insert(operation.to_owned());
    }

    /// Requests received for `operation`, faulted ones included.
    pub fn calls(&self, operation: &str) -> usize {
        self.shared.lock().ledger.calls(operation)
    }

    /// How long the front has waited on moto's answers to `operation` so far.
    pub fn forwarding_time(&self, operation: &str) -> Duration {
        self.shared.lock().waited.get(operation).copied().unwrap_or_default()
    }

    /// Every request so far, in order, as decoded JSON.
    pub fn requests(&self) -> Vec<FrontRequest> {
        self.shared.lock().ledger.requests.clone()
    }

    /// The decoded bodies of the requests for `operation`, in order.
    pub fn requests_for(&self, operation: &str) -> Vec<Value> {
        self.requests().into_iter().filter(|r| r.operation == operation).map(|r| r.body).collect()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, FrontState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records the request and answers the fault it is due, if any.
    fn fault(&self, op: &str, request: &Decoded) -> Result<(), AwsError> {
        let mut state = self.lock();
        match state.ledger.record(op, request) {
            Some(Fault::Throttle) => Err(throttling()),
            Some(Fault::Fail) => Err(internal_error()),
            None if state.denied.contains(op) => Err(access_denied(op)),
            None => Ok(()),
        }
    }

    /// Calls moto with the JSON protocol; its errors come back with their status, type and query code.
    async fn moto(&self, op: &str, body: &Value) -> Result<Value, AwsError> {
        let started = Instant::now();
        let answered = self.moto_unmeasured(op, body).await;
        *self.lock().waited.entry(op.to_owned()).or_default() += started.elapsed();
        answered
    }

    async fn moto_unmeasured(&self, op: &str, body: &Value) -> Result<Value, AwsError> {
        let response = self
            .http
            .post(&self.moto_url)
            .header("x-amz-target", format!("{SERVICE}.{op}"))
            .header("content-type", "application/x-amz-json-1.0")
            .header("authorization", MOTO_AUTHORIZATION)
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| moto_broken(format!("moto at {} did not answer: {e}", self.moto_url)))?;
        let status = response.status();
        let query_error = response.headers().get("x-amzn-query-error").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let text = response.text().await.map_err(|e| moto_broken(format!("moto's answer was cut: {e}")))?;
        let json: Option<Value> = serde_json::from_str(&text).ok();
        match json {
            Some(json) if status.is_success() => Ok(json),
            Some(json) if json["__type"].is_string() => Err(AwsError {
                status,
                type_name: json["__type"].as_str().unwrap_or_default().to_owned(),
                message: json["message"].as_str().or(json["Message"].as_str()).unwrap_or_default().to_owned(),
                query_error,
            }),
            // moto answers an HTML 500 for actions it has not implemented; its first lines name the action.
            _ => Err(moto_broken(format!(
                "moto answered {status} to {op}: {}",
                text.chars().take(300).collect::<String>()
            ))),
        }
    }
}

async fn handle(State(shared): State<Arc<Shared>>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    match answer(&shared, uri.path(), &headers, &body).await {
        Ok(answer) => ok_response(&answer, members),
        Err(error) => error.into_response(),
    }
}

async fn answer(shared: &Shared, path: &str, headers: &HeaderMap, body: &Bytes) -> Result<Value, AwsError> {
    let op = operation(path, SERVICE)?;
    let decoded = decode_request(headers, body)?;
    shared.fault(&op, &decoded)?;
    let request = decoded.body;
    match op.as_str() {
        "PutMetricData" => put_metric_data(shared, &request).await,
        "GetMetricData" => get_metric_data(shared, &request).await,
        "PutCompositeAlarm" => put_composite_alarm(shared, &request),
        "DescribeAlarms" => describe_alarms(shared, &request).await,
        "SetAlarmState" => set_alarm_state(shared, &request).await,
        "DeleteAlarms" => delete_alarms(shared, &request).await,
        _ => shared.moto(&op, &request).await,
    }
}

/// Forwards, then keeps the values moto accepted for percentile answers.
async fn put_metric_data(shared: &Shared, request: &Value) -> Result<Value, AwsError> {
    let answer = shared.moto("PutMetricData", request).await?;
    shared.lock().recorded.record(request, now_secs());
    Ok(answer)
}

/// Kept apart from `answer` so the lock is plainly never held across an await.
fn put_composite_alarm(shared: &Shared, request: &Value) -> Result<Value, AwsError> {
    shared.lock().composites.put(request, now_secs()).map(|()| json!({}))
}

/// moto answers the non-percentile queries (and validates the time range even when none is left); the front
/// answers the percentile ones and puts all results back in request order.
async fn get_metric_data(shared: &Shared, request: &Value) -> Result<Value, AwsError> {
    let queries = request["MetricDataQueries"].as_array().cloned().unwrap_or_default();
    let for_moto: Vec<Value> = queries.iter().filter(|q| !percentiles::is_percentile_query(q)).cloned().collect();
    let mut forwarded = request.clone();
    forwarded["MetricDataQueries"] = Value::Array(for_moto);
    let answered = shared.moto("GetMetricData", &forwarded).await?;
    let mut from_moto: HashMap<String, Value> = answered["MetricDataResults"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| Some((r["Id"].as_str()?.to_owned(), r.clone())))
        .collect();
    let window = Window::of(request);
    let state = shared.lock();
    let results: Vec<Value> = queries
        .iter()
        .filter(|q| q["ReturnData"].as_bool() != Some(false))
        .map(|q| {
            if percentiles::is_percentile_query(q) {
                state.recorded.answer(q, &window)
            } else {
                let id = q["Id"].as_str().unwrap_or_default();
                from_moto.remove(id).unwrap_or_else(|| percentiles::empty_result(q))
            }
        })
        .collect();
    Ok(json!({"MetricDataResults": results, "Messages": []}))
}

/// Metric alarms come from moto, composite ones from the front; filters and paging apply to both.
async fn describe_alarms(shared: &Shared, request: &Value) -> Result<Value, AwsError> {
    let types = alarms::requested_types(request);
    let metric = if types.metric {
        let mut forwarded = request.clone();
        if let Some(members) = forwarded.as_object_mut() {
            for paging in ["NextToken", "MaxRecords", "AlarmTypes"] {
                members.remove(paging);
            }
        }
        let answered = shared.moto("DescribeAlarms", &forwarded).await?;
        answered["MetricAlarms"].as_array().cloned().unwrap_or_default()
    } else {
        Vec::new()
    };
    let composite = if types.composite { shared.lock().composites.all() } else { Vec::new() };
    alarms::describe_page(metric, composite, request)
}

async fn set_alarm_state(shared: &Shared, request: &Value) -> Result<Value, AwsError> {
    let composite = shared.lock().composites.set_state(request, now_secs());
    match composite {
        Some(outcome) => outcome.map(|()| json!({})),
        None => shared.moto("SetAlarmState", request).await,
    }
}

async fn delete_alarms(shared: &Shared, request: &Value) -> Result<Value, AwsError> {
    let names: Vec<String> = strings(&request["AlarmNames"]);
    let left = shared.lock().composites.delete(&names);
    if !names.is_empty() && left.is_empty() {
        return Ok(json!({}));
    }
    let mut forwarded = request.clone();
    forwarded["AlarmNames"] = json!(left);
    shared.moto("DeleteAlarms", &forwarded).await
}

/// The kind of each member CloudWatch answers with, by name (see `cbor::Member`).
fn members(name: &str) -> Member {
    match name {
        "AlarmConfigurationUpdatedTimestamp"
        | "StateUpdatedTimestamp"
        | "StateTransitionedTimestamp"
        | "Timestamp"
        | "Timestamps"
        | "LastModified"
        | "CreationDate"
        | "LastUpdateDate"
        | "StartTime"
        | "EndTime"
        | "StartDate"
        | "ExpireDate"
        | "LastUpdatedTimestamp"
        | "CreatedAt"
        | "UpdatedAt" => Member::Timestamp,
        // `Value` is a double in datapoints and a string in dimensions; strings pass through untouched.
        "Threshold" | "Values" | "Value" | "SampleCount" | "Average" | "Sum" | "Minimum" | "Maximum"
        | "ExtendedStatistics" => Member::Double,
        "Period"
        | "EvaluationPeriods"
        | "DatapointsToAlarm"
        | "ActionsSuppressorWaitPeriod"
        | "ActionsSuppressorExtensionPeriod"
        | "EvaluationInterval" => Member::Integer,
        _ => Member::Plain,
    }
}

/// Shaped as AWS's coral front end throttles a query-compatible service.
fn throttling() -> AwsError {
    AwsError::new(StatusCode::BAD_REQUEST, "com.amazon.coral.availability#ThrottlingException", "Rate exceeded")
        .with_query_code("Throttling")
}

fn access_denied(op: &str) -> AwsError {
    let message = format!(
        "User: arn:aws:iam::123456789012:user/opspod-tests is not authorized to perform: cloudwatch:{op} \
         because no identity-based policy allows the cloudwatch:{op} action"
    );
    AwsError::new(StatusCode::FORBIDDEN, "com.amazon.coral.service#AccessDeniedException", message)
        .with_query_code("AccessDenied")
}

/// CloudWatch's modeled `InternalServiceFault`, whose query code is `InternalServiceError`.
fn internal_error() -> AwsError {
    AwsError::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalServiceFault", "Internal service error.")
        .with_query_code("InternalServiceError")
}

fn moto_broken(message: String) -> AwsError {
    AwsError::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalFailure", message)
}
