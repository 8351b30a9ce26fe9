//! What a failed AWS call means for opspod: denied (a missing IAM action, said once), throttled, no support
//! plan, or unavailable; never SDK text in chat.

use std::collections::BTreeSet;
use std::error::Error;
use std::sync::Mutex;

use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// A failed call, classified by its error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AwsFailure {
    /// The credentials lack the IAM action; retrying will not help until the policy changes.
    #[error("AWS denied {action}")]
    Denied { action: &'static str },
    /// AWS asked us to slow down, and the SDK's retries ran out.
    #[error("AWS throttled {action}")]
    Throttled { action: &'static str },
    /// Health's API needs a Business, Enterprise On-Ramp or Enterprise support plan.
    #[error("{action} needs an AWS support plan with the Health API")]
    SubscriptionRequired { action: &'static str },
    /// Anything else: a 5xx, a timeout, no credentials, a bad request.
    #[error("{action} failed: {detail}")]
    Failed { action: &'static str, detail: String },
}

const DENIED: [&str; 5] =
    ["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "UnauthorizedException"];
const THROTTLED: [&str; 6] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "LimitExceededException",
];

impl AwsFailure {
    /// Classifies an SDK error for the IAM `action` (`cloudwatch:DescribeAlarms`) that made the call.
    pub fn of<E>(action: &'static str, error: &E) -> AwsFailure
    where
        E: ProvideErrorMetadata + Error + 'static,
    {
        let failure = match error.code() {
            Some(code) if DENIED.contains(&code) => AwsFailure::Denied { action },
            Some(code) if THROTTLED.contains(&code) => AwsFailure::Throttled { action },
            Some("SubscriptionRequiredException") => AwsFailure::SubscriptionRequired { action },
            _ => AwsFailure::Failed { action, detail: DisplayErrorContext(error).to_string() },
        };
        if let AwsFailure::Throttled { action } = failure {
            crate::telemetry::metrics::aws_throttled(action);
        }
        failure
    }

    /// Logs the failure: a denied action once per process with what to do about it, the rest every time.
    pub fn log(&self, what: &str) {
        match self {
            AwsFailure::Denied { action } => {
                if first_denial(action) {
                    tracing::warn!(
                        action,
                        "AWS denied {action}, so {what} goes without it. Add {action} to the \
                        bot's IAM policy (config/iam-policy.json lists every action opspod needs)."
                    );
                }
            }
            AwsFailure::Throttled { action } => {
                tracing::warn!(action, "AWS kept throttling {action}; {what} backs off and tries again later.")
            }
            AwsFailure::SubscriptionRequired { action } => tracing::warn!(action, "{self}; {what} is off."),
            AwsFailure::Failed { action, detail } => tracing::warn!(action, "{what}: {action} failed: {detail}"),
        }
    }

    pub fn is_denied(&self) -> bool {
        matches!(self, AwsFailure::Denied { .. })
    }
}

/// True the first time `action` is denied in this process, so the log says it once instead of every poll.
fn first_denial(action: &'static str) -> bool {
    static SEEN: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    SEEN.lock().map(|mut seen| seen.insert(action)).unwrap_or(true)
}
