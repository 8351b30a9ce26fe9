//! Counts every request an SDK client sends to AWS, retries included, for `/metrics`. An interceptor rather
//! than a count in each reader: it sees each attempt, and the readers' calls stay as they are.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use crate::telemetry::metrics;

/// Counts the attempts of one service's client under its IAM prefix (`cloudwatch`, `logs`, `sqs`).
#[derive(Debug, Clone, Copy)]
pub struct CountCalls(pub &'static str);

impl Intercept for CountCalls {
    fn name(&self) -> &'static str {
        "CountCalls"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let no_answer = matches!(context.output_or_error(), Some(Err(error))
            if error.is_connector_error() || error.is_timeout_error());
        let outcome = match context.response() {
            Some(response) if response.status().is_success() => "ok",
            _ if no_answer => "unreachable",
            // AWS answered with an error, or the request could not be made (no credentials).
            _ => "error",
        };
        metrics::aws_call(self.0, outcome);
        Ok(())
    }
}
