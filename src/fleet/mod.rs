//! A fleet as one picture: more series than a person can read, drawn as what
//! they have in common and where they differ. No egui here.
//!
//! - [`spread`]: a query's series reduced, at each step, to the spread across
//!   them (min, p5–p95, p25–p75, median), with the highest and lowest series by
//!   their mean named — what a line panel draws past its `max_series`;
//! - [`map`]: one cell per series, grouped by labels, in threshold states, worst
//!   first, "n/a" where a series stopped — what a fleet map panel draws.
//!
//! Both are computed from the store on the UI thread when the data changes (the
//! `ui/` caches keep them between frames), never per frame.

pub mod map;
pub mod spread;

use crate::store::{Series, SeriesKey};
use crate::time_range::Window;

/// The window rounded to a 200th of its span: a live window moves every frame,
/// a spread or a map kept between frames need not follow it that closely.
pub(crate) fn coarse_window(window: Window) -> Window {
    let grain = (window.span_ms() / 200).max(1);
    Window {
        start_ms: window.start_ms.div_euclid(grain),
        end_ms: window.end_ms.div_euclid(grain),
    }
}

/// A cheap fingerprint of a set of series: changes when any of them changes, one
/// appears or one goes (generations are unique across all series).
pub(crate) fn fingerprint<'a>(series: impl Iterator<Item = (&'a SeriesKey, &'a Series)>) -> u128 {
    let (mut count, mut sum, mut mixed) = (0u128, 0u64, 0u64);
    for (_, one) in series {
        count += 1;
        let generation = one.generation();
        sum = sum.wrapping_add(generation);
        mixed ^= generation
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(17);
    }
    (count << 96) ^ (u128::from(sum) << 32) ^ u128::from(mixed)
}
