//! The wall: fleetdeck unattended on a NOC display for weeks. A playlist of
//! layouts rotates without ever reloading — every page's [`Session`] stays alive
//! and keeps its data fresh — in a kiosk window sized for reading across the room,
//! honest about how old its data is, and recovering by itself.
//!
//! [`Session`]: crate::session::Session

pub(crate) mod app;
pub mod awake;
pub(crate) mod kiosk;
pub(crate) mod playlist;
pub(crate) mod rotation;
pub(crate) mod watchdog;

pub use app::WallApp;
pub use playlist::{Playlist, is_playlist, load_playlist, parse_playlist};
