//! Bringing dashboards from elsewhere: `fleetdeck import grafana DASHBOARD.json`
//! writes a layout that passes `fleetdeck check`, and a report of what was
//! converted, approximated and dropped, panel by panel.

pub mod grafana;
pub(crate) mod report;
pub(crate) mod toml_text;
