//! Link flags for opspod's binaries.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // Packed relative relocations (DT_RELR): the binary keeps its position independence, but the loader reads a
    // few kilobytes of relocations at start instead of 2.8 MB, which stayed resident for the process's life.
    // Only glibc 2.36 and later load such a binary, so the flag is given only when building for the glibc this
    // machine has, and that glibc is recent enough.
    if builds_for_this_machine() && target_env() == "gnu" && glibc_reads_relr() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

fn builds_for_this_machine() -> bool {
    std::env::var("TARGET").ok() == std::env::var("HOST").ok()
}

fn target_env() -> String {
    std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default()
}

/// True when `getconf GNU_LIBC_VERSION` reports glibc 2.36 or later.
fn glibc_reads_relr() -> bool {
    let Ok(output) = Command::new("getconf").arg("GNU_LIBC_VERSION").output() else { return false };
    let text = String::from_utf8_lossy(&output.stdout);
    let version = text.trim().strip_prefix("glibc ").unwrap_or_default();
    let mut parts = version.split('.').map(|part| part.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) >= (2, 36)
}
