//! `/help`: what opspod can do in this server, and what is not built yet.

/// One line per command: its usage, what it does, and an example to copy.
pub const COMMANDS: [(&str, &str, &str); 10] = [
    (
        "/errors [function] [since]",
        "which functions fail, how often, and their top error signatures",
        "/errors checkout-api since:24h",
    ),
    (
        "/coldstarts [function] [since]",
        "cold starts and init times, functions users wait on first",
        "/coldstarts since:7d",
    ),
    (
        "/cost [function] [since]",
        "what Lambda bills per function, what failures cost, and the month at this rate",
        "/cost since:7d",
    ),
    (
        "/bugreport function [since]",
        "a ready-to-paste bug report for the function's top error, down to the failing line",
        "/bugreport checkout-api",
    ),
    (
        "/incident [id] [function]",
        "the open incidents (of one function), or one incident with its timeline",
        "/incident inc-3f9a1c07d2",
    ),
    ("/alarms", "what is in ALARM now, and for how long", "/alarms"),
    ("/health", "the open and upcoming AWS Health events that touch us", "/health"),
    (
        "/silence [alarm|resource|health] [for] [remove]",
        "list the silences, silence an alarm, resource or Health type for a while, or remove one",
        "/silence alarm:checkout-* for:4h",
    ),
    (
        "/oncall [handover]",
        "who is on call until when, and who is next; handover: gives the rest of the shift to someone",
        "/oncall handover:@eve",
    ),
    ("/help", "this list", "/help"),
];

/// Commands the product will have that are not built yet, said plainly.
pub const COMING: [&str; 1] = ["/digest"];

pub fn render() -> String {
    let mut text = String::from("**opspod** posts AWS alarms and Health events here, one message per incident.\n");
    text.push_str("Buttons on an incident: **Ack**, **Silence for…**, **Resolve**.\n\n");
    for (name, what, example) in COMMANDS {
        text.push_str(&format!("`{name}` — {what} · e.g. `{example}`\n"));
    }
    text.push_str(&format!("\nNot built yet: {}.", COMING.map(|c| format!("`{c}`")).join(", ")));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_lists_the_commands_with_examples_and_says_what_is_not_built_yet() {
        let text = render();
        assert!(text.contains("`/errors [function] [since]` — "), "{text}");
        assert!(text.contains("e.g. `/bugreport checkout-api`"), "{text}");
        assert!(text.contains("`/incident [id] [function]`"), "{text}");
        assert!(text.ends_with("Not built yet: `/digest`."), "{text}");
    }

    #[test]
    fn every_example_in_help_is_a_command_opspod_reads() {
        for (_, _, example) in COMMANDS {
            assert!(crate::ask::parse(example).is_ok(), "{example}: {:?}", crate::ask::parse(example));
        }
    }
}
