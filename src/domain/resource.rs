//! The AWS resource an event is about: a Lambda function, an API, a queue, a table, or whatever else.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::text::SafeText;

/// What sort of thing a resource is, as users call it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    Function,
    Api,
    Queue,
    Table,
    StateMachine,
    Topic,
    Stream,
    LoadBalancer,
    Bucket,
    Database,
    Cluster,
    Instance,
    /// An AWS service as a whole, which is what a Health bulletin is about.
    Service,
    /// The alarm itself, when its metric names no resource (composite alarms, custom metrics without dimensions).
    Alarm,
    /// A dimension opspod has no better name for.
    Other,
}

impl ResourceKind {
    /// The kind named by a CloudWatch dimension, if opspod knows it.
    pub fn from_dimension(name: &str) -> Option<Self> {
        Some(match name {
            "FunctionName" => ResourceKind::Function,
            "ApiName" | "ApiId" => ResourceKind::Api,
            "QueueName" => ResourceKind::Queue,
            "TableName" => ResourceKind::Table,
            "StateMachineArn" => ResourceKind::StateMachine,
            "TopicName" => ResourceKind::Topic,
            "StreamName" | "DeliveryStreamName" => ResourceKind::Stream,
            "LoadBalancer" => ResourceKind::LoadBalancer,
            "BucketName" => ResourceKind::Bucket,
            "DBInstanceIdentifier" | "DBClusterIdentifier" => ResourceKind::Database,
            "ClusterName" | "CacheClusterId" => ResourceKind::Cluster,
            "InstanceId" => ResourceKind::Instance,
            _ => return None,
        })
    }

    /// Dimensions in the order that best names a resource: a function beats the API that calls it.
    pub const DIMENSION_PRIORITY: [&'static str; 17] = [
        "FunctionName",
        "StateMachineArn",
        "ApiName",
        "ApiId",
        "QueueName",
        "TableName",
        "TopicName",
        "StreamName",
        "DeliveryStreamName",
        "DBInstanceIdentifier",
        "DBClusterIdentifier",
        "CacheClusterId",
        "ClusterName",
        "LoadBalancer",
        "BucketName",
        "InstanceId",
        "Resource",
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Function => "function",
            ResourceKind::Api => "api",
            ResourceKind::Queue => "queue",
            ResourceKind::Table => "table",
            ResourceKind::StateMachine => "state_machine",
            ResourceKind::Topic => "topic",
            ResourceKind::Stream => "stream",
            ResourceKind::LoadBalancer => "load_balancer",
            ResourceKind::Bucket => "bucket",
            ResourceKind::Database => "database",
            ResourceKind::Cluster => "cluster",
            ResourceKind::Instance => "instance",
            ResourceKind::Service => "service",
            ResourceKind::Alarm => "alarm",
            ResourceKind::Other => "other",
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A resource, where it lives, and the tags that tie it to an owner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub kind: ResourceKind,
    pub name: SafeText,
    pub region: String,
    pub account: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

impl Resource {
    pub fn is_function(&self) -> bool {
        self.kind == ResourceKind::Function
    }
}
