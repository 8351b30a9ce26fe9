//! Error signatures: the error type plus its message with the parts that vary between occurrences (ids, numbers,
//! quoted values) folded into placeholders, so occurrences of one bug group together and different bugs do not.

use std::fmt;

use serde::Serialize;

use super::record::ErrorRecord;
use super::text;

/// Type + normalised message. Ordering and [`Signature::fingerprint`] depend only on those two strings, so they are
/// the same in every process and every release that keeps the normalisation rules.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Signature {
    error_type: Option<String>,
    message: String,
}

pub const NUMBER: &str = "<n>";
pub const ID: &str = "<id>";
pub const HEX: &str = "<hex>";
/// Stands for the contents of a quoted value: `'…'`, `"…"`.
pub const QUOTED: char = '…';
/// Long enough to tell errors apart in a chat line, short enough to fit one.
pub const MAX_MESSAGE_CHARS: usize = 200;
/// Messages can be 256 KB; nothing past this point changes a 200-character signature in practice.
const MAX_INPUT_BYTES: usize = 4096;

impl Signature {
    pub fn of(record: &ErrorRecord) -> Signature {
        Signature::new(record.error_type(), record.message())
    }

    pub fn new(error_type: Option<&str>, message: &str) -> Signature {
        Signature { error_type: error_type.and_then(normalize_type), message: normalize_message(message) }
    }

    pub fn error_type(&self) -> Option<&str> {
        self.error_type.as_deref()
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// A stable 64-bit FNV-1a hash of the signature, for storing and linking (not for security).
    pub fn fingerprint(&self) -> u64 {
        let type_bytes = self.error_type.as_deref().unwrap_or_default().bytes();
        let bytes = type_bytes.chain([0]).chain(self.message.bytes());
        bytes.fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.error_type, self.message.is_empty()) {
            (Some(error_type), false) => write!(f, "{error_type}: {}", self.message),
            (Some(error_type), true) => write!(f, "{error_type}"),
            (None, false) => write!(f, "{}", self.message),
            (None, true) => write!(f, "(no message)"),
        }
    }
}

/// The Ruby runtime reports `Function<NoMethodError>`; the class is what people search for.
pub fn normalize_type(error_type: &str) -> Option<String> {
    let error_type = error_type.trim();
    let wrapped = error_type.strip_suffix('>').and_then(|rest| rest.split_once('<'));
    let error_type = match wrapped {
        Some((wrapper, inner)) if !wrapper.is_empty() && wrapper.chars().all(|c| c.is_ascii_alphabetic()) => inner,
        _ => error_type,
    };
    (!error_type.is_empty()).then(|| error_type.to_string())
}

/// Folds UUIDs into `<id>`, hex into `<hex>`, numbers into `<n>` and quoted values into `'…'`, collapses
/// whitespace, and trims to [`MAX_MESSAGE_CHARS`].
pub fn normalize_message(message: &str) -> String {
    let input = text::clip(message, MAX_INPUT_BYTES);
    let mut out = String::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let after_word = input[..i].chars().next_back().is_some_and(char::is_alphanumeric);
        i += fold_at(input, i, after_word, &mut out);
    }
    truncate(out.trim())
}

/// Appends the folded form of what starts at byte `at` and returns how many input bytes it covered.
fn fold_at(input: &str, at: usize, after_word: bool, out: &mut String) -> usize {
    let rest = &input[at..];
    let c = rest.chars().next().unwrap_or_default();
    if !after_word && rest.get(..36).is_some_and(text::is_uuid) && !continues_word(&rest[36..]) {
        out.push_str(ID);
        return 36;
    }
    if let Some(len) = quoted_len(rest).filter(|_| !after_word) {
        out.extend([c, QUOTED, c]);
        return len;
    }
    if c.is_ascii_alphanumeric() {
        let len = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
        return fold_word(rest, len, after_word, out);
    }
    if c.is_whitespace() {
        if !out.ends_with(' ') {
            out.push(' ');
        }
        return c.len_utf8();
    }
    out.push(c);
    c.len_utf8()
}

fn continues_word(rest: &str) -> bool {
    rest.chars().next().is_some_and(char::is_alphanumeric)
}

/// `'abc'` or `"abc"` on one line; an apostrophe inside a word (`can't`) neither opens nor closes a quote.
fn quoted_len(rest: &str) -> Option<usize> {
    let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let body = &rest[1..];
    let close = body.match_indices(quote).map(|(i, _)| i).find(|&i| quote == '"' || !continues_word(&body[i + 1..]))?;
    (!body[..close].contains('\n')).then_some(close + 2)
}

/// One ASCII word starting at the beginning of `rest`, `len` bytes long, with decimals (`3.00`) folded whole.
fn fold_word(rest: &str, len: usize, after_word: bool, out: &mut String) -> usize {
    let word = &rest[..len];
    let has_digit = word.bytes().any(|b| b.is_ascii_digit());
    let has_letter = word.bytes().any(|b| b.is_ascii_alphabetic());
    if after_word || !has_digit {
        out.push_str(word);
        len
    } else if word.bytes().all(|b| b.is_ascii_digit()) {
        out.push_str(NUMBER);
        len + decimals_len(&rest[len..])
    } else if is_hex_literal(word) || (len >= 8 && has_letter && word.bytes().all(|b| b.is_ascii_hexdigit())) {
        out.push_str(HEX);
        len
    } else if len >= 16 && has_letter {
        // Keys, tokens and generated ids: long runs mixing letters and digits.
        out.push_str(ID);
        len
    } else if word.starts_with(|c: char| c.is_ascii_digit()) {
        fold_digit_runs(word, out);
        len
    } else {
        // `S3`, `base64`, `utf8`, `v2`: digits inside a word are part of its name.
        out.push_str(word);
        len
    }
}

fn decimals_len(rest: &str) -> usize {
    let mut len = 0;
    while let Some(digits) = rest[len..].strip_prefix('.') {
        let run = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
        if run == 0 {
            break;
        }
        len += 1 + run;
    }
    len
}

fn is_hex_literal(word: &str) -> bool {
    let digits = word.strip_prefix("0x").or_else(|| word.strip_prefix("0X"));
    digits.is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `10ms` → `<n>ms`, `01T10` → `<n>T<n>`.
fn fold_digit_runs(word: &str, out: &mut String) {
    let mut in_digits = false;
    for c in word.chars() {
        match (c.is_ascii_digit(), in_digits) {
            (true, false) => out.push_str(NUMBER),
            (true, true) => {}
            (false, _) => out.push(c),
        }
        in_digits = c.is_ascii_digit();
    }
}

/// At most [`MAX_MESSAGE_CHARS`] characters, counting the ellipsis that marks a cut.
fn truncate(message: &str) -> String {
    let mut starts = message.char_indices().map(|(start, _)| start);
    match (starts.nth(MAX_MESSAGE_CHARS - 1), starts.next()) {
        (Some(end), Some(_)) => format!("{}…", message[..end].trim_end()),
        _ => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(message: &str) -> String {
        normalize_message(message)
    }

    #[test]
    fn different_bad_values_share_a_signature() {
        let abc = Signature::new(Some("ValueError"), "invalid literal for int() with base 10: 'abc'");
        let x9 = Signature::new(Some("ValueError"), "invalid literal for int() with base 10: 'x9'");

        assert_eq!(abc, x9);
        assert_eq!(abc.to_string(), "ValueError: invalid literal for int() with base <n>: '…'");
        assert_eq!(abc.fingerprint(), x9.fingerprint());
    }

    #[test]
    fn different_error_types_do_not_share_a_signature() {
        let value = Signature::new(Some("ValueError"), "bad input");
        let type_error = Signature::new(Some("TypeError"), "bad input");

        assert_ne!(value, type_error);
        assert_ne!(value.fingerprint(), type_error.fingerprint());
    }

    #[test]
    fn request_ids_uuids_and_hex_are_folded() {
        assert_eq!(normalized("order 8f5a2b1c-0d9e-4f3a-9b7c-6d5e4f3a2b1c failed"), "order <id> failed");
        assert_eq!(normalized("addr=0xc0000a6000 pc=0x4a5b2c"), "addr=<hex> pc=<hex>");
        assert_eq!(normalized("etag 5b6c89ab9f0e not found"), "etag <hex> not found");
        assert_eq!(normalized("token AKIAIOSFODNN7EXAMPLE rejected"), "token <id> rejected");
    }

    #[test]
    fn numbers_are_folded_but_names_with_digits_are_kept() {
        assert_eq!(normalized("Task timed out after 3.00 seconds"), "Task timed out after <n> seconds");
        assert_eq!(normalized("S3 upload of part 12 failed after 250ms"), "S3 upload of part <n> failed after <n>ms");
        assert_eq!(normalized("user_123 at 2024-05-01T10:00:00Z"), "user_<n> at <n>-<n>-<n>T<n>:<n>:<n>Z");
        assert_eq!(normalized("utf8 and base64 and python3.12"), "utf8 and base64 and python3.<n>");
    }

    #[test]
    fn quoted_values_are_folded_but_apostrophes_are_not_quotes() {
        assert_eq!(normalized("KeyError: 'quantity'"), "KeyError: '…'");
        assert_eq!(
            normalized("Cannot invoke \"String.length()\" because \"s\" is null"),
            "Cannot invoke \"…\" because \"…\" is null"
        );
        assert_eq!(normalized("can't decode byte 0xff in 'utf-8'"), "can't decode byte <hex> in '…'");
        assert_eq!(normalized("undefined method `id' for nil:NilClass"), "undefined method `id' for nil:NilClass");
        assert_eq!(normalized("unclosed 'quote here"), "unclosed 'quote here");
    }

    #[test]
    fn whitespace_tabs_and_newlines_collapse() {
        assert_eq!(normalized("  a\t\tb\r\n  c  "), "a b c");
    }

    #[test]
    fn long_messages_are_trimmed_to_a_sane_length() {
        let message = normalized(&"word ".repeat(100));

        assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS);
        assert!(message.ends_with('…'));
    }

    #[test]
    fn a_message_cut_inside_a_word_is_still_at_most_the_limit_with_its_ellipsis() {
        // Found by fuzzing (fuzz/fuzz_targets/stack_trace.rs): a cut inside a word kept 200 characters and then
        // added the ellipsis, 201 in all.
        let exact = "x".repeat(MAX_MESSAGE_CHARS);

        let (cut, kept) = (normalized(&"x".repeat(300)), normalized(&exact));

        assert_eq!(cut, format!("{}…", &exact[1..]));
        assert_eq!(kept, exact);
    }

    #[test]
    fn ruby_function_wrappers_are_unwrapped() {
        assert_eq!(normalize_type("Function<NoMethodError>").as_deref(), Some("NoMethodError"));
        assert_eq!(normalize_type("Init<LoadError>").as_deref(), Some("LoadError"));
        assert_eq!(normalize_type("  ").as_deref(), None);
    }

    #[test]
    fn a_signature_with_nothing_still_displays() {
        assert_eq!(Signature::new(None, "").to_string(), "(no message)");
        assert_eq!(Signature::new(Some("Runtime.ExitError"), "").to_string(), "Runtime.ExitError");
    }

    #[test]
    fn ordering_is_by_type_then_message() {
        let mut signatures =
            [Signature::new(Some("b"), "x"), Signature::new(None, "z"), Signature::new(Some("a"), "y")];
        signatures.sort();

        let types: Vec<_> = signatures.iter().map(Signature::error_type).collect();
        assert_eq!(types, [None, Some("a"), Some("b")]);
    }

    #[test]
    fn the_fingerprint_is_stable_across_releases() {
        // Changing this value orphans every stored signature: only do it together with a data migration.
        assert_eq!(Signature::new(Some("ValueError"), "bad").fingerprint(), 0x344e_fe95_7179_c0d7);
    }

    #[test]
    fn garbage_never_panics() {
        for message in ["'", "\"", "'\u{e9}'", "0x", "\u{e9}123", "1.", "..1", "é'x'", "a\u{0}b", "💥 0xZZ 12💥34"]
        {
            let _ = normalized(message);
        }
    }
}
