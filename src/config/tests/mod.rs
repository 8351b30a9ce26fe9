//! Config tests: parsing each section, the shipped files, error reporting, overrides, secrets and conversion.

mod conversion;
mod errors;
mod overrides;
mod secrets;
mod sections;
mod shipped;

use std::collections::BTreeMap;

use super::{ConfigErrors, Loaded, load_str};

/// The smallest valid config: the two required channels.
const MINIMAL: &str = "[channels.team]\n[channels.oncall]\n";

fn no_env() -> BTreeMap<String, String> {
    BTreeMap::new()
}

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect()
}

fn load(text: &str) -> Loaded {
    load_str(text, "test.toml", &no_env()).unwrap_or_else(|errors| panic!("config should load:\n{errors}"))
}

fn errors_of(text: &str) -> ConfigErrors {
    load_str(text, "test.toml", &no_env()).expect_err("config should be refused")
}
