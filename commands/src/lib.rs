//! opspod's slash commands: each command's definition, argument validation, run and render, shared by
//! Discord (through poise) and the terminal (`opspod ask`).
//!
//! This crate knows nothing of serenity, the AWS SDK or sqlx: commands receive their data through traits and
//! return what to show. The argument types every command shares live in [`args`].

pub mod args;
