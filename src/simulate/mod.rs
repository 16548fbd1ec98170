//! `fleetdeck simulate`: the simulated fleet served as real exporters would serve
//! it — a Prometheus `/metrics` endpoint with the names and labels of vLLM, DCGM,
//! neuron-monitor and Triton — so a real Prometheus or VictoriaMetrics can scrape it
//! for demos and for the integration tests.

pub mod cloudwatch;
pub mod exposition;
pub mod http;

pub(crate) use exposition::Exporter;
