//! AWS Health through its API: events updated in a window, with their descriptions and affected entities, for
//! one account or (with the organization view) every account of an organization, as domain events.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_health::Client;
use aws_sdk_health::types::{
    AffectedEntity as SdkEntity, DateTimeRange, EntityAccountFilter, EntityFilter, EventAccountFilter, EventFilter,
    OrganizationEventFilter,
};
use aws_smithy_types::DateTime as SdkTime;
use chrono::{DateTime, Utc};

use super::HEALTH_REGION;
use super::alarms::time;
use super::counted::CountCalls;
use super::failure::AwsFailure;
use crate::domain::{
    AffectedEntity, Event, EventBody, HealthCategory, HealthEvent, HealthStatus, Resource, ResourceKind, SafeText,
};

const DESCRIBE_EVENTS: &str = "health:DescribeEvents";
const DESCRIBE_DETAILS: &str = "health:DescribeEventDetails";
const DESCRIBE_ENTITIES: &str = "health:DescribeAffectedEntities";
const DESCRIBE_ORG_EVENTS: &str = "health:DescribeEventsForOrganization";
const DESCRIBE_ORG_ACCOUNTS: &str = "health:DescribeAffectedAccountsForOrganization";
const DESCRIBE_ORG_DETAILS: &str = "health:DescribeEventDetailsForOrganization";
const DESCRIBE_ORG_ENTITIES: &str = "health:DescribeAffectedEntitiesForOrganization";

/// Health's limit on ARNs per details or entities call.
const ARNS_PER_CALL: usize = 10;

/// A [`Summary`] of an account's or an organization's event: the SDK's two types share these getters but no trait.
macro_rules! summary_of {
    ($event:expr) => {{
        let event = $event;
        Some(Summary {
            arn: event.arn()?.to_owned(),
            service: event.service().unwrap_or("UNKNOWN").to_owned(),
            type_code: event.event_type_code().unwrap_or_default().to_owned(),
            category: HealthCategory::parse(event.event_type_category()?.as_str())?,
            scope: event.event_scope_code().map(|scope| scope.as_str().to_owned()),
            region: event.region().unwrap_or("global").to_owned(),
            start: event.start_time().and_then(time),
            end: event.end_time().and_then(time),
            last_updated: time(event.last_updated_time()?)?,
            status: HealthStatus::parse(event.status_code()?.as_str())?,
        })
    }};
}

/// The fields of a Health event that both views describe.
#[derive(Debug, Clone)]
struct Summary {
    arn: String,
    service: String,
    type_code: String,
    category: HealthCategory,
    scope: Option<String>,
    region: String,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    last_updated: DateTime<Utc>,
    status: HealthStatus,
}

/// Reads one account's Health events, or the organization's.
#[derive(Clone, Debug)]
pub struct HealthReader {
    client: Client,
    organization: bool,
    /// The configured account, when the reader is for one; entities name their own account anyway.
    account: Option<String>,
}

impl HealthReader {
    pub fn new(config: &aws_config::SdkConfig, organization: bool, account: Option<String>) -> Self {
        let config = aws_sdk_health::config::Builder::from(config).interceptor(CountCalls("health")).build();
        HealthReader { client: Client::from_conf(config), organization, account }
    }

    /// Every event updated in `[from, to]`, with its latest description and affected entities.
    pub async fn updated_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Event>, AwsFailure> {
        let range = DateTimeRange::builder().from(sdk_time(from)).to(sdk_time(to)).build();
        if self.organization { self.organization_events(range).await } else { self.account_events(range).await }
    }

    async fn account_events(&self, range: DateTimeRange) -> Result<Vec<Event>, AwsFailure> {
        let filter = EventFilter::builder().last_updated_times(range).build();
        let mut pages = self.client.describe_events().filter(filter).max_results(100).into_paginator().send();
        let mut summaries = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| AwsFailure::of(DESCRIBE_EVENTS, &error))?;
            summaries.extend(page.events().iter().filter_map(|event| summary_of!(event)));
        }
        let mut events = Vec::with_capacity(summaries.len());
        for chunk in summaries.chunks(ARNS_PER_CALL) {
            let arns: Vec<String> = chunk.iter().map(|summary| summary.arn.clone()).collect();
            let details = self.account_details(&arns).await?;
            let entities = self.account_entities(&arns).await?;
            for summary in chunk {
                let (description, metadata) = details.get(&summary.arn).cloned().unwrap_or_default();
                let (entities, named) = entities.get(&summary.arn).cloned().unwrap_or_default();
                events.push(self.event(summary, description, metadata, entities, self.account.clone().or(named)));
            }
        }
        Ok(events)
    }

    async fn account_details(&self, arns: &[String]) -> Result<HashMap<String, Details>, AwsFailure> {
        let answer = self
            .client
            .describe_event_details()
            .set_event_arns(Some(arns.to_vec()))
            .send()
            .await
            .map_err(|error| AwsFailure::of(DESCRIBE_DETAILS, &error))?;
        Ok(answer
            .successful_set()
            .iter()
            .filter_map(|details| {
                let arn = details.event()?.arn()?.to_owned();
                let description = details.event_description().and_then(|d| d.latest_description());
                Some((arn, (description.unwrap_or_default().to_owned(), metadata(details.event_metadata()))))
            })
            .collect())
    }

    /// Each event's entities, and the account the first of them names (the default chain's account is unknown).
    async fn account_entities(&self, arns: &[String]) -> Result<HashMap<String, Entities>, AwsFailure> {
        let filter = EntityFilter::builder()
            .set_event_arns(Some(arns.to_vec()))
            .build()
            .map_err(|error| AwsFailure::Failed { action: DESCRIBE_ENTITIES, detail: error.to_string() })?;
        let mut pages =
            self.client.describe_affected_entities().filter(filter).max_results(100).into_paginator().send();
        let mut by_event: HashMap<String, Entities> = HashMap::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| AwsFailure::of(DESCRIBE_ENTITIES, &error))?;
            for entity in page.entities() {
                if let Some(arn) = entity.event_arn() {
                    let (entities, account) = by_event.entry(arn.to_owned()).or_default();
                    entities.push(affected(entity));
                    if account.is_none() {
                        *account = entity.aws_account_id().map(str::to_owned);
                    }
                }
            }
        }
        Ok(by_event)
    }

    async fn organization_events(&self, range: DateTimeRange) -> Result<Vec<Event>, AwsFailure> {
        let filter = OrganizationEventFilter::builder().last_updated_time(range).build();
        let mut pages =
            self.client.describe_events_for_organization().filter(filter).max_results(100).into_paginator().send();
        let mut summaries = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| AwsFailure::of(DESCRIBE_ORG_EVENTS, &error))?;
            summaries.extend(page.events().iter().filter_map(|event| summary_of!(event)));
        }
        let mut events = Vec::new();
        for summary in &summaries {
            for account in self.affected_accounts(&summary.arn).await? {
                let pair = EventAccountFilter::builder()
                    .event_arn(&summary.arn)
                    .set_aws_account_id(account.clone())
                    .build()
                    .map_err(|error| AwsFailure::Failed { action: DESCRIBE_ORG_DETAILS, detail: error.to_string() })?;
                let (description, metadata) = self.organization_details(pair).await?;
                let entities = self.organization_entities(&summary.arn, account.as_deref()).await?;
                events.push(self.event(summary, description, metadata, entities, account));
            }
        }
        Ok(events)
    }

    /// The accounts an event touches; a public event with none is read once, without an account.
    async fn affected_accounts(&self, arn: &str) -> Result<Vec<Option<String>>, AwsFailure> {
        let mut pages = self
            .client
            .describe_affected_accounts_for_organization()
            .event_arn(arn)
            .max_results(100)
            .into_paginator()
            .send();
        let mut accounts = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| AwsFailure::of(DESCRIBE_ORG_ACCOUNTS, &error))?;
            accounts.extend(page.affected_accounts().iter().cloned().map(Some));
        }
        if accounts.is_empty() {
            accounts.push(None);
        }
        Ok(accounts)
    }

    async fn organization_details(&self, pair: EventAccountFilter) -> Result<Details, AwsFailure> {
        let answer = self
            .client
            .describe_event_details_for_organization()
            .organization_event_detail_filters(pair)
            .send()
            .await
            .map_err(|error| AwsFailure::of(DESCRIBE_ORG_DETAILS, &error))?;
        Ok(answer
            .successful_set()
            .first()
            .map(|details| {
                let description = details.event_description().and_then(|d| d.latest_description());
                (description.unwrap_or_default().to_owned(), metadata(details.event_metadata()))
            })
            .unwrap_or_default())
    }

    async fn organization_entities(&self, arn: &str, account: Option<&str>) -> Result<Vec<AffectedEntity>, AwsFailure> {
        let filter = EntityAccountFilter::builder()
            .event_arn(arn)
            .set_aws_account_id(account.map(str::to_owned))
            .build()
            .map_err(|error| AwsFailure::Failed { action: DESCRIBE_ORG_ENTITIES, detail: error.to_string() })?;
        let mut pages = self
            .client
            .describe_affected_entities_for_organization()
            .organization_entity_account_filters(filter)
            .max_results(100)
            .into_paginator()
            .send();
        let mut entities = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| AwsFailure::of(DESCRIBE_ORG_ENTITIES, &error))?;
            entities.extend(page.entities().iter().map(affected));
        }
        Ok(entities)
    }

    fn event(
        &self,
        summary: &Summary,
        description: String,
        metadata: BTreeMap<String, String>,
        entities: Vec<AffectedEntity>,
        account: Option<String>,
    ) -> Event {
        let account = account.unwrap_or_default();
        let health = HealthEvent {
            arn: summary.arn.clone(),
            service: summary.service.clone(),
            type_code: summary.type_code.clone(),
            category: summary.category.clone(),
            scope: summary.scope.clone(),
            communication_id: None,
            start: summary.start,
            end: summary.end,
            last_updated: summary.last_updated,
            status: summary.status,
            event_region: summary.region.clone(),
            description: SafeText::from_untrusted(&description),
            metadata,
            affected_entities: entities,
            affected_account: (!account.is_empty()).then(|| account.clone()),
            page: 1,
            total_pages: 1,
            abuse: false,
            resource: Resource {
                kind: ResourceKind::Service,
                name: SafeText::from_untrusted(&summary.service),
                region: summary.region.clone(),
                account: account.clone(),
                tags: BTreeMap::new(),
            },
        };
        Event {
            id: format!("health-api|{}|{}", summary.arn, summary.last_updated.timestamp_millis()),
            account,
            region: HEALTH_REGION.to_owned(),
            time: summary.last_updated,
            body: EventBody::Health(health),
            delivered_via: None,
        }
    }
}

/// A description and the event's metadata.
type Details = (String, BTreeMap<String, String>);

/// An event's affected entities, and the account they name.
type Entities = (Vec<AffectedEntity>, Option<String>);

fn affected(entity: &SdkEntity) -> AffectedEntity {
    let tags = entity.tags().map(|tags| tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect());
    AffectedEntity {
        value: SafeText::from_untrusted(entity.entity_value().or(entity.entity_arn()).unwrap_or_default()),
        status: entity.status_code().map(|status| status.as_str().to_owned()),
        last_updated: entity.last_updated_time().and_then(time),
        tags: tags.unwrap_or_default(),
    }
}

fn metadata(metadata: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    metadata.map(|metadata| metadata.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default()
}

fn sdk_time(time: DateTime<Utc>) -> SdkTime {
    SdkTime::from_millis(time.timestamp_millis())
}
