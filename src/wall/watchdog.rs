//! systemd supervision: `READY=1` once the wall has drawn its first frame, then
//! `WATCHDOG=1` from the UI loop itself, so a UI thread that stalls (a hung driver,
//! a deadlock) stops the pings and systemd restarts the wall
//! (`assets/fleetdeck-wall.service`: `Type=notify`, `WatchdogSec=`, `Restart=always`).
//! Outside systemd (no `NOTIFY_SOCKET`) nothing is sent.

use std::time::{Duration, Instant};

/// Pings are sent at most this often (systemd's watchdog is tens of seconds).
pub(crate) const PING_EVERY: Duration = Duration::from_secs(5);

/// What to tell systemd, and when.
#[derive(Debug, Default)]
pub(crate) struct Watchdog {
    ready_sent: bool,
    last_ping: Option<Instant>,
}

/// One message for systemd.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Message {
    /// The wall is up.
    Ready,
    /// The UI loop is alive.
    Ping,
}

impl Watchdog {
    /// What to send after a frame at `now` (nothing most frames).
    pub(crate) fn after_frame(&mut self, now: Instant) -> Option<Message> {
        if !self.ready_sent {
            self.ready_sent = true;
            self.last_ping = Some(now);
            return Some(Message::Ready);
        }
        let due = self
            .last_ping
            .is_none_or(|last| now.duration_since(last) >= PING_EVERY);
        due.then(|| {
            self.last_ping = Some(now);
            Message::Ping
        })
    }

    /// Sends what is due to systemd (if it supervises us).
    pub(crate) fn tick(&mut self) {
        let state = match self.after_frame(Instant::now()) {
            None => return,
            Some(Message::Ready) => sd_notify::NotifyState::Ready,
            Some(Message::Ping) => sd_notify::NotifyState::Watchdog,
        };
        if let Err(error) = sd_notify::notify(&[state]) {
            tracing::warn!("cannot notify systemd: {error}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_once_then_a_ping_every_few_seconds_from_the_frame_loop() {
        let start = Instant::now();
        let mut watchdog = Watchdog::default();
        assert_eq!(watchdog.after_frame(start), Some(Message::Ready));
        assert_eq!(watchdog.after_frame(start + Duration::from_secs(1)), None);
        assert_eq!(
            watchdog.after_frame(start + PING_EVERY),
            Some(Message::Ping)
        );
        assert_eq!(watchdog.after_frame(start + PING_EVERY), None);
        // A frame loop that stalls sends nothing: systemd's watchdog fires.
        assert_eq!(
            watchdog.after_frame(start + PING_EVERY * 9),
            Some(Message::Ping)
        );
    }
}
