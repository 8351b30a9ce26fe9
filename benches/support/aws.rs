//! AWS for the benches: moto (the shared one `.ci/moto start` runs, or one of the bench's own) with the CBOR front
//! before it for CloudWatch, and the SDK clients opspod builds from the environment pointed at them.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use opspod::aws::AwsAccess;
use opspod::config::Aws;

use super::BenchResult;
use super::cbor_front::CloudWatchFront;

/// moto's URL, or a message that says how to start it.
pub fn moto_url() -> BenchResult<String> {
    Ok(std::env::var("OPSPOD_TEST_AWS_ENDPOINT").map_err(
        |_| "OPSPOD_TEST_AWS_ENDPOINT is not set: start moto with `.ci/moto start` and `eval \"$(.ci/moto env)\"`",
    )?)
}

/// Starts the CloudWatch front before the shared moto on `runtime`; see [`front_before`].
pub fn front_before_moto(runtime: &tokio::runtime::Runtime) -> BenchResult<CloudWatchFront> {
    front_before(runtime, &moto_url()?)
}

/// Starts the CloudWatch front before the moto at `moto` on `runtime`, and points the SDK clients this process
/// builds from the environment at that moto, with CloudWatch going through the front, as `AWS_ENDPOINT_URL`
/// points `opspod run`.
pub fn front_before(runtime: &tokio::runtime::Runtime, moto: &str) -> BenchResult<CloudWatchFront> {
    let front = runtime.block_on(CloudWatchFront::start(moto));
    // SAFETY: the benches set these before any of their tasks reads the environment; nothing else runs yet.
    unsafe {
        // The test support's own clients (`lambda_world`) read moto's address from here.
        std::env::set_var("OPSPOD_TEST_AWS_ENDPOINT", moto);
        std::env::set_var("AWS_ENDPOINT_URL", moto);
        std::env::set_var("AWS_ENDPOINT_URL_CLOUDWATCH", front.url());
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    }
    Ok(front)
}

/// opspod's AWS access for us-east-1, from the environment [`front_before_moto`] set.
pub async fn access() -> AwsAccess {
    AwsAccess::from_config(&Aws { regions: vec!["us-east-1".into()], ..Aws::default() }).await
}

/// Every AWS request opspod's clients sent so far in this process, by service (`cloudwatch`, `logs`, `lambda`),
/// as its `/metrics` counts them (retries included).
pub fn calls_by_service() -> std::collections::BTreeMap<String, u64> {
    let mut calls = std::collections::BTreeMap::new();
    for line in opspod::telemetry::metrics::encode().lines() {
        let Some(rest) = line.strip_prefix("opspod_aws_calls_total{") else { continue };
        let Some((labels, value)) = rest.split_once("} ") else { continue };
        let service =
            labels.split(',').find_map(|label| label.strip_prefix("service=\"")).map(|s| s.trim_end_matches('"'));
        if let (Some(service), Ok(value)) = (service, value.trim().parse::<f64>()) {
            *calls.entry(service.to_owned()).or_insert(0) += value as u64;
        }
    }
    calls
}

/// A moto_server of the bench's own, with empty state, from the venv `.ci/moto` installs (`OPSPOD_VENV`, by default
/// `.venv` in the repository); it is stopped when dropped. The shared moto keeps every datapoint every test run
/// put, and its GetMetricData scans all of them for each query (80 ms a query after a day of test runs), which
/// would make the queries of a digest of 1,000 functions take minutes.
///
/// It runs under [`ORPHAN_GUARD`], so that it exits with the bench even when the bench is killed and never drops it.
pub struct PrivateMoto {
    child: Child,
    pub url: String,
    _log: tempfile::NamedTempFile,
}

impl PrivateMoto {
    pub async fn start() -> BenchResult<PrivateMoto> {
        let venv =
            std::env::var("OPSPOD_VENV").unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/.venv").into());
        let venv = std::path::Path::new(&venv);
        let server = venv.join("bin/moto_server");
        if !server.exists() {
            return Err(format!("{} is missing: `.ci/moto install` makes it", server.display()).into());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let log = tempfile::NamedTempFile::new()?;
        let child = Command::new(venv.join("bin/python"))
            .args(["-c", ORPHAN_GUARD, "-H", "127.0.0.1", "-p", &port.to_string()])
            // Only the bench holds the other end: the pipe closes when the bench exits, however it exits.
            .stdin(Stdio::piped())
            .stdout(Stdio::from(log.reopen()?))
            .stderr(Stdio::from(log.reopen()?))
            .spawn()?;
        let mut moto = PrivateMoto { child, url: format!("http://127.0.0.1:{port}"), _log: log };
        moto.answering(Duration::from_secs(30)).await?;
        Ok(moto)
    }

    async fn answering(&mut self, within: Duration) -> BenchResult<()> {
        let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(2)).build()?;
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(format!("moto_server exited at start with {status}").into());
            }
            if http.get(format!("{}/moto-api/", self.url)).send().await.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("moto_server did not answer within {within:?}").into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// moto_server's own entry point, with a thread that ends the process when its stdin reaches end of file.
const ORPHAN_GUARD: &str = "import os, sys, threading\n\
from moto.server import main\n\
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()\n\
main(sys.argv[1:])\n";

impl Drop for PrivateMoto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
