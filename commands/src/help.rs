//! `/help`: what opspod can do in this server, and what is not built yet.

/// One line per command: name and what it does.
pub const COMMANDS: [(&str, &str); 2] = [
    ("/incident [id] [function]", "the open incidents (of one function), or one incident with its timeline"),
    ("/help", "this list"),
];

/// Commands the product will have that are not built yet, said plainly.
pub const COMING: [&str; 7] = ["/errors", "/coldstarts", "/cost", "/bugreport", "/alarms", "/health", "/digest"];

pub fn render() -> String {
    let mut text = String::from("**opspod** posts AWS alarms and Health events here, one message per incident.\n");
    text.push_str("Buttons on an incident: **Ack**, **Silence for…**, **Resolve**.\n\n");
    for (name, what) in COMMANDS {
        text.push_str(&format!("`{name}` — {what}\n"));
    }
    text.push_str(&format!("\nNot built yet: {}.", COMING.map(|c| format!("`{c}`")).join(", ")));
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn help_lists_the_commands_and_says_what_is_not_built_yet() {
        let text = super::render();
        assert!(text.contains("`/incident [id] [function]`"));
        assert!(text.contains("Not built yet: `/errors`"));
    }
}
