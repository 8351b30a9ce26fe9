#!/usr/bin/env bash
# Peak RSS and wall time of `opspod replay --format json` on the 10,000 events of the ingest bench.
# Usage: benches/replay-rss.sh   (from any directory; builds the release binary and the bench first)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
EVENTS=10000
work=$(mktemp -d "${TMPDIR:-/tmp}/opspod-rss.XXXXXX")
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --bin opspod
# The bench binary writes the same storm it times, as JSON lines.
cargo bench --quiet --bench ingest -- --emit-events "$work/events.jsonl" 2>/dev/null
lines=$(wc -l <"$work/events.jsonl")
[[ $lines -eq $EVENTS ]] || { echo "expected $EVENTS events, got $lines" >&2; exit 1; }

if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -v -o "$work/time.txt" target/release/opspod replay --format json "$work/events.jsonl" >/dev/null
    rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
else
    # Without GNU time, sample the kernel's high-water mark while the replay runs.
    start=$(date +%s%N)
    target/release/opspod replay --format json "$work/events.jsonl" >/dev/null &
    pid=$!
    rss_kb=0
    while kill -0 "$pid" 2>/dev/null; do
        hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
        [[ -n $hwm && $hwm -gt $rss_kb ]] && rss_kb=$hwm
        sleep 0.02
    done
    wait "$pid"
    wall="$(awk -v ns=$(($(date +%s%N) - start)) 'BEGIN {printf "%.2f s", ns / 1e9}')"
fi

printf 'opspod replay --format json, %d events (SQLite scratch store, batches of 500)\n' "$EVENTS"
awk -v kb="$rss_kb" 'BEGIN {printf "peak RSS   %.1f MB\n", kb / 1024}'
printf 'wall time  %s\n' "$wall"
