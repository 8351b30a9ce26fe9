//! The shipped IAM policy lists exactly the AWS actions the code calls: nothing missing, nothing extra, no `*`.

use std::collections::BTreeSet;
use std::path::Path;

/// The IAM prefix of each AWS SDK crate opspod uses; a crate whose name starts another's comes first.
const SERVICES: [(&str, &str); 7] = [
    ("aws_sdk_sqs", "sqs"),
    ("aws_sdk_cloudwatchlogs", "logs"),
    ("aws_sdk_cloudwatch", "cloudwatch"),
    ("aws_sdk_health", "health"),
    ("aws_sdk_lambda", "lambda"),
    ("aws_sdk_costexplorer", "ce"),
    ("aws_sdk_sts", "sts"),
];

/// SDK operations authorised by another operation's IAM action (batch calls use the single action).
const AUTHORISED_BY: [(&str, &str); 1] = [("sqs:DeleteMessageBatch", "sqs:DeleteMessage")];

fn rust_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// `receive_message` → `ReceiveMessage`.
fn pascal(operation: &str) -> String {
    operation.split('_').map(|part| part[..1].to_uppercase() + &part[1..]).collect()
}

/// Every `client.<operation>()` call in a file that uses an AWS SDK crate, as IAM actions.
fn actions_called() -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut actions = BTreeSet::new();
    for file in files {
        let text: String = std::fs::read_to_string(&file).unwrap().split_whitespace().collect::<Vec<_>>().join("");
        let Some((_, prefix)) = SERVICES.iter().find(|(krate, _)| text.contains(krate)) else { continue };
        for call in text.split("client.").skip(1) {
            let operation: String = call.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
            if !operation.is_empty() && call[operation.len()..].starts_with("()") {
                let action = format!("{prefix}:{}", pascal(&operation));
                let authorised = AUTHORISED_BY.iter().find(|(op, _)| *op == action).map(|(_, by)| by.to_string());
                actions.insert(authorised.unwrap_or(action));
            }
        }
    }
    actions
}

fn actions_in_policy() -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/iam-policy.json");
    let policy: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|statement| statement["Action"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn the_policy_lists_exactly_the_actions_the_code_calls() {
    let called = actions_called();
    assert!(called.contains("sqs:ReceiveMessage"), "the scan finds the SQS source's calls: {called:?}");
    assert_eq!(actions_in_policy(), called);
}

#[test]
fn the_policy_has_no_wildcard_actions_and_only_allows() {
    assert!(actions_in_policy().iter().all(|action| !action.contains('*')));
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/iam-policy.json");
    let policy: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(policy["Statement"].as_array().unwrap().iter().all(|s| s["Effect"] == "Allow"));
}

#[test]
fn the_bot_role_in_the_cloudformation_template_has_the_same_actions() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/opspod.yaml");
    let template = std::fs::read_to_string(path).unwrap();
    let role = &template[template.find("BotRole:").expect("a BotRole resource")..];
    let role = role.split("\nOutputs:").next().unwrap();
    // Each statement lists its actions in YAML flow style, `Action: [a, b]`, on one line or over several.
    let listed: BTreeSet<String> = role
        .split("Action:")
        .skip(2)
        .filter_map(|rest| rest.trim_start().strip_prefix('[')?.split(']').next())
        .flat_map(|list| list.split(',').map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()).collect::<Vec<_>>())
        .collect();
    assert_eq!(listed, actions_in_policy());
}
