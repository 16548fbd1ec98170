//! The front ends without a window: each drives a [`Session`](crate::session::Session)
//! over a fixed range until it has settled, then reads what it holds — one
//! panel's series ([`export`]), every alarm ([`alarms`]), the evidence of an
//! incident ([`snapshot`]) — after deciding the layout's variables as every front
//! end does ([`variables`]).

pub mod alarms;
pub mod export;
pub mod snapshot;
pub mod variables;
