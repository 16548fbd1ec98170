//! The simulated fleet's A/B test: one SageMaker endpoint serving Llama 3.1 70B
//! from two production variants — H100 (p5.48xlarge) and Inferentia2
//! (inf2.48xlarge) — with 90/10 weights. Traffic follows the weights with a
//! little routing noise; the Inferentia variant is slower per request and much
//! cheaper per hour. Only SageMaker's per-variant metrics (`EndpointName`,
//! `VariantName`) and the variants' weights and cost exist for it: it has no
//! vLLM, DCGM or billing series of its own.

use super::fleet::Fleet;
use super::noise;

/// The A/B endpoint's name.
pub(crate) const AB_ENDPOINT: &str = "llm-ab-llama70b";
/// Requests per second at the daily peak, across both variants.
const PEAK_RPS: f64 = 14.0;

/// One production variant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct AbVariant {
    /// `VariantName`.
    pub name: &'static str,
    /// Its instance type.
    pub instance_type: &'static str,
    /// Instances.
    pub instances: usize,
    /// Configured weight.
    pub weight: f64,
    /// On-demand USD per instance-hour (REFERENCE.md).
    pub price_per_hour: f64,
    /// Median latency at low load, seconds.
    pub base_latency_s: f64,
    /// Requests per second one instance serves before latency climbs.
    pub capacity_rps: f64,
    /// Share of requests answered 5xx.
    pub error_share: f64,
    /// Mean generated tokens per request.
    pub output_tokens: f64,
}

/// The variants, baseline first.
pub(crate) const VARIANTS: [AbVariant; 2] = [
    AbVariant {
        name: "h100",
        instance_type: "p5.48xlarge",
        instances: 1,
        weight: 0.9,
        price_per_hour: 98.32,
        base_latency_s: 2.1,
        capacity_rps: 24.0,
        error_share: 0.0006,
        output_tokens: 310.0,
    },
    AbVariant {
        name: "inf2",
        instance_type: "inf2.48xlarge",
        instances: 1,
        weight: 0.1,
        price_per_hour: 12.98,
        base_latency_s: 2.9,
        capacity_rps: 4.0,
        error_share: 0.0009,
        output_tokens: 310.0,
    },
];

/// One variant at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct VariantState {
    /// Requests per second it received.
    pub load_rps: f64,
    /// Median latency, seconds.
    pub median_latency_s: f64,
    /// Log-normal spread of latency.
    pub latency_sigma: f64,
    /// Utilisation of its instances, 0–1.
    pub utilisation: f64,
}

impl Fleet {
    /// Variant `index` of the A/B endpoint at `t_s`.
    pub(crate) fn ab_variant(&self, index: usize, t_s: f64) -> VariantState {
        let v = &VARIANTS[index];
        let stream = noise::key(AB_ENDPOINT);
        let total = PEAK_RPS
            * Self::daily_shape(t_s)
            * (1.0 + 0.10 * noise::smooth(self.seed, stream, t_s, 300.0));
        // The router picks per request: the received share wanders a little
        // around the weight.
        let share = |i: usize| {
            VARIANTS[i].weight
                * (1.0 + 0.08 * noise::smooth(self.seed, stream ^ (i as u64 + 1), t_s, 60.0))
        };
        let normalised = share(index) / (0..VARIANTS.len()).map(share).sum::<f64>();
        let load_rps = total * normalised;
        let utilisation = (load_rps / (v.capacity_rps * v.instances as f64)).clamp(0.0, 1.0);
        VariantState {
            load_rps,
            median_latency_s: v.base_latency_s * (1.0 + 1.5 * utilisation.powi(3)),
            latency_sigma: 0.35,
            utilisation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traffic_follows_the_weights_and_inferentia_is_slower_and_cheaper() {
        let fleet = Fleet::new(42);
        let t0 = 1_795_600_000.0;
        let (mut h100, mut inf2) = (0.0, 0.0);
        for minute in 0..600 {
            let t = t0 + minute as f64 * 60.0;
            h100 += fleet.ab_variant(0, t).load_rps;
            inf2 += fleet.ab_variant(1, t).load_rps;
        }
        let share = inf2 / (h100 + inf2);
        assert!((share - 0.1).abs() < 0.01, "inf2 got {share}");
        assert!(
            fleet.ab_variant(1, t0).median_latency_s > fleet.ab_variant(0, t0).median_latency_s
        );
        assert!(VARIANTS[1].price_per_hour < VARIANTS[0].price_per_hour / 5.0);
    }
}
