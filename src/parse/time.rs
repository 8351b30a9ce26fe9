//! Timestamps as AWS writes them, which differs by service and even by field.

use chrono::{DateTime, NaiveDateTime, Utc};

use super::node::Node;
use super::rejection::Rejection;

/// CloudWatch writes `2019-10-02T17:04:40.989+0000`, which is not RFC 3339 (no colon in the offset).
const OFFSET_FORMATS: [&str; 2] = ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"];

/// Replays and hand-written events sometimes drop the offset; AWS itself always means UTC.
const NAIVE_FORMATS: [&str; 2] = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"];

/// The timestamp at `node`, or a rejection naming the field and the value seen.
pub(super) fn timestamp(node: &Node) -> Result<DateTime<Utc>, Rejection> {
    let raw = node.as_str()?;
    parse(raw).ok_or_else(|| Rejection::bad_timestamp(node.path(), raw))
}

/// The optional timestamp member `key` of `node`.
pub(super) fn opt_timestamp(node: &Node, key: &str) -> Result<Option<DateTime<Utc>>, Rejection> {
    node.opt(key)?.map(|child| timestamp(&child)).transpose()
}

/// Reads RFC 3339, ISO 8601 with a `+0000` offset or none, and RFC 1123 as AWS Health writes it
/// (`Fri, 3 Jun 2022 06:27:57 GMT`).
pub(super) fn parse(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    let utc = |time: DateTime<chrono::FixedOffset>| time.with_timezone(&Utc);
    if let Ok(time) = DateTime::parse_from_rfc3339(raw) {
        return Some(utc(time));
    }
    if let Some(time) = OFFSET_FORMATS.iter().find_map(|format| DateTime::parse_from_str(raw, format).ok()) {
        return Some(utc(time));
    }
    if let Some(time) = NAIVE_FORMATS.iter().find_map(|format| NaiveDateTime::parse_from_str(raw, format).ok()) {
        return Some(time.and_utc());
    }
    rfc1123(raw)
}

/// The weekday is dropped before parsing: it adds nothing, and a wrong one should not lose the event.
fn rfc1123(raw: &str) -> Option<DateTime<Utc>> {
    let without_weekday = raw.split_once(", ").map_or(raw, |(_, rest)| rest);
    DateTime::parse_from_rfc2822(without_weekday).ok().map(|time| time.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    #[test]
    fn cloudwatch_offsets_without_a_colon_are_read() {
        let time = parse("2019-10-02T17:04:40.989+0000").unwrap();
        assert_eq!(time.timestamp_millis(), utc(2019, 10, 2, 17, 4, 40).timestamp_millis() + 989);
    }

    #[test]
    fn rfc3339_with_or_without_fractions_is_read() {
        assert_eq!(parse("2019-10-02T17:04:40Z"), Some(utc(2019, 10, 2, 17, 4, 40)));
        assert_eq!(parse("2019-10-02T19:04:40.000+02:00"), Some(utc(2019, 10, 2, 17, 4, 40)));
    }

    #[test]
    fn health_rfc1123_dates_are_read_even_with_a_single_digit_day() {
        assert_eq!(parse("Fri, 3 Jun 2022 06:27:57 GMT"), Some(utc(2022, 6, 3, 6, 27, 57)));
        assert_eq!(parse("Fri, 03 Jun 2022 06:27:57 GMT"), Some(utc(2022, 6, 3, 6, 27, 57)));
    }

    #[test]
    fn a_wrong_weekday_does_not_lose_the_date() {
        assert_eq!(parse("Mon, 3 Jun 2022 06:27:57 GMT"), Some(utc(2022, 6, 3, 6, 27, 57)));
    }

    #[test]
    fn a_timestamp_without_an_offset_is_taken_as_utc() {
        assert_eq!(parse("2026-11-20T14:02:11"), Some(utc(2026, 11, 20, 14, 2, 11)));
    }

    #[test]
    fn words_are_not_a_timestamp() {
        assert_eq!(parse("yesterday"), None);
        assert_eq!(parse(""), None);
    }
}
