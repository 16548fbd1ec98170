//! On-demand prices per instance-hour for `on_demand(x)`: a table shipped in
//! `assets/on-demand-prices.toml` (with the date it was taken), overridden or
//! extended by a layout's `[prices]`.

pub(crate) use crate::dashboard::derive::Prices;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The shipped table.
const SHIPPED: &str = include_str!("../../assets/on-demand-prices.toml");

#[derive(Deserialize)]
struct Table {
    taken: String,
    region: String,
    prices: BTreeMap<String, f64>,
}

impl Prices {
    /// The shipped table with `overrides` (a layout's `[prices]`) on top; read once,
    /// when a layout is compiled.
    pub(crate) fn with_overrides(overrides: &BTreeMap<String, f64>) -> Result<Prices, String> {
        let table: Table = toml::from_str(SHIPPED)
            .map_err(|error| format!("the shipped price table does not parse: {error}"))?;
        let mut per_hour = table.prices;
        per_hour.extend(overrides.iter().map(|(k, v)| (k.clone(), *v)));
        Ok(Prices {
            taken: table.taken,
            region: table.region,
            per_hour,
        })
    }

    /// The shipped table alone.
    #[cfg(test)]
    pub(crate) fn shipped() -> Result<Prices, String> {
        Prices::with_overrides(&BTreeMap::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_is_dated_and_a_layout_can_override_it() {
        let prices =
            Prices::with_overrides(&BTreeMap::from([("p5.48xlarge".to_owned(), 55.04)])).unwrap();
        assert_eq!(prices.taken, "2026-11");
        assert_eq!(prices.per_hour["p5.48xlarge"], 55.04);
        assert_eq!(prices.per_hour["trn1.32xlarge"], 21.50);
    }
}
