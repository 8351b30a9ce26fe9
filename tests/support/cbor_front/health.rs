//! `HealthFake`: the AWS Health API (`AWSHealth_20160804`) in CBOR, serving events the test loads.
//!
//! Both views are served from one list of fixtures: the account view (DescribeEvents, DescribeEventDetails,
//! DescribeAffectedEntities) shows every event, and the organization view (the `…ForOrganization` operations,
//! DescribeAffectedAccountsForOrganization included) shows each in its `account_id` and in the accounts its
//! entities name. See `health_ops` for the filters and paging honoured.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio::task::JoinHandle;

use super::cbor::Member;
use super::{AwsError, Fault, FrontRequest, Ledger, decode_request, health_ops, ok_response, operation, serve};

/// Health's Smithy service shape, the path segment of every CBOR call.
const SERVICE: &str = "AWSHealth_20160804";

/// An event as AWS Health describes it, with its latest description and affected entities.
#[derive(Clone, Debug)]
pub struct HealthFixture {
    pub arn: String,
    /// Like `LAMBDA` or `EC2`.
    pub service: String,
    pub event_type_code: String,
    /// `issue`, `accountNotification`, `scheduledChange` or `investigation`.
    pub event_type_category: String,
    pub region: String,
    pub availability_zone: Option<String>,
    pub start_time: DateTime<Utc>,
    pub end_time: Option<DateTime<Utc>>,
    pub last_updated_time: DateTime<Utc>,
    /// `open`, `closed` or `upcoming`.
    pub status_code: String,
    /// `PUBLIC`, `ACCOUNT_SPECIFIC` or `NONE`.
    pub event_scope_code: String,
    /// The `latestDescription` DescribeEventDetails answers.
    pub description: String,
    /// The account the organization view shows the event in (besides those its entities name).
    pub account_id: String,
    pub entities: Vec<EntityFixture>,
}

/// A resource an event affects.
#[derive(Clone, Debug)]
pub struct EntityFixture {
    pub entity_value: String,
    pub entity_arn: Option<String>,
    pub entity_url: Option<String>,
    pub aws_account_id: String,
    /// `IMPAIRED`, `UNIMPAIRED`, `UNKNOWN`, `PENDING` or `RESOLVED`.
    pub status_code: String,
    pub tags: BTreeMap<String, String>,
    /// The event's `last_updated_time` when `None`.
    pub last_updated_time: Option<DateTime<Utc>>,
}

/// The account moto and the fixtures use by default.
pub const DEFAULT_ACCOUNT: &str = "123456789012";

impl HealthFixture {
    /// An open, account-specific `issue` in `service` that started when it was last updated, with no entities.
    pub fn new(arn: &str, service: &str, region: &str, last_updated_time: DateTime<Utc>) -> HealthFixture {
        HealthFixture {
            arn: arn.to_owned(),
            service: service.to_owned(),
            event_type_code: format!("AWS_{service}_OPERATIONAL_ISSUE"),
            event_type_category: "issue".to_owned(),
            region: region.to_owned(),
            availability_zone: None,
            start_time: last_updated_time,
            end_time: None,
            last_updated_time,
            status_code: "open".to_owned(),
            event_scope_code: "ACCOUNT_SPECIFIC".to_owned(),
            description: String::new(),
            account_id: DEFAULT_ACCOUNT.to_owned(),
            entities: Vec::new(),
        }
    }

    pub fn entity(mut self, entity: EntityFixture) -> HealthFixture {
        self.entities.push(entity);
        self
    }
}

impl EntityFixture {
    /// An impaired entity without tags, ARN or URL.
    pub fn new(entity_value: &str, aws_account_id: &str) -> EntityFixture {
        EntityFixture {
            entity_value: entity_value.to_owned(),
            entity_arn: None,
            entity_url: None,
            aws_account_id: aws_account_id.to_owned(),
            status_code: "IMPAIRED".to_owned(),
            tags: BTreeMap::new(),
            last_updated_time: None,
        }
    }
}

/// The Health fake; it stops when dropped.
pub struct HealthFake {
    shared: Arc<Mutex<HealthState>>,
    port: u16,
    server: JoinHandle<()>,
}

#[derive(Default)]
struct HealthState {
    ledger: Ledger,
    subscription_required: bool,
    events: Vec<HealthFixture>,
}

impl Drop for HealthFake {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl HealthFake {
    /// Serves on 127.0.0.1 (a free port), with no events.
    pub async fn start() -> HealthFake {
        let shared = Arc::new(Mutex::new(HealthState::default()));
        let app = axum::Router::new().fallback(handle).with_state(Arc::clone(&shared));
        let (port, server) = serve(app).await;
        HealthFake { shared, port, server }
    }

    /// What the SDK's `endpoint_url` wants: `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Adds an event, or replaces the one with the same ARN.
    pub fn add_event(&self, event: HealthFixture) {
        let mut state = self.lock();
        state.events.retain(|e| e.arn != event.arn);
        state.events.push(event);
    }

    /// Moves an event on, as AWS does when it posts an update or closes it. Panics on an unknown ARN.
    pub fn update_event(&self, arn: &str, last_updated_time: DateTime<Utc>, status_code: &str) {
        let mut state = self.lock();
        let event = state.events.iter_mut().find(|e| e.arn == arn).expect("update_event needs a loaded event");
        event.last_updated_time = last_updated_time;
        event.status_code = status_code.to_owned();
    }

    /// While on, every call answers 400 `SubscriptionRequiredException`, as for an account without a Business,
    /// Enterprise On-Ramp or Enterprise Support plan.
    pub fn subscription_required(&self, required: bool) {
        self.lock().subscription_required = required;
    }

    /// The next `n` calls answer 400 `ThrottlingException`.
    pub fn throttle_next(&self, n: usize) {
        self.lock().ledger.throttle_next += n;
    }

    /// The next `n` calls (after any throttled ones) answer 500 `InternalFailure`.
    pub fn fail_next(&self, n: usize) {
        self.lock().ledger.fail_next += n;
    }

    /// While `down`, every call answers 500 `InternalFailure` (and is still counted).
    pub fn set_down(&self, down: bool) {
        self.lock().ledger.down = down;
    }

    /// Requests received for `operation`, faulted ones included.
    pub fn calls(&self, operation: &str) -> usize {
        self.lock().ledger.calls(operation)
    }

    /// Every request so far, in order, as decoded JSON.
    pub fn requests(&self) -> Vec<FrontRequest> {
        self.lock().ledger.requests.clone()
    }

    fn lock(&self) -> MutexGuard<'_, HealthState> {
        self.shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

async fn handle(State(shared): State<Arc<Mutex<HealthState>>>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let mut state = shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match answer(&mut state, uri.path(), &headers, &body) {
        Ok(answer) => ok_response(&answer, members),
        Err(error) => error.into_response(),
    }
}

fn answer(state: &mut HealthState, path: &str, headers: &HeaderMap, body: &Bytes) -> Result<Value, AwsError> {
    let op = operation(path, SERVICE)?;
    let request = decode_request(headers, body)?;
    match state.ledger.record(&op, &request) {
        Some(Fault::Throttle) => {
            return Err(AwsError::new(StatusCode::BAD_REQUEST, "ThrottlingException", "Rate exceeded"));
        }
        Some(Fault::Fail) => {
            return Err(AwsError::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalFailure", "Internal failure."));
        }
        None => {}
    }
    if state.subscription_required {
        let message = "Your AWS account doesn't include the AWS Support plan required to use the AWS Health API. \
                       You must have either a Business, Enterprise On-Ramp, or Enterprise Support plan.";
        return Err(AwsError::new(StatusCode::BAD_REQUEST, "SubscriptionRequiredException", message));
    }
    health_ops::answer(&op, &request.body, &state.events)
}

/// Health answers timestamps in these members only; everything else is plain.
fn members(name: &str) -> Member {
    match name {
        "startTime" | "endTime" | "lastUpdatedTime" => Member::Timestamp,
        _ => Member::Plain,
    }
}
