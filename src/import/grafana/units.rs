//! Grafana's unit ids and colours, in fleetdeck's terms.

/// A fleetdeck unit for a Grafana unit id, and a note when it is not exact.
pub(crate) fn unit(grafana: &str) -> (Option<&'static str>, Option<String>) {
    let exact = |unit: &'static str| (Some(unit), None);
    match grafana {
        "" | "none" | "short" => (None, None),
        "µs" | "us" => exact("us"),
        "ms" => exact("ms"),
        "s" | "dtdurations" => exact("s"),
        "percent" => exact("percent"),
        "percentunit" => exact("ratio"),
        "bytes" | "decbytes" => exact("bytes"),
        "mbytes" => exact("MiB"),
        "decmbytes" => (
            Some("MiB"),
            Some("unit `decmbytes` shown as MiB".to_owned()),
        ),
        "watt" => exact("W"),
        "celsius" => exact("celsius"),
        "reqps" => exact("req/s"),
        "currencyUSD" => exact("USD"),
        "Bps" | "binBps" | "decBps" => (
            Some("bytes"),
            Some(format!(
                "unit `{grafana}` shown as bytes (fleetdeck has no bytes/s)"
            )),
        ),
        other => (
            None,
            Some(format!(
                "unit `{other}` has no fleetdeck equivalent: plain numbers"
            )),
        ),
    }
}

/// A fleetdeck colour (a name it knows, or `#rrggbb`) for a Grafana colour, and
/// whether it is exact.
pub(crate) fn colour(grafana: &str) -> (String, bool) {
    let lower = grafana.trim().to_lowercase();
    if let Some(hex) = lower.strip_prefix('#') {
        if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return (lower, true);
        }
        if hex.len() == 3 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            let long: String = hex.chars().flat_map(|c| [c, c]).collect();
            return (format!("#{long}"), true);
        }
    }
    if let Some(inner) = lower
        .strip_prefix("rgba(")
        .or_else(|| lower.strip_prefix("rgb("))
        .and_then(|rest| rest.strip_suffix(')'))
    {
        let parts: Vec<u8> = inner
            .split(',')
            .take(3)
            .filter_map(|p| p.trim().parse::<f64>().ok())
            .map(|v| v.clamp(0.0, 255.0) as u8)
            .collect();
        if let [r, g, b] = parts[..] {
            return (format!("#{r:02x}{g:02x}{b:02x}"), true);
        }
    }
    for name in ["green", "yellow", "orange", "red", "blue", "purple"] {
        if lower.contains(name) {
            return (name.to_owned(), lower == name);
        }
    }
    ("grey".to_owned(), matches!(lower.as_str(), "grey" | "gray"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_colours_map_or_say_why_not() {
        assert_eq!(unit("µs"), (Some("us"), None));
        assert_eq!(unit("percentunit"), (Some("ratio"), None));
        assert!(unit("Bps").1.unwrap().contains("bytes/s"));
        assert_eq!(unit("rotrpm").0, None);
        assert_eq!(colour("semi-dark-red"), ("red".to_owned(), false));
        assert_eq!(colour("#EAB839"), ("#eab839".to_owned(), true));
        assert_eq!(
            colour("rgba(50, 172, 45, 0.97)"),
            ("#32ac2d".to_owned(), true)
        );
        assert_eq!(colour("text"), ("grey".to_owned(), false));
    }
}
