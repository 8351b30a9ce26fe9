//! `opspod run` as a child process, the way it runs in production, with its stdout kept in a file.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::aws_endpoint;

pub struct Bot {
    child: Child,
    pub stdout: PathBuf,
}

impl Bot {
    /// Starts `opspod run --config CONFIG`, appending its stdout to `stdout`.
    pub fn start(config: &Path, stdout: &Path) -> Bot {
        Bot::start_with(config, stdout, &[])
    }

    /// Starts the bot with extra environment variables (per-service endpoints, config overrides).
    pub fn start_with(config: &Path, stdout: &Path, env: &[(&str, &str)]) -> Bot {
        let out = std::fs::OpenOptions::new().create(true).append(true).open(stdout).expect("stdout file");
        let err = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(stdout.with_extension("stderr"))
            .expect("stderr file");
        let child = Command::new(env!("CARGO_BIN_EXE_opspod"))
            .args(["run", "--config", config.to_str().unwrap()])
            .env("AWS_ENDPOINT_URL", aws_endpoint())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("OPSPOD_LOG", "info")
            .env_remove("OPSPOD_CONFIG")
            .envs(env.iter().copied())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .expect("start opspod run");
        Bot { child, stdout: stdout.to_owned() }
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub fn stop(mut self) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().expect("kill");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "opspod run exited with {status}; stderr:\n{}", self.stderr());
                return;
            }
            assert!(Instant::now() < deadline, "opspod run did not stop within 30 s after SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the process with SIGKILL, as a crash or an OOM kill would.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reap");
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.stdout.with_extension("stderr")).unwrap_or_default()
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `check` every 100 ms until it holds or `limit` passes.
pub async fn eventually<F, Fut>(limit: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out after {limit:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
