//! AWS access behind the ports: one set of SDK clients per account and region, built from aws-config's default
//! credential chain with adaptive retry, assumed roles where config names them, and the endpoint overrides
//! (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`) that aws-config reads by itself.

pub mod alarms;
pub mod costs;
pub mod counted;
pub mod failure;
pub mod health;
pub mod insights;
pub mod lambda;
pub mod logs;
pub mod metrics;

use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};

use crate::config::{Account, Aws};

/// Health's global endpoint lives in us-east-1 (the commercial partition).
pub const HEALTH_REGION: &str = "us-east-1";

/// Attempts per call, throttling included; adaptive retry also slows the client down when AWS throttles.
const MAX_ATTEMPTS: u32 = 5;

/// Where a set of clients points: an account (as configured, or the default chain's) and a region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The configured account id; `None` for the default chain's account, which its ARNs reveal.
    pub account: Option<String>,
    /// How logs and alerts name the account.
    pub account_name: String,
    pub region: String,
}

impl Scope {
    /// `prod/eu-west-1`, for log lines and cursor names.
    pub fn label(&self) -> String {
        format!("{}/{}", self.account_name, self.region)
    }
}

/// The SDK configuration for each scope, from which every service's client is made.
#[derive(Clone)]
pub struct AwsAccess {
    scopes: Vec<(Scope, SdkConfig)>,
    /// One per account, in us-east-1.
    health: Vec<(Scope, SdkConfig)>,
}

impl AwsAccess {
    /// Builds the scopes config lists, or the default chain's account and region when it lists none.
    pub async fn from_config(aws: &Aws) -> AwsAccess {
        let base = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::adaptive().with_max_attempts(MAX_ATTEMPTS))
            .load()
            .await;
        let default_region = base.region().map(|region| region.to_string()).unwrap_or_else(|| HEALTH_REGION.into());
        let regions = if aws.regions.is_empty() { vec![default_region] } else { aws.regions.clone() };
        let accounts: Vec<Option<&Account>> =
            if aws.accounts.is_empty() { vec![None] } else { aws.accounts.iter().map(Some).collect() };
        let mut scopes = Vec::new();
        let mut health = Vec::new();
        for account in accounts {
            let credentials = credentials_for(&base, account).await;
            for region in &regions {
                scopes.push((scope(account, region), in_region(&credentials, region)));
            }
            health.push((scope(account, HEALTH_REGION), in_region(&credentials, HEALTH_REGION)));
        }
        AwsAccess { scopes, health }
    }

    /// Whether the credential chain yields credentials within a few seconds, so commands that exit soon can
    /// skip context instead of waiting for every call to fail.
    pub async fn credentials_available(&self) -> bool {
        let Some(provider) = self.scopes.first().and_then(|(_, config)| config.credentials_provider()) else {
            return false;
        };
        let probe = tokio::time::timeout(std::time::Duration::from_secs(5), provider.provide_credentials());
        matches!(probe.await, Ok(Ok(_)))
    }

    /// Every account and region, with its SDK configuration.
    pub fn scopes(&self) -> &[(Scope, SdkConfig)] {
        &self.scopes
    }

    /// Every account's Health endpoint.
    pub fn health_scopes(&self) -> &[(Scope, SdkConfig)] {
        &self.health
    }

    /// The configuration for an account (by id, or the default chain's when unknown) in a region.
    pub fn config_for(&self, account: &str, region: &str) -> Option<&SdkConfig> {
        let in_region = || self.scopes.iter().filter(|(scope, _)| scope.region == region);
        in_region()
            .find(|(scope, _)| scope.account.as_deref() == Some(account))
            .or_else(|| in_region().find(|(scope, _)| scope.account.is_none()))
            .map(|(_, config)| config)
    }
}

fn scope(account: Option<&Account>, region: &str) -> Scope {
    Scope {
        account: account.map(|account| account.id.clone()),
        account_name: account.map_or_else(|| "default".to_owned(), |account| account.name.clone()),
        region: region.to_owned(),
    }
}

/// The base configuration, with the account's role assumed through STS when config names one.
async fn credentials_for(base: &SdkConfig, account: Option<&Account>) -> SdkConfig {
    let Some((account, role)) = account.and_then(|account| Some((account, account.role_arn.as_ref()?))) else {
        return base.clone();
    };
    let mut provider = AssumeRoleProvider::builder(role).configure(base).session_name("opspod");
    if let Some(external_id) = &account.external_id {
        provider = provider.external_id(external_id);
    }
    let provider = provider.build().await;
    base.to_builder().credentials_provider(SharedCredentialsProvider::new(provider)).build()
}

fn in_region(config: &SdkConfig, region: &str) -> SdkConfig {
    config.to_builder().region(Region::new(region.to_owned())).build()
}
