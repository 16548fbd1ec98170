//! Every integration test in one binary: each test file used to be its own crate,
//! linking the whole dependency tree (AWS SDKs, egui, wgpu) again — eleven links of
//! several hundred MB each, which filled CI's disk. One binary links once.

// Tests stop at their first surprise; the emulator credentials are set with
// `std::env::set_var`, which is unsafe in edition 2024.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, unsafe_code)]

mod alarm_center;
mod alarms;
mod cli;
mod cloudwatch;
mod compare;
mod costexplorer;
mod credential_dialog;
mod discover;
mod docs;
mod edit;
mod envelope;
mod explore;
mod first_run;
mod fleet;
mod front_ends;
mod gauges;
mod heatmap;
mod import;
mod incident;
mod layouts;
mod light_theme;
mod native_histograms;
mod notifications;
mod operations;
mod package;
mod panel_kinds_on_the_wall;
mod prometheus;
mod protected;
mod shared_alarms;
mod sigv4;
mod slo;
mod stacked;
mod states;
mod support;
mod table;
mod ui;
mod variables;
mod variants;
mod wall;
