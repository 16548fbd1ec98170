//! Headroom at the top of the heap for the meshes every frame builds.
//!
//! Each frame egui tessellates every plot into fresh meshes, megabytes in all,
//! and frees them once they are drawn. glibc's malloc hands the top of its heap
//! back to the kernel as soon as more than 128 KiB of it is free, so the next
//! frame takes those pages again and the kernel zeroes each one on its first
//! touch: in a profile of the 60-series frame (`benches/frame.rs`), page faults
//! and the reallocations behind them were a third of the frame. Keeping 16 MiB
//! at the top of the heap (`M_TOP_PAD`) ends that for at most 16 MiB more
//! resident memory.

/// How much free memory the heap keeps at its top instead of returning it.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const FRAME_HEADROOM_BYTES: libc::c_int = 16 * 1024 * 1024;

/// Asks the allocator to keep [`FRAME_HEADROOM_BYTES`] of freed memory for the
/// next frame. Call it once, at start; elsewhere than glibc it does nothing.
pub fn keep_frame_headroom() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tunable of glibc's allocator; it takes the
    // allocator's own lock and is safe to call at any time.
    #[allow(unsafe_code)]
    unsafe {
        libc::mallopt(libc::M_TOP_PAD, FRAME_HEADROOM_BYTES);
    }
}
