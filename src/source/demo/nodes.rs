//! The GPU fleet at scale (`nodes = N` on a demo source): N nodes of eight H100s,
//! each GPU a DCGM series (`DCGM_FI_DEV_GPU_UTIL`, `DCGM_FI_DEV_FB_USED`,
//! `DCGM_FI_DEV_POWER_USAGE`) with the labels dcgm-exporter gives it, plus the
//! node's `job` and `availability_zone`.
//!
//! What a big fleet really has, deterministic from the seed:
//! - most nodes serve inference at their own load (45–80 %), drifting;
//! - about one node in 40 is idle (under 2 %);
//! - about one GPU in 97 runs hot and at its power cap (throttling);
//! - a training job on the first nodes (up to 64) runs in lockstep at ~92 %,
//!   except its one straggler node at ~58 %;
//! - one node's GPUs all drop out: they report for 10 minutes of every 30 and
//!   are gone the other 20.

use super::noise;
use std::collections::BTreeMap;

/// GPUs per node (a p5.48xlarge).
pub(crate) const GPUS_PER_NODE: usize = 8;
const MODEL: &str = "NVIDIA H100 80GB HBM3";
const MEMORY_MIB: f64 = 81_559.0;
const MAX_POWER_W: f64 = 700.0;
const IDLE_POWER_W: f64 = 70.0;
const ZONES: [&str; 4] = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"];
/// The dropped-out node reports this long of every [`DROPOUT_CYCLE_MS`].
const DROPOUT_REPORTS_MS: i64 = 10 * 60_000;
const DROPOUT_CYCLE_MS: i64 = 30 * 60_000;

/// What a node does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Serves inference.
    Inference,
    /// Allocated, doing nothing.
    Idle,
    /// Part of the training job.
    Training,
    /// The training job's slow node.
    Straggler,
    /// Its GPUs drop out.
    Dropout,
}

/// A fleet of `nodes` GPU nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Nodes {
    seed: u64,
    count: usize,
}

impl Nodes {
    /// `count` nodes whose values derive from `seed`.
    pub(crate) fn new(seed: u64, count: usize) -> Nodes {
        Nodes { seed, count }
    }

    /// How many nodes.
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    fn training_nodes(&self) -> usize {
        (self.count / 8).min(64)
    }

    /// What node `node` does.
    pub(crate) fn role(&self, node: usize) -> Role {
        let training = self.training_nodes();
        if node < training {
            return if training > 1 && node == (self.seed as usize) % training {
                Role::Straggler
            } else {
                Role::Training
            };
        }
        let rest = self.count - training;
        if rest > 0 && node == training + (noise::unit(self.seed, 0xd809, 0) * rest as f64) as usize
        {
            return Role::Dropout;
        }
        if noise::unit(self.seed, 0x1d1e, node as i64) < 0.025 {
            return Role::Idle;
        }
        Role::Inference
    }

    /// A node's host name.
    pub(crate) fn host(node: usize) -> String {
        format!("node-{node:04}")
    }

    /// The labels of GPU `gpu` on node `node`, as dcgm-exporter gives them.
    pub(crate) fn labels(&self, node: usize, gpu: usize) -> BTreeMap<String, String> {
        let uuid = noise::unit(self.seed, node as u64, gpu as i64);
        let job = match self.role(node) {
            Role::Training | Role::Straggler => "training",
            _ => "inference",
        };
        [
            ("Hostname", Nodes::host(node)),
            ("gpu", gpu.to_string()),
            (
                "UUID",
                format!("GPU-{:016x}", (uuid * 2f64.powi(64)) as u64),
            ),
            ("modelName", MODEL.to_owned()),
            ("job", job.to_owned()),
            ("availability_zone", ZONES[node % ZONES.len()].to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Whether GPU `gpu` of node `node` runs hot (at its power cap).
    fn hot(&self, node: usize, gpu: usize) -> bool {
        self.role(node) == Role::Inference
            && noise::unit(self.seed, 0x4075, (node * GPUS_PER_NODE + gpu) as i64) < 1.0 / 97.0
    }

    /// The utilisation (0–100 %) of a GPU at `t_ms`; `None` while it does not
    /// report.
    pub(crate) fn utilisation(&self, node: usize, gpu: usize, t_ms: i64) -> Option<f64> {
        let stream = (node * GPUS_PER_NODE + gpu) as u64;
        let jitter = noise::jitter(self.seed, stream, t_ms);
        let t_s = t_ms as f64 / 1000.0;
        let value = match self.role(node) {
            Role::Dropout if t_ms.rem_euclid(DROPOUT_CYCLE_MS) >= DROPOUT_REPORTS_MS => {
                return None;
            }
            Role::Idle => 1.0 + jitter,
            Role::Training => 92.0 + 3.0 * jitter,
            Role::Straggler => 58.0 + 4.0 * jitter,
            _ if self.hot(node, gpu) => 98.0 + 2.0 * jitter,
            Role::Inference | Role::Dropout => {
                let base = 45.0 + 35.0 * noise::unit(self.seed, 0xba5e, node as i64);
                let drift = noise::smooth(self.seed, node as u64, t_s, 600.0);
                base + 12.0 * drift + 3.0 * jitter
            }
        };
        Some(value.clamp(0.0, 100.0).round())
    }

    /// A DCGM metric of a GPU at `t_ms`, read from its utilisation.
    pub(crate) fn sample(&self, metric: &str, node: usize, gpu: usize, t_ms: i64) -> Option<f64> {
        let busy = self.utilisation(node, gpu, t_ms)? / 100.0;
        match metric {
            "DCGM_FI_DEV_GPU_UTIL" => Some(busy * 100.0),
            "DCGM_FI_DEV_FB_USED" => Some(if self.role(node) == Role::Idle {
                (MEMORY_MIB * 0.01).round()
            } else {
                (MEMORY_MIB * (0.88 + 0.05 * busy)).round()
            }),
            "DCGM_FI_DEV_POWER_USAGE" if self.hot(node, gpu) => Some(MAX_POWER_W),
            "DCGM_FI_DEV_POWER_USAGE" => Some(IDLE_POWER_W + (MAX_POWER_W - IDLE_POWER_W) * busy),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_big_fleet_has_idle_nodes_hot_gpus_a_straggler_and_a_dropout() {
        let nodes = Nodes::new(42, 1250);
        let roles: Vec<Role> = (0..1250).map(|n| nodes.role(n)).collect();
        let count = |role| roles.iter().filter(|r| **r == role).count();
        assert_eq!(count(Role::Training), 63);
        assert_eq!(count(Role::Straggler), 1);
        assert_eq!(count(Role::Dropout), 1);
        assert!(
            (15..50).contains(&count(Role::Idle)),
            "{}",
            count(Role::Idle)
        );
        let hot = (0..1250)
            .flat_map(|n| (0..GPUS_PER_NODE).map(move |g| (n, g)))
            .filter(|&(n, g)| nodes.hot(n, g))
            .count();
        assert!((60..150).contains(&hot), "{hot}");
        let dropout = roles.iter().position(|r| *r == Role::Dropout).unwrap();
        let cycle_start = 1_764_000_000_000 - 1_764_000_000_000 % DROPOUT_CYCLE_MS;
        assert!(
            nodes
                .utilisation(dropout, 0, cycle_start + 60_000)
                .is_some()
        );
        assert!(
            nodes
                .utilisation(dropout, 0, cycle_start + 20 * 60_000)
                .is_none()
        );
        let straggler = roles.iter().position(|r| *r == Role::Straggler).unwrap();
        let t = cycle_start + 90_000;
        assert!(nodes.utilisation(straggler, 0, t).unwrap() < 65.0);
        let other = if straggler == 0 { 1 } else { 0 };
        assert!(nodes.utilisation(other, 0, t).unwrap() > 85.0);
        assert_eq!(Nodes::new(42, 1250).labels(413, 3)["Hostname"], "node-0413");
    }
}
