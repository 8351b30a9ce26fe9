//! A relay in front of moto for the services that reach it directly (Lambda, CloudWatch Logs), which can be
//! switched to answer 503 to every call, as AWS does during an outage, while counting what it was asked.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::task::JoinHandle;

#[derive(Default)]
struct Shared {
    down: AtomicBool,
    calls: AtomicUsize,
    refused: AtomicUsize,
    by_service: Mutex<BTreeMap<&'static str, usize>>,
}

struct Relay {
    upstream: String,
    client: reqwest::Client,
    shared: Arc<Shared>,
}

pub struct AwsRelay {
    port: u16,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl AwsRelay {
    /// Relays every request to `upstream` (moto) until the relay is dropped.
    pub async fn start(upstream: &str) -> AwsRelay {
        let shared = Arc::new(Shared::default());
        let relay = Arc::new(Relay {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
            shared: shared.clone(),
        });
        let app = axum::Router::new().fallback(relay_request).with_state(relay);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the AWS relay");
        let port = listener.local_addr().expect("a local address").port();
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve the AWS relay");
        });
        AwsRelay { port, shared, server }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// While `down`, every call answers 503 `ServiceUnavailableException`.
    pub fn set_down(&self, down: bool) {
        self.shared.down.store(down, Ordering::SeqCst);
    }

    /// Calls received so far, refused ones included.
    pub fn calls(&self) -> usize {
        self.shared.calls.load(Ordering::SeqCst)
    }

    /// Calls received so far by service: `logs` (the JSON protocol's `Logs_…` target), `lambda` (its REST paths),
    /// or `other`.
    pub fn calls_by_service(&self) -> BTreeMap<&'static str, usize> {
        self.shared.by_service.lock().expect("the relay's counts").clone()
    }

    /// Calls answered 503 while down.
    pub fn refused(&self) -> usize {
        self.shared.refused.load(Ordering::SeqCst)
    }
}

impl Drop for AwsRelay {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn relay_request(State(relay): State<Arc<Relay>>, request: Request) -> Response {
    relay.shared.calls.fetch_add(1, Ordering::SeqCst);
    *relay.shared.by_service.lock().expect("the relay's counts").entry(service_of(&request)).or_default() += 1;
    if relay.shared.down.load(Ordering::SeqCst) {
        relay.shared.refused.fetch_add(1, Ordering::SeqCst);
        return unavailable();
    }
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return (StatusCode::BAD_REQUEST, "unreadable body").into_response();
    };
    let path = parts.uri.path_and_query().map_or("/", |path| path.as_str());
    let forwarded = relay
        .client
        .request(parts.method, format!("{}{path}", relay.upstream))
        .headers(without_hop_headers(&parts.headers))
        .body(body)
        .send()
        .await;
    match forwarded {
        Ok(answer) => {
            let status = answer.status();
            let headers = without_hop_headers(answer.headers());
            let body = answer.bytes().await.unwrap_or_else(|_| Bytes::new());
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = status;
            *response.headers_mut() = headers;
            response
        }
        Err(error) => (StatusCode::BAD_GATEWAY, format!("moto did not answer: {error}")).into_response(),
    }
}

fn service_of(request: &Request) -> &'static str {
    let target = request.headers().get("x-amz-target").and_then(|target| target.to_str().ok()).unwrap_or("");
    if target.starts_with("Logs_") {
        "logs"
    } else if request.uri().path().starts_with("/2015-03-31/") || request.uri().path().starts_with("/2017-") {
        "lambda"
    } else {
        "other"
    }
}

/// What AWS answers while a service is unavailable, in the shape both the JSON and REST protocols read.
fn unavailable() -> Response {
    let body = r#"{"__type":"ServiceUnavailableException","message":"Service unavailable, try again later."}"#;
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [("content-type", "application/x-amz-json-1.1"), ("x-amzn-errortype", "ServiceUnavailableException")],
        body,
    )
        .into_response()
}

fn without_hop_headers(headers: &HeaderMap) -> HeaderMap {
    const HOP: [&str; 4] = ["host", "content-length", "transfer-encoding", "connection"];
    headers
        .iter()
        .filter(|(name, _)| !HOP.contains(&name.as_str()))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}
