//! Saved layouts: the versioned TOML files in `layouts/` that describe a dashboard.
//!
//! [`model`] is the file format exactly as written (strict: unknown keys are errors);
//! [`load`] reads it and [`compile`] turns it into the typed
//! [`Dashboard`](crate::dashboard::Dashboard), reporting every problem as
//! `file:line:col: message` so `fleetdeck check` and the app can point a person at
//! the exact spot.

pub mod compile;
pub mod load;
pub mod model;
pub(crate) mod occupancy;
pub mod rules;
pub mod variables;

pub use load::{
    Choices, LayoutError, LayoutErrors, compile_text, load_layout, parse_layout, threshold_rgb,
};
pub use model::{
    GridPos, MissingData, Panel, PanelKind, PromFlavor, Query, QueryRef, Rule, SourceConfig,
    SourceKind, Threshold,
};
