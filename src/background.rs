//! Work the window hands to the runtime — reading or writing a file, listing a
//! folder, capturing an incident — and picks up each frame: the answer lands in a
//! slot and the window is woken, so the UI thread never waits on a disk.

use std::sync::{Arc, Mutex};

/// Asks the window for a frame (a source answered, a file was read).
pub(crate) type Wake = Arc<dyn Fn() + Send + Sync>;

/// An answer filled in on the runtime.
pub(crate) type Slot<T> = Arc<Mutex<Option<T>>>;

/// Runs `work` on the runtime's blocking pool; its answer lands in the slot.
pub(crate) fn in_background<T: Send + 'static>(
    runtime: &tokio::runtime::Handle,
    wake: Wake,
    work: impl FnOnce() -> T + Send + 'static,
) -> Slot<T> {
    let slot: Slot<T> = Arc::default();
    let filled = slot.clone();
    runtime.spawn_blocking(move || {
        let answer = work();
        if let Ok(mut slot) = filled.lock() {
            *slot = Some(answer);
        }
        wake();
    });
    slot
}

/// Takes the answer out of a slot, once there is one.
pub(crate) fn take<T>(slot: &Slot<T>) -> Option<T> {
    slot.lock().ok()?.take()
}
