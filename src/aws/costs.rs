//! Cost Explorer's actual Lambda cost for whole days (`GetCostAndUsage`), shown beside opspod's estimate. Each
//! call costs $0.01, so it is off unless `[aws] cost_explorer = true`.

use aws_sdk_costexplorer::Client;
use aws_sdk_costexplorer::types::{DateInterval, Dimension, DimensionValues, Expression, Granularity};
use chrono::NaiveDate;

use super::counted::CountCalls;
use super::failure::AwsFailure;

const GET_COST_AND_USAGE: &str = "ce:GetCostAndUsage";

/// Lambda's unblended cost between `start` (inclusive) and `end` (exclusive), summed over the days, with
/// its currency.
pub async fn lambda_cost(
    config: &aws_config::SdkConfig,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Option<(f64, String)>, AwsFailure> {
    let config = aws_sdk_costexplorer::config::Builder::from(config).interceptor(CountCalls("ce")).build();
    let client = Client::from_conf(config);
    let period = DateInterval::builder()
        .start(start.format("%Y-%m-%d").to_string())
        .end(end.format("%Y-%m-%d").to_string())
        .build()
        .map_err(|error| AwsFailure::Failed { action: GET_COST_AND_USAGE, detail: error.to_string() })?;
    let lambda = Expression::builder()
        .dimensions(DimensionValues::builder().key(Dimension::Service).values("AWS Lambda").build())
        .build();
    let answer = client
        .get_cost_and_usage()
        .time_period(period)
        .granularity(Granularity::Daily)
        .metrics("UnblendedCost")
        .filter(lambda)
        .send()
        .await
        .map_err(|error| AwsFailure::of(GET_COST_AND_USAGE, &error))?;
    let mut total = None;
    for day in answer.results_by_time() {
        let Some(metric) = day.total().and_then(|total| total.get("UnblendedCost").or(total.get("BlendedCost"))) else {
            continue;
        };
        let amount: f64 = metric.amount().and_then(|amount| amount.parse().ok()).unwrap_or(0.0);
        let unit = metric.unit().unwrap_or("USD").to_owned();
        let (sum, _) = total.get_or_insert((0.0, unit));
        *sum += amount;
    }
    Ok(total)
}
