//! Realistic EventBridge events for tests, in the shape AWS documents.

pub const ACCOUNT: &str = "210987654321";

/// A "CloudWatch Alarm State Change" for an Errors alarm on a Lambda function.
pub fn alarm(name: &str, function: &str, state: &str, timestamp: &str) -> String {
    serde_json::json!({
        "version": "0",
        "id": format!("{name}-{state}-{timestamp}"),
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": ACCOUNT,
        "time": timestamp,
        "region": "us-east-1",
        "resources": [format!("arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:{name}")],
        "detail": {
            "alarmName": name,
            "configuration": {
                "description": format!("Errors on {function}"),
                "metrics": [{
                    "id": "m1",
                    "metricStat": {
                        "metric": {"namespace": "AWS/Lambda", "name": "Errors", "dimensions": {"FunctionName": function}},
                        "period": 60,
                        "stat": "Sum"
                    },
                    "returnData": true
                }]
            },
            "state": {
                "value": state,
                "reason": "Threshold Crossed: 1 out of the last 1 datapoints [37.0] was greater than or equal to the threshold (5.0).",
                "reasonData": "{\"version\":\"1.0\",\"statistic\":\"Sum\",\"period\":60,\"recentDatapoints\":[37.0],\"threshold\":5.0}",
                "timestamp": timestamp
            },
            "previousState": {"value": "OK", "reason": "Threshold Crossed", "timestamp": "2026-11-20T13:00:00.000+0000"}
        }
    })
    .to_string()
}

/// An "AWS Health Event" for Lambda in us-east-1.
pub fn health(id: &str, status: &str, updated: &str) -> String {
    serde_json::json!({
        "version": "0",
        "id": format!("{id}-{status}"),
        "detail-type": "AWS Health Event",
        "source": "aws.health",
        "account": ACCOUNT,
        "time": "2026-11-20T14:05:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "eventArn": format!("arn:aws:health:us-east-1::event/LAMBDA/AWS_LAMBDA_OPERATIONAL_ISSUE/{id}"),
            "service": "LAMBDA",
            "eventTypeCode": "AWS_LAMBDA_OPERATIONAL_ISSUE",
            "eventTypeCategory": "issue",
            "eventScopeCode": "PUBLIC",
            "startTime": "Fri, 20 Nov 2026 14:05:00 GMT",
            "lastUpdatedTime": updated,
            "statusCode": status,
            "eventRegion": "us-east-1",
            "affectedAccount": ACCOUNT,
            "eventDescription": [{"language": "en_US", "latestDescription": format!("Lambda is {status}.")}]
        }
    })
    .to_string()
}
