//! Desktop notifications when an alarm starts firing (freedesktop notifications
//! through `notify-rust`), rate-limited so a flapping alarm cannot flood the
//! desktop: one notification per alarm per quiet period, and a cap for all.

use super::Alarm;
use std::collections::{BTreeSet, HashMap, VecDeque};

/// The same alarm notifies again only after this long.
pub(crate) const PER_ALARM_QUIET_MS: i64 = 10 * 60_000;
/// At most this many notifications ...
pub(crate) const BURST: usize = 5;
/// ... in this long, for all alarms together.
pub(crate) const BURST_WINDOW_MS: i64 = 60_000;

/// Decides which firings may notify.
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    last_by_alarm: HashMap<String, i64>,
    recent: VecDeque<i64>,
}

impl RateLimiter {
    /// Whether a notification for alarm `name` at `now_ms` may go out; records it if so.
    pub(crate) fn allow(&mut self, name: &str, now_ms: i64) -> bool {
        if self
            .last_by_alarm
            .get(name)
            .is_some_and(|&last| now_ms - last < PER_ALARM_QUIET_MS && now_ms >= last)
        {
            return false;
        }
        while self
            .recent
            .front()
            .is_some_and(|&t| now_ms - t >= BURST_WINDOW_MS || t > now_ms)
        {
            self.recent.pop_front();
        }
        if self.recent.len() >= BURST {
            return false;
        }
        self.recent.push_back(now_ms);
        self.last_by_alarm.insert(name.to_owned(), now_ms);
        true
    }
}

/// Sends desktop notifications for new firings, when enabled.
#[derive(Debug, Default)]
pub struct Notifier {
    enabled: bool,
    limiter: RateLimiter,
    failed_once: bool,
    /// Alarms (by [`super::ack::key`]) firing at the previous update.
    firing_before: BTreeSet<String>,
}

impl Notifier {
    /// A notifier that sends only when `enabled` (`fleetdeck --notify`).
    pub fn new(enabled: bool) -> Notifier {
        Notifier {
            enabled,
            ..Notifier::default()
        }
    }

    /// Notifies each alarm of `alarms` that began firing since the previous update —
    /// and recently (within two polls at `refresh` and a minute's grace), so opening
    /// a layout does not announce incidents found in its history.
    pub fn update<'a>(
        &mut self,
        alarms: impl IntoIterator<Item = &'a Alarm>,
        now_ms: i64,
        refresh: std::time::Duration,
        runtime: &tokio::runtime::Handle,
    ) {
        let recent_ms = 2 * refresh.as_millis() as i64 + 60_000;
        let firing: Vec<&Alarm> = alarms
            .into_iter()
            .filter(|a| a.state == super::AlarmState::Firing)
            .collect();
        for alarm in &firing {
            let new = !self.firing_before.contains(&super::ack::key(alarm));
            let recent = alarm
                .since
                .is_some_and(|t| now_ms - t.timestamp_millis() < recent_ms);
            if new && recent {
                self.firing(alarm, now_ms, runtime);
            }
        }
        self.firing_before = firing.iter().map(|a| super::ack::key(a)).collect();
    }

    /// Notifies that `alarm` started firing, if allowed; sending happens on a
    /// blocking thread of `runtime` so the UI never waits for the desktop bus.
    fn firing(&mut self, alarm: &Alarm, now_ms: i64, runtime: &tokio::runtime::Handle) {
        if !self.enabled
            || !self
                .limiter
                .allow(&format!("{}/{}", alarm.source, alarm.name), now_ms)
        {
            return;
        }
        let summary = format!("firing: {}", alarm.name);
        let body = if alarm.summary.is_empty() {
            format!("source {}", alarm.source)
        } else {
            format!("{} (source {})", alarm.summary, alarm.source)
        };
        // Critical alarms stay on screen until dismissed (most daemons honour the
        // urgency hint); the rest time out like any notification.
        let urgency = if matches!(alarm.severity.as_deref(), Some("critical" | "page")) {
            notify_rust::Urgency::Critical
        } else {
            notify_rust::Urgency::Normal
        };
        let first_failure = !self.failed_once;
        self.failed_once = true; // only the first failure is logged
        runtime.spawn_blocking(move || {
            let sent = notify_rust::Notification::new()
                .appname("fleetdeck")
                .summary(&summary)
                .body(&body)
                .urgency(urgency)
                .show();
            if let Err(error) = sent
                && first_failure
            {
                tracing::warn!("desktop notifications unavailable: {error}");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flapping_alarm_notifies_once_per_quiet_period() {
        let mut limiter = RateLimiter::default();
        let sent = (0..60)
            .filter(|minute| limiter.allow("p99 high", minute * 30_000))
            .count();
        // 30 minutes of flapping every 30 s: at 0, 10 and 20 minutes.
        assert_eq!(sent, 3);
    }

    #[test]
    fn many_alarms_at_once_are_capped() {
        let mut limiter = RateLimiter::default();
        let sent = (0..20)
            .filter(|n| limiter.allow(&format!("alarm {n}"), 1_000))
            .count();
        assert_eq!(sent, BURST);
        // A minute later there is room again.
        assert!(limiter.allow("alarm 19", 61_000));
    }
}
