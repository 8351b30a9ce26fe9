//! The analysis behind `/errors`, `/coldstarts` and `/bugreport`: for each function, counts from CloudWatch
//! metrics (batched `GetMetricData`) and detail from a bounded scan of its logs, folded by the log analysis in
//! `domain::logs`. The `opspod-commands` crate renders the answers; this module only gathers and computes.

pub(crate) mod pricing;
pub mod usage;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use opspod_commands::args::{FunctionName, Since};
use opspod_commands::bugreport::{self, BugInput, Check, Frame};
use opspod_commands::coldstarts::{ColdStartsAnswer, FunctionColdStarts};
use opspod_commands::cost::{CostAnswer, FunctionCost};
use opspod_commands::errors::{ErrorsAnswer, FunctionErrors, SignatureRow};
use tokio::sync::Mutex;

use crate::aws::AwsAccess;
use crate::aws::failure::AwsFailure;
use crate::aws::lambda::FunctionReader;
use crate::domain::ownership::Directory;
use crate::store::Store;

pub use usage::{FunctionUsage, ScanBudget};

/// Answers are reused for this long, so a command repeated in a channel does not query AWS again.
const CACHE_TTL: Duration = Duration::from_secs(60);

/// Functions whose logs are scanned when a command names none: the ones with the most failures.
const SCANNED_WHEN_UNNAMED: usize = 10;

/// A function and the window's length in seconds.
type CacheKey = (String, u64);

/// Why a command could not answer; shown to the user in these words, never with SDK text.
#[derive(Debug, thiserror::Error)]
pub enum InsightError {
    #[error("AWS is turned off in opspod's config ([aws] enabled = false), so there is nothing to look at.")]
    AwsOff,
    #[error("I could not read {what}: {reason}. Details are in opspod's log.")]
    Aws { what: String, reason: String },
    #[error("There is no function {0} in the watched accounts and regions.")]
    NoSuchFunction(String),
    /// A mistake in what the user typed, in the bot's words.
    #[error("{0}")]
    Argument(String),
}

impl InsightError {
    fn aws(what: &str, failure: &AwsFailure) -> InsightError {
        failure.log(what);
        let reason = match failure {
            AwsFailure::Denied { action } => format!("AWS denied {action}, which the bot's IAM policy needs"),
            AwsFailure::Throttled { .. } => "AWS is throttling the calls; try again in a minute".into(),
            AwsFailure::SubscriptionRequired { .. } => "that needs an AWS support plan".into(),
            AwsFailure::Failed { .. } => "the AWS call failed".into(),
        };
        InsightError::Aws { what: what.to_owned(), reason }
    }
}

/// Gathers usage for commands, with a short cache.
pub struct Insights {
    access: AccessCell,
    directory: Directory,
    store: Option<Store>,
    budget: ScanBudget,
    cache: Mutex<HashMap<CacheKey, (Instant, Arc<FunctionUsage>)>>,
    /// Ask Cost Explorer for actuals even when built from an explicit access (the CLI passes its config's choice).
    cost_explorer: bool,
}

impl Insights {
    pub fn new(access: Option<AwsAccess>, directory: Directory, store: Option<Store>) -> Self {
        let cell = tokio::sync::OnceCell::new_with(Some(access.map(Arc::new)));
        Insights::with_cell(AccessCell { cell, settings: None }, directory, store)
    }

    /// For the bot: AWS access is built on the first command that needs it, from `[aws]`.
    pub fn lazy(config: &crate::config::Config, store: Store) -> Self {
        let settings = config.aws_settings();
        let insights = settings.logs_through_insights();
        let cell = AccessCell { cell: tokio::sync::OnceCell::new(), settings: Some(settings) };
        Insights::with_cell(cell, config.directory(), Some(store)).with_logs_insights(insights)
    }

    /// Reads logs through Logs Insights (`true`) or a `FilterLogEvents` scan.
    pub fn with_logs_insights(mut self, on: bool) -> Self {
        self.budget.insights = on;
        self
    }

    /// Adds Cost Explorer's actuals to `/cost`.
    pub fn with_cost_explorer(mut self, on: bool) -> Self {
        self.cost_explorer = on;
        self
    }

    fn with_cell(access: AccessCell, directory: Directory, store: Option<Store>) -> Self {
        let cache = Mutex::new(HashMap::new());
        Insights { access, directory, store, budget: ScanBudget::default(), cache, cost_explorer: false }
    }

    /// `/errors`: every named function, or all functions with their worst first.
    pub async fn errors(&self, function: Option<&FunctionName>, since: Since) -> Result<ErrorsAnswer, InsightError> {
        let usages = self.usages(function, since).await?;
        let functions = usages.iter().map(|usage| errors_of(usage)).collect();
        Ok(ErrorsAnswer::new(since, functions, notes(&usages)))
    }

    /// `/coldstarts`: cold starts from the `REPORT` lines, interactive functions flagged.
    pub async fn coldstarts(
        &self,
        function: Option<&FunctionName>,
        since: Since,
    ) -> Result<ColdStartsAnswer, InsightError> {
        let usages = self.usages(function, since).await?;
        let functions = usages.iter().map(|usage| self.coldstarts_of(usage)).collect();
        Ok(ColdStartsAnswer::new(since, functions, notes(&usages)))
    }

    /// `/cost`: billed usage from the `REPORT` lines at the bundled prices, most expensive first.
    pub async fn cost(&self, function: Option<&FunctionName>, since: Since) -> Result<CostAnswer, InsightError> {
        let usages = self.usages(function, since).await?;
        let architectures = self.architectures(&usages).await;
        let pricing = pricing::Pricing::bundled();
        let functions = usages
            .iter()
            .filter(|usage| usage.scanned)
            .map(|usage| {
                let architecture = architectures.get(&usage.function).cloned().unwrap_or_else(|| "x86_64".into());
                let reports = &usage.logs.reports;
                FunctionCost {
                    function: usage.function.clone(),
                    price: pricing.price(&usage.region, &architecture),
                    architecture,
                    invocations: reports.invocations,
                    gb_seconds: reports.gb_seconds(),
                    failed_invocations: reports.failed_invocations,
                    failed_gb_seconds: reports.failed_gb_seconds(),
                }
            })
            .collect();
        let today = Utc::now().date_naive();
        let mut notes = notes(&usages);
        notes.extend(self.cost_anomalies(&usages, since).await);
        let mut answer = CostAnswer::new(since, functions, days_in_month(today), notes);
        answer.actual = self.actual_cost(since).await;
        Ok(answer)
    }

    /// Cost Explorer's Lambda cost for the days the window touches, when `[aws] cost_explorer` is on.
    async fn actual_cost(&self, since: Since) -> Option<(f64, String, String)> {
        if !self.access.settings.as_ref().is_some_and(|aws| aws.cost_explorer) && !self.cost_explorer {
            return None;
        }
        let access = self.access.get().await?;
        let (_, config) = access.health_scopes().first()?;
        let today = Utc::now().date_naive();
        let first = (Utc::now() - chrono::Duration::from_std(since.duration()).ok()?).date_naive();
        let end = today.succ_opt()?;
        match crate::aws::costs::lambda_cost(config, first, end).await {
            Ok(Some((amount, currency))) => {
                let days = if first == today { today.to_string() } else { format!("{first} to {today}") };
                Some((amount, currency, days))
            }
            Ok(None) => None,
            Err(failure) => {
                failure.log("the Cost Explorer actuals");
                None
            }
        }
    }

    /// Functions whose compute (CloudWatch `Duration` Sum) in this window is at least twice their usual: the
    /// median of the seven windows of the same length before it.
    async fn cost_anomalies(&self, usages: &[Arc<FunctionUsage>], since: Since) -> Vec<String> {
        const BASELINE_WINDOWS: i32 = 7;
        let Some(access) = self.access.get().await else { return vec![] };
        let window = chrono::Duration::from_std(since.duration()).unwrap_or_default();
        let mut by_scope: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for usage in usages.iter().filter(|usage| usage.scanned) {
            let key = (usage.account.clone().unwrap_or_default(), usage.region.clone());
            by_scope.entry(key).or_default().push(usage.function.clone());
        }
        let mut notes = Vec::new();
        for ((account, region), names) in by_scope {
            let Some(config) = access.config_for(&account, &region) else { continue };
            match usage::duration_history(config, &names, window, BASELINE_WINDOWS, Utc::now()).await {
                Ok(histories) => notes.extend(names.iter().zip(histories).filter_map(|(name, history)| {
                    let times = usage::anomaly(&history)?;
                    Some(format!(
                        "{name}: compute ×{times:.1} its usual (the median of the {BASELINE_WINDOWS} windows of {since} before)."
                    ))
                })),
                Err(failure) => failure.log("the cost baseline"),
            }
        }
        notes
    }

    /// Each function's architecture, from one `ListFunctions` per region.
    async fn architectures(&self, usages: &[Arc<FunctionUsage>]) -> HashMap<String, String> {
        let Some(access) = self.access.get().await else { return HashMap::new() };
        let mut found = HashMap::new();
        for (_, config) in access.scopes() {
            match FunctionReader::new(config).all().await {
                Ok(functions) => found.extend(functions.into_iter().filter_map(|f| Some((f.name, f.architecture?)))),
                Err(failure) => failure.log("the functions' architectures (x86_64 prices are assumed)"),
            }
        }
        found.retain(|name, _| usages.iter().any(|usage| &usage.function == name));
        found
    }

    /// A custom command from config: its query, with the values written in, over its log groups and window.
    pub async fn custom(
        &self,
        definition: &opspod_commands::custom::Definition,
        values: &BTreeMap<String, String>,
        since: Since,
    ) -> Result<(String, Vec<Vec<(String, String)>>), InsightError> {
        let (query, groups) = definition.fill(values).map_err(|error| InsightError::Argument(error.0))?;
        let access = self.access.get().await.ok_or(InsightError::AwsOff)?;
        let (_, config) = access.scopes().first().ok_or(InsightError::AwsOff)?;
        let end = Utc::now();
        let start = end - chrono::Duration::from_std(since.duration()).unwrap_or_default();
        let reader = crate::aws::insights::InsightsReader::new(config);
        let rows = reader
            .rows(&groups, &query, start, end, self.budget.max_time)
            .await
            .map_err(|failure| InsightError::aws("the query's log groups", &failure))?
            .ok_or_else(|| {
                InsightError::Argument(format!(
                    "A log group of /{} does not exist: {}.",
                    definition.name,
                    groups.join(", ")
                ))
            })?;
        Ok((opspod_commands::custom::render_rows(&definition.name, &rows), rows))
    }

    /// `/bugreport`: the function's top error as a draft report, or `None` when it had no errors.
    pub async fn bugreport(&self, function: &FunctionName, since: Since) -> Result<Option<BugInput>, InsightError> {
        let usages = self.usages(Some(function), since).await?;
        let Some(usage) = usages.first() else { return Ok(None) };
        let Some(top) = usage.logs.errors.first() else { return Ok(None) };
        let deploy = self.deploy(usage, top.first_seen).await;
        let health = self.open_health(&usage.region).await;
        Ok(Some(BugInput {
            function: usage.function.clone(),
            region: usage.region.clone(),
            account: usage.account.clone(),
            since,
            error_type: top.signature.error_type().map(str::to_owned),
            signature: top.signature.to_string(),
            count: top.invocations,
            first_seen: top.first_seen,
            last_seen: top.last_seen,
            frame: top.in_app_frame.as_ref().map(frame),
            app_frames: top.app_frames.iter().map(frame).collect(),
            request_ids: top.request_ids.clone(),
            deploy,
            checks: checks(usage, since, health),
            links: crate::chat::render::function_links(&usage.region, &usage.function, top.first_seen),
        }))
    }

    fn coldstarts_of(&self, usage: &FunctionUsage) -> FunctionColdStarts {
        let reports = &usage.logs.reports;
        // A SnapStart function's users wait on its restore as others wait on an init.
        let init = reports.init_ms.as_ref().or(reports.restore_ms.as_ref());
        FunctionColdStarts {
            function: usage.function.clone(),
            invocations: reports.invocations,
            cold_starts: reports.cold_starts,
            init_p50_ms: init.map(|p| p.p50),
            init_p95_ms: init.map(|p| p.p95),
            init_max_ms: init.map(|p| p.max),
            interactive: self
                .directory
                .owner_named(&usage.function, &BTreeMap::new())
                .is_some_and(|owner| owner.interactive),
        }
    }

    /// The usage of the named function, or of every function in the watched regions.
    async fn usages(
        &self,
        function: Option<&FunctionName>,
        since: Since,
    ) -> Result<Vec<Arc<FunctionUsage>>, InsightError> {
        let access = self.access.get().await.ok_or(InsightError::AwsOff)?;
        let end = Utc::now();
        let start = end - chrono::Duration::from_std(since.duration()).unwrap_or_default();
        let mut found = Vec::new();
        for (scope, config) in access.scopes() {
            let names = match function {
                Some(function) => vec![function.as_str().to_owned()],
                None => FunctionReader::new(config)
                    .all()
                    .await
                    .map_err(|failure| InsightError::aws("the list of functions", &failure))?
                    .into_iter()
                    .map(|facts| facts.name)
                    .collect(),
            };
            let cached = self.cached(&names, since).await;
            let missing: Vec<String> = names.iter().filter(|name| !cached.contains_key(*name)).cloned().collect();
            let scan_all = function.is_some() || missing.len() <= SCANNED_WHEN_UNNAMED;
            let fresh = usage::gather(config, scope, &missing, start, end, self.budget, scan_all, SCANNED_WHEN_UNNAMED)
                .await
                .map_err(|(what, failure)| InsightError::aws(what, &failure))?;
            let mut cache = self.cache.lock().await;
            for usage in fresh {
                let usage = Arc::new(usage);
                cache.insert((usage.function.clone(), since.duration().as_secs()), (Instant::now(), usage.clone()));
                found.push(usage);
            }
            found.extend(cached.into_values());
        }
        if let Some(function) = function {
            // A named function lives in one of the watched accounts and regions; the others only say it is not there.
            found.retain(|usage| usage.exists);
            if found.is_empty() {
                return Err(InsightError::NoSuchFunction(function.as_str().to_owned()));
            }
        }
        Ok(found)
    }

    async fn cached(&self, names: &[String], since: Since) -> HashMap<String, Arc<FunctionUsage>> {
        let cache = self.cache.lock().await;
        names
            .iter()
            .filter_map(|name| {
                let (at, usage) = cache.get(&(name.clone(), since.duration().as_secs()))?;
                (at.elapsed() < CACHE_TTL).then(|| (name.clone(), usage.clone()))
            })
            .collect()
    }

    async fn deploy(
        &self,
        usage: &FunctionUsage,
        first_seen: DateTime<Utc>,
    ) -> Option<(String, Option<DateTime<Utc>>)> {
        let access = self.access.get().await?;
        let config = access.config_for(usage.account.as_deref().unwrap_or_default(), &usage.region)?;
        let facts = FunctionReader::new(config).facts(&usage.function, first_seen).await.ok()??;
        facts.deploy.map(|deploy| (deploy.version, deploy.deployed_at))
    }

    /// Open AWS Health issues for Lambda in the region, from the incidents opspod keeps.
    async fn open_health(&self, region: &str) -> Option<Vec<String>> {
        let store = self.store.as_ref()?;
        let related = store.related_open_incidents("health|", &["service"], Some("LAMBDA"), region, "").await.ok()?;
        Some(related.into_iter().map(|related| format!("{} ({})", related.title, related.incident_id)).collect())
    }
}

/// AWS access, made once: given at construction, or built from `[aws]` on first use (none when AWS is off).
struct AccessCell {
    cell: tokio::sync::OnceCell<Option<Arc<AwsAccess>>>,
    settings: Option<crate::config::Aws>,
}

impl AccessCell {
    async fn get(&self) -> Option<&Arc<AwsAccess>> {
        self.cell
            .get_or_init(|| async {
                let settings = self.settings.as_ref().filter(|aws| aws.enabled)?;
                Some(Arc::new(AwsAccess::from_config(settings).await))
            })
            .await
            .as_ref()
    }
}

fn days_in_month(day: chrono::NaiveDate) -> u32 {
    use chrono::Datelike;
    let first = day.with_day(1).unwrap_or(day);
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
    u32::try_from((next - first).num_days()).unwrap_or(30)
}

fn errors_of(usage: &FunctionUsage) -> FunctionErrors {
    FunctionErrors {
        function: usage.function.clone(),
        invocations: usage.metrics.invocations,
        errors: usage.metrics.errors,
        throttles: usage.metrics.throttles,
        timeouts: usage.logs.timeouts.count,
        oom: usage.logs.out_of_memory.count,
        signatures: usage
            .logs
            .errors
            .iter()
            .map(|stats| SignatureRow {
                signature: stats.signature.to_string(),
                count: stats.invocations,
                first_seen: stats.first_seen,
                last_seen: stats.last_seen,
                frame: stats.in_app_frame.as_ref().map(ToString::to_string),
            })
            .collect(),
    }
}

fn frame(frame: &crate::domain::logs::Frame) -> Frame {
    Frame { file: frame.path().to_owned(), line: frame.line, function: frame.function.clone() }
}

/// What the bug report says was ruled out: throttling, timeouts, memory, and AWS's own problems.
fn checks(usage: &FunctionUsage, since: Since, health: Option<Vec<String>>) -> Vec<Check> {
    let throttles = usage.metrics.throttles;
    let timeouts = usage.logs.timeouts.count;
    let oom = usage.logs.out_of_memory.count;
    let memory = usage.logs.reports.memory_used_pct.as_ref().map(|p| p.max);
    let mut checks = vec![
        Check {
            what: "Throttling".into(),
            ruled_out: throttles == 0,
            detail: format!("{throttles} throttles in {since}"),
        },
        Check { what: "Timeouts".into(), ruled_out: timeouts == 0, detail: format!("{timeouts} timeouts in {since}") },
        Check {
            what: "Memory".into(),
            ruled_out: oom == 0 && memory.is_none_or(|pct| pct < 90.0),
            detail: match memory {
                Some(pct) => format!("{oom} out-of-memory kills; peak memory {pct:.0}% of the function's size"),
                None => format!("{oom} out-of-memory kills"),
            },
        },
    ];
    if let Some(health) = health {
        checks.push(Check {
            what: "AWS Health".into(),
            ruled_out: health.is_empty(),
            detail: if health.is_empty() {
                format!("no open Lambda issue in {}", usage.region)
            } else {
                format!("open: {}", health.join("; "))
            },
        });
    }
    checks
}

fn notes(usages: &[Arc<FunctionUsage>]) -> Vec<String> {
    let mut notes = Vec::new();
    let truncated: Vec<&str> =
        usages.iter().filter(|usage| usage.logs.truncated).map(|usage| usage.function.as_str()).collect();
    if !truncated.is_empty() {
        notes.push(format!(
            "Logs were too many to read in full for {}; their log counts are lower bounds.",
            truncated.join(", ")
        ));
    }
    let unscanned = usages.iter().filter(|usage| !usage.scanned).count();
    if unscanned > 0 {
        notes.push(format!(
            "{unscanned} functions with fewer failures were counted from metrics only; name one for its log detail."
        ));
    }
    notes
}

/// The answer when the function had no errors in the window.
pub fn no_errors(function: &FunctionName, since: Since) -> String {
    bugreport::no_errors(function.as_str(), since)
}
