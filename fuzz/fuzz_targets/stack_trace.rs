//! CloudWatch Logs messages as a Lambda function may write them, through the log analysis behind alerts,
//! `/errors` and bug reports: `Record::parse` (platform lines, JSON logs, every runtime's stack trace) on each
//! message, and `summarize` over all of them, once with room to spare and once with tight limits.
//!
//! Input: text (invalid UTF-8 replaced), split into log events on `\x1e` (ASCII record separator), so one
//! message can hold a multi-line stack trace. A message may start with a header `\x1fTIMESTAMP_MS[,STREAM]\x1f`;
//! otherwise events are a second apart in one log stream. Seeds are plain log messages.
//!
//! Properties, besides never panicking:
//! * every count in the summary is at most the number of events read, which is at most the number fed and the
//!   limit; bytes read stay within the byte limit; `truncated` says exactly whether events were left unread;
//! * what a summary keeps is bounded (sample ids, frames, signature length), and its JSON stays proportional to
//!   the input, so memory follows the limits rather than the log;
//! * a parsed error has no more frames than its message has lines, unless the message holds JSON (a
//!   `stackTrace` array, or a `stack` string with escaped line breaks).

#![no_main]

use libfuzzer_sys::fuzz_target;
use opspod::domain::logs::signature::MAX_MESSAGE_CHARS;
use opspod::domain::logs::summary::{MAX_APP_FRAMES, MAX_SAMPLE_IDS};
use opspod::domain::logs::{ErrorRecord, Limits, LogEvent, Occurrences, Record, Signature, Summary, summarize};

/// 2024-05-01T10:00:00Z, when nothing else is said.
const START_MS: i64 = 1_714_557_600_000;
const STREAM: &str = "2024/05/01/[$LATEST]8f5a2b1c0d9e4f3a9b7c6d5e4f3a2b1c";
const EVENT_SEPARATOR: char = '\x1e';
const HEADER_MARK: char = '\x1f';

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let events = events(&text);
    for event in &events {
        check_record(event.message);
    }

    let roomy = Limits { max_events: 100_000, max_bytes: 64 * 1024 * 1024 };
    check_summary(&events, roomy, &summarize(events.iter().copied(), roomy));

    let fed_bytes: u64 = events.iter().map(|event| event.message.len() as u64).sum();
    let tight = Limits { max_events: events.len() as u64 / 2, max_bytes: fed_bytes / 2 };
    check_summary(&events, tight, &summarize(events.iter().copied(), tight));
});

fn events(text: &str) -> Vec<LogEvent<'_>> {
    text.split(EVENT_SEPARATOR)
        .enumerate()
        .map(|(i, chunk)| {
            let default = LogEvent::new(START_MS + 1_000 * i as i64, chunk).in_stream(STREAM);
            let Some((header, message)) = chunk.strip_prefix(HEADER_MARK).and_then(|rest| rest.split_once(HEADER_MARK))
            else {
                return default;
            };
            let (timestamp, stream) = header.split_once(',').unwrap_or((header, STREAM));
            let timestamp_ms = timestamp.trim().parse().unwrap_or(default.timestamp_ms);
            let event = LogEvent::new(timestamp_ms, message);
            if stream.is_empty() { event } else { event.in_stream(stream) }
        })
        .collect()
}

fn check_record(message: &str) {
    let Record::Error(error) = Record::parse(message) else { return };
    let lines = message.split(['\n', '\r']).count();
    let frames: usize = exceptions(&error).map(|exception| exception.frames.len()).sum();
    if !message.contains(['[', '{']) {
        assert!(frames <= lines, "{frames} frames from {lines} lines: {message:?}");
    }
    assert!(frames <= message.len(), "{frames} frames from {} bytes", message.len());
    assert!(error.in_app_frames().len() <= frames);
    if let Some(frame) = error.in_app_frame() {
        assert!(frame.in_app);
        let _ = frame.to_string();
    }
    let signature = Signature::of(&error);
    check_signature(&signature);
    let _ = (signature.fingerprint(), signature.to_string(), error.root_cause());
}

fn exceptions(error: &ErrorRecord) -> impl Iterator<Item = &opspod::domain::logs::Exception> {
    std::iter::once(&error.error).chain(&error.causes)
}

fn check_signature(signature: &Signature) {
    let chars = signature.message().chars().count();
    assert!(chars <= MAX_MESSAGE_CHARS, "signature message of {chars} chars: {signature:?}");
}

fn check_summary(events: &[LogEvent<'_>], limits: Limits, summary: &Summary) {
    let fed = events.len() as u64;
    let read = summary.events;
    assert!(read <= fed && read <= limits.max_events, "read {read} of {fed} events under {limits:?}");
    assert!(summary.bytes <= limits.max_bytes, "read {} bytes under {limits:?}", summary.bytes);
    let read_bytes: u64 = events[..read as usize].iter().map(|event| event.message.len() as u64).sum();
    assert_eq!(summary.bytes, read_bytes, "bytes are the messages read");
    assert_eq!(summary.truncated, read < fed, "truncated must say whether events were left unread");
    assert!(summary.bad_timestamps <= read);

    let error_events: u64 = summary.errors.iter().map(|stats| stats.events).sum();
    assert!(error_events <= read, "{error_events} error events from {read} events read");
    for stats in &summary.errors {
        assert!(1 <= stats.events && stats.invocations <= stats.events, "{stats:?}");
        assert!(stats.first_seen <= stats.last_seen);
        assert!(stats.request_ids.len() <= MAX_SAMPLE_IDS);
        assert!(stats.app_frames.len() <= MAX_APP_FRAMES);
        assert_eq!(stats.in_app_frame.is_some(), !stats.app_frames.is_empty(), "{stats:?}");
        check_signature(&stats.signature);
    }
    check_occurrences(&summary.timeouts, read);
    check_occurrences(&summary.out_of_memory, read);

    let reports = &summary.reports;
    assert!(reports.invocations <= read);
    assert!(reports.cold_starts <= reports.invocations);
    assert!(reports.failed_invocations <= reports.invocations);
    assert!(reports.retries <= reports.invocations);
    assert!(reports.memory_high_invocations <= reports.invocations);
    assert!(reports.failed_billed_mb_ms <= reports.billed_mb_ms && reports.retry_billed_mb_ms <= reports.billed_mb_ms);
    let percentiles = [&reports.duration_ms, &reports.init_ms, &reports.restore_ms, &reports.memory_used_pct];
    for p in percentiles.into_iter().flatten() {
        assert!(p.count <= reports.invocations);
        assert!(p.p50 <= p.p95 && p.p95 <= p.p99 && p.p99 <= p.max, "{p:?}");
    }
    if let (Some(first), Some(last)) = (summary.first_event, summary.last_event) {
        assert!(first <= last);
    }

    // What the summary keeps grows with what was read, never faster.
    let json = serde_json::to_string(summary).expect("a summary serialises");
    let bound = 16 * read_bytes as usize + 16 * 1024;
    assert!(json.len() <= bound, "summary of {} bytes from {read_bytes} bytes read", json.len());
}

fn check_occurrences(occurrences: &Occurrences, read: u64) {
    assert!(occurrences.count <= read, "{occurrences:?} from {read} events");
    assert!(occurrences.request_ids.len() <= MAX_SAMPLE_IDS);
    assert_eq!(occurrences.first_seen.is_some(), occurrences.count > 0);
}
