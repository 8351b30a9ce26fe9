//! Lambda's prices per region and architecture, from the bundled `config/pricing.toml`.

use std::collections::BTreeMap;

use opspod_commands::cost::Price;
use serde::Deserialize;

const BUNDLED: &str = include_str!("../../config/pricing.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pricing {
    currency: String,
    default: Architectures,
    #[serde(default)]
    regions: BTreeMap<String, Architectures>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Architectures {
    x86_64: Rates,
    arm64: Rates,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rates {
    request_per_million: f64,
    gb_second: f64,
    provisioned_gb_second: f64,
}

impl Pricing {
    pub fn bundled() -> Pricing {
        toml::from_str(BUNDLED).expect("config/pricing.toml is valid; a test reads it")
    }

    /// What one instance of provisioned concurrency of `memory_mb` costs for a 730-hour month.
    pub fn provisioned_month(&self, region: &str, architecture: &str, memory_mb: u32) -> f64 {
        const MONTH_SECONDS: f64 = 730.0 * 3600.0;
        self.rates(region, architecture).provisioned_gb_second * f64::from(memory_mb) / 1024.0 * MONTH_SECONDS
    }

    fn rates(&self, region: &str, architecture: &str) -> Rates {
        let table = self.regions.get(region).unwrap_or(&self.default);
        if architecture == "arm64" { table.arm64 } else { table.x86_64 }
    }

    /// The price in `region` for `architecture` (`arm64`, anything else is x86_64).
    pub fn price(&self, region: &str, architecture: &str) -> Price {
        let rates = self.rates(region, architecture);
        Price {
            request_per_million: rates.request_per_million,
            gb_second: rates.gb_second,
            currency: self.currency.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_warm_gigabyte_costs_about_eleven_dollars_a_month() {
        let month = Pricing::bundled().provisioned_month("us-east-1", "x86_64", 1024);
        assert!((month - 10.95).abs() < 0.01, "{month}");
    }

    #[test]
    fn the_bundled_prices_read_and_arm_is_cheaper_per_gb_second() {
        let pricing = Pricing::bundled();
        let x86 = pricing.price("us-east-1", "x86_64");
        let arm = pricing.price("us-east-1", "arm64");
        assert_eq!((x86.request_per_million, x86.currency.as_str()), (0.20, "USD"));
        assert!(arm.gb_second < x86.gb_second);
    }
}
