//! Escalation: whom to re-ping, and when, while a critical incident stays unacknowledged.

use chrono::{DateTime, Duration, Utc};

use super::oncall::OnCall;
use super::routing::Severity;

/// Who a step pings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A configured handle: `@oncall`.
    Handle(String),
    /// The rotation's person on call now.
    Primary,
    /// The rotation's person after them.
    Secondary,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Counted from the incident's opening.
    pub after: Duration,
    pub target: Target,
}

/// The steps, in order of `after`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    pub steps: Vec<Step>,
}

impl Policy {
    /// Only critical incidents escalate: they are the ones that page.
    pub fn applies_to(&self, severity: Severity) -> bool {
        severity == Severity::Critical && !self.steps.is_empty()
    }

    /// When step `index` is due for an incident opened at `opened`; `None` past the last step.
    pub fn due(&self, index: usize, opened: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.steps.get(index).map(|step| opened + step.after)
    }

    /// The handle step `index` pings, given who is on call; `None` when the rotation names nobody for it.
    pub fn handle(&self, index: usize, on_call: Option<&OnCall>) -> Option<String> {
        match &self.steps.get(index)?.target {
            Target::Handle(handle) => Some(handle.clone()),
            Target::Primary => on_call.map(|on_call| on_call.person.clone()),
            Target::Secondary => on_call.map(|on_call| on_call.next.clone()),
        }
    }

    /// "Not acknowledged after 10 min (step 1 of 2)".
    pub fn describe(&self, index: usize) -> String {
        let minutes = self.steps.get(index).map_or(0, |step| step.after.num_minutes());
        format!("Not acknowledged after {minutes} min (step {} of {})", index + 1, self.steps.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy {
            steps: vec![
                Step { after: Duration::minutes(10), target: Target::Primary },
                Step { after: Duration::minutes(25), target: Target::Secondary },
                Step { after: Duration::minutes(40), target: Target::Handle("@lead".into()) },
            ],
        }
    }

    #[test]
    fn only_critical_incidents_escalate() {
        assert!(policy().applies_to(Severity::Critical));
        assert!(!policy().applies_to(Severity::Warning));
        assert!(!Policy::default().applies_to(Severity::Critical));
    }

    #[test]
    fn steps_ping_the_person_on_call_then_the_next_then_a_handle() {
        let on_call = OnCall { person: "@dana".into(), until: Utc::now(), next: "@eve".into(), handed_over: None };
        let handles: Vec<Option<String>> = (0..4).map(|index| policy().handle(index, Some(&on_call))).collect();
        assert_eq!(handles, [Some("@dana".into()), Some("@eve".into()), Some("@lead".into()), None]);
        let opened: DateTime<Utc> = "2026-11-20T14:00:00Z".parse().unwrap();
        assert_eq!(policy().due(1, opened), Some("2026-11-20T14:25:00Z".parse().unwrap()));
        assert_eq!(policy().due(3, opened), None);
        assert_eq!(policy().describe(0), "Not acknowledged after 10 min (step 1 of 3)");
    }
}
