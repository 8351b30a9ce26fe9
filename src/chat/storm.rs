//! The storm message: one post for many alarms that share a cause, edited with a count and a short table while
//! members join and change; each member's detail is in its thread.

use chrono::{DateTime, Utc};

use super::message::{Control, Message, Tone};
use crate::domain::routing::Severity;
use crate::domain::text::truncate;

/// Members listed in the table; the rest are counted.
const LISTED: usize = 12;
const NAME_WIDTH: usize = 34;

/// One member of a storm, as its table row shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct StormMember {
    pub resource: String,
    pub title: String,
    /// `ALARM`, `OK`, `INSUFFICIENT_DATA`.
    pub state: String,
    pub at: DateTime<Utc>,
}

/// The storm message of a group: where (`place`, like `AWS/Lambda · us-east-1 · 210987654321`), since when, and
/// its members, firing first and newest first.
pub fn storm_message(
    place: &str,
    opened_at: DateTime<Utc>,
    lead_id: &str,
    severity: Severity,
    members: &[StormMember],
) -> Message {
    let members = &latest_per_alarm(members);
    let firing = members.iter().filter(|member| member.state == "ALARM").count();
    let resources = {
        let mut names: Vec<&str> = members.iter().map(|member| member.resource.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names.len()
    };
    let mut sorted: Vec<&StormMember> = members.iter().collect();
    sorted.sort_by(|a, b| {
        (b.state == "ALARM").cmp(&(a.state == "ALARM")).then(b.at.cmp(&a.at)).then(a.title.cmp(&b.title))
    });
    let mut lines = vec![format!(
        "{} alarms on {resources} resources since {} UTC: {firing} in ALARM, {} recovered or unknown. Each alarm's \
         detail is in the thread.",
        members.len(),
        opened_at.format("%H:%M"),
        members.len() - firing
    )];
    lines.push("```".into());
    for member in sorted.iter().take(LISTED) {
        let name = truncate(&member.title.replace('`', "'"), NAME_WIDTH);
        lines.push(format!("{name:<NAME_WIDTH$} {:<5} {}", short_state(&member.state), member.at.format("%H:%M:%S")));
    }
    lines.push("```".into());
    if members.len() > LISTED {
        lines.push(format!("… and {} more in the thread.", members.len() - LISTED));
    }
    Message {
        tone: if firing > 0 { Tone::Firing } else { Tone::Recovered },
        severity,
        title: format!("Storm: {} alarms · {place}", members.len()),
        lines,
        context: vec![],
        links: vec![],
        mentions: vec![],
        incident_id: Some(lead_id.to_owned()),
        controls: if firing > 0 { vec![Control::Ack, Control::Resolve] } else { vec![] },
        image: None,
        files: vec![],
    }
}

/// One row per alarm (an alarm that fired again has a member per incident), in its latest state.
fn latest_per_alarm(members: &[StormMember]) -> Vec<StormMember> {
    let mut latest: std::collections::BTreeMap<&str, &StormMember> = std::collections::BTreeMap::new();
    for member in members {
        let kept = latest.entry(member.title.as_str()).or_insert(member);
        if member.at > kept.at {
            *kept = member;
        }
    }
    latest.into_values().cloned().collect()
}

fn short_state(state: &str) -> &str {
    match state {
        "INSUFFICIENT_DATA" => "DATA?",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(name: &str, state: &str, minute: u32) -> StormMember {
        StormMember {
            resource: name.into(),
            title: format!("{name} · Errors ≥ 5"),
            state: state.into(),
            at: format!("2026-11-20T14:{minute:02}:00Z").parse().unwrap(),
        }
    }

    #[test]
    fn an_alarm_that_fired_twice_is_one_row_in_its_latest_state() {
        let members = [member("fn-a", "ALARM", 1), member("fn-a", "OK", 3), member("fn-b", "ALARM", 2)];
        let opened = "2026-11-20T14:00:00Z".parse().unwrap();
        let message = storm_message("AWS/Lambda · us-east-1", opened, "inc-1", Severity::Warning, &members);
        assert_eq!(message.title, "Storm: 2 alarms · AWS/Lambda · us-east-1");
        assert!(message.lines[0].contains("1 in ALARM, 1 recovered"), "{:?}", message.lines);
    }

    #[test]
    fn a_storm_lists_firing_alarms_first_and_counts_the_rest() {
        let members: Vec<StormMember> =
            (0..20).map(|n| member(&format!("fn-{n:02}"), if n % 2 == 0 { "ALARM" } else { "OK" }, n)).collect();
        let opened = "2026-11-20T14:00:00Z".parse().unwrap();
        let message = storm_message("AWS/Lambda · us-east-1", opened, "inc-1", Severity::Warning, &members);
        assert_eq!(message.title, "Storm: 20 alarms · AWS/Lambda · us-east-1");
        assert!(message.lines[0].starts_with("20 alarms on 20 resources since 14:00 UTC: 10 in ALARM"));
        assert!(message.lines[2].starts_with("fn-18 · Errors ≥ 5"), "{:?}", message.lines);
        assert_eq!(message.lines.last().unwrap(), "… and 8 more in the thread.");
        assert!(message.mentions.is_empty(), "an edit never pings");
    }
}
