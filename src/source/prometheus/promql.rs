//! Grafana's query variables, so dashboards and PromQL copied from Grafana work here.

/// Stands for the band subquery's resolution until the window is known.
pub(crate) const BAND_RESOLUTION: &str = "$__band_resolution";

/// The expression's least or greatest value inside each step. A bare selector
/// reads its raw samples over the step (`max_over_time(x[step])`: exact, and as
/// cheap as the line); anything else is a subquery that evaluates it over the
/// step at [`band_resolution`] (filled in per request by [`fill_band_resolution`]).
pub(crate) fn envelope(expression: &str, extreme: crate::source::Extreme) -> String {
    let function = match extreme {
        crate::source::Extreme::Min => "min_over_time",
        crate::source::Extreme::Max => "max_over_time",
    };
    let expression = expression.trim();
    if crate::promql::is_bare_selector(expression) {
        format!("{function}({expression}[$__interval])")
    } else {
        format!("{function}(({expression})[$__interval:{BAND_RESOLUTION}])")
    }
}

/// Replaces [`BAND_RESOLUTION`] for a request over `span_ms` at `step_ms`.
pub(crate) fn fill_band_resolution(
    query: &str,
    scrape_interval_ms: i64,
    span_ms: i64,
    step_ms: i64,
    subquery_points: Option<i64>,
) -> String {
    if !query.contains(BAND_RESOLUTION) {
        return query.to_owned();
    }
    let resolution = band_resolution(scrape_interval_ms, span_ms, step_ms, subquery_points);
    query.replace(BAND_RESOLUTION, &duration(resolution))
}

/// The resolution of a band's subquery over a window of `span_ms` at `step_ms`:
/// the scrape interval, or coarser where the server caps the points a subquery
/// may evaluate per series (VictoriaMetrics refuses more than
/// `-search.maxPointsPerTimeseries`, 30,000 by default, even inside a subquery).
pub(crate) fn band_resolution(
    scrape_interval_ms: i64,
    span_ms: i64,
    step_ms: i64,
    subquery_points: Option<i64>,
) -> i64 {
    let Some(points) = subquery_points else {
        return scrape_interval_ms;
    };
    // The first step's subquery reaches one step back before the window.
    let needed = (span_ms + step_ms).div_euclid((points - 1).max(1)) + 1;
    let floor = needed.max(scrape_interval_ms).max(1);
    // A whole second when above one, so the subquery's grid stays round.
    if floor > 1_000 {
        (floor + 999).div_euclid(1_000) * 1_000
    } else {
        floor
    }
}

/// Replaces `$__rate_interval`, `$__interval` and `$__range` in a PromQL expression.
///
/// `$__rate_interval` is Grafana's max(step + scrape interval, 4 × scrape interval):
/// wide enough that `rate()` always sees at least four samples.
pub(crate) fn substitute(
    expression: &str,
    step_ms: i64,
    range_ms: i64,
    scrape_interval_ms: i64,
) -> String {
    let rate_interval = (step_ms + scrape_interval_ms).max(4 * scrape_interval_ms);
    expression
        .replace("$__rate_interval", &duration(rate_interval))
        .replace("$__interval", &duration(step_ms))
        .replace("$__range", &duration(range_ms))
}

/// A duration in PromQL syntax: whole seconds when exact, else milliseconds.
fn duration(ms: i64) -> String {
    if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_selector_reads_raw_samples_and_anything_else_is_a_subquery() {
        use crate::source::Extreme;
        assert_eq!(
            envelope("latency{model=\"a\"}", Extreme::Max),
            "max_over_time(latency{model=\"a\"}[$__interval])"
        );
        assert_eq!(
            envelope(" up ", Extreme::Min),
            "min_over_time(up[$__interval])"
        );
        assert_eq!(
            fill_band_resolution(
                &envelope("sum(rate(x[1m]))", Extreme::Max),
                15_000,
                3_600_000,
                60_000,
                None
            ),
            "max_over_time((sum(rate(x[1m])))[$__interval:15s])"
        );
        assert_eq!(
            envelope("x offset 5m", Extreme::Max),
            "max_over_time((x offset 5m)[$__interval:$__band_resolution])"
        );
        assert_eq!(
            envelope("x{a=\"1\"} / y", Extreme::Min),
            "min_over_time((x{a=\"1\"} / y)[$__interval:$__band_resolution])"
        );
    }

    #[test]
    fn a_band_subquery_stays_under_the_servers_points_cap() {
        // Prometheus evaluates any subquery: the scrape interval.
        assert_eq!(band_resolution(1_000, 100_000_000, 120_000, None), 1_000);
        // VictoriaMetrics: 100,000 s at most 30,000 points → 4 s.
        let resolution = band_resolution(1_000, 100_000_000, 120_000, Some(30_000));
        assert_eq!(resolution, 4_000);
        assert!((100_000_000 + 120_000) / resolution < 30_000);
        // A short window keeps the scrape interval.
        assert_eq!(
            band_resolution(1_000, 3_600_000, 5_000, Some(30_000)),
            1_000
        );
    }

    #[test]
    fn rate_interval_is_at_least_four_scrapes() {
        let q = substitute("rate(x[$__rate_interval])", 5_000, 3_600_000, 15_000);
        assert_eq!(q, "rate(x[60s])");
    }

    #[test]
    fn rate_interval_grows_with_a_coarse_step() {
        let q = substitute(
            "rate(x[$__rate_interval]) / $__interval",
            120_000,
            86_400_000,
            15_000,
        );
        assert_eq!(q, "rate(x[135s]) / 120s");
    }

    #[test]
    fn range_and_sub_second_values() {
        assert_eq!(
            substitute("increase(x[$__range])", 1_500, 3_600_000, 1_000),
            "increase(x[3600s])"
        );
        assert_eq!(substitute("$__interval", 1_500, 0, 1_000), "1500ms");
    }
}
