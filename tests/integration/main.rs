//! Every integration test in one binary: each test file used to be its own crate,
//! linking the whole dependency tree (AWS SDKs, egui, wgpu) again — eleven links of
//! several hundred MB each, which filled CI's disk. One binary links once.

mod alarm_center;
mod alarms;
mod cli;
mod cloudwatch;
mod costexplorer;
mod layouts;
mod notifications;
mod prometheus;
mod sigv4;
mod support;
mod ui;
