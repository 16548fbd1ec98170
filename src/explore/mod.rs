//! Explore: ad hoc queries beside the dashboard, for "what else moved?". A query
//! is typed for any of the layout's sources (PromQL for Prometheus, the layout's
//! own query keys for the others), compiled by the same step as a layout — so it
//! is checked the same way and fetched by the same session machinery — and shown
//! as a chart over the dashboard's time axis with a table of each series' last,
//! min, max and mean. Queries run are kept per source ([`history`]), and one can
//! be appended to the layout file as a panel.

pub(crate) mod compile;
pub mod history;
pub mod panes;
pub(crate) mod query;
pub(crate) mod summary;

pub(crate) use query::ExploreQuery;

/// The shipped demo layout, compiled: what the module's tests explore.
#[cfg(test)]
fn demo_layout() -> crate::dashboard::Dashboard {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("layouts/demo-fleet.toml");
    crate::layout::load_layout(&path).unwrap()
}
