//! Lines Lambda itself writes: `START`, `END`, `REPORT`, timeouts and runtime exits, as text and in the JSON log
//! format (`{"type":"platform.report","record":{…}}`).

use serde_json::{Map, Value};

use super::record::{ErrorRecord, Exception, OUT_OF_MEMORY, Record, Report, Status, Timeout};
use super::stack::Runtime;
use super::text;

/// A platform line in the text log format, or `None` when `text` is not one.
pub(super) fn parse_text(text: &str) -> Option<Record> {
    if let Some(rest) = text.strip_prefix("START RequestId: ") {
        return first_word_id(rest).map(|request_id| Record::Start { request_id });
    }
    if let Some(rest) = text.strip_prefix("END RequestId: ") {
        return first_word_id(rest).map(|request_id| Record::End { request_id });
    }
    if let Some(rest) = text.strip_prefix("REPORT RequestId: ") {
        return Some(report_text(rest).map_or(Record::Other, Record::Report));
    }
    if PLATFORM_PREFIXES.iter().any(|prefix| text.starts_with(prefix)) {
        return Some(Record::Other);
    }
    timeout(text).or_else(|| runtime_exit(text))
}

/// Platform lines that carry nothing this module counts (init failures show up again on the invocation's `REPORT`).
const PLATFORM_PREFIXES: &[&str] =
    &["INIT_START", "INIT_REPORT", "RESTORE_START", "RESTORE_REPORT", "EXTENSION", "TELEMETRY", "XRAY TraceId"];

fn first_word_id(text: &str) -> Option<String> {
    text::request_id(text.split_whitespace().next()?)
}

fn report_text(rest: &str) -> Option<Report> {
    let request_id = first_word_id(rest)?;
    let fields = report_fields(rest);
    let field = |key: &str| fields.iter().find(|(k, _)| *k == key).map(|(_, value)| *value);
    let number = |key: &str| field(key).and_then(text::leading_number);
    Some(Report {
        request_id,
        duration_ms: number("Duration")?,
        billed_ms: number("Billed Duration").and_then(text::whole)?,
        memory_mb: field("Memory Size").and_then(text::leading_u32)?,
        max_memory_mb: field("Max Memory Used").and_then(text::leading_u32)?,
        init_ms: number("Init Duration"),
        restore_ms: number("Restore Duration"),
        billed_restore_ms: number("Billed Restore Duration").and_then(text::whole),
        status: field("Status").and_then(|status| status_of(status, field("Error Type"))),
    })
}

/// Longest first, so `Billed Duration` is never read as `Duration`.
const REPORT_KEYS: &[&str] = &[
    "Billed Restore Duration",
    "Restore Duration",
    "Billed Duration",
    "Init Duration",
    "Max Memory Used",
    "Memory Size",
    "Error Type",
    "Duration",
    "Status",
];

/// `Key: value` pairs of a `REPORT` line. Lambda separates them with tabs, but copies pasted through consoles and
/// chat turn tabs into spaces, so keys are found by name at word starts rather than by splitting on tabs.
fn report_fields(line: &str) -> Vec<(&'static str, &str)> {
    let bytes = line.as_bytes();
    let mut starts: Vec<(usize, &'static str, usize)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        // After an ASCII whitespace byte `i` is always a character boundary, so slicing there is safe.
        let at_word_start = i == 0 || bytes[i - 1].is_ascii_whitespace();
        match REPORT_KEYS.iter().find(|key| at_word_start && is_key_at(line, i, key)) {
            Some(key) => {
                starts.push((i, key, i + key.len() + 2));
                i += key.len() + 2;
            }
            None => i += 1,
        }
    }
    let ends = starts.iter().skip(1).map(|(start, _, _)| *start).chain([line.len()]);
    starts.iter().zip(ends).map(|(&(_, key, value), end)| (key, field_value(&line[value..end]))).collect()
}

fn is_key_at(line: &str, at: usize, key: &str) -> bool {
    let rest = &line[at..];
    rest.starts_with(key) && rest[key.len()..].starts_with(": ")
}

fn field_value(raw: &str) -> &str {
    raw.split(['\t', '\n', '\r']).next().unwrap_or_default().trim()
}

fn status_of(status: &str, error_type: Option<&str>) -> Option<Status> {
    match status {
        "success" => Some(Status::Success),
        "timeout" => Some(Status::Timeout),
        "error" | "failure" => Some(Status::Error { error_type: error_type.map(String::from) }),
        _ => None,
    }
}

/// `2024-05-01T10:00:00.000Z 8f5a… Task timed out after 3.00 seconds`. Only the timestamp and request id may come
/// first, so a function that logs another function's timeout message is not counted as timing out itself.
fn timeout(text: &str) -> Option<Record> {
    let at = text.find("Task timed out after ")?;
    let prefix: Vec<&str> = text[..at].split_whitespace().collect();
    let request_id = match prefix.as_slice() {
        [] => None,
        [only] if !text::is_iso_timestamp(only) => text::request_id(only),
        [_] => None,
        [_, id] => text::request_id(id),
        _ => return None,
    };
    let seconds = text::leading_number(&text[at + "Task timed out after ".len()..])?;
    Some(Record::Timeout(Timeout { request_id, seconds }))
}

/// `RequestId: … Error: Runtime exited with error: signal: killed` and its relatives, optionally followed by the
/// error type on the next line (`Runtime.ExitError`).
fn runtime_exit(text: &str) -> Option<Record> {
    let (request_id, rest) = match text.strip_prefix("RequestId: ") {
        Some(after) => {
            let (id, rest) = after.split_once(char::is_whitespace)?;
            (text::request_id(id), rest.trim_start())
        }
        None => (None, text),
    };
    if !EXIT_MESSAGES.iter().any(|start| rest.starts_with(start)) {
        return None;
    }
    let (message, error_type) = exit_message_and_type(rest);
    if message.contains("signal: killed") || error_type == Some(OUT_OF_MEMORY) {
        return Some(Record::OutOfMemory { request_id });
    }
    let error = Exception::new(error_type, message, Vec::new());
    Some(Record::Error(ErrorRecord { request_id, ..ErrorRecord::new(Runtime::Unknown, error, Vec::new()) }))
}

const EXIT_MESSAGES: &[&str] =
    &["Error: Runtime exited", "Process exited before completing request", "Unknown application error occurred"];

fn exit_message_and_type(rest: &str) -> (&str, Option<&str>) {
    let lines = text::lines(rest);
    let first = lines[0].strip_prefix("Error: ").unwrap_or(lines[0]).trim();
    let next = lines.get(1).map(|line| line.trim()).filter(|line| is_runtime_error_type(line));
    match (next, first.rsplit_once(' ')) {
        (Some(error_type), _) => (first, Some(error_type)),
        // Copies flattened onto one line: `… signal: killed Runtime.ExitError`.
        (None, Some((message, last))) if is_runtime_error_type(last) => (message, Some(last)),
        (None, _) => (first, None),
    }
}

fn is_runtime_error_type(word: &str) -> bool {
    word.starts_with("Runtime.") && text::is_type_name(word)
}

/// A platform event in the JSON log format.
pub(super) fn from_json(kind: &str, record: Option<&Map<String, Value>>) -> Record {
    let request_id = || record?.get("requestId")?.as_str().and_then(text::request_id);
    match kind {
        "platform.start" => request_id().map_or(Record::Other, |request_id| Record::Start { request_id }),
        "platform.report" => record.and_then(report_json).map_or(Record::Other, Record::Report),
        _ => Record::Other,
    }
}

fn report_json(record: &Map<String, Value>) -> Option<Report> {
    let metrics = record.get("metrics")?.as_object()?;
    let number = |key: &str| metrics.get(key).and_then(Value::as_f64).filter(|n| n.is_finite());
    let megabytes = |key: &str| number(key).and_then(text::whole).and_then(|n| u32::try_from(n).ok());
    let status = record.get("status").and_then(Value::as_str);
    let error_type = record.get("errorType").and_then(Value::as_str);
    Some(Report {
        request_id: record.get("requestId")?.as_str().and_then(text::request_id)?,
        duration_ms: number("durationMs")?,
        billed_ms: number("billedDurationMs").and_then(text::whole)?,
        memory_mb: megabytes("memorySizeMB")?,
        max_memory_mb: megabytes("maxMemoryUsedMB")?,
        init_ms: number("initDurationMs"),
        restore_ms: number("restoreDurationMs"),
        billed_restore_ms: number("billedRestoreDurationMs").and_then(text::whole),
        status: status.and_then(|status| status_of(status, error_type)),
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{self, REQUEST_ID};
    use super::*;

    fn report(line: &str) -> Report {
        match Record::parse(line) {
            Record::Report(report) => report,
            other => panic!("expected a report, got {other:?}"),
        }
    }

    #[test]
    fn start_and_end_lines_carry_the_request_id() {
        let start = Record::parse(&format!("START RequestId: {REQUEST_ID} Version: $LATEST\n"));
        let end = Record::parse(&format!("END RequestId: {REQUEST_ID}\n"));

        assert_eq!(start, Record::Start { request_id: REQUEST_ID.into() });
        assert_eq!(end, Record::End { request_id: REQUEST_ID.into() });
    }

    #[test]
    fn a_warm_report_has_every_figure_and_no_init() {
        let report = report(fixtures::REPORT_WARM);

        assert_eq!(report.request_id, REQUEST_ID);
        assert_eq!((report.duration_ms, report.billed_ms), (12.34, 13));
        assert_eq!((report.memory_mb, report.max_memory_mb), (128, 70));
        assert_eq!((report.init_ms, &report.status), (None, &None));
        assert!(!report.is_cold_start());
    }

    #[test]
    fn a_cold_report_has_its_init_duration() {
        let report = report(fixtures::REPORT_COLD);

        assert_eq!(report.init_ms, Some(250.12));
        assert!(report.is_cold_start());
    }

    #[test]
    fn a_snapstart_report_counts_its_restore_as_a_cold_start() {
        let report = report(fixtures::REPORT_SNAPSTART);

        assert_eq!((report.restore_ms, report.billed_restore_ms, report.init_ms), (Some(400.12), Some(200), None));
        assert_eq!(report.billed_ms, 250);
        assert!(report.is_cold_start());
    }

    #[test]
    fn failed_reports_say_timeout_or_out_of_memory() {
        assert!(report(fixtures::REPORT_TIMEOUT).timed_out());
        assert!(report(fixtures::REPORT_OOM).out_of_memory());
        assert!(!report(fixtures::REPORT_OOM).timed_out());
    }

    #[test]
    fn a_report_copied_with_spaces_instead_of_tabs_still_parses() {
        let line = "REPORT RequestId: abc-123  Duration: 3001.50 ms  Billed Duration: 3002 ms  Memory Size: 128 MB  \
                    Max Memory Used: 127 MB";

        let report = report(line);

        assert_eq!((report.duration_ms, report.billed_ms, report.max_memory_mb), (3001.5, 3002, 127));
    }

    #[test]
    fn a_report_followed_by_an_xray_line_ignores_it() {
        let line =
            format!("{}\nXRAY TraceId: 1-5759e988-bd862e3fe1be46a994272793\tSampled: true", fixtures::REPORT_WARM);

        assert_eq!(report(&line).max_memory_mb, 70);
    }

    #[test]
    fn a_truncated_report_is_other_not_a_report_with_made_up_zeros() {
        assert_eq!(Record::parse("REPORT RequestId: abc\tDuration: 1.00 ms"), Record::Other);
    }

    #[test]
    fn the_json_platform_report_reads_like_the_text_one() {
        let report = report(fixtures::REPORT_JSON_COLD);

        assert_eq!(
            (report.duration_ms, report.billed_ms, report.memory_mb, report.max_memory_mb),
            (1233.96, 1698, 256, 123)
        );
        assert_eq!((report.init_ms, &report.status), (Some(463.512), &Some(Status::Success)));
    }

    #[test]
    fn the_json_platform_report_carries_timeouts_and_out_of_memory() {
        assert!(report(fixtures::REPORT_JSON_TIMEOUT).timed_out());
        assert!(report(fixtures::REPORT_JSON_OOM).out_of_memory());
    }

    #[test]
    fn a_timeout_line_gives_the_request_id_and_the_configured_seconds() {
        let timeout = Record::parse(fixtures::TIMEOUT);

        assert_eq!(timeout, Record::Timeout(Timeout { request_id: Some(REQUEST_ID.into()), seconds: 3.0 }));
    }

    #[test]
    fn a_logged_mention_of_a_timeout_is_not_a_timeout() {
        let line = "calling billing: upstream said 2024-05-01T10:00:00.000Z abc Task timed out after 3.00 seconds";

        assert_eq!(Record::parse(line), Record::Other);
    }

    #[test]
    fn a_killed_runtime_is_out_of_memory_in_every_spelling() {
        let expected = Record::OutOfMemory { request_id: Some(REQUEST_ID.into()) };
        assert_eq!(Record::parse(fixtures::OOM_KILLED), expected);
        assert_eq!(
            Record::parse(&format!(
                "RequestId: {REQUEST_ID} Error: Runtime exited with error: signal: killed Runtime.ExitError"
            )),
            expected
        );
        let bare = "Error: Runtime exited with error: signal: killed\nRuntime.ExitError";
        assert_eq!(Record::parse(bare), Record::OutOfMemory { request_id: None });
        let windows = "Error: Runtime exited with error: signal: killed\r\nRuntime.OutOfMemory";
        assert_eq!(Record::parse(windows), Record::OutOfMemory { request_id: None });
    }

    #[test]
    fn a_runtime_that_exits_with_a_status_is_an_exit_error() {
        let Record::Error(error) = Record::parse(fixtures::EXIT_STATUS) else { panic!("expected an error") };

        assert_eq!(error.error_type(), Some("Runtime.ExitError"));
        assert_eq!(error.message(), "Runtime exited with error: exit status 1");
        assert_eq!(error.request_id.as_deref(), Some(REQUEST_ID));
    }

    #[test]
    fn init_lines_are_other() {
        let line = "INIT_REPORT Init Duration: 206.72 ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError";

        assert_eq!(Record::parse(line), Record::Other);
        assert_eq!(Record::parse("INIT_START Runtime Version: python:3.12.v27"), Record::Other);
    }
}
