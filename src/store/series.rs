//! One time series as a ring buffer of samples, ordered by time.

use super::Retention;
use crate::dashboard::Reduce;
use crate::time_range::Window;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};

/// Changes remembered per series, so a view that fell further behind redoes all.
const CHANGE_LOG: usize = 16;

/// Generations are unique across all series: a series removed and created again
/// can never match a view's cache by accident.
static NEXT_GENERATION: AtomicU64 = AtomicU64::new(1);

fn next_generation() -> u64 {
    NEXT_GENERATION.fetch_add(1, Ordering::Relaxed)
}

/// One change from generation `before` to the next one in the log (or the
/// series' current one): samples with times in `from_ms..=to_ms` may have changed
/// (appeared, gone or new values).
#[derive(Debug, Clone, Copy)]
struct Change {
    before: u64,
    from_ms: i64,
    to_ms: i64,
}

/// The median time between consecutive samples at these ascending times: a
/// series' usual interval, which a late scrape stays within and a silence does
/// not; `None` with fewer than two.
pub(crate) fn median_gap(times: impl Iterator<Item = i64>) -> Option<i64> {
    let times: Vec<i64> = times.collect();
    let mut gaps: Vec<i64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let middle = gaps.len() / 2;
    (!gaps.is_empty()).then(|| *gaps.select_nth_unstable(middle).1)
}

/// One sample: time in ms since the Unix epoch and its value (16 bytes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Milliseconds since the Unix epoch.
    pub t_ms: i64,
    /// The value; may be NaN or ±Inf as Prometheus sends them.
    pub value: f64,
}

/// Samples of one series, strictly ascending in time.
///
/// `generation` changes on every change, so views (decimated plot lines) can cache
/// their work and recompute only when the data really changed; the recent changes'
/// time ranges are kept, so they can recompute only what changed.
#[derive(Debug, Default, Clone)]
pub struct Series {
    samples: VecDeque<Sample>,
    generation: u64,
    changes: VecDeque<Change>,
}

impl Series {
    /// A series of these `(t_ms, value)` points, for tests.
    #[cfg(test)]
    pub(crate) fn of_points(points: &[(i64, f64)]) -> Series {
        let mut series = Series::default();
        let samples: Vec<Sample> = points
            .iter()
            .map(|&(t_ms, value)| Sample { t_ms, value })
            .collect();
        series.merge(0, i64::MAX, &samples);
        series
    }

    /// Number of samples held.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether no sample is held.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Changes each time the samples change (never repeats, across all series).
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    /// The time ranges (inclusive) whose samples changed since `generation`, or
    /// `None` when that is no longer known (too many changes since, or another
    /// series' generation): then everything may have changed.
    pub(crate) fn changed_since(&self, generation: u64) -> Option<Vec<(i64, i64)>> {
        if generation == self.generation {
            return Some(Vec::new());
        }
        let start = self.changes.iter().position(|c| c.before == generation)?;
        Some(
            self.changes
                .range(start..)
                .map(|c| (c.from_ms, c.to_ms))
                .collect(),
        )
    }

    /// Records that samples in `from_ms..=to_ms` changed.
    fn changed(&mut self, from_ms: i64, to_ms: i64) {
        let after = next_generation();
        if self.changes.len() == CHANGE_LOG {
            self.changes.pop_front();
        }
        self.changes.push_back(Change {
            before: self.generation,
            from_ms,
            to_ms,
        });
        self.generation = after;
    }

    /// The finite samples inside `window` reduced to one value (`how`): the
    /// newest, least, greatest or their mean; none without any. One place for a
    /// fleet map's cells, a legend's columns and a drill-down's summary.
    pub(crate) fn reduced(&self, window: Window, how: Reduce) -> Option<f64> {
        let mut values = self
            .iter()
            .filter(|s| (window.start_ms..=window.end_ms).contains(&s.t_ms))
            .map(|s| s.value)
            .filter(|v| v.is_finite());
        match how {
            Reduce::Last => values.next_back(),
            Reduce::Min => values.reduce(f64::min),
            Reduce::Max => values.reduce(f64::max),
            Reduce::Mean => {
                let (total, n) = values.fold((0.0, 0usize), |(t, n), v| (t + v, n + 1));
                (n > 0).then(|| total / n as f64)
            }
        }
    }

    /// The newest sample.
    pub fn last(&self) -> Option<Sample> {
        self.samples.back().copied()
    }

    /// The samples as up to two contiguous slices (ring buffer halves), in order.
    pub(crate) fn as_slices(&self) -> (&[Sample], &[Sample]) {
        self.samples.as_slices()
    }

    /// Iterates samples in time order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Sample> + ExactSizeIterator {
        self.samples.iter()
    }

    /// Replaces the samples inside `[start_ms, end_ms]` — widened to cover every
    /// incoming sample, since a server may answer from before the asked start
    /// (Prometheus aligns it down to the step) — with `incoming`. Incoming samples
    /// out of order or repeated are dropped, so the series stays strictly ascending.
    ///
    /// The common case — a refresh that re-reads a short overlap and appends a tail —
    /// only pops and pushes at the back; a fetch in the middle of the stored range
    /// (zooming into the past) rebuilds the buffer.
    pub(crate) fn merge(&mut self, start_ms: i64, end_ms: i64, incoming: &[Sample]) {
        let ascending;
        let incoming = if incoming.windows(2).all(|w| w[0].t_ms < w[1].t_ms) {
            incoming
        } else {
            let mut sorted = incoming.to_vec();
            sorted.sort_by_key(|s| s.t_ms);
            sorted.dedup_by_key(|s| s.t_ms);
            ascending = sorted;
            &ascending
        };
        let start_ms = incoming.first().map_or(start_ms, |s| s.t_ms.min(start_ms));
        let end_ms = incoming.last().map_or(end_ms, |s| s.t_ms.max(end_ms));
        let appends_at_tail = self.samples.back().is_none_or(|last| last.t_ms <= end_ms);
        // Everything from the start on changed at the tail; only the interval inside.
        self.changed(start_ms, if appends_at_tail { i64::MAX } else { end_ms });
        if appends_at_tail {
            while self.samples.back().is_some_and(|s| s.t_ms >= start_ms) {
                self.samples.pop_back();
            }
            self.samples.extend(incoming.iter().copied());
            return;
        }
        let before = self
            .samples
            .iter()
            .take_while(|s| s.t_ms < start_ms)
            .count();
        let after_start = self
            .samples
            .iter()
            .position(|s| s.t_ms > end_ms)
            .unwrap_or(self.samples.len());
        let tail: Vec<Sample> = self.samples.range(after_start..).copied().collect();
        self.samples.truncate(before);
        self.samples.extend(incoming.iter().copied());
        self.samples.extend(tail);
    }

    /// Drops the oldest samples beyond the retention limits.
    pub(crate) fn trim(&mut self, retention: Retention) {
        let mut changed = false;
        let oldest_before = self.samples.front().map(|s| s.t_ms);
        while self.samples.len() > retention.max_points {
            self.samples.pop_front();
            changed = true;
        }
        if let Some(newest) = self.samples.back().map(|s| s.t_ms) {
            // Unbounded retention (i64::MAX) must not overflow for early timestamps.
            let oldest_kept = newest.saturating_sub(retention.max_age_ms);
            while self.samples.front().is_some_and(|s| s.t_ms < oldest_kept) {
                self.samples.pop_front();
                changed = true;
            }
        }
        if changed {
            // Gone: everything before the new oldest sample.
            let oldest = self.samples.front().map_or(i64::MAX, |s| s.t_ms);
            self.changed(oldest_before.unwrap_or(i64::MIN), oldest);
        }
    }

    /// Index of the first sample at or after `t_ms`.
    ///
    /// Why not a plain binary search: over a day of 1 s samples its 17 probes
    /// land all over the ring, a cache miss each, and a frame asks this a few
    /// hundred times (every redone column range of every line). Samples come at
    /// a near-steady interval, so the search starts where `t_ms` would sit if
    /// they were exactly steady and gallops out from there: a probe or two in
    /// memory that is close together, and never more than twice a binary
    /// search's probes when the spacing is uneven.
    pub(crate) fn partition_point(&self, t_ms: i64) -> usize {
        let samples = &self.samples;
        let (Some(first), Some(last)) = (samples.front(), samples.back()) else {
            return 0;
        };
        if t_ms <= first.t_ms {
            return 0;
        }
        if t_ms > last.t_ms {
            return samples.len();
        }
        let len = samples.len();
        let share = (t_ms - first.t_ms) as f64 / (last.t_ms - first.t_ms).max(1) as f64;
        let guess = ((share * (len - 1) as f64) as usize).min(len - 1);
        let before = |index: usize| samples[index].t_ms < t_ms;
        // Everything below `low` is before `t_ms`; nothing from `high` on is.
        let (mut low, mut high);
        if before(guess) {
            (low, high) = (guess + 1, len);
            let mut step = 1;
            while let Some(probe) = guess.checked_add(step).filter(|p| *p < len) {
                if before(probe) {
                    low = probe + 1;
                } else {
                    high = probe;
                    break;
                }
                step *= 2;
            }
        } else {
            (low, high) = (0, guess);
            let mut step = 1;
            while let Some(probe) = guess.checked_sub(step) {
                if before(probe) {
                    low = probe + 1;
                    break;
                }
                high = probe;
                step *= 2;
            }
        }
        while low < high {
            let middle = low + (high - low) / 2;
            if before(middle) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        low
    }

    /// The sample at `index`.
    pub(crate) fn get(&self, index: usize) -> Option<Sample> {
        self.samples.get(index).copied()
    }

    /// The newest sample at or before `t_ms`: what a tile shows at the right
    /// edge of its window (the latest while live, the edge's when zoomed back).
    pub fn at_or_before(&self, t_ms: i64) -> Option<Sample> {
        self.partition_point(t_ms.saturating_add(1))
            .checked_sub(1)
            .and_then(|i| self.get(i))
    }

    /// The value of the sample at exactly `t_ms`, if there is one (a band's
    /// bound beside its line's sample: both are fetched at the same times).
    pub fn value_at(&self, t_ms: i64) -> Option<f64> {
        self.get(self.partition_point(t_ms))
            .filter(|s| s.t_ms == t_ms)
            .map(|s| s.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_galloping_search_finds_what_a_binary_search_finds() {
        // Steady, uneven (a burst, a long silence) and a single sample.
        let steady: Vec<i64> = (0..1000).map(|i| i * 1000).collect();
        let uneven: Vec<i64> = (0..200)
            .map(|i| i * 10)
            .chain((0..50).map(|i| 500_000 + i * 7_000))
            .chain([10_000_000, 10_000_001])
            .collect();
        for times in [steady, uneven, vec![5_000]] {
            let mut series = Series::default();
            let samples: Vec<Sample> = times
                .iter()
                .map(|&t_ms| Sample { t_ms, value: 1.0 })
                .collect();
            series.merge(0, i64::MAX, &samples);
            let probes = times.iter().flat_map(|&t| [t - 1, t, t + 1]).chain([
                i64::MIN,
                -5,
                10_000_002,
                i64::MAX,
            ]);
            for t_ms in probes {
                assert_eq!(
                    series.partition_point(t_ms),
                    times.partition_point(|&t| t < t_ms),
                    "at {t_ms}"
                );
            }
        }
    }

    fn samples(range: std::ops::Range<i64>, step: i64, value: f64) -> Vec<Sample> {
        range
            .step_by(step as usize)
            .map(|t_ms| Sample { t_ms, value })
            .collect()
    }

    #[test]
    fn a_refresh_replaces_the_overlap_and_appends_the_tail() {
        let mut series = Series::default();
        series.merge(0, 90, &samples(0..100, 10, 1.0));
        series.merge(80, 150, &samples(80..160, 10, 2.0));
        let values: Vec<(i64, f64)> = series.iter().map(|s| (s.t_ms, s.value)).collect();
        assert_eq!(values.len(), 16);
        assert_eq!(values[7], (70, 1.0));
        assert_eq!(values[8], (80, 2.0));
        assert_eq!(values[15], (150, 2.0));
        assert!(values.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn a_fetch_in_the_past_replaces_only_its_interval() {
        let mut series = Series::default();
        series.merge(0, 990, &samples(0..1000, 10, 1.0));
        // A finer fetch of 200..=300 replaces 11 samples with 101.
        series.merge(200, 300, &samples(200..301, 1, 5.0));
        assert_eq!(series.len(), 100 - 11 + 101);
        assert_eq!(series.get(series.partition_point(199)).unwrap().value, 5.0);
        assert_eq!(
            series.get(series.partition_point(301)).unwrap(),
            Sample {
                t_ms: 310,
                value: 1.0
            }
        );
        assert!(
            series
                .iter()
                .zip(series.iter().skip(1))
                .all(|(a, b)| a.t_ms < b.t_ms)
        );
    }

    #[test]
    fn the_count_bound_holds_however_much_is_merged() {
        let retention = Retention {
            max_points: 500,
            max_age_ms: i64::MAX,
        };
        let mut series = Series::default();
        for chunk in 0..100 {
            let start = chunk * 100;
            series.merge(start, start + 99, &samples(start..start + 100, 1, 1.0));
            series.trim(retention);
            assert!(series.len() <= 500);
        }
        assert_eq!(series.len(), 500);
        assert_eq!(series.last().unwrap().t_ms, 9_999);
        assert_eq!(series.get(0).unwrap().t_ms, 9_500);
    }

    #[test]
    fn the_age_bound_drops_samples_older_than_the_newest_minus_max_age() {
        let retention = Retention {
            max_points: usize::MAX,
            max_age_ms: 1_000,
        };
        let mut series = Series::default();
        series.merge(0, 4_990, &samples(0..5_000, 10, 1.0));
        series.trim(retention);
        assert_eq!(series.get(0).unwrap().t_ms, 3_990);
        assert_eq!(series.len(), 101);
    }

    #[test]
    fn a_fetch_answered_from_before_its_start_replaces_rather_than_duplicates() {
        let mut series = Series::default();
        series.merge(0, 100, &samples(0..101, 10, 1.0));
        // Asked from 55, answered from 50 (aligned down to the 10 ms step).
        series.merge(55, 150, &samples(50..151, 10, 2.0));
        let times: Vec<i64> = series.iter().map(|s| s.t_ms).collect();
        assert_eq!(times, (0..151).step_by(10).collect::<Vec<i64>>());
        assert_eq!(series.get(5).unwrap().value, 2.0);
        // Out-of-order or repeated samples in an answer do not break the order.
        series.merge(
            200,
            300,
            &[
                Sample {
                    t_ms: 250,
                    value: 1.0,
                },
                Sample {
                    t_ms: 210,
                    value: 1.0,
                },
                Sample {
                    t_ms: 250,
                    value: 1.0,
                },
            ],
        );
        assert!(
            series
                .iter()
                .zip(series.iter().skip(1))
                .all(|(a, b)| a.t_ms < b.t_ms)
        );
    }

    #[test]
    fn unbounded_age_keeps_samples_from_the_first_instants_of_time() {
        let mut series = Series::default();
        series.merge(
            i64::MIN,
            i64::MIN + 10,
            &[Sample {
                t_ms: i64::MIN + 5,
                value: 1.0,
            }],
        );
        series.trim(Retention::unbounded());
        assert_eq!(series.len(), 1);
    }

    #[test]
    fn every_change_bumps_the_generation() {
        let mut series = Series::default();
        let g0 = series.generation();
        series.merge(0, 10, &samples(0..11, 1, 1.0));
        let g1 = series.generation();
        series.trim(Retention {
            max_points: 5,
            max_age_ms: i64::MAX,
        });
        assert!(g0 < g1 && g1 < series.generation());
    }
}
