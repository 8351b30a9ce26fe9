//! AWS access as configured: an account's role is assumed through STS (moto) with its external id, and each
//! configured region gets its own clients.

mod support;

use aws_credential_types::provider::ProvideCredentials;
use opspod::aws::AwsAccess;
use opspod::config::{Account, Aws};

#[tokio::test(flavor = "multi_thread")]
async fn an_accounts_role_is_assumed_through_sts_and_used_in_every_region() {
    // SAFETY: nextest runs each test in its own process, and nothing else reads the environment yet.
    unsafe {
        std::env::set_var("AWS_ENDPOINT_URL", support::aws_endpoint());
        std::env::set_var("AWS_ACCESS_KEY_ID", "base-key");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "base-secret");
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    }
    let aws = Aws {
        regions: vec!["us-east-1".into(), "eu-west-1".into()],
        accounts: vec![Account {
            id: "210987654321".into(),
            name: "prod".into(),
            role_arn: Some("arn:aws:iam::210987654321:role/opspod-read".into()),
            external_id: Some("opspod".into()),
        }],
        ..Aws::default()
    };
    let access = AwsAccess::from_config(&aws).await;

    let scopes: Vec<String> = access.scopes().iter().map(|(scope, _)| scope.label()).collect();
    assert_eq!(scopes, ["prod/us-east-1", "prod/eu-west-1"]);
    assert!(access.config_for("210987654321", "eu-west-1").is_some());
    assert!(access.config_for("210987654321", "ap-south-1").is_none(), "only configured regions");
    for (_, config) in access.scopes() {
        let credentials = config.credentials_provider().unwrap().provide_credentials().await.expect("assumed role");
        assert_ne!(credentials.access_key_id(), "base-key", "the role's credentials, not the base ones");
        assert!(credentials.session_token().is_some(), "STS credentials carry a session token");
    }
    assert!(access.credentials_available().await);
}
