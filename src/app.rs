//! Wiring shared by the commands: config → store → pipeline → delivery.

use std::sync::Arc;

use anyhow::Context;

use crate::aws::AwsAccess;
use crate::chat::render::RenderContext;
use crate::config::{Config, Loaded};
use crate::delivery::{Backoff, Delivery};
use crate::enrich::Enricher;
use crate::pipeline::{Pipeline, Rules};
use crate::ports::{ChatSink, Clock, SystemClock};
use crate::store::{Store, redact_url};

/// The parts every long-running command needs.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub pipeline: Pipeline,
    pub backoff: Backoff,
    pub clock: Arc<dyn Clock>,
}

impl App {
    /// Opens (and migrates) the configured database, or `database` when given.
    pub async fn open(loaded: &Loaded, database: Option<&str>) -> anyhow::Result<App> {
        let url = database.map(str::to_owned).unwrap_or_else(|| loaded.config.database_url());
        let store =
            Store::open(&url).await.with_context(|| format!("Failed to open the store at {}", redact_url(&url)))?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let pipeline = Pipeline::new(store.clone(), rules(&loaded.config), clock.clone());
        let settings = loaded.config.delivery();
        let backoff = Backoff {
            initial: settings.initial_backoff,
            max: settings.max_backoff,
            max_attempts: settings.max_attempts,
        };
        Ok(App { store, pipeline, backoff, clock })
    }

    /// The enrichment worker, with the configured time box, over `access`.
    pub fn enricher(&self, config: &Config, access: AwsAccess) -> Enricher {
        let time_box = std::time::Duration::from_secs(config.aws_settings().enrich_seconds);
        Enricher::new(self.store.clone(), access, rules(config).render, time_box, self.pipeline.outbox_ready())
    }

    pub fn delivery(&self, sink: Arc<dyn ChatSink>) -> Delivery {
        Delivery::new(self.store.clone(), sink, self.clock.clone(), self.backoff)
    }
}

/// Routing and rendering rules from config.
pub fn rules(config: &Config) -> Rules {
    let account_names = config
        .aws
        .iter()
        .flat_map(|aws| &aws.accounts)
        .map(|account| (account.id.clone(), account.name.clone()))
        .collect();
    Rules {
        policy: config.policy(),
        render: RenderContext { directory: config.directory(), account_names },
        enrich: config.aws_settings().enabled,
        maintenance: config.maintenance_silences(),
        escalation: config.escalation_policy(),
        flapping: config.flap_rule(),
        grouping: config.group_rule(),
    }
}
