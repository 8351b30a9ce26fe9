//! Where events come from: the SQS queue that EventBridge feeds, the CloudWatch and Health pollers, and replay
//! files.

pub mod alarms;
mod backoff;
pub mod health;
pub mod replay;
pub mod sqs;
