//! Gathers the context of a burst of incidents: grouped by account and region, metrics in shared calls, logs and
//! deploys per function, each kind within the time box, so one slow API costs only its own part.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt};

use super::Enricher;
use super::metrics::{self, CHART_AFTER, CHART_BEFORE};
use crate::aws::failure::AwsFailure;
use crate::aws::lambda::FunctionReader;
use crate::aws::logs::{LogReader, ScanLimits};
use crate::aws::metrics::{MetricReader, MetricRequest, Series};
use crate::domain::context::{
    Context, FunctionFacts, LogFindings, OurFunction, Related, health_service_of, retired_runtime,
};
use crate::domain::logs::{Push, Scanner};
use crate::domain::routing::entity_name;
use crate::domain::{AlarmChange, EventBody, HealthEvent, ResourceKind};
use crate::store::PendingEnrichment;

/// Functions whose logs or deploys are read at the same time.
const CONCURRENCY: usize = 8;

/// AWS calls made by enrichment, by API, for benchmarks and logs.
#[derive(Debug, Default)]
pub struct Counts {
    pub get_metric_data: AtomicUsize,
    pub filter_log_events: AtomicUsize,
    pub lambda: AtomicUsize,
}

impl Counts {
    pub fn snapshot(&self) -> (usize, usize, usize) {
        (
            self.get_metric_data.load(Ordering::Relaxed),
            self.filter_log_events.load(Ordering::Relaxed),
            self.lambda.load(Ordering::Relaxed),
        )
    }
}

/// One context per pending incident, in order.
pub(super) async fn contexts(enricher: &Enricher, pending: &[PendingEnrichment]) -> Vec<Context> {
    let mut contexts = vec![Context::default(); pending.len()];
    for ((account, region), members) in by_scope(pending) {
        let Some(config) = enricher.access.config_for(&account, &region) else {
            for index in members {
                contexts[index].unavailable.push(format!("AWS context (no access to account {account} in {region})"));
            }
            continue;
        };
        let group = Group { enricher, pending, members, config: config.clone() };
        for (index, context) in group.gather().await {
            contexts[index] = context;
        }
    }
    for (request, context) in pending.iter().zip(contexts.iter_mut()) {
        related(enricher, request, context).await;
    }
    contexts
}

/// Indices of the pending incidents by (account, region) of what they are about.
fn by_scope(pending: &[PendingEnrichment]) -> BTreeMap<(String, String), Vec<usize>> {
    let mut scopes: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (index, request) in pending.iter().enumerate() {
        let (account, region) = match &request.event.body {
            EventBody::Alarm(alarm) => (alarm.resource.account.clone(), alarm.resource.region.clone()),
            EventBody::Health(health) => (request.event.account.clone(), health.event_region.clone()),
        };
        scopes.entry((account, region)).or_default().push(index);
    }
    scopes
}

/// The incidents of one account and region.
struct Group<'a> {
    enricher: &'a Enricher,
    pending: &'a [PendingEnrichment],
    members: Vec<usize>,
    config: aws_config::SdkConfig,
}

impl Group<'_> {
    fn alarms(&self) -> Vec<(usize, &AlarmChange)> {
        self.members
            .iter()
            .filter_map(|&index| match &self.pending[index].event.body {
                EventBody::Alarm(alarm) => Some((index, alarm)),
                EventBody::Health(_) => None,
            })
            .collect()
    }

    fn health(&self) -> Vec<(usize, &HealthEvent)> {
        self.members
            .iter()
            .filter_map(|&index| match &self.pending[index].event.body {
                EventBody::Health(health) => Some((index, health)),
                EventBody::Alarm(_) => None,
            })
            .collect()
    }

    /// Each function of the group with the earliest transition that concerns it.
    fn functions(&self) -> BTreeMap<String, DateTime<Utc>> {
        let mut functions: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
        for (_, alarm) in self.alarms() {
            if alarm.resource.is_function() {
                let at = alarm.state.timestamp;
                let first = functions.entry(alarm.resource.name.to_string()).or_insert(at);
                *first = (*first).min(at);
            }
        }
        functions
    }

    async fn gather(&self) -> Vec<(usize, Context)> {
        let time_box = self.enricher.time_box;
        let functions = self.functions();
        let needs_catalogue = self.health().iter().any(|(_, health)| runtime_notice(health).is_some());
        let (stats, series, logs, facts, catalogue) = tokio::join!(
            tokio::time::timeout(time_box, self.stats(&functions)),
            tokio::time::timeout(time_box, self.series()),
            tokio::time::timeout(time_box, self.logs(&functions)),
            tokio::time::timeout(time_box, self.facts(&functions)),
            tokio::time::timeout(time_box, self.catalogue(needs_catalogue)),
        );
        let timed_out = |what: &str| format!("{what} (took longer than {} s)", time_box.as_secs());
        let mut out = Vec::new();
        for (index, alarm) in self.alarms() {
            let mut context = Context::default();
            let function = alarm.resource.is_function().then(|| alarm.resource.name.to_string());
            if let Some(function) = &function {
                match &stats {
                    Ok(Ok(stats)) => context.lambda = stats.get(function).cloned(),
                    Ok(Err(failure)) => context.unavailable.push(unavailable("metrics", failure)),
                    Err(_) => context.unavailable.push(timed_out("metrics")),
                }
                match &logs {
                    Ok(logs) => match logs.get(function) {
                        Some(Ok(findings)) => context.logs = Some(findings.clone()),
                        Some(Err(failure)) => context.unavailable.push(unavailable("logs", failure)),
                        None => {}
                    },
                    Err(_) => context.unavailable.push(timed_out("logs")),
                }
                match &facts {
                    Ok(facts) => match facts.get(function) {
                        Some(Ok(found)) => context.function = found.clone(),
                        Some(Err(failure)) => context.unavailable.push(unavailable("the last deploy", failure)),
                        None => {}
                    },
                    Err(_) => context.unavailable.push(timed_out("the last deploy")),
                }
            }
            match &series {
                Ok(Ok(series)) => context.series = series.get(&index).cloned(),
                Ok(Err(failure)) => context.unavailable.push(unavailable("the chart", failure)),
                Err(_) => context.unavailable.push(timed_out("the chart")),
            }
            out.push((index, context));
        }
        for (index, health) in self.health() {
            let mut context = Context::default();
            let named = named_functions(self.enricher, health);
            context.our_functions = named;
            if let Some(runtime) = runtime_notice(health) {
                match &catalogue {
                    Ok(Ok(all)) => {
                        let on_runtime = all.iter().filter(|f| f.runtime.as_deref() == Some(runtime.as_str()));
                        for function in on_runtime {
                            if !context.our_functions.iter().any(|known| known.name == function.name) {
                                context.our_functions.push(our_function(self.enricher, &function.name));
                            }
                        }
                        context.functions_checked = Some(all.len());
                    }
                    Ok(Err(failure)) => context.unavailable.push(unavailable("our functions on that runtime", failure)),
                    Err(_) => context.unavailable.push(timed_out("our functions on that runtime")),
                }
            }
            out.push((index, context));
        }
        out
    }

    /// The eight statistics of every function, in calls shared by all functions whose window is the same.
    async fn stats(
        &self,
        functions: &BTreeMap<String, DateTime<Utc>>,
    ) -> Result<HashMap<String, crate::domain::context::LambdaStats>, AwsFailure> {
        let reader = MetricReader::new(&self.config);
        let mut by_window: BTreeMap<(DateTime<Utc>, DateTime<Utc>), Vec<&String>> = BTreeMap::new();
        for (function, at) in functions {
            by_window.entry(metrics::stats_window(*at)).or_default().push(function);
        }
        let mut found = HashMap::new();
        for ((start, end), names) in by_window {
            let requests: Vec<MetricRequest> =
                names.iter().enumerate().flat_map(|(index, name)| metrics::function_queries(index, name)).collect();
            let (answers, calls) = reader.fetch(&requests, start, end).await?;
            self.enricher.counts.get_metric_data.fetch_add(calls, Ordering::Relaxed);
            for (index, name) in names.iter().enumerate() {
                if let Some(stats) = metrics::function_stats(index, &answers) {
                    found.insert((*name).clone(), stats);
                }
            }
        }
        Ok(found)
    }

    /// Each alarm's own metric over the chart's span, in calls shared by the whole group.
    async fn series(&self) -> Result<HashMap<usize, crate::domain::context::MetricSeries>, AwsFailure> {
        let alarms = self.alarms();
        let requests: Vec<(usize, &AlarmChange, MetricRequest)> = alarms
            .iter()
            .filter_map(|(index, alarm)| Some((*index, *alarm, metrics::alarm_query(*index, alarm)?)))
            .collect();
        if requests.is_empty() {
            return Ok(HashMap::new());
        }
        let first = requests.iter().map(|(_, alarm, _)| alarm.state.timestamp).min().unwrap_or_else(Utc::now);
        let last = requests.iter().map(|(_, alarm, _)| alarm.state.timestamp).max().unwrap_or_else(Utc::now);
        let start = first - CHART_BEFORE;
        let end = (last + CHART_AFTER).min(Utc::now().max(last + chrono::Duration::minutes(1)));
        let reader = MetricReader::new(&self.config);
        let queries: Vec<MetricRequest> = requests.iter().map(|(_, _, request)| request.clone()).collect();
        let (answers, calls): (HashMap<String, Series>, usize) = reader.fetch(&queries, start, end).await?;
        self.enricher.counts.get_metric_data.fetch_add(calls, Ordering::Relaxed);
        Ok(requests
            .iter()
            .filter_map(|(index, alarm, request)| {
                let mut series = metrics::alarm_series(*index, alarm, request, &answers)?;
                let at = alarm.state.timestamp;
                series.points.retain(|(time, _)| *time >= at - CHART_BEFORE && *time <= at + CHART_AFTER);
                Some((*index, series))
            })
            .collect())
    }

    /// Each function's log findings around its first transition.
    async fn logs(
        &self,
        functions: &BTreeMap<String, DateTime<Utc>>,
    ) -> HashMap<String, Result<LogFindings, AwsFailure>> {
        let reader = LogReader::new(&self.config);
        let owned: Vec<(String, DateTime<Utc>)> = functions.iter().map(|(f, at)| (f.clone(), *at)).collect();
        stream::iter(owned)
            .map(|(function, at)| {
                let reader = reader.clone();
                let counts = self.enricher.counts.clone();
                async move {
                    let (start, end) = metrics::stats_window(at);
                    let group = format!("/aws/lambda/{function}");
                    let limits = ScanLimits::default();
                    let mut scanner = Scanner::new(limits.for_fold());
                    let read = reader
                        .scan_each(&group, start, end, limits, |event| scanner.push(event) == Push::Accepted)
                        .await;
                    if let Ok(read) = &read {
                        counts.filter_log_events.fetch_add(read.calls, Ordering::Relaxed);
                    }
                    (function, read.map(|read| super::logs::findings(&scanner.finish(), read)))
                }
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await
    }

    /// Each function's configuration and the deploy in effect at its first transition.
    async fn facts(
        &self,
        functions: &BTreeMap<String, DateTime<Utc>>,
    ) -> HashMap<String, Result<Option<FunctionFacts>, AwsFailure>> {
        let reader = FunctionReader::new(&self.config);
        let owned: Vec<(String, DateTime<Utc>)> = functions.iter().map(|(f, at)| (f.clone(), *at)).collect();
        stream::iter(owned)
            .map(|(function, at)| {
                let reader = reader.clone();
                let counts = self.enricher.counts.clone();
                async move {
                    let facts = reader.facts(&function, at).await;
                    // GetFunction, and ListVersionsByFunction (one page, nearly always) when the function exists.
                    let calls = if matches!(facts, Ok(Some(_))) { 2 } else { 1 };
                    counts.lambda.fetch_add(calls, Ordering::Relaxed);
                    (function, facts)
                }
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await
    }

    async fn catalogue(&self, needed: bool) -> Result<Vec<FunctionFacts>, AwsFailure> {
        if !needed {
            return Ok(vec![]);
        }
        self.enricher.counts.lambda.fetch_add(1, Ordering::Relaxed);
        FunctionReader::new(&self.config).all().await
    }
}

/// Open incidents that may share a cause: Health issues for an alarm, our alarms for a Health issue.
async fn related(enricher: &Enricher, request: &PendingEnrichment, context: &mut Context) {
    let store = &enricher.store;
    let found = match &request.event.body {
        EventBody::Alarm(alarm) => {
            let namespace = alarm.metrics.iter().find_map(|metric| metric.namespace.as_deref());
            let Some(service) = namespace.and_then(health_service_of).or(service_of_kind(alarm.resource.kind)) else {
                return;
            };
            store
                .related_open_incidents(
                    "health|",
                    &["service"],
                    Some(service),
                    &alarm.resource.region,
                    &request.incident_id,
                )
                .await
                .map(|found| context.health = found)
        }
        EventBody::Health(health) => {
            let kinds = kinds_of_service(&health.service);
            if kinds.is_empty() {
                return;
            }
            store
                .related_open_incidents("alarm|", kinds, None, &health.event_region, &request.incident_id)
                .await
                .map(|found: Vec<Related>| context.alarms = found)
        }
    };
    if let Err(error) = found {
        tracing::warn!(%error, incident = %request.incident_id, "Could not look up related incidents.");
    }
}

/// The Health service of a resource kind, for alarms whose metric names no namespace opspod knows.
fn service_of_kind(kind: ResourceKind) -> Option<&'static str> {
    Some(match kind {
        ResourceKind::Function => "LAMBDA",
        ResourceKind::Api => "APIGATEWAY",
        ResourceKind::Queue => "SQS",
        ResourceKind::Table => "DYNAMODB",
        ResourceKind::StateMachine => "STATES",
        ResourceKind::Topic => "SNS",
        ResourceKind::Stream => "KINESIS",
        _ => return None,
    })
}

/// The resource kinds (as the store names them) a Health service's problems can reach.
fn kinds_of_service(service: &str) -> &'static [&'static str] {
    match service {
        "LAMBDA" => &["function"],
        "APIGATEWAY" => &["api"],
        "SQS" => &["queue"],
        "DYNAMODB" => &["table"],
        "STATES" => &["state_machine"],
        "SNS" => &["topic"],
        "KINESIS" | "FIREHOSE" => &["stream"],
        _ => &[],
    }
}

/// The runtime a Lambda lifecycle notice retires, if the event is one.
fn runtime_notice(health: &HealthEvent) -> Option<String> {
    (health.service == "LAMBDA").then(|| retired_runtime(&health.type_code, &health.metadata)).flatten()
}

/// The functions AWS names as affected, with their owners.
fn named_functions(enricher: &Enricher, health: &HealthEvent) -> Vec<OurFunction> {
    if health.service != "LAMBDA" {
        return vec![];
    }
    health.affected_entities.iter().map(|entity| our_function(enricher, entity_name(entity.value.as_str()))).collect()
}

fn our_function(enricher: &Enricher, name: &str) -> OurFunction {
    let owner = enricher.render.directory.owner_named(name, &BTreeMap::new());
    OurFunction {
        name: name.to_owned(),
        owner: owner.and_then(|owner| owner.mention.clone().or(Some(owner.team.clone()))),
    }
}

/// "logs (AWS denied logs:FilterLogEvents)"; the failure itself is logged, once for denials.
fn unavailable(what: &str, failure: &AwsFailure) -> String {
    failure.log(&format!("the {what} context"));
    match failure {
        AwsFailure::Denied { action } => format!("{what} (AWS denied {action})"),
        AwsFailure::Throttled { .. } => format!("{what} (AWS throttled the calls)"),
        AwsFailure::SubscriptionRequired { .. } => format!("{what} (needs an AWS support plan)"),
        AwsFailure::Failed { .. } => format!("{what} (the AWS call failed; see the bot's log)"),
    }
}
