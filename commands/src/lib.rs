//! opspod's slash commands: each command's definition, argument validation, run and render, shared by
//! Discord (through poise) and the terminal.
//!
//! This crate knows nothing of serenity, the AWS SDK or sqlx: the caller fetches the data, and each command
//! validates its arguments and renders the answer. The argument types every command shares live in [`args`];
//! [`ask`] reads a typed command line into the command it asks for.

pub mod alarms;
pub mod args;
pub mod ask;
pub mod bugreport;
pub mod coldstarts;
pub mod cost;
pub mod custom;
pub mod digest;
pub mod errors;
pub mod help;
pub mod incident;
pub mod oncall;
pub mod silence;
mod text;

/// Quotes what a user typed back in an error, unable to ping anyone.
pub use text::echo;
