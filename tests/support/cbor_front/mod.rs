//! Loopback servers that speak Smithy RPC v2 CBOR to the real SDK clients: CloudWatch before moto, and a Health fake.
//!
//! The SDK sends `POST /service/<ServiceShape>/operation/<Op>` with a CBOR body and reads a CBOR answer whose
//! timestamps are tag 1. moto 5.2.5 speaks only CloudWatch's JSON protocol and has no Health, so
//! [`CloudWatchFront`] translates to moto (filling moto's gaps itself) and [`HealthFake`] serves fixtures.
//!
//! Errors are CBOR `{"__type", "message"}` bodies. CloudWatch is "AWS query compatible": the SDK asks with
//! `x-amzn-query-mode: true`, and the service answers an `x-amzn-query-error: <Code>;Sender` header whose code the
//! SDK prefers over `__type`. moto sends that header too, so modeled CloudWatch errors surface with their query
//! codes (`ResourceNotFound`, `InvalidNextToken`). Injected faults copy what AWS answers for SQS, also query
//! compatible, over JSON (CloudWatch's own answers were not captured): a throttle surfaces as `Throttling` and a
//! denial as `AccessDenied`, both with coral `__type`s. Health is not query compatible; its codes are the `__type`
//! names (`ThrottlingException`, `SubscriptionRequiredException`).

mod alarms;
pub mod cbor;
mod cloudwatch;
mod health;
mod health_ops;
mod percentiles;

use std::collections::HashMap;
use std::io::Read;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::task::JoinHandle;

#[allow(unused_imports, reason = "each test binary uses a different part of the fronts' API")]
pub use cloudwatch::CloudWatchFront;
#[allow(unused_imports, reason = "each test binary uses a different part of the fronts' API")]
pub use health::{EntityFixture, HealthFake, HealthFixture};

use cbor::Members;

/// One request as a front decoded it, faulted or not.
#[derive(Clone, Debug)]
pub struct FrontRequest {
    pub operation: String,
    pub body: Value,
    /// The SDK gzipped the body (it does so for CloudWatch's PutMetricData from 10 KiB).
    pub gzipped: bool,
}

/// A request body as decoded, and whether it came gzipped.
struct Decoded {
    body: Value,
    gzipped: bool,
}

/// An AWS error answer: HTTP status, CBOR `__type` and `message`, and for query-compatible services the code.
#[derive(Clone, Debug)]
struct AwsError {
    status: StatusCode,
    type_name: String,
    message: String,
    /// `x-amzn-query-error`, as `<Code>;Sender` or `<Code>;Receiver`.
    query_error: Option<String>,
}

impl AwsError {
    fn new(status: StatusCode, type_name: &str, message: impl Into<String>) -> AwsError {
        AwsError { status, type_name: type_name.to_owned(), message: message.into(), query_error: None }
    }

    fn with_query_code(mut self, code: &str) -> AwsError {
        let fault = if self.status.is_server_error() { "Receiver" } else { "Sender" };
        self.query_error = Some(format!("{code};{fault}"));
        self
    }

    fn into_response(self) -> Response {
        let body = cbor::encode(&json!({"__type": self.type_name, "message": self.message}), |_| cbor::Member::Plain);
        let mut response = cbor_response(self.status, body);
        if let Some(code) = self.query_error {
            response.headers_mut().insert("x-amzn-query-error", code.parse().expect("a header value"));
        }
        response
    }
}

/// What every front counts and queues: calls per operation, decoded requests, and pending faults.
#[derive(Default)]
struct Ledger {
    calls: HashMap<String, usize>,
    requests: Vec<FrontRequest>,
    throttle_next: usize,
    fail_next: usize,
    /// While set, every call fails with a 500, as during an AWS outage.
    down: bool,
}

/// A fault that takes the place of the next answer, whatever the operation.
enum Fault {
    Throttle,
    Fail,
}

impl Ledger {
    /// Records the request and takes the fault it should get, throttles first.
    fn record(&mut self, operation: &str, request: &Decoded) -> Option<Fault> {
        *self.calls.entry(operation.to_owned()).or_default() += 1;
        let (body, gzipped) = (request.body.clone(), request.gzipped);
        self.requests.push(FrontRequest { operation: operation.to_owned(), body, gzipped });
        if self.throttle_next > 0 {
            self.throttle_next -= 1;
            Some(Fault::Throttle)
        } else if self.fail_next > 0 {
            self.fail_next -= 1;
            Some(Fault::Fail)
        } else if self.down {
            Some(Fault::Fail)
        } else {
            None
        }
    }

    fn calls(&self, operation: &str) -> usize {
        self.calls.get(operation).copied().unwrap_or(0)
    }
}

/// Binds 127.0.0.1 on a free port and serves `app` until the handle is aborted.
async fn serve(app: axum::Router) -> (u16, JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a CBOR front");
    let port = listener.local_addr().expect("a local address").port();
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve a CBOR front");
    });
    (port, server)
}

/// The operation named by `/service/<service>/operation/<Op>`, or the error AWS gives for any other path.
fn operation(path: &str, service: &str) -> Result<String, AwsError> {
    path.strip_prefix("/service/")
        .and_then(|rest| rest.strip_prefix(service))
        .and_then(|rest| rest.strip_prefix("/operation/"))
        .filter(|op| !op.is_empty() && !op.contains('/'))
        .map(str::to_owned)
        .ok_or_else(|| {
            AwsError::new(StatusCode::NOT_FOUND, "UnknownOperationException", format!("No route for {path}"))
        })
}

/// The decoded request body; the SDK gzips CloudWatch's PutMetricData once it passes 10 KiB.
fn decode_request(headers: &HeaderMap, body: &Bytes) -> Result<Decoded, AwsError> {
    let gzipped = headers.get("content-encoding").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
    let bytes = if gzipped {
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_end(&mut bytes)
            .map_err(|e| AwsError::new(StatusCode::BAD_REQUEST, "SerializationException", format!("bad gzip: {e}")))?;
        bytes
    } else {
        body.to_vec()
    };
    let body = cbor::decode(&bytes).map_err(|e| AwsError::new(StatusCode::BAD_REQUEST, "SerializationException", e))?;
    Ok(Decoded { body, gzipped })
}

fn cbor_response(status: StatusCode, body: Vec<u8>) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/cbor")
        .header("smithy-protocol", "rpc-v2-cbor")
        .body(Body::from(body))
        .expect("a CBOR response")
}

/// A 200 answer, typed by the service's members.
fn ok_response(body: &Value, members: Members) -> Response {
    cbor_response(StatusCode::OK, cbor::encode(body, members))
}

/// Epoch seconds now, with the millisecond precision AWS timestamps carry.
fn now_secs() -> f64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("a clock after 1970");
    since.as_millis() as f64 / 1000.0
}

/// A page of `items` from an opaque offset token; `Err` when the token is not one this front issued.
fn page<T: Clone>(items: &[T], token: Option<&str>, size: usize) -> Result<(Vec<T>, Option<String>), ()> {
    let start = match token {
        None => 0,
        Some(token) => token.strip_prefix(PAGE_TOKEN).and_then(|n| n.parse::<usize>().ok()).ok_or(())?,
    };
    if start > items.len() {
        return Err(());
    }
    let end = (start + size).min(items.len());
    let next = (end < items.len()).then(|| format!("{PAGE_TOKEN}{end}"));
    Ok((items[start..end].to_vec(), next))
}

const PAGE_TOKEN: &str = "loopback-page-";

/// The strings of a JSON list; anything else is an empty list.
fn strings(value: &Value) -> Vec<String> {
    value.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect()
}
