//! Arguments shared by commands, validated with messages that say what is accepted.

use std::fmt;
use std::time::Duration;

/// A user's mistake in an argument, shown to them verbatim.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ArgError(pub String);

/// How far back a command looks: `15m`, `6h`, `7d`; at most 30 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Since(Duration);

impl Since {
    pub const MAX: Duration = Duration::from_secs(30 * 86_400);
    /// What a command looks back over when not told: a day covers a deploy and a night's traffic.
    pub const DEFAULT: Since = Since(Duration::from_secs(86_400));
    /// A week: the digest's default.
    pub const WEEK: Since = Since(Duration::from_secs(7 * 86_400));

    pub fn parse(raw: &str) -> Result<Self, ArgError> {
        let accepted =
            || ArgError(format!("`since` must be like 15m, 24h or 7d, at most 30d; got {}", crate::text::echo(raw)));
        let raw = raw.trim();
        let split = raw.find(|c: char| !c.is_ascii_digit()).ok_or_else(accepted)?;
        let (number, unit) = raw.split_at(split);
        let number: u64 = number.parse().map_err(|_| accepted())?;
        let seconds = match unit {
            "m" => 60,
            "h" => 3_600,
            "d" => 86_400,
            _ => return Err(accepted()),
        };
        let duration = Duration::from_secs(number.checked_mul(seconds).ok_or_else(accepted)?);
        if duration.is_zero() || duration > Self::MAX {
            return Err(accepted());
        }
        Ok(Since(duration))
    }

    pub fn duration(self) -> Duration {
        self.0
    }
}

impl fmt::Display for Since {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.0.as_secs();
        // "24h" is how people say a day, and how they type it; from two days on, days read better.
        match seconds {
            s if s % 86_400 == 0 && s >= 2 * 86_400 => write!(f, "{}d", s / 86_400),
            s if s % 3_600 == 0 => write!(f, "{}h", s / 3_600),
            s => write!(f, "{}m", s / 60),
        }
    }
}

/// A Lambda function name as Lambda accepts it: 1–64 letters, digits, `-` or `_`, or a function ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionName(String);

impl FunctionName {
    pub fn parse(raw: &str) -> Result<Self, ArgError> {
        let raw = raw.trim();
        if raw.starts_with("arn:") {
            return Self::from_arn(raw);
        }
        let valid =
            (1..=64).contains(&raw.len()) && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(ArgError(format!(
                "`function` must be a Lambda function name (1–64 letters, digits, - or _) or its ARN; got {}",
                crate::text::echo(raw)
            )));
        }
        Ok(FunctionName(raw.to_owned()))
    }

    fn from_arn(raw: &str) -> Result<Self, ArgError> {
        let name = raw.split(':').nth(6).unwrap_or_default();
        if raw.len() > 140 || !raw.contains(":function:") || name.is_empty() {
            return Err(ArgError(format!(
                "`function` ARN must look like arn:aws:lambda:REGION:ACCOUNT:function:NAME; got {}",
                crate::text::echo(raw)
            )));
        }
        Self::parse(name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_accepts_minutes_hours_and_days_up_to_thirty_days() {
        assert_eq!(Since::parse("15m").unwrap().duration(), Duration::from_secs(900));
        assert_eq!(Since::parse("6h").unwrap().to_string(), "6h");
        assert_eq!(Since::parse("30d").unwrap().to_string(), "30d");
        assert_eq!(Since::parse("48h").unwrap().to_string(), "2d");
    }

    #[test]
    fn a_day_reads_as_24h() {
        assert_eq!(Since::parse("1d").unwrap().to_string(), "24h");
        assert_eq!(Since::DEFAULT, Since::parse("24h").unwrap());
    }

    #[test]
    fn since_refuses_what_it_cannot_read_and_says_what_is_accepted() {
        for bad in ["31d", "0h", "7", "h", "1w", "-1d", "99999999999999999999d"] {
            let error = Since::parse(bad).unwrap_err();
            assert!(error.0.contains("must be like 15m, 24h or 7d, at most 30d"), "{bad}: {error}");
        }
    }

    #[test]
    fn function_names_follow_lambdas_rules() {
        assert_eq!(FunctionName::parse("checkout-api").unwrap().as_str(), "checkout-api");
        let arn = "arn:aws:lambda:us-east-1:210987654321:function:checkout-api:prod";
        assert_eq!(FunctionName::parse(arn).unwrap().as_str(), "checkout-api");
        assert!(FunctionName::parse("checkout api").is_err());
        assert!(FunctionName::parse(&"x".repeat(65)).is_err());
        assert!(FunctionName::parse("arn:aws:sqs:us-east-1:1:queue").is_err());
    }
}
