//! The link step of the `fleetdeck` binary: its line tables stay in (panics print
//! file:line), but compressed. Uncompressed they made the release binary 281 MB, of
//! which 241 MB were line tables; Rust's backtraces read compressed sections.
//! Only the binaries are linked this way: dependencies' builds are untouched.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-Wl,--compress-debug-sections=zlib");
    }
}
