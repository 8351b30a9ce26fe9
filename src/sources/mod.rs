//! Where events come from: the SQS queue that EventBridge feeds, and replay files.

pub mod replay;
pub mod sqs;
