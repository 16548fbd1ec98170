//! A stacked chart's areas: the series summed bottom to top at each time any of
//! them has a sample, so each series' area sits on the ones before it and the
//! top of the last is the total.
//!
//! Why at every sample time and not on a fixed grid: Prometheus answers every
//! series of a range query at the same step, so their times line up and each
//! level is exactly the sum the server would give (`sum(x)` at that instant).
//! Where a series has no sample at a time (a scrape that came a little later),
//! its latest value holds for up to two of its intervals; past that it stopped
//! reporting and adds nothing, rather than holding a stale value up forever.
//! When there are more times than pixel columns, the times are thinned to one per
//! column (the column's last), so a day of 1 s samples costs what the plot shows.

use crate::store::{Series, median_gap};
use crate::time_range::Window;

/// The stacked levels of some series over a window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stack {
    /// The times drawn, ms, ascending.
    pub times_ms: Vec<i64>,
    /// Per series, in stacking order, the top of its area at each time: the sum
    /// of its value and those of every series below it. The last is the total.
    pub tops: Vec<Vec<f64>>,
}

impl Stack {
    /// The bottom of series `index`'s area at each time (zero under the first).
    pub fn bottoms(&self, index: usize) -> Option<&[f64]> {
        index
            .checked_sub(1)
            .map(|below| self.tops[below].as_slice())
    }

    /// The total (the top of the last area) at the time nearest `t_ms`, within
    /// `near` ms.
    pub fn total_near(&self, t_ms: i64, near: i64) -> Option<f64> {
        let index = self.times_ms.partition_point(|&t| t < t_ms);
        let candidates = [index.checked_sub(1), Some(index)];
        let nearest = candidates
            .into_iter()
            .flatten()
            .filter(|&i| i < self.times_ms.len())
            .min_by_key(|&i| (self.times_ms[i] - t_ms).abs())?;
        ((self.times_ms[nearest] - t_ms).abs() <= near)
            .then(|| self.tops.last().map(|total| total[nearest]))
            .flatten()
    }
}

/// Stacks `series` (bottom first) over `window`, with at most about `columns`
/// times drawn.
pub fn stack(series: &[&Series], window: Window, columns: usize) -> Stack {
    let in_window = |t: i64| t >= window.start_ms && t <= window.end_ms;
    let mut times: Vec<i64> = series
        .iter()
        .flat_map(|one| one.iter().map(|s| s.t_ms).filter(|&t| in_window(t)))
        .collect();
    times.sort_unstable();
    times.dedup();
    let times = thinned(times, window, columns);
    let mut total = vec![0.0; times.len()];
    let tops = series
        .iter()
        .map(|one| {
            // Its usual interval inside the window: a late scrape is held over
            // it, a silence is not.
            let own_times = one.iter().map(|s| s.t_ms).filter(|&t| in_window(t));
            let hold = 2 * median_gap(own_times).unwrap_or(0);
            for (level, &t_ms) in total.iter_mut().zip(&times) {
                *level += held_value(one, t_ms, hold);
            }
            total.clone()
        })
        .collect();
    Stack {
        times_ms: times,
        tops,
    }
}

/// One time per pixel column (the column's last) when there are more times than
/// columns.
fn thinned(times: Vec<i64>, window: Window, columns: usize) -> Vec<i64> {
    if times.len() <= columns.max(1) {
        return times;
    }
    let width = (window.span_ms() / columns.max(1) as i64).max(1);
    let column = |t: i64| (t - window.start_ms) / width;
    let mut kept: Vec<i64> = Vec::with_capacity(columns + 1);
    for t in times {
        match kept.last_mut() {
            Some(last) if column(*last) == column(t) => *last = t,
            _ => kept.push(t),
        }
    }
    kept
}

/// What `series` adds at `t_ms`: its sample there, else its latest one if no
/// older than `hold`; zero where it has none or the value is not a number.
fn held_value(series: &Series, t_ms: i64, hold: i64) -> f64 {
    series
        .at_or_before(t_ms)
        .filter(|s| t_ms - s.t_ms <= hold && s.value.is_finite())
        .map_or(0.0, |s| s.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Window = Window {
        start_ms: 0,
        end_ms: 100_000,
    };

    #[test]
    fn each_level_is_the_sum_of_the_series_below_and_the_last_is_the_total() {
        let a = Series::of_points(&[(0, 1.0), (10_000, 2.0), (20_000, 3.0)]);
        let b = Series::of_points(&[(0, 10.0), (10_000, 20.0), (20_000, 30.0)]);
        let stack = stack(&[&a, &b], WINDOW, 800);
        assert_eq!(stack.times_ms, vec![0, 10_000, 20_000]);
        assert_eq!(stack.tops[0], vec![1.0, 2.0, 3.0]);
        assert_eq!(stack.tops[1], vec![11.0, 22.0, 33.0]);
        assert_eq!(stack.bottoms(0), None);
        assert_eq!(stack.bottoms(1), Some(&[1.0, 2.0, 3.0][..]));
        assert_eq!(stack.total_near(9_000, 2_000), Some(22.0));
        assert_eq!(stack.total_near(50_000, 2_000), None);
    }

    #[test]
    fn a_late_sample_holds_over_but_a_series_that_stopped_adds_nothing() {
        // b scrapes 1 s after a, then stops after 20 s.
        let a = Series::of_points(&[
            (0, 1.0),
            (10_000, 1.0),
            (20_000, 1.0),
            (30_000, 1.0),
            (40_000, 1.0),
            (50_000, 1.0),
            (60_000, 1.0),
        ]);
        let b = Series::of_points(&[(1_000, 5.0), (11_000, 5.0), (21_000, 5.0)]);
        let stack = stack(&[&a, &b], WINDOW, 800);
        let total_at = |t: i64| stack.total_near(t, 0).unwrap();
        assert_eq!(total_at(0), 1.0, "b has not started");
        assert_eq!(total_at(10_000), 6.0, "b's sample of 1 s before holds");
        assert_eq!(total_at(11_000), 6.0);
        assert_eq!(
            total_at(40_000),
            6.0,
            "19 s after b's last: within two intervals"
        );
        assert_eq!(total_at(50_000), 1.0, "b stopped: not held up");
        assert_eq!(total_at(60_000), 1.0);
    }

    #[test]
    fn more_times_than_columns_keep_one_per_column() {
        let points: Vec<(i64, f64)> = (0..1000).map(|i| (i * 100, 1.0)).collect();
        let a = Series::of_points(&points);
        let stack = stack(&[&a], WINDOW, 100);
        assert!(stack.times_ms.len() <= 101, "{}", stack.times_ms.len());
        assert!(stack.tops[0].iter().all(|&v| v == 1.0));
        assert_eq!(stack.times_ms.last(), Some(&99_900), "the newest kept");
    }

    #[test]
    fn a_value_that_is_not_a_number_adds_nothing() {
        let a = Series::of_points(&[(0, f64::NAN), (10_000, 2.0)]);
        let b = Series::of_points(&[(0, 3.0), (10_000, 3.0)]);
        assert_eq!(stack(&[&a, &b], WINDOW, 800).tops[1], vec![3.0, 5.0]);
    }
}
