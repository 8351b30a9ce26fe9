//! Log-scan throughput: a synthetic 100 MB day of Lambda logs (START/END/REPORT, cold starts, Python, Node
//! and Java errors, timeouts, OOM kills, chatter) folded by `domain::logs`: `cargo bench --bench logscan`.
//!
//! Run without `--bench` (as `cargo test --benches` does), it folds 1 MB as a smoke test.

use std::time::Instant;

use opspod::domain::logs::{Limits, LogEvent, summarize};

const PYTHON: &str = "[ERROR] ValueError: invalid literal for int() with base 10: 'x'\nTraceback (most recent call last):\n  File \"/var/task/orders/handler.py\", line 12, in handler\n    return parse_order(event)\n  File \"/var/task/orders/parse.py\", line 88, in parse_order\n    qty = int(raw)\n";
const NODE: &str = "2026-11-28T10:00:00.000Z\tREQ\tERROR\tInvoke Error \t{\"errorType\":\"TypeError\",\"errorMessage\":\"Cannot read properties of undefined (reading 'id')\",\"stack\":[\"TypeError: Cannot read properties of undefined (reading 'id')\",\"    at lookup (/var/task/src/search.js:42:17)\",\"    at Runtime.handleOnceNonStreaming (file:///var/runtime/index.mjs:1173:29)\"]}";
const JAVA: &str = "{\"errorMessage\":\"invoice has no lines\",\"errorType\":\"java.lang.IllegalStateException\",\"stackTrace\":[\"com.acme.billing.Invoice.total(Invoice.java:57)\",\"com.acme.billing.Handler.handleRequest(Handler.java:21)\"]}";
const CHATTER: &str = "2026-11-28T10:00:00.000Z\tREQ\tINFO\tprocessed order 12345 for customer 67890 in 42 ms with 3 items and a discount code";

/// The events of invocation `i`: (timestamp ms, stream, message).
fn invocation(i: usize, out: &mut Vec<(i64, String, String)>) {
    let request = format!("8f5c2a1e-0000-4000-8000-{i:012}");
    let at = 1_795_000_000_000 + i as i64 * 100;
    let stream = format!("2026/11/28/[$LATEST]{:032x}", i % 40);
    out.push((at, stream.clone(), format!("START RequestId: {request} Version: 7")));
    for _ in 0..3 {
        out.push((at + 1, stream.clone(), CHATTER.replace("REQ", &request)));
    }
    match i % 50 {
        0 => out.push((at + 2, stream.clone(), PYTHON.to_owned())),
        1 => out.push((at + 2, stream.clone(), NODE.replace("REQ", &request))),
        2 => out.push((at + 2, stream.clone(), JAVA.to_owned())),
        3 => out.push((
            at + 2,
            stream.clone(),
            format!("2026-11-28T10:00:03.000Z {request} Task timed out after 3.00 seconds"),
        )),
        4 => out.push((
            at + 2,
            stream.clone(),
            format!("RequestId: {request} Error: Runtime exited with error: signal: killed"),
        )),
        _ => {}
    }
    out.push((at + 3, stream.clone(), format!("END RequestId: {request}")));
    let init = if i.is_multiple_of(20) { "\tInit Duration: 412.55 ms" } else { "" };
    out.push((
        at + 4,
        stream,
        format!("REPORT RequestId: {request}\tDuration: 120.31 ms\tBilled Duration: 121 ms\tMemory Size: 512 MB\tMax Memory Used: 90 MB{init}"),
    ));
}

fn main() {
    let full = std::env::args().any(|arg| arg == "--bench");
    let target = if full { 100 * 1024 * 1024 } else { 1024 * 1024 };
    let mut events = Vec::new();
    let mut bytes = 0usize;
    let mut i = 0;
    while bytes < target {
        let before = events.len();
        invocation(i, &mut events);
        bytes += events[before..].iter().map(|(_, _, message)| message.len()).sum::<usize>();
        i += 1;
    }
    let limits = Limits { max_events: u64::MAX, max_bytes: u64::MAX };
    let mut best = f64::MAX;
    for _ in 0..if full { 3 } else { 1 } {
        let started = Instant::now();
        let summary =
            summarize(events.iter().map(|(at, stream, message)| LogEvent::new(*at, message).in_stream(stream)), limits);
        best = best.min(started.elapsed().as_secs_f64());
        assert_eq!(summary.reports.invocations, i as u64, "every REPORT is read");
    }
    let mb = bytes as f64 / (1024.0 * 1024.0);
    println!(
        "log scan: {mb:.1} MB, {} events, {i} invocations folded in {:.2} s (best of runs): {:.0} MB/s, {:.0} events/s",
        events.len(),
        best,
        mb / best,
        events.len() as f64 / best
    );
}
