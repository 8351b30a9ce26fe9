//! Finding a secret in captured output, in every form it could leak as: as is, base64 (standard and URL-safe, at
//! any offset inside a longer encoded string) and percent-encoded (all punctuation, or all but the unreserved
//! characters a URL keeps).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but RFC 3986's unreserved characters, as a URL's userinfo or query encodes a value.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// A secret by name, with every spelling of it that a log line could carry.
pub struct Secret {
    pub name: &'static str,
    pub value: &'static str,
}

impl Secret {
    /// `(how it is written, the text to look for)`, without duplicates.
    pub fn forms(&self) -> Vec<(String, String)> {
        let mut forms = vec![("as is".to_owned(), self.value.to_owned())];
        for (label, set) in [("percent-encoded", NON_ALPHANUMERIC), ("URL-component-encoded", COMPONENT)] {
            forms.push((label.to_owned(), utf8_percent_encode(self.value, set).to_string()));
        }
        for offset in 0..3 {
            let standard = base64_inside(self.value.as_bytes(), offset);
            let url_safe = standard.replace('+', "-").replace('/', "_");
            forms.push((format!("base64 at offset {offset}"), standard));
            forms.push((format!("URL-safe base64 at offset {offset}"), url_safe));
        }
        let mut seen = std::collections::BTreeSet::new();
        forms.retain(|(_, needle)| seen.insert(needle.clone()));
        forms
    }

    /// The forms of this secret that `text` contains.
    pub fn found_in(&self, text: &str) -> Vec<String> {
        self.forms().into_iter().filter(|(_, needle)| text.contains(needle.as_str())).map(|(label, _)| label).collect()
    }
}

/// The base64 characters that encode only `secret`'s bits when it sits `offset` bytes into a longer input: a
/// secret inside an encoded header or payload shows up as exactly this run, whatever surrounds it.
fn base64_inside(secret: &[u8], offset: usize) -> String {
    let mut input = vec![0u8; offset];
    input.extend_from_slice(secret);
    let encoded = aws_smithy_types::base64::encode(&input);
    let first = (offset * 8).div_ceil(6);
    let last = (input.len() * 8) / 6;
    encoded[first..last].to_owned()
}

/// Panics naming every secret (and the form it took) found in `output`, with the lines that carry it.
pub fn assert_no_secret(label: &str, output: &str, secrets: &[Secret]) {
    let mut leaks = Vec::new();
    for secret in secrets {
        for form in secret.found_in(output) {
            let needle = secret.forms().into_iter().find(|(l, _)| *l == form).map(|(_, n)| n).unwrap_or_default();
            let lines: Vec<&str> = output.lines().filter(|line| line.contains(needle.as_str())).take(3).collect();
            leaks.push(format!("{} ({form}) in:\n    {}", secret.name, lines.join("\n    ")));
        }
    }
    assert!(leaks.is_empty(), "{label} leaked secrets:\n  {}", leaks.join("\n  "));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_found_inside_a_longer_base64_string_at_any_offset() {
        let secret = Secret { name: "password", value: "hunter2-secret" };
        for prefix in ["", "u", "us", "user:"] {
            let header = aws_smithy_types::base64::encode(format!("{prefix}hunter2-secret!"));
            assert!(!secret.found_in(&header).is_empty(), "{prefix:?} → {header}");
        }
        assert!(secret.found_in("nothing to see").is_empty());
    }
}
