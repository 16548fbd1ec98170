//! Saved layouts: the versioned TOML files in `layouts/` that describe a dashboard.
//!
//! [`model`] is the file format exactly as written (strict: unknown keys are errors);
//! [`load`] reads and validates it and reports every problem as `file:line:col: message`
//! so `fleetdeck check` and the app can point a person at the exact spot.

pub mod load;
pub mod model;
pub mod rules;

pub use load::{Layout, LayoutError, LayoutErrors, load_layout, parse_layout};
pub use model::{
    GridPos, MissingData, Panel, PanelKind, PromFlavor, Query, Rule, SourceConfig, SourceKind,
    Threshold,
};
