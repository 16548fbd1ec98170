//! Period planning for `GetMetricData`.
//!
//! CloudWatch keeps fine data only for a while: periods under 60 s for 3 hours,
//! 60 s for 15 days, 300 s for 63 days, 3600 s beyond. Asking for a finer period
//! than the data still has returns nothing, so the period follows the age of the
//! window's start as well as the panel's width (one point per pixel is enough).

use crate::time_range::Window;

const SECOND: i64 = 1_000;
const HOUR: i64 = 3_600 * SECOND;
const DAY: i64 = 24 * HOUR;

/// Periods under 60 s (high-resolution metrics) exist for this long.
pub(crate) const HIGH_RESOLUTION_KEPT_MS: i64 = 3 * HOUR;
/// 60 s periods exist for this long.
pub(crate) const ONE_MINUTE_KEPT_MS: i64 = 15 * DAY;
/// 300 s periods exist for this long; after it only 3600 s.
pub(crate) const FIVE_MINUTES_KEPT_MS: i64 = 63 * DAY;

/// Periods the planner picks from, in ms: all valid CloudWatch periods (multiples of
/// 60 s) that line up with the clock.
const NICE_PERIODS_MS: &[i64] = &[
    60 * SECOND,
    120 * SECOND,
    300 * SECOND,
    600 * SECOND,
    900 * SECOND,
    1_800 * SECOND,
    HOUR,
    2 * HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    DAY,
];

/// Periods CloudWatch accepts below a minute (high-resolution metrics only).
const HIGH_RESOLUTION_PERIODS_MS: &[i64] = &[SECOND, 5 * SECOND, 10 * SECOND, 30 * SECOND];

/// The finest period whose data still exists for a window starting `age_ms` ago.
pub(crate) fn retention_floor_ms(age_ms: i64) -> i64 {
    if age_ms <= HIGH_RESOLUTION_KEPT_MS {
        SECOND
    } else if age_ms <= ONE_MINUTE_KEPT_MS {
        60 * SECOND
    } else if age_ms <= FIVE_MINUTES_KEPT_MS {
        300 * SECOND
    } else {
        HOUR
    }
}

/// The period for a fetch of `window` into a panel `width_px` wide, at `now_ms`.
/// `fixed_ms` is the query's own `period`, honoured where retention allows (a
/// 10 s period over a window older than 3 h becomes 60 s, not an empty chart).
pub(crate) fn plan_period(
    window: Window,
    width_px: u32,
    now_ms: i64,
    fixed_ms: Option<i64>,
) -> i64 {
    let floor = retention_floor_ms(now_ms - window.start_ms);
    if let Some(fixed) = fixed_ms {
        return valid_period(fixed.max(floor));
    }
    // Standard-resolution metrics have one value a minute: finer periods only
    // return the same points, so 60 s is the planned minimum.
    let wanted = (window.span_ms() / i64::from(width_px.max(1)))
        .max(floor)
        .max(60 * SECOND);
    NICE_PERIODS_MS
        .iter()
        .copied()
        .find(|&period| period >= wanted)
        .unwrap_or_else(|| (wanted + DAY - 1) / DAY * DAY)
}

/// Rounds a period up to one CloudWatch accepts: 1, 5, 10, 30 s or a multiple of 60 s.
pub(crate) fn valid_period(period_ms: i64) -> i64 {
    if period_ms < 60 * SECOND {
        return HIGH_RESOLUTION_PERIODS_MS
            .iter()
            .copied()
            .find(|&p| p >= period_ms)
            .unwrap_or(60 * SECOND);
    }
    (period_ms + 60 * SECOND - 1) / (60 * SECOND) * (60 * SECOND)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    fn last(span_ms: i64) -> Window {
        Window {
            start_ms: NOW - span_ms,
            end_ms: NOW,
        }
    }

    #[test]
    fn an_hour_on_a_wide_panel_is_one_minute() {
        assert_eq!(plan_period(last(HOUR), 1_200, NOW, None), 60 * SECOND);
    }

    #[test]
    fn a_day_on_a_thousand_pixels_is_two_minutes() {
        // 86.4 s per pixel → the next clock-friendly period.
        assert_eq!(plan_period(last(DAY), 1_000, NOW, None), 120 * SECOND);
    }

    #[test]
    fn high_resolution_is_kept_for_three_hours_only() {
        let ten_seconds = Some(10 * SECOND);
        assert_eq!(
            plan_period(last(HIGH_RESOLUTION_KEPT_MS), 4_000, NOW, ten_seconds),
            10 * SECOND
        );
        assert_eq!(
            plan_period(
                last(HIGH_RESOLUTION_KEPT_MS + SECOND),
                4_000,
                NOW,
                ten_seconds
            ),
            60 * SECOND
        );
    }

    #[test]
    fn one_minute_data_is_kept_for_fifteen_days() {
        // A wide panel would like 60 s; retention decides.
        let wide = 1_000_000;
        assert_eq!(
            plan_period(last(ONE_MINUTE_KEPT_MS), wide, NOW, None),
            60 * SECOND
        );
        assert_eq!(
            plan_period(last(ONE_MINUTE_KEPT_MS + SECOND), wide, NOW, None),
            300 * SECOND
        );
    }

    #[test]
    fn five_minute_data_is_kept_for_sixty_three_days() {
        let wide = 10_000_000;
        assert_eq!(
            plan_period(last(FIVE_MINUTES_KEPT_MS), wide, NOW, None),
            300 * SECOND
        );
        assert_eq!(
            plan_period(last(FIVE_MINUTES_KEPT_MS + SECOND), wide, NOW, None),
            HOUR
        );
    }

    #[test]
    fn retention_follows_the_start_of_a_past_window_not_its_length() {
        // One hour, twenty days ago: only 300 s data is left.
        let window = Window {
            start_ms: NOW - 20 * DAY,
            end_ms: NOW - 20 * DAY + HOUR,
        };
        assert_eq!(plan_period(window, 1_000, NOW, None), 300 * SECOND);
    }

    #[test]
    fn odd_fixed_periods_round_up_to_valid_ones() {
        assert_eq!(valid_period(2 * SECOND), 5 * SECOND);
        assert_eq!(valid_period(45 * SECOND), 60 * SECOND);
        assert_eq!(valid_period(90 * SECOND), 120 * SECOND);
        assert_eq!(valid_period(300 * SECOND), 300 * SECOND);
    }
}
