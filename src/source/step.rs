//! Step planning: how far apart the samples of a fetch should be.
//!
//! Like Grafana's maxDataPoints, the step follows the panel's width in pixels: more
//! points than pixels cannot be seen. It is rounded to a "nice" step (so samples
//! line up across refreshes and panels) and never finer than the source's scrape
//! interval nor so fine that the server's points-per-series limit is exceeded.

use crate::source::limits::SourceLimits;
use crate::time_range::Window;

/// Steps a person recognises, in ms.
const NICE_STEPS_MS: &[i64] = &[
    1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000,
    1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
];

/// The step for a fetch of `window` into a panel `width_px` pixels wide.
pub fn plan_step(window: Window, width_px: u32, limits: SourceLimits) -> i64 {
    let span = window.span_ms().max(1);
    let wanted = span / i64::from(width_px.max(1));
    // `(span / step) + 1 <= max_points` ⇔ `step >= span / (max_points - 1)`.
    let server_floor = ceil_div(span, (limits.max_points_per_series - 1).max(1));
    let floor = wanted.max(limits.min_step_ms).max(server_floor);
    NICE_STEPS_MS
        .iter()
        .copied()
        .find(|&step| step >= floor)
        .unwrap_or_else(|| ceil_div(floor, 86_400_000) * 86_400_000)
}

/// `a / b` rounded up, for positive `b` (`i64::div_ceil` is not stable).
fn ceil_div(a: i64, b: i64) -> i64 {
    (a + b - 1).div_euclid(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROMETHEUS_LIKE: SourceLimits = SourceLimits {
        min_step_ms: 5_000,
        max_points_per_series: 11_000,
    };

    fn window(span_ms: i64) -> Window {
        Window {
            start_ms: 1_700_000_000_000,
            end_ms: 1_700_000_000_000 + span_ms,
        }
    }

    #[test]
    fn one_hour_on_a_wide_panel_uses_the_scrape_interval() {
        assert_eq!(plan_step(window(3_600_000), 1_000, PROMETHEUS_LIKE), 5_000);
    }

    #[test]
    fn a_day_on_a_thousand_pixels_rounds_up_to_two_minutes() {
        // 86.4 s per pixel → next nice step.
        assert_eq!(
            plan_step(window(86_400_000), 1_000, PROMETHEUS_LIKE),
            120_000
        );
    }

    #[test]
    fn the_server_limit_holds_even_on_a_huge_panel() {
        let limits = SourceLimits {
            min_step_ms: 1_000,
            max_points_per_series: 11_000,
        };
        for days in [1, 7, 30, 90, 400] {
            let w = window(days * 86_400_000);
            let step = plan_step(w, 100_000, limits);
            assert!(w.span_ms() / step < 11_000, "{days} d: step {step}");
        }
    }

    #[test]
    fn steps_are_never_finer_than_the_scrape_interval() {
        assert_eq!(plan_step(window(60_000), 4_000, PROMETHEUS_LIKE), 5_000);
    }
}
