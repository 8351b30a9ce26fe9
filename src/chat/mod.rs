//! Chat output: the message model, how incidents are rendered into it, and the sinks that deliver it.

pub mod chart;
pub mod console;
pub mod context;
pub mod discord;
pub mod message;
pub mod render;
pub mod storm;
