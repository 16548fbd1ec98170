//! fleetdeck: a native desktop dashboard for cloud AI inference fleets.
//!
//! Data flows one way: layout file → compiled [`dashboard::Dashboard`] → a
//! [`session::Session`] (poll planner → sources on tokio → bounded channel → store →
//! derived series → alarms) → a front end (the window, Explore, the wall, and the
//! headless `export`, `alarms`, `snapshot` and `render`). Panels read the session
//! and queue commands; they never fetch. See `ARCHITECTURE.md`.

pub mod alarm;
pub mod app;
pub mod background;
pub mod clock;
pub mod credential;
pub mod dashboard;
pub mod derive;
pub mod discover;
pub mod edit;
pub mod explore;
pub mod fleet;
pub mod headless;
pub mod heap;
pub mod heatmap;
pub mod import;
pub mod incident;
pub mod layout;
pub mod layout_file;
pub mod legend;
pub mod library;
pub mod notes;
pub mod offscreen;
pub mod ops;
pub mod persist;
pub mod poll;
pub mod promql;
pub mod session;
pub mod share;
pub mod simulate;
pub mod slo;
pub mod source;
pub mod stack;
pub mod state_timeline;
pub mod store;
pub mod table;
pub mod time_range;
pub mod ui;
pub mod units;
pub mod variables;
pub mod variants;
pub mod view;
pub mod wall;
