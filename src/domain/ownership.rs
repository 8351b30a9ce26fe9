//! Who owns a resource and which runbook covers it, matched by name glob or by tag.

use std::collections::BTreeMap;

use super::glob::Glob;
use super::resource::Resource;

/// A team that owns some resources.
#[derive(Debug, Clone, PartialEq)]
pub struct Owner {
    pub team: String,
    /// The configured mention handle (`@payments`), if the team wants to be pinged.
    pub mention: Option<String>,
    /// The team's own channel, used instead of `team` for its alerts and digest.
    pub channel: Option<String>,
    /// True when users wait on these functions, so latency and cold starts hurt.
    pub interactive: bool,
    pub matcher: ResourceMatcher,
}

/// A runbook for some resources or alarms.
#[derive(Debug, Clone, PartialEq)]
pub struct Runbook {
    pub url: String,
    pub matcher: ResourceMatcher,
    pub alarms: Vec<Glob>,
}

/// Matches a resource by any of its name globs, or by all of its tags.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResourceMatcher {
    pub names: Vec<Glob>,
    pub tags: BTreeMap<String, String>,
}

impl ResourceMatcher {
    pub fn matches(&self, name: &str, tags: &BTreeMap<String, String>) -> bool {
        let by_name = self.names.iter().any(|glob| glob.matches(name));
        let by_tags = !self.tags.is_empty() && self.tags.iter().all(|(key, value)| tags.get(key) == Some(value));
        by_name || by_tags
    }
}

/// The owners and runbooks from config, in the order they were written: the first match wins.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Directory {
    pub owners: Vec<Owner>,
    pub runbooks: Vec<Runbook>,
}

impl Directory {
    pub fn owner_of(&self, resource: &Resource) -> Option<&Owner> {
        self.owner_named(resource.name.as_str(), &resource.tags)
    }

    pub fn owner_named(&self, name: &str, tags: &BTreeMap<String, String>) -> Option<&Owner> {
        self.owners.iter().find(|owner| owner.matcher.matches(name, tags))
    }

    pub fn runbook_for(&self, resource: &Resource, alarm_name: Option<&str>) -> Option<&Runbook> {
        self.runbooks.iter().find(|runbook| {
            let by_alarm = alarm_name.is_some_and(|name| runbook.alarms.iter().any(|glob| glob.matches(name)));
            by_alarm || runbook.matcher.matches(resource.name.as_str(), &resource.tags)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::resource::ResourceKind;

    fn function(name: &str, tags: &[(&str, &str)]) -> Resource {
        Resource {
            kind: ResourceKind::Function,
            name: name.into(),
            region: "us-east-1".into(),
            account: "210987654321".into(),
            tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    fn owner(team: &str, names: &[&str], tags: &[(&str, &str)]) -> Owner {
        Owner {
            team: team.into(),
            mention: Some(format!("@{team}")),
            channel: None,
            interactive: false,
            matcher: ResourceMatcher {
                names: names.iter().map(|n| Glob::new(n).unwrap()).collect(),
                tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            },
        }
    }

    #[test]
    fn an_owner_is_found_by_name_glob() {
        let directory = Directory { owners: vec![owner("payments", &["checkout-*"], &[])], runbooks: vec![] };
        assert_eq!(directory.owner_of(&function("checkout-api", &[])).unwrap().team, "payments");
        assert!(directory.owner_of(&function("search-api", &[])).is_none());
    }

    #[test]
    fn an_owner_is_found_by_tag() {
        let directory = Directory { owners: vec![owner("data", &[], &[("team", "data")])], runbooks: vec![] };
        assert_eq!(directory.owner_of(&function("etl", &[("team", "data")])).unwrap().team, "data");
        assert!(directory.owner_of(&function("etl", &[("team", "web")])).is_none());
    }

    #[test]
    fn the_first_matching_owner_wins() {
        let directory = Directory {
            owners: vec![owner("payments", &["checkout-*"], &[]), owner("everyone", &["*"], &[])],
            runbooks: vec![],
        };
        assert_eq!(directory.owner_of(&function("checkout-api", &[])).unwrap().team, "payments");
        assert_eq!(directory.owner_of(&function("other", &[])).unwrap().team, "everyone");
    }
}
