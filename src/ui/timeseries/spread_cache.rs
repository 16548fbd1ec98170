//! Spreads kept between frames, computed away from the UI thread when big.
//!
//! A spread over 10,000 series of 121 points takes ~75 ms to compute: on the UI
//! thread that is a frozen frame at every refresh. Past [`SYNC_SAMPLES`] the
//! query's series are copied (a few ms) and the spread is computed on a thread of
//! its own; the panel keeps drawing the spread it has until the new one lands,
//! and the window is woken then. One computation per query runs at a time: a
//! refresh that lands while one runs waits for it, then the latest data is taken.
//! Small spreads (a few hundred series) are computed at once, in the frame.

use super::spread::SpreadLines;
use crate::dashboard::{PanelId, QueryKey};
use crate::fleet::spread::{MEDIAN, Spread};
use crate::store::{Series, SeriesKey, Store};
use crate::time_range::Window;
use egui_plot::PlotPoint;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// At most this many samples are reduced in the frame; more go to a thread.
const SYNC_SAMPLES: usize = 500_000;

/// What a spread was computed from: the data's fingerprint, the coarse window
/// and how many outliers were asked for.
type Inputs = (u128, Window, usize);

/// A computation running on its own thread; its answer lands in the slot.
type Running = (Inputs, Arc<Mutex<Option<SpreadLines>>>);

/// One query's spread: the one shown, and the one being computed.
#[derive(Default)]
struct Entry {
    shown: Option<(Inputs, Arc<SpreadLines>)>,
    running: Option<Running>,
}

/// Spreads kept between frames, by query; and each panel's pin search.
#[derive(Default)]
pub(crate) struct SpreadCache {
    spreads: HashMap<QueryKey, Entry>,
    /// The text typed in each spread panel's search field.
    pub searches: HashMap<PanelId, String>,
}

impl SpreadCache {
    /// The spread of query `key` to draw now: up to date, or — while a new one is
    /// computed on its own thread — the last one (none before the first lands).
    /// `repaint` is asked for a frame when a computation ends.
    pub(super) fn get(
        &mut self,
        store: &Store,
        key: &QueryKey,
        window: Window,
        outliers: usize,
        repaint: &egui::Context,
    ) -> Option<Arc<SpreadLines>> {
        let wanted: Inputs = (
            crate::fleet::fingerprint(store.query_series(key)),
            crate::fleet::coarse_window(window),
            outliers,
        );
        let entry = self.spreads.entry(key.clone()).or_default();
        if let Some((inputs, slot)) = &entry.running
            && let Some(lines) = slot.lock().ok().and_then(|mut slot| slot.take())
        {
            entry.shown = Some((*inputs, Arc::new(lines)));
            entry.running = None;
        }
        if let Some((inputs, lines)) = &entry.shown
            && *inputs == wanted
        {
            return Some(lines.clone());
        }
        if entry.running.is_none() {
            let samples: usize = store.query_series(key).map(|(_, s)| s.len()).sum();
            if samples <= SYNC_SAMPLES {
                let lines = Arc::new(lines_of(store.query_series(key), window, outliers));
                entry.shown = Some((wanted, lines.clone()));
                return Some(lines);
            }
            entry.running = Some((wanted, compute_apart(store, key, window, outliers, repaint)));
        }
        entry.shown.as_ref().map(|(_, lines)| lines.clone())
    }
}

/// Starts computing the spread of `key`'s series on a thread of its own, over a
/// copy of them; the slot it returns holds the answer once it is done.
fn compute_apart(
    store: &Store,
    key: &QueryKey,
    window: Window,
    outliers: usize,
    repaint: &egui::Context,
) -> Arc<Mutex<Option<SpreadLines>>> {
    let series: Vec<(SeriesKey, Series)> = store
        .query_series(key)
        .map(|(key, series)| (key.clone(), series.clone()))
        .collect();
    let slot: Arc<Mutex<Option<SpreadLines>>> = Arc::default();
    let filled = slot.clone();
    let repaint = repaint.clone();
    let spawned = std::thread::Builder::new()
        .name("fleetdeck-spread".to_owned())
        .spawn(move || {
            let lines = lines_of(series.iter().map(|(k, s)| (k, s)), window, outliers);
            if let Ok(mut slot) = filled.lock() {
                *slot = Some(lines);
            }
            repaint.request_repaint();
        });
    if let Err(error) = spawned {
        // No thread to be had: the spread waits for the next frame's try.
        tracing::warn!("could not start a thread for a spread: {error}");
    }
    slot
}

/// A spread and the lines it is drawn with.
fn lines_of<'a>(
    series: impl Iterator<Item = (&'a SeriesKey, &'a Series)>,
    window: Window,
    outliers: usize,
) -> SpreadLines {
    let spread = Spread::of(series, window, outliers);
    let xs: Vec<f64> = spread.times_ms.iter().map(|&t| t as f64 / 1000.0).collect();
    let median = xs
        .iter()
        .zip(&spread.levels[MEDIAN])
        .map(|(&x, &y)| PlotPoint::new(x, y))
        .collect();
    SpreadLines { spread, xs, median }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::{PanelId, QueryId};
    use crate::store::{Retention, Sample};
    use std::collections::BTreeMap;

    fn query() -> QueryKey {
        QueryKey {
            panel: PanelId::from("gpus"),
            query: QueryId::from("q1"),
        }
    }

    /// `series` series of 241 points; each value shifted by `offset`.
    fn store(series: usize, offset: f64) -> Store {
        let mut store = Store::new(Retention::unbounded());
        for gpu in 0..series {
            let samples: Vec<Sample> = (0..241)
                .map(|i| Sample {
                    t_ms: i * 15_000,
                    value: ((gpu * 37 + i as usize) % 100) as f64 + offset,
                })
                .collect();
            let labels = BTreeMap::from([("gpu".to_owned(), format!("{gpu:05}"))]);
            store.merge(SeriesKey::new(&query(), labels), 0, 240 * 15_000, &samples);
        }
        store
    }

    fn wait_for(
        cache: &mut SpreadCache,
        store: &Store,
        window: Window,
        ready: impl Fn(&SpreadLines) -> bool,
    ) -> Arc<SpreadLines> {
        let repaint = egui::Context::default();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if let Some(lines) = cache.get(store, &query(), window, 5, &repaint)
                && ready(&lines)
            {
                return lines;
            }
            assert!(std::time::Instant::now() < deadline, "no spread came");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    #[test]
    fn a_big_spread_is_computed_apart_and_the_last_one_is_shown_meanwhile() {
        let window = Window {
            start_ms: 0,
            end_ms: 240 * 15_000,
        };
        let repaint = egui::Context::default();
        let mut cache = SpreadCache::default();
        // 2,200 series × 241 points is past what a frame reduces itself.
        let first = store(2_200, 0.0);
        assert!(
            cache.get(&first, &query(), window, 5, &repaint).is_none(),
            "nothing to show before the first spread lands"
        );
        let lines = wait_for(&mut cache, &first, window, |_| true);
        assert_eq!(
            lines.spread,
            Spread::of(first.query_series(&query()), window, 5)
        );
        // New data: the last spread is drawn until the new one lands.
        let second = store(2_200, 1_000.0);
        let meanwhile = cache.get(&second, &query(), window, 5, &repaint);
        assert_eq!(
            meanwhile.map(|l| l.spread.levels[MEDIAN][0]),
            Some(lines.spread.levels[MEDIAN][0])
        );
        let fresh = wait_for(&mut cache, &second, window, |l| {
            l.spread.levels[MEDIAN][0] >= 1_000.0
        });
        assert_eq!(
            fresh.spread,
            Spread::of(second.query_series(&query()), window, 5)
        );
    }

    #[test]
    fn a_small_spread_is_there_in_the_same_frame() {
        let window = Window {
            start_ms: 0,
            end_ms: 240 * 15_000,
        };
        let small = store(300, 0.0);
        let lines = SpreadCache::default()
            .get(&small, &query(), window, 5, &egui::Context::default())
            .expect("computed at once");
        assert_eq!(lines.spread.series, 300);
    }
}
