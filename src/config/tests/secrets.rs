//! Secrets come from the environment only and never show in `Debug`.

use super::*;

const TOKEN: &str = "MTIzNDU2Nzg5.super-secret-token";

#[test]
fn the_discord_token_is_read_from_the_environment() {
    let loaded = load_str(MINIMAL, "test.toml", &env(&[("DISCORD_TOKEN", TOKEN)])).unwrap();
    assert!(loaded.secrets.discord_token.is_some());
}

#[test]
fn debug_of_secrets_and_loaded_never_shows_the_token() {
    let loaded = load_str(MINIMAL, "test.toml", &env(&[("DISCORD_TOKEN", TOKEN)])).unwrap();
    let secrets = format!("{:?}", loaded.secrets);
    assert_eq!(secrets, "Secrets { discord_token: [redacted] }");
    assert!(!format!("{loaded:?}").contains(TOKEN));
    assert!(!format!("{loaded:#?}").contains(TOKEN));
    assert!(!loaded.summary().contains(TOKEN));
}

#[test]
fn debug_of_absent_secrets_says_none() {
    let loaded = load(MINIMAL);
    assert_eq!(format!("{:?}", loaded.secrets), "Secrets { discord_token: None }");
}

#[test]
fn a_token_in_the_file_is_refused_with_where_secrets_come_from() {
    let errors = errors_of(&format!("{MINIMAL}[discord]\ntoken = \"{TOKEN}\"\n"));
    let token = errors.0.iter().find(|error| error.path == "discord.token").expect("the token is refused");
    assert_eq!(token.line, Some(4));
    assert!(token.message.contains("secrets come only from the environment"));
    assert!(token.message.contains("DISCORD_TOKEN"));
    assert!(!errors.to_string().contains(TOKEN));
}

#[test]
fn a_token_anywhere_is_refused() {
    let errors = errors_of(&format!("[channels.team]\ntoken = \"{TOKEN}\"\n[channels.oncall]\n"));
    assert_eq!(
        errors.to_string(),
        "test.toml:2: channels.team.token: secrets come only from the environment: remove `token` and set DISCORD_TOKEN"
    );
}

#[test]
fn a_postgres_password_never_shows_in_the_summary_or_debug() {
    let text =
        format!("{MINIMAL}[store]\ndatabase = \"postgres://opspod:hunter2@db.internal:5432/opspod?sslmode=require\"\n");
    let loaded = load(&text);
    let summary = loaded.config.summary(&loaded.secrets);
    assert!(summary.contains("PostgreSQL database opspod on db.internal:5432 as opspod"), "{summary}");
    assert!(!summary.contains("hunter2"));
    assert!(!format!("{loaded:?}").contains("hunter2"));
}
