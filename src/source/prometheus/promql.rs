//! Grafana's query variables, so dashboards and PromQL copied from Grafana work here.

/// The expression's least or greatest value inside each step: a subquery that
/// evaluates it every `resolution_ms` (the scrape interval) over the step.
pub fn envelope(expression: &str, extreme: crate::source::Extreme, resolution_ms: i64) -> String {
    let function = match extreme {
        crate::source::Extreme::Min => "min_over_time",
        crate::source::Extreme::Max => "max_over_time",
    };
    format!(
        "{function}(({expression})[$__interval:{}])",
        duration(resolution_ms)
    )
}

/// Replaces `$__rate_interval`, `$__interval` and `$__range` in a PromQL expression.
///
/// `$__rate_interval` is Grafana's max(step + scrape interval, 4 × scrape interval):
/// wide enough that `rate()` always sees at least four samples.
pub fn substitute(
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
