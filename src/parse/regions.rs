//! AWS region codes from the long names CloudWatch writes into alarm notifications ("US East (N. Virginia)").

/// Every region's long name as AWS writes it today, then the spellings it has used before: European regions
/// were "EU (…)" until 2021, São Paulo is written with and without its accent, Osaka was "Osaka-Local" while it
/// was a local region, and GovCloud US-West was plain "GovCloud (US)" before US-East opened.
const NAMES: &[(&str, &[&str])] = &[
    ("us-east-1", &["US East (N. Virginia)"]),
    ("us-east-2", &["US East (Ohio)"]),
    ("us-west-1", &["US West (N. California)"]),
    ("us-west-2", &["US West (Oregon)"]),
    ("af-south-1", &["Africa (Cape Town)"]),
    ("ap-east-1", &["Asia Pacific (Hong Kong)"]),
    ("ap-east-2", &["Asia Pacific (Taipei)"]),
    ("ap-northeast-1", &["Asia Pacific (Tokyo)"]),
    ("ap-northeast-2", &["Asia Pacific (Seoul)"]),
    ("ap-northeast-3", &["Asia Pacific (Osaka)", "Asia Pacific (Osaka-Local)"]),
    ("ap-south-1", &["Asia Pacific (Mumbai)"]),
    ("ap-south-2", &["Asia Pacific (Hyderabad)"]),
    ("ap-southeast-1", &["Asia Pacific (Singapore)"]),
    ("ap-southeast-2", &["Asia Pacific (Sydney)"]),
    ("ap-southeast-3", &["Asia Pacific (Jakarta)"]),
    ("ap-southeast-4", &["Asia Pacific (Melbourne)"]),
    ("ap-southeast-5", &["Asia Pacific (Malaysia)"]),
    ("ap-southeast-6", &["Asia Pacific (New Zealand)"]),
    ("ap-southeast-7", &["Asia Pacific (Thailand)"]),
    ("ca-central-1", &["Canada (Central)"]),
    ("ca-west-1", &["Canada West (Calgary)"]),
    ("eu-central-1", &["Europe (Frankfurt)", "EU (Frankfurt)"]),
    ("eu-central-2", &["Europe (Zurich)", "EU (Zurich)"]),
    ("eu-north-1", &["Europe (Stockholm)", "EU (Stockholm)"]),
    ("eu-south-1", &["Europe (Milan)", "EU (Milan)"]),
    ("eu-south-2", &["Europe (Spain)", "EU (Spain)"]),
    ("eu-west-1", &["Europe (Ireland)", "EU (Ireland)"]),
    ("eu-west-2", &["Europe (London)", "EU (London)"]),
    ("eu-west-3", &["Europe (Paris)", "EU (Paris)"]),
    ("il-central-1", &["Israel (Tel Aviv)"]),
    ("me-central-1", &["Middle East (UAE)"]),
    ("me-south-1", &["Middle East (Bahrain)"]),
    ("mx-central-1", &["Mexico (Central)"]),
    ("sa-east-1", &["South America (São Paulo)", "South America (Sao Paulo)"]),
    ("us-gov-east-1", &["AWS GovCloud (US-East)", "GovCloud (US-East)"]),
    ("us-gov-west-1", &["AWS GovCloud (US-West)", "AWS GovCloud (US)", "GovCloud (US-West)", "GovCloud (US)"]),
    ("cn-north-1", &["China (Beijing)"]),
    ("cn-northwest-1", &["China (Ningxia)"]),
];

/// The code for a long region name, ignoring case and spacing; a region code itself is accepted as is.
pub(super) fn code(long_name: &str) -> Option<&'static str> {
    let wanted = normalised(long_name);
    NAMES.iter().find_map(|(code, names)| {
        let matches = normalised(code) == wanted || names.iter().any(|name| normalised(name) == wanted);
        matches.then_some(*code)
    })
}

/// The partition an ARN in this region lives in.
pub(super) fn partition(code: &str) -> &'static str {
    if code.starts_with("cn-") {
        "aws-cn"
    } else if code.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

fn normalised(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn todays_long_names_map_to_their_codes() {
        assert_eq!(code("US East (N. Virginia)"), Some("us-east-1"));
        assert_eq!(code("Europe (Frankfurt)"), Some("eu-central-1"));
        assert_eq!(code("Asia Pacific (Tokyo)"), Some("ap-northeast-1"));
        assert_eq!(code("Canada West (Calgary)"), Some("ca-west-1"));
        assert_eq!(code("Middle East (UAE)"), Some("me-central-1"));
    }

    #[test]
    fn the_old_eu_spelling_still_maps() {
        assert_eq!(code("EU (Ireland)"), Some("eu-west-1"));
        assert_eq!(code("EU (Stockholm)"), Some("eu-north-1"));
    }

    #[test]
    fn govcloud_china_and_sao_paulo_with_or_without_its_accent_map() {
        assert_eq!(code("AWS GovCloud (US)"), Some("us-gov-west-1"));
        assert_eq!(code("AWS GovCloud (US-East)"), Some("us-gov-east-1"));
        assert_eq!(code("China (Ningxia)"), Some("cn-northwest-1"));
        assert_eq!(code("South America (São Paulo)"), Some("sa-east-1"));
        assert_eq!(code("South America (Sao Paulo)"), Some("sa-east-1"));
    }

    #[test]
    fn case_spacing_and_codes_are_forgiven() {
        assert_eq!(code("  us east  (n. virginia) "), Some("us-east-1"));
        assert_eq!(code("eu-west-2"), Some("eu-west-2"));
    }

    #[test]
    fn an_unknown_name_maps_to_nothing() {
        assert_eq!(code("Moon (Tranquility Base)"), None);
        assert_eq!(code(""), None);
    }

    #[test]
    fn every_region_has_a_distinct_code_and_names() {
        let mut seen = std::collections::HashSet::new();
        for (code, names) in NAMES {
            assert!(seen.insert(normalised(code)), "{code} listed twice");
            for name in *names {
                assert!(seen.insert(normalised(name)), "{name} listed twice");
            }
        }
    }

    #[test]
    fn arns_in_china_and_govcloud_use_their_own_partition() {
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition("eu-west-1"), "aws");
    }
}
