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

/// `program` run under GNU time, which prints the child's peak resident set on stderr for [`measure`].
pub fn under_gnu_time(program: &str) -> BenchResult<tokio::process::Command> {
    if !std::path::Path::new(GNU_TIME).exists() {
        return Err("/usr/bin/time is missing (Debian's package `time`): it measures the command's peak RSS".into());
    }
    let mut command = tokio::process::Command::new(GNU_TIME);
    command.args(["-f", &format!("{PEAK_FIELD}%M"), program]);
    Ok(command)
}

/// What a command run under GNU time printed, how long it took, and its peak resident set in KiB.
pub struct Measured {
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub wall: std::time::Duration,
    pub peak_kib: u64,
}

/// Runs `command` (from [`under_gnu_time`]) to its end; an error, with its stderr, unless it succeeds.
pub async fn measure(mut command: tokio::process::Command, what: &str) -> BenchResult<Measured> {
    let started = std::time::Instant::now();
    let output = command.output().await?;
    let wall = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() {
        return Err(format!("{what} exited with {}: {stderr}", output.status).into());
    }
    let peak = stderr.lines().find_map(|line| line.trim().strip_prefix(PEAK_FIELD)?.parse().ok());
    let peak_kib = peak.ok_or_else(|| format!("GNU time printed no peak: {stderr}"))?;
    Ok(Measured { stdout: output.stdout, stderr, wall, peak_kib })
}
