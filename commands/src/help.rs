//! `/help`: what opspod can do in this server.

/// One line per command: its usage, what it does, and an example to copy; each command's text lives with it.
pub const COMMANDS: [(&str, &str, &str); 11] = [
    crate::errors::HELP,
    crate::coldstarts::HELP,
    crate::cost::HELP,
    crate::bugreport::HELP,
    crate::incident::HELP,
    crate::alarms::ALARMS_HELP,
    crate::alarms::HEALTH_HELP,
    crate::silence::HELP,
    crate::oncall::HELP,
    crate::digest::HELP,
    ("/help", "this list", "/help"),
];

pub fn render() -> String {
    let mut text = String::from("**opspod** posts AWS alarms and Health events here, one message per incident.\n");
    text.push_str("Buttons on an incident: **Ack**, **Silence for…**, **Resolve**.\n\n");
    for (name, what, example) in COMMANDS {
        text.push_str(&format!("`{name}` — {what} · e.g. `{example}`\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_lists_every_command_with_an_example() {
        let text = render();
        assert!(text.contains("`/errors [function] [since]` — "), "{text}");
        assert!(text.contains("e.g. `/bugreport checkout-api`"), "{text}");
        assert!(text.contains("`/incident [id] [function]`"), "{text}");
        assert!(text.contains("`/digest [team] [since]` — "), "{text}");
        assert!(!text.contains("Not built yet"), "{text}");
    }

    #[test]
    fn every_example_in_help_is_a_command_opspod_reads() {
        for (_, _, example) in COMMANDS {
            assert!(crate::ask::parse(example).is_ok(), "{example}: {:?}", crate::ask::parse(example));
        }
    }
}
