//! Who is on call: a rotation of people taking fixed-length shifts from a start time, and hand-overs that
//! give the rest of a shift to someone else.

use chrono::{DateTime, Duration, Utc};

/// The rotation from config.
#[derive(Debug, Clone, PartialEq)]
pub struct Rotation {
    /// Mention handles (`@dana`), in turn order.
    pub people: Vec<String>,
    /// When the first person's first shift began.
    pub start: DateTime<Utc>,
    pub shift: Duration,
}

/// Someone took over the shift that was running at `at`.
#[derive(Debug, Clone, PartialEq)]
pub struct Handover {
    pub to: String,
    pub at: DateTime<Utc>,
    pub by: String,
}

/// Who is on call at a moment, until when, and who comes next.
#[derive(Debug, Clone, PartialEq)]
pub struct OnCall {
    pub person: String,
    pub until: DateTime<Utc>,
    pub next: String,
    /// Set when `person` took over from the rotation's own pick.
    pub handed_over: Option<Handover>,
}

impl Rotation {
    /// The shift running at `now`, with the latest hand-over made during it; `None` before the rotation starts
    /// or without people.
    pub fn at(&self, now: DateTime<Utc>, handovers: &[Handover]) -> Option<OnCall> {
        if self.people.is_empty() || now < self.start || self.shift <= Duration::zero() {
            return None;
        }
        let shifts_done = (now - self.start).num_seconds() / self.shift.num_seconds();
        let shift_start = self.start + self.shift * i32::try_from(shifts_done).ok()?;
        let until = shift_start + self.shift;
        let index = usize::try_from(shifts_done).ok()? % self.people.len();
        let handed_over = handovers.iter().filter(|h| h.at >= shift_start && h.at <= now).max_by_key(|h| h.at).cloned();
        Some(OnCall {
            person: handed_over.as_ref().map_or_else(|| self.people[index].clone(), |h| h.to.clone()),
            until,
            next: self.people[(index + 1) % self.people.len()].clone(),
            handed_over,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        format!("2026-11-{day:02}T{hour:02}:00:00Z").parse().unwrap()
    }

    fn weekly() -> Rotation {
        Rotation {
            people: vec!["@dana".into(), "@eve".into(), "@sam".into()],
            start: at(2, 9),
            shift: Duration::days(7),
        }
    }

    #[test]
    fn shifts_follow_the_rotation_week_by_week_and_wrap_around() {
        let rotation = weekly();
        let first = rotation.at(at(2, 9), &[]).unwrap();
        assert_eq!((first.person.as_str(), first.until, first.next.as_str()), ("@dana", at(9, 9), "@eve"));
        assert_eq!(rotation.at(at(9, 8), &[]).unwrap().person, "@dana");
        assert_eq!(rotation.at(at(9, 9), &[]).unwrap().person, "@eve");
        let fourth = rotation.at(at(23, 10), &[]).unwrap();
        assert_eq!((fourth.person.as_str(), fourth.next.as_str()), ("@dana", "@eve"), "three people, then again");
    }

    #[test]
    fn a_handover_lasts_until_the_shift_ends() {
        let rotation = weekly();
        let handover = Handover { to: "@sam".into(), at: at(10, 12), by: "@eve".into() };
        let during = rotation.at(at(11, 0), std::slice::from_ref(&handover)).unwrap();
        assert_eq!((during.person.as_str(), during.handed_over.as_ref()), ("@sam", Some(&handover)));
        assert_eq!(rotation.at(at(16, 9), &[handover]).unwrap().person, "@sam", "the next shift is @sam's anyway");
        let before = rotation.at(at(10, 11), &[Handover { to: "@sam".into(), at: at(10, 12), by: "@eve".into() }]);
        assert_eq!(before.unwrap().person, "@eve", "not before it was made");
    }

    #[test]
    fn no_one_is_on_call_before_the_rotation_starts_or_without_people() {
        assert_eq!(weekly().at(at(1, 0), &[]), None);
        assert_eq!(Rotation { people: vec![], ..weekly() }.at(at(5, 0), &[]), None);
    }
}
