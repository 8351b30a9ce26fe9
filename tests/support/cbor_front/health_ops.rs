//! The Health operations the fake serves, over the loaded fixtures, with the member names of the Smithy model.
//!
//! Honoured: event filters on ARNs, type codes and categories, services, regions, availability zones, status codes,
//! account ids, entity ARNs and values, and the start, end and last-updated time ranges (inclusive); entity filters
//! on event ARNs, entity ARNs and values, status codes and account ids. Ignored: tags, actionabilities, personas,
//! locale. Events come newest `lastUpdatedTime` first, as on AWS. Pages hold `maxResults` (1 to 100; 10 when
//! absent) and tokens are opaque; details and entity calls take at most 10 events, as AWS limits them.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::health::{EntityFixture, HealthFixture};
use super::{AwsError, page, strings};

/// The page size when `maxResults` is absent.
const DEFAULT_PAGE: usize = 10;

/// How many events DescribeEventDetails and the entity calls take at once.
const MAX_EVENTS_PER_CALL: usize = 10;

/// The `errorName` for an ARN the fake does not know; AWS documents the messages but not the names.
const NOT_FOUND: &str = "NotFoundException";

pub(super) fn answer(op: &str, request: &Value, events: &[HealthFixture]) -> Result<Value, AwsError> {
    match op {
        "DescribeEvents" => describe_events(request, events, false),
        "DescribeEventsForOrganization" => describe_events(request, events, true),
        "DescribeEventDetails" => describe_event_details(request, events),
        "DescribeEventDetailsForOrganization" => describe_event_details_for_organization(request, events),
        "DescribeAffectedEntities" => describe_affected_entities(request, events),
        "DescribeAffectedEntitiesForOrganization" => describe_affected_entities_for_organization(request, events),
        "DescribeAffectedAccountsForOrganization" => describe_affected_accounts_for_organization(request, events),
        _ => Err(AwsError::new(StatusCode::BAD_REQUEST, "UnknownOperationException", format!("{op} is not faked"))),
    }
}

fn describe_events(request: &Value, events: &[HealthFixture], organization: bool) -> Result<Value, AwsError> {
    let filter = &request["filter"];
    let mut matching: Vec<&HealthFixture> = events
        .iter()
        .filter(|e| if organization { matches_organization_filter(e, filter) } else { matches_filter(e, filter) })
        .collect();
    matching.sort_by(|a, b| b.last_updated_time.cmp(&a.last_updated_time).then_with(|| a.arn.cmp(&b.arn)));
    let described: Vec<Value> = matching.into_iter().map(|e| event_json(e, !organization)).collect();
    paged(request, "events", &described, json!({}))
}

fn describe_event_details(request: &Value, events: &[HealthFixture]) -> Result<Value, AwsError> {
    let arns = strings(&request["eventArns"]);
    at_most_ten("eventArns", arns.len())?;
    let (mut successful, mut failed) = (Vec::new(), Vec::new());
    for arn in arns {
        match events.iter().find(|e| e.arn == arn) {
            Some(event) => successful.push(details_json(event)),
            None => failed.push(json!({
                "eventArn": arn,
                "errorName": NOT_FOUND,
                "errorMessage": format!("Event {arn} was not found."),
            })),
        }
    }
    Ok(json!({"successfulSet": successful, "failedSet": failed}))
}

/// AWS's own messages for an event asked for with the wrong kind of account, as the SDK documents them.
const NO_PUBLIC_EVENT: &str = "We couldn't find a public event that matches your request. To find an event that is \
                               account specific, you must enter an AWS account ID in the request.";
const NO_ACCOUNT_EVENT: &str = "We couldn't find an account specific event for the specified AWS account. To find \
                                an event that is public, you must enter a null value for the AWS account ID in the \
                                request.";

/// A public event must be asked for without an account, an account-specific one with its account.
fn describe_event_details_for_organization(request: &Value, events: &[HealthFixture]) -> Result<Value, AwsError> {
    let filters = request["organizationEventDetailFilters"].as_array().cloned().unwrap_or_default();
    at_most_ten("organizationEventDetailFilters", filters.len())?;
    let (mut successful, mut failed) = (Vec::new(), Vec::new());
    for filter in &filters {
        let arn = filter["eventArn"].as_str().unwrap_or_default();
        let account = filter["awsAccountId"].as_str();
        let found = events.iter().find(|e| e.arn == arn && visible_in(e, account));
        match (found, account) {
            (Some(event), _) => {
                let mut details = details_json(event);
                if let Some(account) = account {
                    details["awsAccountId"] = json!(account);
                }
                successful.push(details);
            }
            (None, None) => failed.push(org_failure(arn, account, NO_PUBLIC_EVENT)),
            (None, Some(_)) => failed.push(org_failure(arn, account, NO_ACCOUNT_EVENT)),
        }
    }
    Ok(json!({"successfulSet": successful, "failedSet": failed}))
}

fn visible_in(event: &HealthFixture, account: Option<&str>) -> bool {
    match account {
        None => event.event_scope_code == "PUBLIC",
        Some(account) => event.event_scope_code != "PUBLIC" && accounts(event).iter().any(|a| a == account),
    }
}

/// The accounts an event touches: its own, then those its entities name.
fn accounts(event: &HealthFixture) -> Vec<String> {
    let mut accounts = vec![event.account_id.clone()];
    for entity in &event.entities {
        if !accounts.contains(&entity.aws_account_id) {
            accounts.push(entity.aws_account_id.clone());
        }
    }
    accounts
}

/// A public event names no accounts, so callers read it once, without one.
fn describe_affected_accounts_for_organization(request: &Value, events: &[HealthFixture]) -> Result<Value, AwsError> {
    let arn = request["eventArn"].as_str().unwrap_or_default();
    let event =
        events.iter().find(|e| e.arn == arn).ok_or_else(|| validation(&format!("Event {arn} was not found.")))?;
    let accounts: Vec<Value> = match event.event_scope_code.as_str() {
        "PUBLIC" => Vec::new(),
        _ => accounts(event).into_iter().map(Value::from).collect(),
    };
    paged(request, "affectedAccounts", &accounts, json!({"eventScopeCode": event.event_scope_code}))
}

fn org_failure(arn: &str, account: Option<&str>, message: &str) -> Value {
    let mut failure = json!({"eventArn": arn, "errorName": NOT_FOUND, "errorMessage": message});
    if let Some(account) = account {
        failure["awsAccountId"] = json!(account);
    }
    failure
}

fn describe_affected_entities(request: &Value, events: &[HealthFixture]) -> Result<Value, AwsError> {
    let filter = &request["filter"];
    let arns = strings(&filter["eventArns"]);
    if arns.is_empty() {
        return Err(validation("filter.eventArns must name at least one event."));
    }
    at_most_ten("filter.eventArns", arns.len())?;
    let entities: Vec<Value> = arns
        .iter()
        .filter_map(|arn| events.iter().find(|e| &e.arn == arn))
        .flat_map(|event| event.entities.iter().map(move |entity| (event, entity)))
        .filter(|(_, entity)| matches_entity(entity, filter, None))
        .map(|(event, entity)| entity_json(event, entity))
        .collect();
    paged(request, "entities", &entities, json!({}))
}

fn describe_affected_entities_for_organization(request: &Value, events: &[HealthFixture]) -> Result<Value, AwsError> {
    let filters: Vec<Value> = ["organizationEntityAccountFilters", "organizationEntityFilters"]
        .iter()
        .find_map(|member| request[*member].as_array().filter(|f| !f.is_empty()).cloned())
        .ok_or_else(|| validation("organizationEntityAccountFilters or organizationEntityFilters is required."))?;
    at_most_ten("organizationEntityAccountFilters", filters.len())?;
    let (mut entities, mut failed) = (Vec::new(), Vec::new());
    for filter in &filters {
        let arn = filter["eventArn"].as_str().unwrap_or_default();
        let account = filter["awsAccountId"].as_str();
        let Some(event) = events.iter().find(|e| e.arn == arn) else {
            failed.push(org_failure(arn, account, &format!("Event {arn} was not found.")));
            continue;
        };
        let statuses = json!({"statusCodes": filter["statusCodes"]});
        entities.extend(
            event
                .entities
                .iter()
                .filter(|entity| matches_entity(entity, &statuses, account))
                .map(|entity| entity_json(event, entity)),
        );
    }
    paged(request, "entities", &entities, json!({"failedSet": failed}))
}

/// The page of `items` under `member`, with `nextToken` when more are left, added to `answer`.
fn paged(request: &Value, member: &str, items: &[Value], mut answer: Value) -> Result<Value, AwsError> {
    let size = match request["maxResults"].as_i64() {
        None => DEFAULT_PAGE,
        Some(n @ 1..=100) => n as usize,
        Some(n) => return Err(validation(&format!("maxResults must be between 1 and 100, not {n}."))),
    };
    let (items, next) = page(items, request["nextToken"].as_str(), size).map_err(|()| {
        AwsError::new(StatusCode::BAD_REQUEST, "InvalidPaginationToken", "The specified pagination token is invalid.")
    })?;
    answer[member] = json!(items);
    if let Some(next) = next {
        answer["nextToken"] = json!(next);
    }
    Ok(answer)
}

fn matches_filter(event: &HealthFixture, filter: &Value) -> bool {
    listed(&filter["eventArns"], &event.arn)
        && listed(&filter["availabilityZones"], event.availability_zone.as_deref().unwrap_or_default())
        && any_range(&filter["startTimes"], Some(event.start_time.timestamp_millis()))
        && any_range(&filter["endTimes"], event.end_time.map(|t| t.timestamp_millis()))
        && any_range(&filter["lastUpdatedTimes"], Some(event.last_updated_time.timestamp_millis()))
        && common_filters(event, filter)
}

fn matches_organization_filter(event: &HealthFixture, filter: &Value) -> bool {
    let wanted = strings(&filter["awsAccountIds"]);
    (wanted.is_empty() || accounts(event).iter().any(|a| wanted.contains(a)))
        && in_range(&filter["startTime"], Some(event.start_time.timestamp_millis()))
        && in_range(&filter["endTime"], event.end_time.map(|t| t.timestamp_millis()))
        && in_range(&filter["lastUpdatedTime"], Some(event.last_updated_time.timestamp_millis()))
        && common_filters(event, filter)
}

fn common_filters(event: &HealthFixture, filter: &Value) -> bool {
    let entity_arns = strings(&filter["entityArns"]);
    let entity_values = strings(&filter["entityValues"]);
    listed(&filter["eventTypeCodes"], &event.event_type_code)
        && listed(&filter["services"], &event.service)
        && listed(&filter["regions"], &event.region)
        && listed(&filter["eventTypeCategories"], &event.event_type_category)
        && listed(&filter["eventStatusCodes"], &event.status_code)
        && (entity_arns.is_empty()
            || event.entities.iter().any(|e| e.entity_arn.as_ref().is_some_and(|a| entity_arns.contains(a))))
        && (entity_values.is_empty() || event.entities.iter().any(|e| entity_values.contains(&e.entity_value)))
}

fn matches_entity(entity: &EntityFixture, filter: &Value, account: Option<&str>) -> bool {
    let arns = strings(&filter["entityArns"]);
    listed(&filter["statusCodes"], &entity.status_code)
        && listed(&filter["entityValues"], &entity.entity_value)
        && (arns.is_empty() || entity.entity_arn.as_ref().is_some_and(|a| arns.contains(a)))
        && account.is_none_or(|account| entity.aws_account_id == account)
}

/// True when `list` is absent or empty, or holds `value`.
fn listed(list: &Value, value: &str) -> bool {
    let list = strings(list);
    list.is_empty() || list.iter().any(|v| v == value)
}

/// True when `ranges` is absent or empty, or one of its `{from, to}` holds the time (epoch milliseconds).
fn any_range(ranges: &Value, time: Option<i64>) -> bool {
    match ranges.as_array().filter(|r| !r.is_empty()) {
        None => true,
        Some(ranges) => ranges.iter().any(|range| in_range(range, time)),
    }
}

/// True when `range` is absent, or the time lies within its bounds (each optional, both inclusive).
fn in_range(range: &Value, time: Option<i64>) -> bool {
    if range.is_null() {
        return true;
    }
    let Some(time) = time else { return false };
    let bound = |member: &str| range[member].as_f64().map(|secs| (secs * 1000.0).round() as i64);
    bound("from").is_none_or(|from| from <= time) && bound("to").is_none_or(|to| time <= to)
}

fn event_json(event: &HealthFixture, with_zone: bool) -> Value {
    let mut described = json!({
        "arn": event.arn,
        "service": event.service,
        "eventTypeCode": event.event_type_code,
        "eventTypeCategory": event.event_type_category,
        "region": event.region,
        "startTime": secs(event.start_time),
        "lastUpdatedTime": secs(event.last_updated_time),
        "statusCode": event.status_code,
        "eventScopeCode": event.event_scope_code,
    });
    if let Some(end) = event.end_time {
        described["endTime"] = json!(secs(end));
    }
    if let (true, Some(zone)) = (with_zone, &event.availability_zone) {
        described["availabilityZone"] = json!(zone);
    }
    described
}

fn details_json(event: &HealthFixture) -> Value {
    json!({
        "event": event_json(event, true),
        "eventDescription": {"latestDescription": event.description},
        "eventMetadata": {},
    })
}

fn entity_json(event: &HealthFixture, entity: &EntityFixture) -> Value {
    let mut described = json!({
        "eventArn": event.arn,
        "entityValue": entity.entity_value,
        "awsAccountId": entity.aws_account_id,
        "lastUpdatedTime": secs(entity.last_updated_time.unwrap_or(event.last_updated_time)),
        "statusCode": entity.status_code,
        "tags": entity.tags,
    });
    if let Some(arn) = &entity.entity_arn {
        described["entityArn"] = json!(arn);
    }
    if let Some(url) = &entity.entity_url {
        described["entityUrl"] = json!(url);
    }
    described
}

fn secs(time: chrono::DateTime<chrono::Utc>) -> f64 {
    time.timestamp_millis() as f64 / 1000.0
}

fn at_most_ten(member: &str, count: usize) -> Result<(), AwsError> {
    if count > MAX_EVENTS_PER_CALL {
        return Err(validation(&format!(
            "1 validation error detected: Value at '{member}' failed to satisfy constraint: \
             Member must have length less than or equal to {MAX_EVENTS_PER_CALL}"
        )));
    }
    Ok(())
}

fn validation(message: &str) -> AwsError {
    AwsError::new(StatusCode::BAD_REQUEST, "ValidationException", message)
}
