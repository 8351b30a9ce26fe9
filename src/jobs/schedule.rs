//! A job's schedule: a cron expression read in an IANA time zone, and the due times it gives.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// When a job is due: `0 9 * * Mon` in `Europe/Berlin` is every Monday at 09:00 Berlin time, summer or winter.
#[derive(Debug, Clone)]
pub struct JobSchedule {
    expression: String,
    time_zone: Tz,
    cron: cron::Schedule,
}

impl JobSchedule {
    /// Parses a cron expression of five fields (`minute hour day-of-month month day-of-week`), or six or seven
    /// with seconds first and a year last, and an IANA time zone name.
    pub fn parse(expression: &str, time_zone: &str) -> Result<JobSchedule, String> {
        let fields = expression.split_whitespace().count();
        let full = match fields {
            5 => format!("0 {expression}"),
            6 | 7 => expression.to_owned(),
            _ => {
                return Err(format!(
                    "{expression:?} has {fields} fields; a cron expression has five: minute hour day-of-month month \
                     day-of-week, e.g. \"0 9 * * Mon\""
                ));
            }
        };
        let cron = cron::Schedule::from_str(&full)
            .map_err(|error| format!("{expression:?} is not a cron expression: {error}"))?;
        let time_zone = Tz::from_str(time_zone)
            .map_err(|_| format!("{time_zone:?} is not an IANA time zone such as \"Europe/Berlin\" or \"UTC\""))?;
        if cron.upcoming(time_zone).next().is_none() {
            return Err(format!("{expression:?} never comes due"));
        }
        Ok(JobSchedule { expression: expression.to_owned(), time_zone, cron })
    }

    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    /// The first due time strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.after(&after.with_timezone(&self.time_zone)).next().map(|due| due.with_timezone(&Utc))
    }

    /// The latest due time at or before `now`.
    pub fn latest_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let just_after = now + chrono::Duration::milliseconds(1);
        self.cron.after(&just_after.with_timezone(&self.time_zone)).next_back().map(|due| due.with_timezone(&Utc))
    }

    /// How many due times fall in `(after, until]`, counting at most `cap`.
    pub fn due_between(&self, after: DateTime<Utc>, until: DateTime<Utc>, cap: u32) -> u32 {
        let mut count = 0;
        let mut cursor = after;
        while count < cap {
            match self.next_after(cursor) {
                Some(due) if due <= until => {
                    count += 1;
                    cursor = due;
                }
                _ => break,
            }
        }
        count
    }

    /// A due time as people in the schedule's zone read it: "Monday 09:00 Europe/Berlin".
    pub fn local(&self, at: DateTime<Utc>) -> String {
        format!("{} {}", at.with_timezone(&self.time_zone).format("%A %H:%M"), self.time_zone.name())
    }
}

impl fmt::Display for JobSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` ({})", self.expression, self.time_zone.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn monday_nine_in_berlin_is_eight_utc_in_winter_and_seven_in_summer() {
        let schedule = JobSchedule::parse("0 9 * * Mon", "Europe/Berlin").unwrap();
        // Summer time starts on Sunday 28 March 2027.
        assert_eq!(schedule.next_after(at("2027-03-20T00:00:00Z")), Some(at("2027-03-22T08:00:00Z")));
        assert_eq!(schedule.next_after(at("2027-03-22T08:00:00Z")), Some(at("2027-03-29T07:00:00Z")));
        assert_eq!(schedule.local(at("2027-03-29T07:00:00Z")), "Monday 09:00 Europe/Berlin");
    }

    #[test]
    fn the_latest_due_time_is_found_backwards_from_now() {
        let schedule = JobSchedule::parse("0 9 * * Mon", "UTC").unwrap();
        assert_eq!(schedule.latest_until(at("2026-11-25T12:00:00Z")), Some(at("2026-11-23T09:00:00Z")));
        assert_eq!(schedule.latest_until(at("2026-11-23T09:00:00Z")), Some(at("2026-11-23T09:00:00Z")));
    }

    #[test]
    fn due_times_missed_while_down_are_counted() {
        let schedule = JobSchedule::parse("0 9 * * *", "UTC").unwrap();
        assert_eq!(schedule.due_between(at("2026-11-20T09:00:00Z"), at("2026-11-23T10:00:00Z"), 100), 3);
    }

    #[test]
    fn a_bad_expression_or_zone_is_named_in_the_error() {
        let fields = JobSchedule::parse("0 9 * *", "UTC").unwrap_err();
        assert!(fields.contains("4 fields"), "{fields}");
        let bad = JobSchedule::parse("0 25 * * Mon", "UTC").unwrap_err();
        assert!(bad.contains("\"0 25 * * Mon\" is not a cron expression"), "{bad}");
        let zone = JobSchedule::parse("0 9 * * Mon", "Europe/Bärlin").unwrap_err();
        assert!(zone.contains("\"Europe/Bärlin\" is not an IANA time zone"), "{zone}");
    }
}
