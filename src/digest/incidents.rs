//! The digest's incident figures, from the incidents and timeline opspod keeps: counts, MTTA and MTTR, the
//! noisiest and flapping alarms, and what silences and maintenance windows kept out of chat.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use opspod_commands::digest::{AlarmNoise, IncidentWeek, SuppressedIncident};

use super::figures::Window;
use crate::store::IncidentRecord;

/// Alarms listed as the noisiest.
const NOISIEST: usize = 5;

/// The week of the incidents `team_of` gives to `team`: `this` holds the period's and the ones before it that
/// changed in it, `last` the period before's.
pub fn week(
    this: &[IncidentRecord],
    last: &[IncidentRecord],
    window: Window,
    team: &str,
    team_of: &dyn Fn(&IncidentRecord) -> String,
) -> IncidentWeek {
    let mine: Vec<&IncidentRecord> = this.iter().filter(|incident| team_of(incident) == team).collect();
    let opened: Vec<&IncidentRecord> = mine.iter().copied().filter(|i| opened_in(i, window)).collect();
    let previous = Window { start: window.previous_start(), end: window.start };
    IncidentWeek {
        opened: opened.len() as u64,
        opened_last: last.iter().filter(|i| team_of(i) == team && opened_in(i, previous)).count() as u64,
        critical: opened.iter().filter(|i| i.severity == "critical").count() as u64,
        suppressed: opened.iter().filter(|i| !i.posted).map(|i| suppressed(i)).collect(),
        mtta_seconds: mean(opened.iter().filter_map(|i| Some(i.acked_at? - i.opened_at))),
        mttr_seconds: mean(opened.iter().filter_map(|i| Some(i.resolved_at? - i.opened_at))),
        unresolved: opened.iter().filter(|i| i.status != "resolved").count() as u64,
        noisiest: noisiest(&mine),
        flapping: flapping(&mine, window),
    }
}

fn opened_in(incident: &IncidentRecord, window: Window) -> bool {
    incident.opened_at >= window.start && incident.opened_at < window.end
}

fn mean(spans: impl Iterator<Item = chrono::Duration>) -> Option<i64> {
    let seconds: Vec<i64> = spans.map(|span| span.num_seconds().max(0)).collect();
    (!seconds.is_empty()).then(|| seconds.iter().sum::<i64>() / seconds.len() as i64)
}

fn suppressed(incident: &IncidentRecord) -> SuppressedIncident {
    let why = incident
        .suppressed_note
        .as_deref()
        .and_then(|note| note.split_once('(').map(|(_, why)| why.trim_end_matches(')').to_owned()))
        .unwrap_or_else(|| "silenced".to_owned());
    SuppressedIncident { title: incident.title.clone(), at: incident.opened_at, why }
}

/// The alarm's name from an incident key: `alarm|arn:aws:cloudwatch:…:alarm:checkout-errors` → `checkout-errors`.
pub fn alarm_name(key: &str) -> Option<&str> {
    key.strip_prefix("alarm|").map(|arn| arn.rsplit_once(":alarm:").map_or(arn, |(_, name)| name))
}

fn by_alarm<'a>(incidents: impl Iterator<Item = &'a IncidentRecord>) -> BTreeMap<String, AlarmNoise> {
    let mut alarms: BTreeMap<String, AlarmNoise> = BTreeMap::new();
    for incident in incidents {
        let Some(name) = alarm_name(&incident.key) else { continue };
        let noise = alarms.entry(name.to_owned()).or_insert_with(|| AlarmNoise {
            alarm: name.to_owned(),
            state_changes: 0,
            incidents: 0,
        });
        noise.state_changes += incident.state_changes;
        noise.incidents += 1;
    }
    alarms
}

fn noisiest(incidents: &[&IncidentRecord]) -> Vec<AlarmNoise> {
    let mut alarms: Vec<AlarmNoise> = by_alarm(incidents.iter().copied()).into_values().collect();
    alarms.retain(|noise| noise.state_changes > 1 || noise.incidents > 1);
    alarms.sort_by(|a, b| {
        b.state_changes.cmp(&a.state_changes).then(b.incidents.cmp(&a.incidents)).then(a.alarm.cmp(&b.alarm))
    });
    alarms.truncate(NOISIEST);
    alarms
}

fn flapping(incidents: &[&IncidentRecord], window: Window) -> Vec<AlarmNoise> {
    let flapped = |since: Option<DateTime<Utc>>| since.is_some_and(|since| since < window.end);
    let alarms = by_alarm(incidents.iter().copied().filter(|incident| flapped(incident.flapping_since)));
    alarms.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn incident(alarm: &str, opened: &str, acked_min: Option<i64>, resolved_min: Option<i64>) -> IncidentRecord {
        let opened_at = at(opened);
        IncidentRecord {
            id: format!("inc-{alarm}-{opened}"),
            key: format!("alarm|arn:aws:cloudwatch:us-east-1:210987654321:alarm:{alarm}"),
            title: format!("{alarm} fired"),
            severity: "warning".into(),
            status: if resolved_min.is_some() { "resolved".into() } else { "open".into() },
            posted: true,
            resource_name: "checkout-api".into(),
            opened_at,
            acked_at: acked_min.map(|m| opened_at + chrono::Duration::minutes(m)),
            resolved_at: resolved_min.map(|m| opened_at + chrono::Duration::minutes(m)),
            flapping_since: None,
            state_changes: 2,
            suppressed_note: None,
        }
    }

    #[test]
    fn mtta_and_mttr_average_over_the_incidents_that_were_acked_or_resolved() {
        let window = Window { start: at("2026-11-16T09:00:00Z"), end: at("2026-11-23T09:00:00Z") };
        let this = vec![
            incident("a", "2026-11-17T10:00:00Z", Some(4), Some(30)),
            incident("a", "2026-11-18T10:00:00Z", Some(6), Some(90)),
            incident("b", "2026-11-19T10:00:00Z", None, None),
        ];
        let last = vec![incident("a", "2026-11-10T10:00:00Z", None, Some(10))];
        let week = week(&this, &last, window, "team", &|_| "team".to_owned());
        assert_eq!((week.opened, week.opened_last, week.unresolved), (3, 1, 1));
        assert_eq!(week.mtta_seconds, Some(300));
        assert_eq!(week.mttr_seconds, Some(3600));
        assert_eq!(week.noisiest[0], AlarmNoise { alarm: "a".into(), state_changes: 4, incidents: 2 });
    }

    #[test]
    fn a_suppressed_incident_says_what_kept_it_out_of_chat() {
        let mut silenced = incident("a", "2026-11-17T10:00:00Z", None, None);
        silenced.posted = false;
        silenced.suppressed_note = Some("ALARM (silenced: maintenance window db-upgrade)".into());
        assert_eq!(suppressed(&silenced).why, "silenced: maintenance window db-upgrade");
    }
}
