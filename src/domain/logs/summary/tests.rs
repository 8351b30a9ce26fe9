//! The summary's counting rules, each on a small realistic stream.

use super::super::fixtures::{self, REQUEST_ID};
use super::*;

/// 2024-05-01T10:00:00Z.
const T0: i64 = 1_714_557_600_000;
const LIMITS: Limits = Limits { max_events: 10_000, max_bytes: 10_000_000 };
const OTHER_ID: &str = "77f0c2d4-3b1a-4e5f-8a9b-0c1d2e3f12cd";

fn at(seconds: i64) -> i64 {
    T0 + seconds * 1000
}

fn scan(messages: &[&str]) -> Summary {
    summarize(messages.iter().enumerate().map(|(i, m)| LogEvent::new(at(i as i64), m)), LIMITS)
}

fn scan_stream(stream: &str, messages: &[&str]) -> Summary {
    let events = messages.iter().enumerate().map(|(i, m)| LogEvent::new(at(i as i64), m).in_stream(stream));
    summarize(events, LIMITS)
}

fn start(id: &str) -> String {
    format!("START RequestId: {id} Version: $LATEST\n")
}

/// What [`report`] bills: 3,000 ms at 128 MB.
const REPORTED_BILLED_MS: u128 = 3_000;
const REPORTED_MEMORY_MB: u128 = 128;

fn report(id: &str, extra: &str) -> String {
    format!(
        "REPORT RequestId: {id}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\t\
         Max Memory Used: 74 MB\t{extra}\n"
    )
}

fn timeout_line(id: &str) -> String {
    format!("2024-05-01T10:00:03.010Z {id} Task timed out after 3.00 seconds\n")
}

const KEY_ERROR_UNHANDLED: &str = "[ERROR] KeyError: 'quantity'\nTraceback (most recent call last):\n\
    \u{a0}\u{a0}File \"/var/task/app.py\", line 9, in handler\n\u{a0}\u{a0}\u{a0}\u{a0}qty = event[\"quantity\"]\n";

#[test]
fn an_exception_logged_then_raised_counts_as_one_invocation() {
    let (start, report) = (start(REQUEST_ID), report(REQUEST_ID, ""));

    let summary = scan_stream(
        "2024/05/01/[$LATEST]abc",
        &[&start, fixtures::PYTHON_LOGGED_EXCEPTION, KEY_ERROR_UNHANDLED, &report],
    );

    assert_eq!(summary.errors.len(), 1);
    let key_error = &summary.errors[0];
    assert_eq!(key_error.signature.to_string(), "KeyError: '…'");
    assert_eq!((key_error.invocations, key_error.events), (1, 2));
    assert_eq!(key_error.request_ids, [REQUEST_ID]);
    assert_eq!(key_error.in_app_frame.as_ref().map(ToString::to_string).as_deref(), Some("app.py:9 in handler"));
}

#[test]
fn python_errors_without_request_ids_take_their_streams_invocation() {
    let (start, report) = (start(REQUEST_ID), report(REQUEST_ID, ""));

    let summary = scan_stream("2024/05/01/[$LATEST]abc", &[&start, fixtures::PYTHON_UNHANDLED, &report]);

    assert_eq!(summary.errors[0].request_ids, [REQUEST_ID]);
}

#[test]
fn without_stream_names_an_unattributed_error_still_counts_once() {
    let (start, report) = (start(REQUEST_ID), report(REQUEST_ID, ""));

    let summary = scan(&[&start, fixtures::PYTHON_UNHANDLED, &report]);

    let error = &summary.errors[0];
    assert_eq!((error.invocations, error.events), (1, 1));
    assert!(error.request_ids.is_empty());
}

#[test]
fn a_failed_retry_with_the_same_request_id_is_a_new_invocation() {
    let report = report(REQUEST_ID, "");

    let summary = scan(&[fixtures::NODE_INVOKE_ERROR, &report, fixtures::NODE_INVOKE_ERROR, &report]);

    assert_eq!((summary.errors[0].invocations, summary.errors[0].events), (2, 2));
}

#[test]
fn a_timeout_reported_by_its_line_and_its_report_counts_once_in_either_order() {
    let (line, timed_out, plain) =
        (timeout_line(REQUEST_ID), report(REQUEST_ID, "Status: timeout"), report(REQUEST_ID, ""));

    assert_eq!(scan(&[&line, &timed_out]).timeouts.count, 1, "newer runtimes: line, then REPORT with a status");
    assert_eq!(scan(&[&plain, &line]).timeouts.count, 1, "older runtimes: REPORT without a status, then the line");
    assert_eq!(scan(&[&timed_out, &line]).timeouts.count, 1, "REPORT first");
    assert_eq!(scan(&[&timed_out]).timeouts.count, 1, "JSON log format: no line at all");
}

#[test]
fn async_retries_of_a_timed_out_event_count_each_attempt() {
    let (line, timed_out) = (timeout_line(REQUEST_ID), report(REQUEST_ID, "Status: timeout"));

    let summary = scan(&[&line, &timed_out, &line, &timed_out, &timed_out]);

    assert_eq!(summary.timeouts.count, 3);
    assert_eq!(summary.timeouts.request_ids, [REQUEST_ID]);
    assert_eq!(summary.timeout_seconds, Some(3.0));
}

#[test]
fn timeouts_of_different_invocations_are_not_paired_with_each_other() {
    let summary = scan(&[&timeout_line(REQUEST_ID), &report(OTHER_ID, "Status: timeout")]);

    assert_eq!(summary.timeouts.count, 2);
    assert_eq!(summary.timeouts.request_ids, [REQUEST_ID, OTHER_ID]);
}

#[test]
fn an_out_of_memory_kill_counts_once_with_or_without_its_report() {
    assert_eq!(scan(&[fixtures::OOM_KILLED]).out_of_memory.count, 1);
    assert_eq!(scan(&[fixtures::OOM_KILLED, fixtures::REPORT_OOM]).out_of_memory.count, 1);
    assert_eq!(scan(&[fixtures::REPORT_JSON_OOM]).out_of_memory.count, 1);
    assert!(scan(&[fixtures::OOM_KILLED]).errors.is_empty());
}

#[test]
fn signatures_are_ranked_by_invocations() {
    let ids = ["a1", "a2", "a3"];
    let value_errors: Vec<String> =
        ids.iter().map(|id| format!("[ERROR]\t2024-05-01T10:00:00.123Z\t{id}\tValueError: bad 'x{id}'")).collect();
    let type_error = "[ERROR]\t2024-05-01T10:00:00.123Z\tb1\tTypeError: nope";
    let mut messages: Vec<&str> = vec![type_error];
    messages.extend(value_errors.iter().map(String::as_str));

    let summary = scan(&messages);

    let ranked: Vec<(String, u64)> = summary.errors.iter().map(|e| (e.signature.to_string(), e.invocations)).collect();
    assert_eq!(ranked, [("ValueError: bad '…'".to_string(), 3), ("TypeError: nope".to_string(), 1)]);
}

#[test]
fn sample_request_ids_are_capped_at_three_distinct_ones() {
    let lines: Vec<String> = ["r1", "r1", "r2", "r3", "r4"]
        .iter()
        .map(|id| format!("2024-05-01T10:00:00.000Z\t{id}\tERROR\tError: boom"))
        .collect();

    let summary = scan(&lines.iter().map(String::as_str).collect::<Vec<_>>());

    assert_eq!(summary.errors[0].request_ids, ["r1", "r2", "r3"]);
    assert_eq!((summary.errors[0].invocations, summary.errors[0].events), (4, 5));
}

#[test]
fn first_and_last_seen_follow_event_time_not_arrival_order() {
    let events = [LogEvent::new(at(30), fixtures::GO_ERROR), LogEvent::new(at(10), fixtures::GO_ERROR)];

    let summary = summarize(events, LIMITS);

    let error = &summary.errors[0];
    assert_eq!((error.first_seen.timestamp_millis(), error.last_seen.timestamp_millis()), (at(10), at(30)));
    assert_eq!(summary.first_event.map(|t| t.timestamp_millis()), Some(at(10)));
}

#[test]
fn the_in_app_frame_comes_from_the_first_occurrence_that_has_one() {
    let in_dependency =
        "2024-05-01T10:00:00.000Z\tr1\tERROR\tError: boom\n    at x (/var/task/node_modules/a/index.js:1:1)";
    let in_app = "2024-05-01T10:00:00.000Z\tr2\tERROR\tError: boom\n    at handler (/var/task/index.js:3:9)";

    let summary = scan(&[in_dependency, in_app, in_dependency]);

    let frame = summary.errors[0].in_app_frame.as_ref().map(ToString::to_string);
    assert_eq!(frame.as_deref(), Some("index.js:3 in handler"));
}

#[test]
fn report_stats_count_cold_starts_billing_and_memory() {
    let summary = scan(&[fixtures::REPORT_WARM, fixtures::REPORT_COLD, fixtures::REPORT_SNAPSTART]);

    let reports = &summary.reports;
    assert_eq!((reports.invocations, reports.cold_starts), (3, 2));
    assert_eq!(reports.init_ms.map(|init| (init.count, init.max)), Some((1, 250.12)));
    assert_eq!(reports.restore_ms.map(|restore| restore.count), Some(1), "the SnapStart restore has its own figures");
    assert_eq!((reports.billed_ms, reports.billed_restore_ms), (13 + 1063 + 250, 200));
    assert_eq!((reports.memory_mb, reports.max_memory_used_mb), (Some(512), Some(100)));
    assert_eq!(reports.duration_ms.map(|d| (d.p50, d.max)), Some((12.34, 812.4)));
    assert_eq!(reports.cold_start_rate(), Some(2.0 / 3.0));
}

#[test]
fn billing_weighs_each_invocation_by_its_memory_and_counts_what_failed_invocations_cost() {
    let summary = scan(&[
        fixtures::REPORT_WARM,
        &start("ok-1"),
        &report("ok-1", ""),
        &start("timed-out"),
        &timeout_line("timed-out"),
        &report("timed-out", ""),
    ]);

    let reports = &summary.reports;
    let billed: u128 = 13 * 128 + 2 * REPORTED_BILLED_MS * REPORTED_MEMORY_MB;
    assert_eq!(reports.billed_mb_ms, billed);
    assert_eq!((reports.failed_invocations, reports.failed_billed_mb_ms), (1, REPORTED_BILLED_MS * REPORTED_MEMORY_MB));
    assert!((reports.gb_seconds() - billed as f64 / 1_024_000.0).abs() < 1e-12);
}

#[test]
fn an_async_retry_with_the_same_request_id_is_counted_and_billed_as_a_retry() {
    let (failed, other) = (report(REQUEST_ID, "Status: error\tError Type: Runtime.ExitError"), report(OTHER_ID, ""));

    let retry = fixtures::REPORT_COLD; // `REQUEST_ID` again, in a new execution environment.

    let summary = scan(&[&failed, &other, retry]);

    let reports = &summary.reports;
    assert_eq!((reports.invocations, reports.retries), (3, 1));
    assert_eq!(reports.retry_billed_mb_ms, 1063 * 128, "billed as the retry itself ran: a cold start");
    assert!((reports.retry_gb_seconds() - (1063.0 * 128.0) / 1_024_000.0).abs() < 1e-12);
}

#[test]
fn a_first_invocation_is_not_a_retry() {
    let summary = scan(&[fixtures::REPORT_JSON_COLD, &report(OTHER_ID, "")]);

    let reports = &summary.reports;
    assert_eq!((reports.invocations, reports.retries, reports.retry_billed_mb_ms), (2, 0, 0));
    assert_eq!(reports.retry_gb_seconds(), 0.0);
}

#[test]
fn each_further_attempt_with_the_same_request_id_is_another_retry() {
    let failed = report(REQUEST_ID, "Status: timeout");

    let summary = scan(&[&failed, &failed, &failed]);

    let reports = &summary.reports;
    assert_eq!((reports.invocations, reports.retries), (3, 2));
    assert_eq!(reports.retry_billed_mb_ms, 2 * REPORTED_BILLED_MS * REPORTED_MEMORY_MB);
}

#[test]
fn an_async_retry_in_the_json_log_format_is_counted_and_billed_too() {
    let summary = scan(&[fixtures::REPORT_JSON_TIMEOUT, fixtures::REPORT_JSON_COLD]);

    let reports = &summary.reports;
    assert_eq!((reports.invocations, reports.retries), (2, 1));
    assert_eq!(reports.retry_billed_mb_ms, 1698 * 256);
}

#[test]
fn a_retry_restored_from_a_snapshot_is_billed_with_its_restore() {
    let summary = scan(&[fixtures::REPORT_WARM, fixtures::REPORT_SNAPSTART]);

    assert_eq!(summary.reports.retry_billed_mb_ms, (250 + 200) * 512);
}

/// A successful `REPORT` of `id` that peaked at `max_memory_mb` of `memory_mb`.
fn report_using_memory(id: &str, memory_mb: u32, max_memory_mb: u32) -> String {
    format!(
        "REPORT RequestId: {id}\tDuration: 10.00 ms\tBilled Duration: 10 ms\tMemory Size: {memory_mb} MB\t\
         Max Memory Used: {max_memory_mb} MB\t\n"
    )
}

#[test]
fn invocations_near_the_memory_limit_are_counted() {
    let below = report_using_memory("r1", 128, 115);
    let (just_above, exactly_90_percent) = (report_using_memory("r2", 128, 116), report_using_memory("r3", 1000, 900));

    let summary = scan(&[&below, &just_above, &exactly_90_percent, fixtures::REPORT_OOM, fixtures::REPORT_WARM]);

    assert_eq!(summary.reports.memory_high_invocations, 3, "116 of 128 MB, 900 of 1000 MB and the OOM kill");
}

#[test]
fn invocations_near_the_memory_limit_are_counted_in_the_json_log_format_too() {
    let summary = scan(&[fixtures::REPORT_JSON_COLD, fixtures::REPORT_JSON_TIMEOUT, fixtures::REPORT_JSON_OOM]);

    assert_eq!(summary.reports.memory_high_invocations, 1, "256 of 256 MB; 123 of 256 and 94 of 128 are not");
}

#[test]
fn a_report_without_a_memory_size_is_never_near_the_limit() {
    let summary = scan(&[&report_using_memory(REQUEST_ID, 0, 0)]);

    assert_eq!((summary.reports.invocations, summary.reports.memory_high_invocations), (1, 0));
}

#[test]
fn the_event_limit_stops_the_scan_and_says_so() {
    let mut scanner = Scanner::new(Limits { max_events: 2, max_bytes: 1_000_000 });

    let pushes: Vec<Push> = (0..3).map(|i| scanner.push(LogEvent::new(at(i), fixtures::GO_ERROR))).collect();
    let summary = scanner.finish();

    assert_eq!(pushes, [Push::Accepted, Push::Accepted, Push::LimitReached]);
    assert!(summary.truncated);
    assert_eq!((summary.events, summary.errors[0].events), (2, 2));
}

#[test]
fn the_byte_limit_stops_before_an_event_that_does_not_fit() {
    let size = fixtures::GO_ERROR.len() as u64;
    let events =
        [LogEvent::new(at(0), fixtures::GO_ERROR), LogEvent::new(at(1), fixtures::GO_ERROR), LogEvent::new(at(2), "x")];

    let summary = summarize(events, Limits { max_events: 100, max_bytes: size + size / 2 });

    assert!(summary.truncated);
    assert_eq!((summary.events, summary.bytes), (1, size));
}

#[test]
fn a_scan_within_its_limits_is_not_truncated() {
    assert!(!scan(&[fixtures::REPORT_WARM]).truncated);
}

#[test]
fn an_impossible_timestamp_is_skipped_and_counted() {
    let summary = summarize([LogEvent::new(i64::MAX, fixtures::GO_ERROR)], LIMITS);

    assert_eq!((summary.events, summary.bad_timestamps), (1, 1));
    assert!(summary.errors.is_empty());
}

#[test]
fn a_function_on_the_json_log_format_counts_like_a_text_one() {
    let start = format!(
        concat!(
            r#"{{"time":"2024-05-01T10:00:00.000Z","type":"platform.start","#,
            r#""record":{{"requestId":"{}","version":"$LATEST"}}}}"#
        ),
        REQUEST_ID
    );

    let summary = scan_stream("s1", &[&start, fixtures::PYTHON_JSON_LOG_FORMAT, fixtures::REPORT_JSON_TIMEOUT]);

    assert_eq!((summary.errors[0].invocations, summary.timeouts.count, summary.reports.invocations), (1, 1, 1));
}

#[test]
fn a_summary_serializes_for_storage() {
    let summary = scan(&[fixtures::NODE_INVOKE_ERROR, fixtures::REPORT_COLD]);

    let json = serde_json::to_value(&summary).expect("a summary serializes");

    assert_eq!(json["errors"][0]["signature"]["error_type"], "TypeError");
    assert_eq!(json["reports"]["cold_starts"], 1);
}

#[test]
fn truncated_fixtures_never_panic() {
    for fixture in fixtures::ALL {
        for (end, _) in fixture.char_indices() {
            let _ = Record::parse(&fixture[..end]);
            let _ = Record::parse(&fixture[end..]);
        }
    }
}

#[test]
fn garbage_input_never_panics() {
    const PIECES: &[&str] = &[
        "\n",
        "\r",
        "\t",
        " ",
        "    at ",
        "\tat ",
        "   at ",
        "File \"",
        "\", line ",
        "Traceback (most recent call last):",
        "{",
        "}",
        "[",
        "]",
        "\"",
        "'",
        "`",
        ":",
        ": ",
        "(",
        ")",
        "0x",
        "9",
        "é",
        "💥",
        "\u{a0}",
        "panic: ",
        "goroutine 1 [running]:",
        "REPORT RequestId: ",
        "Duration: ",
        "START RequestId: ",
        "RequestId: ",
        "Task timed out after ",
        "[ERROR]",
        "2024-05-01T10:00:00.000Z",
        "ERROR",
        ":in '",
        "': ",
        " (",
        "Caused by: ",
        " ---> ",
        ":line ",
        "errorType",
        "\"errorType\":",
        "\"stackTrace\":[",
        "Runtime.",
        "signal: killed",
        ".rb:",
        "/var/task/",
        "-",
        ".",
        "\\",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut scanner = Scanner::new(LIMITS);
    for i in 0..3000 {
        let length = next() % 40;
        let message: String = (0..length).map(|_| PIECES[(next() % PIECES.len() as u64) as usize]).collect();
        let _ = Record::parse(&message);
        scanner.push(LogEvent::new(at(i), &message).in_stream(if i % 2 == 0 { "a" } else { "b" }));
    }
    assert_eq!(scanner.finish().events, 3000);
}
