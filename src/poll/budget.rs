//! Each panel's budget of points: a query whose series would bring more points
//! than its share of the panel's budget is asked at a coarser step, so memory and
//! answer size stay bounded whatever a query returns (10,000 GPUs over 6 hours is
//! one panel, not 290 MB of JSON).
//!
//! The step follows the panel's width in pixels ([`crate::source::step`]); the
//! budget narrows the width a query is planned for to `budget / series`, so the
//! step it gets is still one of the nice steps, on the same grid as every other
//! query's. How many series a query has is known from its last answer, or — for
//! a source that can count cheaply (a Prometheus-compatible server) — asked
//! before its first fetch.

/// Points a panel may hold, across its queries' series, unless its layout says
/// otherwise (`max_points`).
pub const PANEL_POINT_BUDGET: usize = crate::dashboard::DEFAULT_MAX_POINTS;
/// However many series a query has, it keeps at least this many points each.
pub(crate) const MIN_POINTS_PER_SERIES: usize = 24;

/// The width (px) a query is planned for under its share of the panel's budget
/// (`budget` points), and — when that made it narrower than the panel — the
/// series count that did.
pub(crate) fn planned_width(
    width_px: u32,
    series: Option<usize>,
    budget: usize,
) -> (u32, Option<usize>) {
    let Some(series) = series.filter(|&n| n > 0) else {
        return (width_px, None);
    };
    let points = (budget / series).max(MIN_POINTS_PER_SERIES);
    match u32::try_from(points) {
        Ok(points) if points < width_px => (points, Some(series)),
        _ => (width_px, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_series_keep_the_panel_width() {
        assert_eq!(
            planned_width(1900, Some(60), PANEL_POINT_BUDGET),
            (1900, None)
        );
        assert_eq!(planned_width(1900, None, PANEL_POINT_BUDGET), (1900, None));
    }

    #[test]
    fn ten_thousand_series_share_the_budget() {
        let budget = PANEL_POINT_BUDGET;
        assert_eq!(
            planned_width(1900, Some(10_000), budget),
            (200, Some(10_000))
        );
        // Two queries in the panel: half the budget each.
        assert_eq!(
            planned_width(1900, Some(10_000), budget / 2),
            (100, Some(10_000))
        );
        // 100,000 series still get a line each, of at least 24 points.
        assert_eq!(
            planned_width(1900, Some(100_000), budget),
            (24, Some(100_000))
        );
    }
}
