//! Logging: structured `tracing` output on stderr, filtered by `OPSPOD_LOG` (default `info`); and the metrics and
//! status that `/metrics` and `/healthz` serve.

pub mod metrics;
pub mod status;

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_env("OPSPOD_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,aws=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}
