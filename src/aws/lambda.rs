//! Lambda's view of our functions: the deploy before an alarm (`GetFunction`, `ListVersionsByFunction`) and
//! every function with its runtime (`ListFunctions`), for Health notices about runtimes.

use aws_sdk_lambda::Client;
use aws_sdk_lambda::error::ProvideErrorMetadata;
use chrono::{DateTime, Utc};

use super::counted::CountCalls;
use super::failure::AwsFailure;
use crate::domain::context::{Deploy, FunctionFacts};

const GET_FUNCTION: &str = "lambda:GetFunction";
const LIST_VERSIONS: &str = "lambda:ListVersionsByFunction";
const LIST_FUNCTIONS: &str = "lambda:ListFunctions";

#[derive(Clone, Debug)]
pub struct FunctionReader {
    client: Client,
}

impl FunctionReader {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        let config = aws_sdk_lambda::config::Builder::from(config).interceptor(CountCalls("lambda")).build();
        FunctionReader { client: Client::from_conf(config) }
    }

    /// The function's configuration and the newest published version deployed at or before `before`
    /// (`$LATEST` when nothing was published); `None` when the function does not exist.
    pub async fn facts(&self, function: &str, before: DateTime<Utc>) -> Result<Option<FunctionFacts>, AwsFailure> {
        let answer = match self.client.get_function().function_name(function).send().await {
            Ok(answer) => answer,
            Err(error) if error.code() == Some("ResourceNotFoundException") => return Ok(None),
            Err(error) => return Err(AwsFailure::of(GET_FUNCTION, &error)),
        };
        let Some(configuration) = answer.configuration() else { return Ok(None) };
        let latest = Deploy {
            version: "$LATEST".into(),
            deployed_at: configuration.last_modified().and_then(lambda_time),
            code_sha256: configuration.code_sha256().map(str::to_owned),
        };
        let published = self.published_before(function, before).await?;
        Ok(Some(FunctionFacts {
            name: function.to_owned(),
            runtime: configuration.runtime().map(|runtime| runtime.as_str().to_owned()),
            memory_mb: configuration.memory_size().and_then(|mb| u32::try_from(mb).ok()),
            architecture: configuration.architectures().first().map(|arch| arch.as_str().to_owned()),
            deploy: choose_deploy(published, latest, before),
        }))
    }

    /// The newest numbered version whose code was deployed at or before `before`.
    async fn published_before(&self, function: &str, before: DateTime<Utc>) -> Result<Option<Deploy>, AwsFailure> {
        let mut pages = self.client.list_versions_by_function().function_name(function).into_paginator().send();
        let mut newest: Option<Deploy> = None;
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| AwsFailure::of(LIST_VERSIONS, &error))?;
            for version in page.versions() {
                let Some(number) = version.version().filter(|v| *v != "$LATEST") else { continue };
                let Some(at) = version.last_modified().and_then(lambda_time).filter(|at| *at <= before) else {
                    continue;
                };
                if newest.as_ref().and_then(|deploy| deploy.deployed_at).is_none_or(|seen| at >= seen) {
                    newest = Some(Deploy {
                        version: number.to_owned(),
                        deployed_at: Some(at),
                        code_sha256: version.code_sha256().map(str::to_owned),
                    });
                }
            }
        }
        Ok(newest)
    }

    /// Every function in the region with its runtime.
    pub async fn all(&self) -> Result<Vec<FunctionFacts>, AwsFailure> {
        let mut pages = self.client.list_functions().into_paginator().send();
        let mut functions = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| AwsFailure::of(LIST_FUNCTIONS, &error))?;
            functions.extend(page.functions().iter().filter_map(|function| {
                Some(FunctionFacts {
                    name: function.function_name()?.to_owned(),
                    runtime: function.runtime().map(|runtime| runtime.as_str().to_owned()),
                    memory_mb: function.memory_size().and_then(|mb| u32::try_from(mb).ok()),
                    architecture: function.architectures().first().map(|arch| arch.as_str().to_owned()),
                    deploy: None,
                })
            }));
        }
        Ok(functions)
    }
}

/// `$LATEST` when its code is newer than every published version before `before` (a direct deploy), else the
/// published version; nothing when all the code there is now was deployed after `before`.
fn choose_deploy(published: Option<Deploy>, latest: Deploy, before: DateTime<Utc>) -> Option<Deploy> {
    let latest_in_effect = latest.deployed_at.is_none_or(|at| at <= before);
    match published {
        Some(published) => {
            let same_code = published.code_sha256.is_some() && published.code_sha256 == latest.code_sha256;
            let latest_newer =
                latest_in_effect && latest.deployed_at.is_some_and(|at| published.deployed_at.is_some_and(|p| at > p));
            Some(if latest_newer && !same_code { latest } else { published })
        }
        None => latest_in_effect.then_some(latest),
    }
}

/// Lambda writes `2024-05-01T09:53:00.000+0000`.
fn lambda_time(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(raw))
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambdas_timestamps_are_read_in_both_of_its_spellings() {
        let expected: DateTime<Utc> = "2024-05-01T09:53:00Z".parse().unwrap();
        assert_eq!(lambda_time("2024-05-01T09:53:00.000+0000"), Some(expected));
        assert_eq!(lambda_time("2024-05-01T09:53:00Z"), Some(expected));
    }

    #[test]
    fn a_direct_deploy_after_the_last_published_version_is_the_one_that_counts() {
        let at = |minute: u32| Some(format!("2024-05-01T09:{minute:02}:00Z").parse().unwrap());
        let published = Deploy { version: "41".into(), deployed_at: at(10), code_sha256: Some("old".into()) };
        let latest = Deploy { version: "$LATEST".into(), deployed_at: at(50), code_sha256: Some("new".into()) };
        let before = "2024-05-01T10:00:00Z".parse().unwrap();
        assert_eq!(choose_deploy(Some(published.clone()), latest.clone(), before).unwrap().version, "$LATEST");
        let same = Deploy { code_sha256: Some("old".into()), ..latest.clone() };
        assert_eq!(choose_deploy(Some(published), same, before).unwrap().version, "41");
        let early = "2024-05-01T09:30:00Z".parse().unwrap();
        assert_eq!(choose_deploy(None, latest, early), None, "code deployed after the error did not cause it");
    }
}
