//! `opspod run` as a child process, the binary cargo built for the benches (release, under `cargo bench`),
//! connected to a fake Discord, with its pid so its memory can be read. `tests/support/bot.rs` does the same
//! for the tests but keeps the pid to itself.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::BenchResult;
use super::discord::{GUILD, ONCALL, ONCALL_ROLE, TEAM, wait_until};
use super::fake_discord::FakeDiscord;

/// The binary the benches run.
pub const OPSPOD: &str = env!("CARGO_BIN_EXE_opspod");

/// A config for `opspod run` on the SQLite file `database`, with Discord at `fake`, no AWS and no health
/// endpoint (whose port another run on the machine may hold).
pub fn config(database: &str, fake: &FakeDiscord) -> String {
    format!(
        "[store]\ndatabase = \"{database}\"\n[channels.team]\ndiscord_id = {TEAM}\n[channels.oncall]\n\
         discord_id = {ONCALL}\n[mentions]\noncall = \"role:{ONCALL_ROLE}\"\n[discord]\nguild_id = {GUILD}\n\
         api_base_url = \"{}\"\nresponders = [\"@oncall\"]\n[aws]\nenabled = false\n[health]\nenabled = false\n",
        fake.base_url()
    )
}

/// A running `opspod run`; it is killed when dropped unless [`Opspod::stop`] stopped it.
pub struct Opspod {
    child: Child,
    stderr: PathBuf,
}

impl Opspod {
    /// Starts `opspod run --config CONFIG` with its output in files beside the config.
    pub fn start(config: &Path) -> BenchResult<Opspod> {
        let stderr = config.with_extension("stderr");
        let child = Command::new(OPSPOD)
            .args(["run", "--config"])
            .arg(config)
            .env("DISCORD_TOKEN", "bench-token")
            .env("OPSPOD_LOG", "warn")
            .env_remove("OPSPOD_CONFIG")
            .stdout(Stdio::from(std::fs::File::create(config.with_extension("stdout"))?))
            .stderr(Stdio::from(std::fs::File::create(&stderr)?))
            .spawn()?;
        Ok(Opspod { child, stderr })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until the bot is on the fake's gateway and has registered its slash commands.
    pub async fn connected(&mut self, fake: &FakeDiscord, within: Duration) -> BenchResult<()> {
        if !fake.wait_for_ready(within).await {
            return Err(format!("opspod run did not connect to the fake gateway: {}", self.stderr_tail()).into());
        }
        let registered = || async { !fake.registered_commands(Some(GUILD)).is_empty() };
        wait_until(within, "slash command registration", registered).await
    }

    /// Its resident set now and at its peak, in KiB.
    pub fn memory_kib(&self) -> BenchResult<(u64, u64)> {
        let read = |field| super::memory::status_kib(self.pid(), field).ok_or("opspod run is gone");
        Ok((read("VmRSS")?, read("VmHWM")?))
    }

    /// The anonymous part of its resident set (heap, stacks, relocated data) in KiB; the rest is file pages of the
    /// binary and the shared libraries.
    pub fn anonymous_kib(&self) -> BenchResult<u64> {
        Ok(super::memory::status_kib(self.pid(), "RssAnon").ok_or("opspod run is gone")?)
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub async fn stop(mut self) -> BenchResult<()> {
        Command::new("kill").args(["-TERM", &self.pid().to_string()]).status()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait()? {
                return if status.success() {
                    Ok(())
                } else {
                    Err(format!("opspod run exited with {status}: {}", self.stderr_tail()).into())
                };
            }
            if Instant::now() > deadline {
                return Err("opspod run did not stop within 30 s after SIGTERM".into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn stderr_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(5)..].join("\n")
    }
}

impl Drop for Opspod {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
