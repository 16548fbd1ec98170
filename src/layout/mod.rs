//! Saved layouts: the versioned TOML files in `layouts/` that describe a dashboard.
//!
//! [`crate::layout_file`] is the file format exactly as written (strict: unknown
//! keys are errors); [`load`] reads it and [`compile`] turns it into the typed
//! [`Dashboard`](crate::dashboard::Dashboard), reporting every problem as
//! `file:line:col: message` so `fleetdeck check` and the app can point a person at
//! the exact spot.

pub(crate) mod compile;
mod fleet;
mod legend;
pub(crate) mod load;
pub(crate) mod occupancy;
pub(crate) mod rules;
mod table;
pub(crate) mod variables;

pub use crate::layout_file as model;
pub use crate::layout_file::{
    GridPos, MissingData, Panel, PanelKind, PromFlavor, Query, QueryRef, Rule, SourceConfig,
    SourceKind, Threshold,
};
pub use load::{
    Choices, LayoutError, LayoutErrors, compile_text, load_layout, parse_layout, recompile,
    threshold_rgb,
};

/// The first panel of a layout's text, compiled: what the unit tests of the code
/// that draws or reads one panel start from.
#[cfg(test)]
pub(crate) fn first_panel(text: &str) -> crate::dashboard::PanelSpec {
    #[allow(clippy::unwrap_used)]
    compile_text(text, std::path::Path::new("t.toml"), &Default::default())
        .unwrap()
        .panels
        .remove(0)
}
