//! Text that came from AWS, neutralised so it can be shown in chat without pinging anyone or reordering the screen.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A zero-width space: placed after `@` or `<` it keeps the text readable but stops Discord from parsing a mention.
const BREAK: char = '\u{200B}';

/// Text from an untrusted source (alarm descriptions, Health bulletins, log lines).
///
/// The only way to build one is [`SafeText::from_untrusted`], so every string that reaches a renderer has had
/// control characters and bidi overrides removed and mention syntax (`@everyone`, `@here`, `<@…>`, `<@&…>`,
/// `<#…>`) broken.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub struct SafeText(String);

impl SafeText {
    pub fn from_untrusted(raw: &str) -> Self {
        let mut out = String::with_capacity(raw.len());
        let kept = without_invisible_joiners(raw);
        let mut chars = kept.chars().filter(|&c| !is_dropped(c)).peekable();
        while let Some(c) = chars.next() {
            out.push(c);
            match c {
                '@' if starts_mass_mention(chars.clone()) => out.push(BREAK),
                '<' if matches!(chars.peek(), Some('@' | '#' | ':' | '/')) => out.push(BREAK),
                _ => {}
            }
        }
        SafeText(out)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first `max` characters, with an ellipsis when something was cut.
    pub fn truncated(&self, max: usize) -> String {
        truncate(&self.0, max)
    }
}

/// Cuts `text` to at most `max` characters, ending with `…` when it had to cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Zero-width joiners and non-joiners glue emoji and some scripts together, but beside plain ASCII they only
/// hide things: `@\u{200D}here` reads as `@here`. They are dropped there, and word joiners and byte-order marks
/// everywhere, so that what is broken below is what the reader sees.
fn without_invisible_joiners(raw: &str) -> std::borrow::Cow<'_, str> {
    if !raw.contains(['\u{200C}', '\u{200D}', '\u{2060}', '\u{2061}', '\u{2062}', '\u{2063}', '\u{2064}', '\u{FEFF}']) {
        return std::borrow::Cow::Borrowed(raw);
    }
    let chars: Vec<char> = raw.chars().collect();
    let ascii_at = |index: Option<usize>| index.and_then(|i| chars.get(i)).is_some_and(char::is_ascii);
    chars
        .iter()
        .enumerate()
        .filter(|&(i, &c)| match c {
            '\u{200C}' | '\u{200D}' => !(ascii_at(i.checked_sub(1)) || ascii_at(Some(i + 1))),
            '\u{2060}'..='\u{2064}' | '\u{FEFF}' => false,
            _ => true,
        })
        .map(|(_, &c)| c)
        .collect::<String>()
        .into()
}

fn is_dropped(c: char) -> bool {
    let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}');
    let control = c.is_control() && c != '\n' && c != '\t';
    bidi || control || c == BREAK
}

fn starts_mass_mention(rest: impl Iterator<Item = char>) -> bool {
    let word: String = rest.take(8).collect::<String>().to_ascii_lowercase();
    word.starts_with("everyone") || word.starts_with("here")
}

impl From<String> for SafeText {
    fn from(raw: String) -> Self {
        SafeText::from_untrusted(&raw)
    }
}

impl From<&str> for SafeText {
    fn from(raw: &str) -> Self {
        SafeText::from_untrusted(raw)
    }
}

impl From<SafeText> for String {
    fn from(text: SafeText) -> Self {
        text.0
    }
}

impl fmt::Display for SafeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SafeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mass_mentions_are_broken_but_still_readable() {
        let text = SafeText::from_untrusted("ping @everyone and @Here now");
        assert_eq!(text.as_str(), "ping @\u{200B}everyone and @\u{200B}Here now");
    }

    #[test]
    fn user_role_and_channel_mentions_are_broken() {
        let text = SafeText::from_untrusted("<@123> <@&456> <#789> <@!1>");
        assert!(!text.as_str().contains("<@"));
        assert!(!text.as_str().contains("<#"));
        assert!(text.as_str().contains("123"));
    }

    #[test]
    fn joiners_hidden_inside_mentions_are_dropped_and_the_mention_broken() {
        let text = SafeText::from_untrusted("@\u{200D}here @ever\u{2060}yone <\u{200D}@125> zero\u{200C}width");
        assert_eq!(text.as_str(), "@\u{200B}here @\u{200B}everyone <\u{200B}@125> zerowidth");
    }

    #[test]
    fn joiners_inside_emoji_are_kept() {
        let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}";
        assert_eq!(SafeText::from_untrusted(family).as_str(), family);
    }

    #[test]
    fn control_characters_and_bidi_overrides_are_removed() {
        let text = SafeText::from_untrusted("ok\u{202E}txt.exe\u{0007}\r\nnext\tline");
        assert_eq!(text.as_str(), "oktxt.exe\nnext\tline");
    }

    #[test]
    fn neutralising_twice_changes_nothing() {
        let once = SafeText::from_untrusted("@everyone <@1>");
        let twice = SafeText::from_untrusted(once.as_str());
        assert_eq!(once, twice);
    }

    #[test]
    fn plain_text_is_untouched() {
        let raw = "Errors >= 5 for checkout-api (user@example.com)";
        assert_eq!(SafeText::from_untrusted(raw).as_str(), raw);
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
