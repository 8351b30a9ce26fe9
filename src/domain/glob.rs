//! Name patterns in config (`checkout-*`), matched case-insensitively the way people type them.

use std::fmt;

use globset::{GlobBuilder, GlobMatcher};

/// A compiled glob that remembers the pattern it came from, for messages and `Debug`.
#[derive(Clone)]
pub struct Glob {
    pattern: String,
    matcher: GlobMatcher,
}

impl Glob {
    pub fn new(pattern: &str) -> Result<Self, String> {
        let matcher = GlobBuilder::new(pattern)
            .case_insensitive(true)
            .literal_separator(false)
            .build()
            .map_err(|error| format!("`{pattern}` is not a valid glob: {}", error.kind()))?
            .compile_matcher();
        Ok(Glob { pattern: pattern.to_owned(), matcher })
    }

    pub fn matches(&self, text: &str) -> bool {
        self.matcher.is_match(text)
    }

    pub fn pattern(&self) -> &str {
        &self.pattern
    }
}

impl fmt::Debug for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Glob({:?})", self.pattern)
    }
}

impl PartialEq for Glob {
    fn eq(&self, other: &Self) -> bool {
        self.pattern == other.pattern
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_matches_any_suffix_and_case_is_ignored() {
        let glob = Glob::new("checkout-*").unwrap();
        assert!(glob.matches("checkout-api"));
        assert!(glob.matches("Checkout-API"));
        assert!(!glob.matches("search-api"));
    }

    #[test]
    fn a_broken_pattern_names_itself() {
        let error = Glob::new("a[").unwrap_err();
        assert!(error.contains("`a[`"), "{error}");
    }
}
