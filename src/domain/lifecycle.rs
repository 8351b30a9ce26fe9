//! What people do to an incident (acknowledge, silence, resolve) and whether the incident's state allows it.

use std::time::Duration;

use super::incident::IncidentStatus;

/// An action a person takes on an incident, from a button or a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intervention {
    Acknowledge,
    Silence(Duration),
    Resolve,
}

impl Intervention {
    /// The verb for messages: "acknowledged".
    pub fn past_tense(self) -> &'static str {
        match self {
            Intervention::Acknowledge => "acknowledged",
            Intervention::Silence(_) => "silenced",
            Intervention::Resolve => "resolved",
        }
    }

    /// The timeline's kind for this change.
    pub fn timeline_kind(self) -> &'static str {
        self.past_tense()
    }
}

/// What an intervention does, given the incident's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The incident moves to this status.
    Becomes(IncidentStatus),
    /// Nothing to do: someone already did it (a double click acks once).
    AlreadyDone,
    /// The incident is over; nothing can be done to it.
    AlreadyResolved,
}

pub fn intervene(status: IncidentStatus, intervention: Intervention) -> Outcome {
    use IncidentStatus::{Acknowledged, Open, Resolved, Silenced};
    match (status, intervention) {
        (Resolved, _) => Outcome::AlreadyResolved,
        (Acknowledged | Silenced, Intervention::Acknowledge) => Outcome::AlreadyDone,
        (Open, Intervention::Acknowledge) => Outcome::Becomes(Acknowledged),
        (_, Intervention::Silence(_)) => Outcome::Becomes(Silenced),
        (_, Intervention::Resolve) => Outcome::Becomes(Resolved),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acknowledging_an_open_incident_acknowledges_it_once() {
        assert_eq!(
            intervene(IncidentStatus::Open, Intervention::Acknowledge),
            Outcome::Becomes(IncidentStatus::Acknowledged)
        );
        assert_eq!(intervene(IncidentStatus::Acknowledged, Intervention::Acknowledge), Outcome::AlreadyDone);
    }

    #[test]
    fn a_resolved_incident_takes_no_more_actions() {
        for action in [Intervention::Acknowledge, Intervention::Resolve, Intervention::Silence(Duration::from_secs(60))]
        {
            assert_eq!(intervene(IncidentStatus::Resolved, action), Outcome::AlreadyResolved);
        }
    }

    #[test]
    fn silencing_or_resolving_works_from_open_or_acknowledged() {
        let hour = Intervention::Silence(Duration::from_secs(3600));
        assert_eq!(intervene(IncidentStatus::Acknowledged, hour), Outcome::Becomes(IncidentStatus::Silenced));
        assert_eq!(
            intervene(IncidentStatus::Silenced, Intervention::Resolve),
            Outcome::Becomes(IncidentStatus::Resolved)
        );
    }
}
