//! opspod: the operations engineer of a product pod, as a chat bot.
//!
//! Data flows one way: sources → parse → store → route → outbox → chat sink. `domain` holds the rules and
//! knows nothing of serenity, the AWS SDK or sqlx; adapters live at the edges.

pub mod app;
pub mod aws;
pub mod chat;
pub mod cli;
pub mod config;
pub mod delivery;
pub mod digest;
pub mod domain;
pub mod enrich;
pub mod health;
pub mod insight;
pub mod interventions;
pub mod jobs;
pub mod lifecycle;
pub mod parse;
pub mod pipeline;
pub mod ports;
pub mod sources;
pub mod store;
pub mod telemetry;
