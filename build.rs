//! The build step of the `fleetdeck` crate:
//! - the binaries' line tables stay in (panics print file:line), but compressed.
//!   Uncompressed they made the release binary 281 MB, of which 241 MB were line
//!   tables; Rust's backtraces read compressed sections. Dependencies' builds are
//!   untouched.
//! - `fleetdeck --version` names the commit it was built from (`FLEETDECK_COMMIT`),
//!   so a bug report from a packaged binary points at the source. Outside a git
//!   checkout (a source tarball) the environment's `FLEETDECK_COMMIT` is used, or
//!   "unknown commit".

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=FLEETDECK_COMMIT");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-Wl,--compress-debug-sections=zlib");
    }
    let commit = std::env::var("FLEETDECK_COMMIT")
        .ok()
        .filter(|commit| !commit.is_empty())
        .or_else(git_commit)
        .unwrap_or_else(|| "unknown commit".to_owned());
    println!("cargo:rustc-env=FLEETDECK_COMMIT={commit}");
}

/// The checked-out commit (12 hex digits), watched so a new commit rebuilds.
fn git_commit() -> Option<String> {
    let git = |args: &[&str]| -> Option<String> {
        let output = Command::new("git").args(args).output().ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    };
    let commit = git(&["rev-parse", "--short=12", "HEAD"])?;
    // HEAD names the branch; the branch's ref (loose, or packed in a fresh clone)
    // names the commit. Only paths that exist are watched: a missing one would
    // rerun this script, and rebuild the crate, on every build.
    if let Some(git_dir) = git(&["rev-parse", "--git-dir"]) {
        for watched in ["HEAD", "packed-refs", "refs/heads"] {
            let path = std::path::Path::new(&git_dir).join(watched);
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    Some(commit)
}
