//! Keeping the screen on while the wall runs: the freedesktop ScreenSaver inhibitor
//! on the session bus (what desktop sessions and screen savers honour) and logind's
//! idle and sleep inhibitor on the system bus, through `keepawake`. Either may be
//! missing (a bare X server has neither): that is logged with the fallback, and the
//! README says how to switch blanking off there (`xset s off -dpms`).

/// Held while the wall runs; the inhibitors end when it is dropped.
pub struct Awake {
    _display: Option<keepawake::KeepAwake>,
    _idle: Option<keepawake::KeepAwake>,
}

/// What a person should do where no inhibitor answers.
pub(crate) const FALLBACK: &str = "screen blanking cannot be switched off over D-Bus here; on a bare X server run `xset s off -dpms`";

/// Asks the session and the system to keep the screen on. Blocking (D-Bus calls):
/// call it before the window opens, never from the UI loop.
pub fn keep_awake() -> Awake {
    let reason = "a fleetdeck wall is showing dashboards";
    let display = keepawake::Builder::default()
        .display(true)
        .reason(reason)
        .app_name("fleetdeck")
        .app_reverse_domain("io.github.fleetdeck")
        .create();
    if let Err(error) = &display {
        tracing::warn!("the screen saver was not asked to stay off ({error}); {FALLBACK}");
    }
    let idle = keepawake::Builder::default()
        .idle(true)
        .sleep(true)
        .reason(reason)
        .app_name("fleetdeck")
        .app_reverse_domain("io.github.fleetdeck")
        .create();
    if let Err(error) = &idle {
        tracing::info!("logind was not asked to block idle and sleep ({error})");
    }
    Awake {
        _display: display.ok(),
        _idle: idle.ok(),
    }
}
