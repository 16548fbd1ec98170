//! fleetdeck: a native desktop dashboard for cloud AI inference fleets.
//!
//! Data flows one way: layout → poll planner → sources (tokio) → bounded channel →
//! store → panels. Panels read the store and queue commands; they never fetch.
//! See `README.md` for the layout format and `../shared/GUIDE.md` for the design.

pub mod alarm;
pub mod app;
pub mod clock;
pub mod derive;
pub mod export;
pub mod layout;
pub mod legend;
pub mod poll;
pub mod simulate;
pub mod source;
pub mod store;
pub mod time_range;
pub mod ui;
pub mod units;
