//! Discord: the outbox sink over serenity's HTTP client, and the embeds, buttons and mentions it sends.

pub mod bot;
pub mod commands;
pub mod connect;
pub mod embed;
pub mod online;
pub mod pacing;
pub mod sink;
