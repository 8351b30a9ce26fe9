//! A process's memory as Linux reports it in `/proc/<pid>/status`: the resident set now (VmRSS) and its peak
//! (VmHWM), in KiB; and a child's peak as GNU time reports it.

use super::BenchResult;

const GNU_TIME: &str = "/usr/bin/time";
const PEAK_FIELD: &str = "peak-kib=";

/// A field of `/proc/<pid>/status` in KiB (`VmRSS`, `VmHWM`), or `None` when the process is gone.
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    read_kib(&format!("/proc/{pid}/status"), field)
}

/// The peak resident set of this process, in KiB.
pub fn own_peak_kib() -> u64 {
    read_kib("/proc/self/status", "VmHWM").unwrap_or(0)
}

/// Writing 5 to clear_refs resets the peak resident set size (Linux 4.0+), so VmHWM then measures what follows.
pub fn reset_own_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn read_kib(path: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(path).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// KiB as MB (10^6 bytes), as the aims are written.
pub fn mb(kib: u64) -> f64 {
    kib as f64 * 1024.0 / 1e6
}

/// `program` run under GNU time, which prints the child's peak resident set on stderr for [`gnu_time_peak_kib`].
pub fn under_gnu_time(program: &str) -> BenchResult<tokio::process::Command> {
    if !std::path::Path::new(GNU_TIME).exists() {
        return Err("/usr/bin/time is missing (Debian's package `time`): it measures the command's peak RSS".into());
    }
    let mut command = tokio::process::Command::new(GNU_TIME);
    command.args(["-f", &format!("{PEAK_FIELD}%M"), program]);
    Ok(command)
}

/// The peak resident set in KiB that GNU time printed on `stderr`.
pub fn gnu_time_peak_kib(stderr: &str) -> BenchResult<u64> {
    let peak = stderr.lines().find_map(|line| line.trim().strip_prefix(PEAK_FIELD)?.parse().ok());
    Ok(peak.ok_or_else(|| format!("GNU time printed no peak: {stderr}"))?)
}
