//! No secret appears in logs at any level: the real `opspod` binary runs with `OPSPOD_LOG=trace` and known
//! secrets (the Discord token, a PostgreSQL password, an AWS secret key and session token) through every command
//! and its error paths, and the captured stdout and stderr are searched for them in every encoding.

#[path = "support/leaks.rs"]
mod leaks;
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use leaks::{Secret, assert_no_secret};
use support::cbor_front::CloudWatchFront;
use support::fake_discord::{Failure, FakeDiscord};
use support::lambda_world::World;
use support::run::unique;

const DISCORD_TOKEN: &str = "MTIz.secret-token-4f9a";
const DB_PASSWORD: &str = "hunter2-secret";
const AWS_SECRET_KEY: &str = "wJalrXUtnFEMI-secret-key";
/// Real session tokens carry `/`, `+` and `=`, which percent-encoding changes, so the encoded form is checked too.
const AWS_SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjEJr/session+token=7c1d";
/// An access key id is not secret (it is in every signed request's `Credential=`), but must still work with moto.
const AWS_ACCESS_KEY: &str = "AKIAOPSPODLEAKTEST01";

const GUILD: u64 = 1_100;
const TEAM: u64 = 1_101;
const ONCALL: u64 = 1_102;
const ONCALL_ROLE: u64 = 1_200;

const T1: &str = "2026-11-20T14:02:11.000+0000";

fn secrets() -> [Secret; 4] {
    [
        Secret { name: "the Discord token", value: DISCORD_TOKEN },
        Secret { name: "the PostgreSQL password", value: DB_PASSWORD },
        Secret { name: "the AWS secret access key", value: AWS_SECRET_KEY },
        Secret { name: "the AWS session token", value: AWS_SESSION_TOKEN },
    ]
}

/// `postgres://user@host/db` with `password` put into its userinfo.
fn with_password(url: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (user, host) = match authority.rsplit_once('@') {
        Some((userinfo, host)) => (userinfo.split(':').next().unwrap_or("postgres"), host),
        None => ("postgres", authority),
    };
    format!("{scheme}://{user}:{password}@{host}/{path}")
}

/// The environment every run gets: trace logging and all four secrets where opspod and the AWS SDK read them.
struct Env {
    vars: BTreeMap<&'static str, String>,
}

impl Env {
    fn new(database: &str, cloudwatch: &str) -> Env {
        let vars = BTreeMap::from([
            ("OPSPOD_LOG", "trace".to_owned()),
            ("DISCORD_TOKEN", DISCORD_TOKEN.to_owned()),
            ("OPSPOD_STORE__DATABASE", database.to_owned()),
            ("AWS_ACCESS_KEY_ID", AWS_ACCESS_KEY.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", AWS_SECRET_KEY.to_owned()),
            ("AWS_SESSION_TOKEN", AWS_SESSION_TOKEN.to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_ENDPOINT_URL", support::aws_endpoint()),
            ("AWS_ENDPOINT_URL_CLOUDWATCH", cloudwatch.to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
            ("AWS_CONFIG_FILE", "/dev/null".to_owned()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".to_owned()),
        ]);
        Env { vars }
    }

    fn with(&self, name: &'static str, value: &str) -> Env {
        let mut vars = self.vars.clone();
        vars.insert(name, value.to_owned());
        Env { vars }
    }

    fn pairs(&self) -> Vec<(&str, &str)> {
        self.vars.iter().map(|(name, value)| (*name, value.as_str())).collect()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_opspod"));
        command
            .args(args)
            .env_remove("OPSPOD_CONFIG")
            .env_remove("AWS_PROFILE")
            .envs(self.pairs())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    /// Runs a command that exits by itself, off the async runtime's threads (the fakes live on them).
    async fn output(&self, args: &[&str]) -> Output {
        let mut command = self.command(args);
        tokio::task::spawn_blocking(move || command.output().expect("run opspod")).await.unwrap()
    }
}

/// A config with Discord (pointed at `discord`), AWS with both pollers and quick context, and one SQS queue.
fn write_config(dir: &Path, name: &str, discord: &str, queue: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "[store]\ndatabase = \"overridden-by-the-environment.db\"\n\
             [channels.team]\ndiscord_id = {TEAM}\n[channels.oncall]\ndiscord_id = {ONCALL}\n\
             [mentions]\noncall = \"role:{ONCALL_ROLE}\"\n\
             [routing]\noncall_mention = \"@oncall\"\n\
             [aws]\nregions = [\"us-east-1\"]\nalarm_poll_seconds = 2\nhealth_poll_seconds = 2\nenrich_seconds = 5\n\
             [sqs]\nqueues = [\"{queue}\"]\nwait_seconds = 1\n\
             [discord]\nguild_id = {GUILD}\napi_base_url = \"{discord}\"\nresponders = [\"@oncall\"]\n"
        ),
    )
    .unwrap();
    path
}

async fn fake_discord() -> FakeDiscord {
    let fake = FakeDiscord::start().await;
    fake.add_channel(GUILD, TEAM, "team");
    fake.add_channel(GUILD, ONCALL, "oncall");
    fake.add_role(GUILD, ONCALL_ROLE, "oncall");
    fake
}

/// What one run printed, stdout then stderr.
struct Captured {
    label: String,
    text: String,
}

impl Captured {
    fn of(label: &str, output: &Output) -> Captured {
        let text = format!("{}\n{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        Captured { label: label.to_owned(), text }
    }

    fn of_bot(label: &str, bot_stdout: &Path) -> Captured {
        let out = std::fs::read_to_string(bot_stdout).unwrap_or_default();
        let err = std::fs::read_to_string(bot_stdout.with_extension("stderr")).unwrap_or_default();
        Captured { label: label.to_owned(), text: format!("{out}\n{err}") }
    }

    /// Whether tracing wrote anything below info, so a silent run cannot pass for a clean one.
    fn logged_below_info(&self) -> bool {
        self.text.lines().any(|line| line.contains(" TRACE ") || line.contains(" DEBUG "))
    }
}

/// `opspod run` in the background with its stdout and stderr in files, as `support::bot::Bot` runs it but with
/// exactly this test's environment.
struct Running(std::process::Child);

impl Running {
    fn start(env: &Env, config: &str, stdout: &Path) -> Running {
        let mut command = env.command(&["run", "--config", config]);
        command
            .stdout(std::fs::File::create(stdout).unwrap())
            .stderr(std::fs::File::create(stdout.with_extension("stderr")).unwrap());
        Running(command.spawn().expect("start opspod run"))
    }

    /// SIGTERM, then a clean exit within 30 s.
    fn stop(mut self, stdout: &Path) {
        let pid = self.0.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.0.try_wait().unwrap() {
                assert!(status.success(), "opspod run exited with {status}:\n{}", notable(stdout));
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        panic!("opspod run did not stop within 30 s of SIGTERM:\n{}", notable(stdout));
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Polls `check` every 100 ms for up to `limit`; whether it came to hold.
async fn until(limit: Duration, check: impl Fn() -> bool) -> bool {
    let deadline = std::time::Instant::now() + limit;
    while !check() {
        if std::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    true
}

/// The info-and-above lines a bot run logged, to explain a failed wait.
fn notable(bot_stdout: &Path) -> String {
    let err = std::fs::read_to_string(bot_stdout.with_extension("stderr")).unwrap_or_default();
    let lines = err.lines().filter(|line| [" INFO ", " WARN ", " ERROR "].iter().any(|level| line.contains(level)));
    lines.map(|line| line.chars().take(400).collect::<String>()).collect::<Vec<_>>().join("\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_reaches_stdout_or_stderr_at_trace_level_in_any_command_or_error_path() {
    // Arrange: a PostgreSQL database reached with a password, a function with logs in moto, a queue, Discord.
    let db = support::PostgresDb::new().await;
    let database = with_password(&db.url, DB_PASSWORD);
    let second_db = support::PostgresDb::new().await;
    let front = CloudWatchFront::start(&support::aws_endpoint()).await;
    let world = World::connect(&front.url()).await;
    let function = unique("leaky-fn");
    world.function(&function, aws_sdk_lambda::types::Runtime::Python312).await;
    let at = chrono::Utc::now() - chrono::Duration::minutes(5);
    world.log(&function, &[(at, "[ERROR] KeyError: 'sku'".into())]).await;
    let aws = support::aws::Aws::connect().await;
    let queue = aws.queue_fed_by_a_rule(&unique("leaks")).await;
    let discord = fake_discord().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "opspod.toml", &discord.base_url(), &queue.url);
    let config = config.to_str().unwrap();
    let events = dir.path().join("events.json");
    std::fs::write(&events, support::events::alarm(&format!("{function}-errors"), &function, "ALARM", T1)).unwrap();
    let events = events.to_str().unwrap();
    let env = Env::new(&database, &front.url());
    let mut runs = Vec::new();

    // Act: every command, with the secrets in its environment.
    let output = env.output(&["check-config", "--config", config]).await;
    assert!(output.status.success(), "{}", Captured::of("check-config", &output).text);
    runs.push(Captured::of("check-config", &output));

    let output = env.output(&["check-config", "--online", "--config", config]).await;
    assert!(output.status.success(), "{}", Captured::of("check-config --online", &output).text);
    runs.push(Captured::of("check-config --online", &output));

    let output = env.output(&["replay", "--config", config, "--database", &database, events]).await;
    assert!(output.status.success(), "{}", Captured::of("replay", &output).text);
    runs.push(Captured::of("replay", &output));

    for line in ["/help", "/alarms", &format!("/errors {function} since:1h")] {
        let output = env.output(&["ask", "--config", config, line]).await;
        assert!(output.status.success(), "{}", Captured::of(line, &output).text);
        runs.push(Captured::of(&format!("ask {line}"), &output));
    }

    aws.publish(&queue, &support::events::alarm("search-api-errors", "search-api", "ALARM", T1)).await;
    let run_out = dir.path().join("run.out");
    let bot = Running::start(&env, config, &run_out);
    let posted = until(Duration::from_secs(30), || {
        discord.requests().iter().any(|r| r.route() == format!("POST /channels/{TEAM}/messages"))
    })
    .await;
    assert!(posted, "the replayed alarm was posted on Discord:\n{}", notable(&run_out));
    let read = until(Duration::from_secs(30), || {
        std::fs::read_to_string(run_out.with_extension("stderr")).is_ok_and(|log| log.contains("search-api · Errors"))
    })
    .await;
    assert!(read, "the queued alarm was read:\n{}", notable(&run_out));
    tokio::time::sleep(Duration::from_secs(3)).await;
    bot.stop(&run_out);
    runs.push(Captured::of_bot("run", &run_out));

    // Error paths: Discord refusing the token, and a database that cannot be reached.
    let refusing = fake_discord().await;
    refusing.answer_next(100_000, Failure::Status(401));
    let refused_config = write_config(dir.path(), "refused.toml", &refusing.base_url(), &queue.url);
    let second_database = with_password(&second_db.url, DB_PASSWORD);
    let output = env
        .output(&["replay", "--config", refused_config.to_str().unwrap(), "--database", &second_database, events])
        .await;
    runs.push(Captured::of("replay for the refused run", &output));
    let output = env.output(&["check-config", "--online", "--config", refused_config.to_str().unwrap()]).await;
    assert!(!output.status.success(), "Discord answered 401");
    runs.push(Captured::of("check-config --online, Discord answering 401", &output));
    let refused_out = dir.path().join("refused.out");
    let second_env = env.with("OPSPOD_STORE__DATABASE", &second_database);
    let bot = Running::start(&second_env, refused_config.to_str().unwrap(), &refused_out);
    let tried =
        until(Duration::from_secs(20), || refusing.requests().iter().any(|r| r.route().starts_with("POST /channels/")))
            .await;
    assert!(tried, "the bot tried to post despite the 401s:\n{}", notable(&refused_out));
    tokio::time::sleep(Duration::from_secs(2)).await;
    bot.stop(&refused_out);
    runs.push(Captured::of_bot("run, Discord answering 401", &refused_out));

    let unreachable = env.with("OPSPOD_STORE__DATABASE", &format!("postgres://opspod:{DB_PASSWORD}@127.0.0.1:1/test"));
    for command in ["run", "migrate", "ask"] {
        let args = [&[command, "--config", config][..], if command == "ask" { &["/alarms"] } else { &[] }].concat();
        let output = unreachable.output(&args).await;
        let captured = Captured::of(&format!("{command}, database unreachable"), &output);
        assert!(!output.status.success(), "port 1 has no database: {}", captured.text);
        assert!(
            captured.text.contains("Failed to open the store at postgres://opspod:***@127.0.0.1:1/test"),
            "the error names the store without its password: {}",
            captured.text
        );
        runs.push(captured);
    }

    // Assert: no secret in any form, and every run did log below info.
    for run in &runs {
        assert_no_secret(&run.label, &run.text, &secrets());
    }
    // Offline `check-config` and a store that refuses the connection do no traced I/O; they print a summary or
    // the error, which were searched all the same. Every other run must have logged below info.
    let offline = |run: &&Captured| run.label == "check-config" || run.label.ends_with("database unreachable");
    assert!(runs.iter().all(|run| !run.text.trim().is_empty()), "every run printed something");
    let silent: Vec<&str> =
        runs.iter().filter(|run| !offline(run) && !run.logged_below_info()).map(|run| run.label.as_str()).collect();
    assert!(silent.is_empty(), "these runs logged nothing at debug or trace level: {silent:?}");
    let run = runs.iter().find(|run| run.label == "run").unwrap();
    assert!(run.text.contains(" TRACE "), "the run logged at trace level");
}

#[test]
fn the_debug_form_and_summary_of_a_loaded_config_hold_no_secret() {
    let env = BTreeMap::from([
        ("DISCORD_TOKEN".to_owned(), DISCORD_TOKEN.to_owned()),
        ("OPSPOD_STORE__DATABASE".to_owned(), format!("postgres://opspod:{DB_PASSWORD}@db.internal:5432/opspod")),
        ("AWS_SECRET_ACCESS_KEY".to_owned(), AWS_SECRET_KEY.to_owned()),
        ("AWS_SESSION_TOKEN".to_owned(), AWS_SESSION_TOKEN.to_owned()),
    ]);
    let text = format!(
        "[channels.team]\ndiscord_id = {TEAM}\n[channels.oncall]\ndiscord_id = {ONCALL}\n\
         [mentions]\noncall = \"role:{ONCALL_ROLE}\"\n\
         [discord]\nguild_id = {GUILD}\napi_base_url = \"http://127.0.0.1:9\"\nresponders = [\"@oncall\"]\n"
    );

    let loaded = opspod::config::load_str(&text, "test.toml", &env).expect("the config loads");

    assert!(loaded.secrets.discord_token.is_some(), "the token was read");
    assert!(loaded.config.database_url().contains(DB_PASSWORD), "the password is there to connect with");
    assert_no_secret("Debug of the loaded config", &format!("{loaded:?}"), &secrets());
    assert_no_secret("pretty Debug of the loaded config", &format!("{loaded:#?}"), &secrets());
    assert_no_secret("Debug of the store section", &format!("{:?}", loaded.config.store), &secrets());
    assert_no_secret("the check-config summary", &loaded.summary(), &secrets());
    assert!(
        loaded.summary().contains("PostgreSQL database opspod on db.internal:5432 as opspod"),
        "{}",
        loaded.summary()
    );
}
