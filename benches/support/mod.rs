//! What the benches share: the test support (fake Discord, CBOR front, events, databases), opspod wired to the
//! fake Discord, the ingest runs, the digest against moto, `opspod run` as a child, and reading a process's memory.
//!
//! Each bench includes it with `mod support;` and uses a different part of it.

#![allow(dead_code, reason = "each bench uses a different part of the support module")]

pub mod aws;
pub mod digest;
pub mod discord;
pub mod ingest;
pub mod memory;
pub mod run;
pub mod table;

#[path = "../../tests/support/mod.rs"]
mod test_support;

pub use test_support::{aws_relay, cbor_front, events, fake_discord, lambda_world};

pub type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Whether this is `cargo bench` (which passes `--bench`) rather than `cargo test --benches`, which only wants
/// to know that the bench runs: a full measurement then, a small smoke pass otherwise.
pub fn full_run() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

/// `OPSPOD_LOG=warn` shows opspod's and serenity's logs on stderr.
pub fn log_from_env() {
    if let Ok(filter) = std::env::var("OPSPOD_LOG") {
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    }
}

/// The nearest-rank percentile of `sorted` (ascending), `p` in 0..=100.
pub fn percentile<T: Copy + Default>(sorted: &[T], p: f64) -> T {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.saturating_sub(1)).copied().unwrap_or_default()
}
