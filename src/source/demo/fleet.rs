//! The simulated AI inference fleet: endpoints on GPU, Inferentia and Trainium
//! instances, with a daily load curve, noise, and now and then an incident.
//!
//! Everything is a pure function of (seed, time), so any range can be generated on
//! demand, at any step, and always agrees with itself.

use super::noise;

/// Accelerator family of an instance type, which decides the exporter that reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Accelerator {
    /// NVIDIA GPUs, reported by the DCGM exporter.
    Gpu {
        /// `modelName` as DCGM reports it.
        model: &'static str,
        /// Frame buffer size in MiB.
        memory_mib: f64,
        /// Board power limit in W.
        max_power_w: f64,
        /// Idle power in W.
        idle_power_w: f64,
    },
    /// AWS Neuron devices (Inferentia2/Trainium), reported by neuron-monitor.
    Neuron,
}

/// One serving endpoint: a model on a pool of instances, fixed or autoscaled.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// SageMaker `EndpointName`.
    pub endpoint_name: &'static str,
    /// vLLM `model_name`.
    pub model_name: &'static str,
    /// EC2 instance type.
    pub instance_type: &'static str,
    /// Instances serving it at most (the pool's size when it is not autoscaled).
    pub instances: usize,
    /// Instances serving it at least (equal to `instances` when not autoscaled).
    pub min_instances: usize,
    /// Target tracking: requests per second per instance the autoscaler aims
    /// at (SageMakerVariantInvocationsPerInstance ÷ 60); `None`: a fixed pool.
    pub target_rps_per_instance: Option<f64>,
    /// Accelerator devices per instance (GPUs, or NeuronCores for Neuron).
    pub devices_per_instance: usize,
    /// The accelerator family.
    pub accelerator: Accelerator,
    /// On-demand price, USD per instance-hour (us-east-1, see REFERENCE.md).
    pub price_per_hour: f64,
    /// Billing `ServiceName` the instances are charged under.
    pub service_name: &'static str,
    /// Requests per second at the daily peak.
    pub peak_rps: f64,
    /// Requests per second `instances` instances serve before latency climbs
    /// steeply.
    pub capacity_rps: f64,
    /// Median end-to-end latency at low load, seconds.
    pub base_latency_s: f64,
    /// Mean generated tokens per request.
    pub output_tokens: f64,
    /// Most requests a replica batches at once.
    pub max_batch: f64,
}

/// The fleet the `demo` source simulates (prices: REFERENCE.md, taken 2026-11).
pub fn endpoints() -> Vec<Endpoint> {
    const H100: Accelerator = Accelerator::Gpu {
        model: "NVIDIA H100 80GB HBM3",
        memory_mib: 81_559.0,
        max_power_w: 700.0,
        idle_power_w: 70.0,
    };
    const L4: Accelerator = Accelerator::Gpu {
        model: "NVIDIA L4",
        memory_mib: 23_034.0,
        max_power_w: 72.0,
        idle_power_w: 16.0,
    };
    vec![
        Endpoint {
            endpoint_name: "llm-prod-llama70b",
            model_name: "meta-llama/Llama-3.1-70B-Instruct",
            instance_type: "p5.48xlarge",
            instances: 2,
            min_instances: 2,
            target_rps_per_instance: None,
            devices_per_instance: 8,
            accelerator: H100,
            price_per_hour: 98.32,
            service_name: "Amazon SageMaker",
            peak_rps: 38.0,
            capacity_rps: 48.0,
            base_latency_s: 2.1,
            output_tokens: 310.0,
            max_batch: 128.0,
        },
        Endpoint {
            endpoint_name: "llm-prod-mistral7b",
            model_name: "mistralai/Mistral-7B-Instruct-v0.3",
            instance_type: "g6.xlarge",
            instances: 8,
            min_instances: 3,
            target_rps_per_instance: Some(3.0),
            devices_per_instance: 1,
            accelerator: L4,
            price_per_hour: 0.805,
            service_name: "Amazon SageMaker",
            peak_rps: 22.0,
            capacity_rps: 36.0,
            base_latency_s: 0.9,
            output_tokens: 180.0,
            max_batch: 32.0,
        },
        Endpoint {
            endpoint_name: "llm-prod-llama8b-inf2",
            model_name: "meta-llama/Llama-3.1-8B-Instruct",
            instance_type: "inf2.48xlarge",
            instances: 3,
            min_instances: 2,
            target_rps_per_instance: Some(22.0),
            devices_per_instance: 24,
            accelerator: Accelerator::Neuron,
            price_per_hour: 12.98,
            service_name: "Amazon Elastic Compute Cloud - Compute",
            peak_rps: 55.0,
            capacity_rps: 96.0,
            base_latency_s: 0.75,
            output_tokens: 200.0,
            max_batch: 64.0,
        },
        Endpoint {
            endpoint_name: "embed-prod-trn1",
            model_name: "BAAI/bge-large-en-v1.5",
            instance_type: "trn1.32xlarge",
            instances: 1,
            min_instances: 1,
            target_rps_per_instance: None,
            devices_per_instance: 32,
            accelerator: Accelerator::Neuron,
            price_per_hour: 21.50,
            service_name: "Amazon Elastic Compute Cloud - Compute",
            peak_rps: 240.0,
            capacity_rps: 330.0,
            base_latency_s: 0.045,
            output_tokens: 0.0,
            max_batch: 256.0,
        },
    ]
}

/// How long an incident lasts, seconds.
pub(crate) const INCIDENT_LENGTH_S: f64 = 12.0 * 60.0;
/// Incidents are drawn once per window of this length, seconds.
const INCIDENT_WINDOW_S: f64 = 3600.0;
/// Chance that a window holds an incident.
const INCIDENT_CHANCE: f64 = 0.6;

/// How long a stall lasts, seconds: two samples at the 5-second scrape interval.
pub const STALL_LENGTH_S: f64 = 10.0;
/// How much slower every request is during a stall.
pub(crate) const STALL_FACTOR: f64 = 10.0;
/// Stalls are drawn once per window of this length, seconds.
const STALL_WINDOW_S: f64 = 6.0 * 3600.0;
/// Chance that a window holds a stall.
const STALL_CHANCE: f64 = 0.5;

/// The simulated fleet for one seed.
#[derive(Debug, Clone)]
pub struct Fleet {
    /// The seed every value derives from.
    pub seed: u64,
    /// The endpoints.
    pub endpoints: Vec<Endpoint>,
    /// Each service's spend per whole day, once summed (month-to-date charges
    /// read many days at every sample).
    day_spend: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<(String, i64), f64>>>,
    /// Each autoscaled endpoint's instance counts over a whole day, once worked
    /// out (every sample of every host reads them).
    scaler_days: ScalerDays,
    /// The GPU nodes at scale (`nodes = N`): when set, the DCGM metrics are
    /// theirs, not the endpoints' instances'.
    pub(crate) nodes: Option<super::nodes::Nodes>,
}

/// Instance counts per (endpoint, day), one per autoscaler step.
type ScalerDays = std::sync::Arc<
    std::sync::Mutex<std::collections::HashMap<(usize, i64), std::sync::Arc<[usize]>>>,
>;

/// The state of one endpoint at one instant, from which every metric is read.
#[derive(Debug, Clone, Copy)]
pub struct EndpointState {
    /// Requests per second arriving.
    pub load_rps: f64,
    /// Fraction of the healthy instances' capacity in use, 0–1.
    pub utilisation: f64,
    /// Incident severity, 0 (none) to 1 (peak).
    pub incident: f64,
    /// Instances in service (the autoscaler's count).
    pub instances: usize,
    /// The instance that is down (a failed replica, a chaos experiment), if any.
    pub failed_instance: Option<usize>,
    /// Share of requests answered 5xx.
    pub error_5xx_share: f64,
    /// Median latency, seconds.
    pub median_latency_s: f64,
    /// Log-normal spread of latency.
    pub latency_sigma: f64,
}

impl EndpointState {
    /// How busy one instance's accelerators are, 0–1, as DCGM's GPU_UTIL or
    /// neuron-monitor's NeuronCore utilisation reads it: a vLLM replica with a
    /// steady batch keeps its kernels running most of the time (60–95 %), and
    /// nearly all of it when saturated. `None` for an instance not in service or
    /// down: it reports nothing.
    pub(crate) fn device_busy(&self, instance: usize) -> Option<f64> {
        if instance >= self.instances || self.failed_instance == Some(instance) {
            return None;
        }
        Some((0.18 + 0.8 * self.utilisation.sqrt()).min(0.99))
    }
}

impl Fleet {
    /// The default fleet with this seed.
    pub fn new(seed: u64) -> Fleet {
        Fleet {
            seed,
            endpoints: endpoints(),
            day_spend: std::sync::Arc::default(),
            scaler_days: std::sync::Arc::default(),
            nodes: None,
        }
    }

    /// The fleet of `seed` whose DCGM metrics come from `nodes` GPU nodes of
    /// eight GPUs each.
    pub fn with_nodes(seed: u64, nodes: usize) -> Fleet {
        Fleet {
            nodes: Some(super::nodes::Nodes::new(seed, nodes)),
            ..Fleet::new(seed)
        }
    }

    /// Incident severity (0–1) on an endpoint at `t_s` seconds since the epoch.
    pub(crate) fn incident(&self, endpoint: usize, t_s: f64) -> f64 {
        let window = (t_s / INCIDENT_WINDOW_S).floor();
        let mut severity: f64 = 0.0;
        // An incident may start late in the previous window and run into this one.
        for w in [window - 1.0, window] {
            let index = w as i64;
            if noise::unit(self.seed, noise::key("incident"), index) >= INCIDENT_CHANCE {
                continue;
            }
            let target = (noise::unit(self.seed, noise::key("incident-endpoint"), index)
                * self.endpoints.len() as f64) as usize;
            if target != endpoint {
                continue;
            }
            let start = w * INCIDENT_WINDOW_S
                + noise::unit(self.seed, noise::key("incident-start"), index)
                    * (INCIDENT_WINDOW_S - 60.0);
            let into = t_s - start;
            if (0.0..INCIDENT_LENGTH_S).contains(&into) {
                let ramp = 240.0;
                let rise = (into / ramp).min(1.0);
                let fall = ((INCIDENT_LENGTH_S - into) / ramp).min(1.0);
                let s = rise.min(fall);
                severity = severity.max(s * s * (3.0 - 2.0 * s));
            }
        }
        severity
    }

    /// The stall of the `index`-th six-hour window, if it has one: the endpoint
    /// and the start (seconds since the epoch, on the 5-second scrape grid). A
    /// stall — a garbage-collection pause, a KV-cache eviction storm — makes every
    /// request on one endpoint ten times slower for ten seconds: the spike a
    /// zoomed-out chart must not lose.
    pub(crate) fn stall(&self, index: i64) -> Option<(usize, f64)> {
        if noise::unit(self.seed, noise::key("stall"), index) >= STALL_CHANCE {
            return None;
        }
        let endpoint = (noise::unit(self.seed, noise::key("stall-endpoint"), index)
            * self.endpoints.len() as f64) as usize;
        let offset = noise::unit(self.seed, noise::key("stall-start"), index)
            * (STALL_WINDOW_S - STALL_LENGTH_S);
        let start = index as f64 * STALL_WINDOW_S + (offset / 5.0).floor() * 5.0;
        Some((endpoint.min(self.endpoints.len() - 1), start))
    }

    /// The stalls starting in `[from_s, to_s)`, oldest first.
    pub fn stalls_between(&self, from_s: f64, to_s: f64) -> Vec<(usize, f64)> {
        let first = (from_s / STALL_WINDOW_S).floor() as i64;
        let last = (to_s / STALL_WINDOW_S).floor() as i64;
        (first..=last)
            .filter_map(|index| self.stall(index))
            .filter(|&(_, start)| (from_s..to_s).contains(&start))
            .collect()
    }

    /// Whether `endpoint` is stalled at `t_s`.
    fn stalled(&self, endpoint: usize, t_s: f64) -> bool {
        let index = (t_s / STALL_WINDOW_S).floor() as i64;
        self.stall(index).is_some_and(|(target, start)| {
            target == endpoint && (0.0..STALL_LENGTH_S).contains(&(t_s - start))
        })
    }

    /// Load multiplier over the day (UTC): quiet at night, peak mid-afternoon.
    pub(crate) fn daily_shape(t_s: f64) -> f64 {
        let hour = (t_s / 3600.0).rem_euclid(24.0);
        0.55 + 0.45 * (std::f64::consts::TAU * (hour - 10.0) / 24.0).sin()
    }

    /// The state of an endpoint at `t_s` seconds since the epoch. The pool's
    /// capacity follows the instances in service, less one that is down; a
    /// saturating incident is a traffic surge, a failed replica a lost instance.
    pub fn state(&self, endpoint: usize, t_s: f64) -> EndpointState {
        use super::operations::IncidentKind;
        let e = &self.endpoints[endpoint];
        let stream = noise::key(e.endpoint_name);
        let incident = self.incident(endpoint, t_s);
        let kind = self.incident_kind(endpoint, t_s);
        let wobble = 1.0
            + 0.10 * noise::smooth(self.seed, stream, t_s, 300.0)
            + 0.04 * noise::smooth(self.seed, stream ^ 1, t_s, 30.0);
        let surge = match kind {
            IncidentKind::Saturation => 1.0 + 0.9 * incident,
            IncidentKind::FailedReplica => 1.0,
        };
        let load_rps = e.peak_rps * Self::daily_shape(t_s) * wobble * surge;
        let instances = self.instances_at(endpoint, t_s);
        let failed_instance = self.failed_instance_of(endpoint, t_s, instances, incident, kind);
        let healthy = instances - usize::from(failed_instance.is_some());
        let capacity = e.capacity_rps / e.instances as f64 * healthy.max(1) as f64;
        let demand = load_rps / capacity;
        let utilisation = demand.clamp(0.0, 1.0);
        let overload = (demand - 1.0).max(0.0);
        let stall = if self.stalled(endpoint, t_s) {
            STALL_FACTOR
        } else {
            1.0
        };
        // A lost replica's requests time out and are retried; a surge queues.
        let incident_slowdown = match kind {
            IncidentKind::Saturation => 1.0 + 1.5 * incident + 4.0 * overload,
            IncidentKind::FailedReplica => 1.0 + 3.0 * incident + 4.0 * overload,
        };
        let median_latency_s =
            e.base_latency_s * (1.0 + 1.5 * utilisation.powi(3)) * incident_slowdown * stall;
        let chaos_errors = self
            .experiment_at(endpoint, t_s)
            .map_or(0.0, |x| 0.02 * (-(t_s - x.start_s) / 60.0).exp());
        let error_5xx_share = 0.0006
            + chaos_errors
            + match kind {
                IncidentKind::Saturation => 0.004 * incident,
                IncidentKind::FailedReplica => 0.04 * incident,
            };
        EndpointState {
            load_rps,
            utilisation,
            incident,
            instances,
            failed_instance,
            error_5xx_share,
            median_latency_s,
            latency_sigma: 0.35 + 0.3 * incident + 0.2 * overload.min(1.0),
        }
    }

    /// Instance time across the fleet at `t_s`, priced: USD per second.
    pub(crate) fn spend_rate_per_s(&self, service_name: &str, t_s: f64) -> f64 {
        self.endpoints
            .iter()
            .enumerate()
            .filter(|(_, e)| e.service_name == service_name)
            .map(|(i, e)| self.instances_at(i, t_s) as f64 * e.price_per_hour / 3600.0)
            .sum()
    }

    /// What the instances of `service_name` cost over the `day`-th day from
    /// its start until `until_s` (at most the day's end), USD: the instance
    /// count is constant between the autoscaler's steps, so it is a sum over them.
    fn spend_in_day(&self, service_name: &str, day: i64, until_s: f64) -> f64 {
        use super::operations::SCALING_STEP_S;
        let day_start = day as f64 * 86_400.0;
        let into = (until_s - day_start).clamp(0.0, 86_400.0);
        let whole = (into / SCALING_STEP_S).floor() as usize;
        let part = into - whole as f64 * SCALING_STEP_S;
        self.endpoints
            .iter()
            .enumerate()
            .filter(|(_, e)| e.service_name == service_name)
            .map(|(i, e)| {
                // instances_at lags the decision one step: step k's count is
                // decision k − 1, the day's first step the previous day's last.
                let count_at =
                    |step: usize| self.instances_at(i, day_start + step as f64 * SCALING_STEP_S);
                let instance_seconds: f64 = if e.target_rps_per_instance.is_none() {
                    e.instances as f64 * into
                } else {
                    let first = count_at(0) as f64;
                    let rest: f64 = self.scaler_day(i, day, |counts| {
                        counts.iter().take(whole.saturating_sub(1)).sum::<usize>() as f64
                    });
                    let full = if whole == 0 {
                        0.0
                    } else {
                        (first + rest) * SCALING_STEP_S
                    };
                    full + count_at(whole) as f64 * part
                };
                instance_seconds * e.price_per_hour / 3600.0
            })
            .sum()
    }

    /// Runs `read` on the autoscaler's counts for `endpoint` over `day`,
    /// working them out the first time.
    pub(crate) fn scaler_day<T>(
        &self,
        endpoint: usize,
        day: i64,
        read: impl FnOnce(&[usize]) -> T,
    ) -> T {
        let key = (endpoint, day);
        let cached = self
            .scaler_days
            .lock()
            .ok()
            .and_then(|days| days.get(&key).cloned());
        let counts = cached.unwrap_or_else(|| {
            let counts: std::sync::Arc<[usize]> = self.scaler_decisions(endpoint, day).into();
            if let Ok(mut days) = self.scaler_days.lock() {
                // A long-running window asks about a few days at most: keep a week.
                if days.len() > 64 {
                    days.clear();
                }
                days.insert(key, counts.clone());
            }
            counts
        });
        read(&counts)
    }

    /// Month-to-date charges of `service_name` at `t_s`: whole days summed once
    /// and kept, the day so far summed each time.
    pub(crate) fn month_to_date_spend(
        &self,
        service_name: &str,
        t_s: f64,
        month_start_s: f64,
    ) -> f64 {
        const DAY: f64 = 86_400.0;
        let today = (t_s / DAY).floor() as i64;
        let mut total = 0.0;
        for day in (month_start_s / DAY).floor() as i64..today {
            let key = (service_name.to_owned(), day);
            let cached = self
                .day_spend
                .lock()
                .ok()
                .and_then(|m| m.get(&key).copied());
            total += cached.unwrap_or_else(|| {
                let spend = self.spend_in_day(service_name, day, f64::INFINITY);
                if let Ok(mut days) = self.day_spend.lock() {
                    days.insert(key, spend);
                }
                spend
            });
        }
        total + self.spend_in_day(service_name, today, t_s)
    }
}

/// z-score of the standard normal distribution at probability `p` (Acklam's
/// rational approximation, relative error < 1.2e-9), for log-normal quantiles.
pub fn normal_quantile(p: f64) -> f64 {
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let low = 0.024_25;
    if p < low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -normal_quantile(1.0 - p)
    }
}

/// The standard normal CDF Φ(x), from the complementary error function (Numerical
/// Recipes' Chebyshev fit, relative error < 1.2e-7): the share of a log-normal
/// latency distribution below a histogram bucket's bound.
pub(crate) fn normal_cdf(x: f64) -> f64 {
    let z = (x / std::f64::consts::SQRT_2).abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let erfc = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    let erfc = if x >= 0.0 { erfc } else { 2.0 - erfc };
    1.0 - 0.5 * erfc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stall_makes_one_endpoint_ten_times_slower_for_ten_seconds() {
        let fleet = Fleet::new(7);
        let week = 7.0 * 86_400.0;
        let stalls = fleet.stalls_between(1.7e9, 1.7e9 + week);
        assert!(stalls.len() >= 7, "{} stalls in a week", stalls.len());
        let (endpoint, start) = stalls[0];
        let before = fleet.state(endpoint, start - 5.0).median_latency_s;
        let during = fleet.state(endpoint, start + 5.0).median_latency_s;
        let after = fleet
            .state(endpoint, start + STALL_LENGTH_S)
            .median_latency_s;
        assert!(
            during > 8.0 * before && during > 8.0 * after,
            "{before} {during} {after}"
        );
        let other = (endpoint + 1) % fleet.endpoints.len();
        assert!(!fleet.stalled(other, start + 5.0));
    }

    #[test]
    fn normal_cdf_inverts_the_quantile() {
        for p in [0.01, 0.1, 0.5, 0.9, 0.99] {
            assert!((normal_cdf(normal_quantile(p)) - p).abs() < 1e-6, "{p}");
        }
    }

    #[test]
    fn normal_quantiles_match_tables() {
        assert!((normal_quantile(0.5)).abs() < 1e-9);
        assert!((normal_quantile(0.9) - 1.281_551_6).abs() < 1e-6);
        assert!((normal_quantile(0.99) - 2.326_347_9).abs() < 1e-6);
        assert!((normal_quantile(0.01) + 2.326_347_9).abs() < 1e-6);
    }

    #[test]
    fn every_endpoint_has_incidents_within_a_few_days() {
        let fleet = Fleet::new(42);
        for endpoint in 0..fleet.endpoints.len() {
            let minutes_in_incident = (0..(4 * 24 * 60))
                .filter(|m| fleet.incident(endpoint, 1.7e9 + *m as f64 * 60.0) > 0.5)
                .count();
            assert!(
                minutes_in_incident > 0,
                "endpoint {endpoint} never had an incident"
            );
        }
    }

    #[test]
    fn an_incident_raises_latency() {
        let fleet = Fleet::new(42);
        let t = (0..(4 * 24 * 60))
            .map(|m| 1.7e9 + m as f64 * 60.0)
            .find(|&t| fleet.incident(0, t) > 0.99)
            .expect("an incident on endpoint 0");
        let during = fleet.state(0, t).median_latency_s;
        let calm = fleet.state(0, t - 2.0 * INCIDENT_LENGTH_S);
        assert!(calm.incident == 0.0 || fleet.incident(0, t - 2.0 * INCIDENT_LENGTH_S) < 0.1);
        assert!(
            during > calm.median_latency_s * 2.5,
            "{during} vs {}",
            calm.median_latency_s
        );
    }
}
