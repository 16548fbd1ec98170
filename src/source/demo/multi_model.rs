//! The simulated fleet's multi-model endpoint: many fine-tuned adapters of one
//! base model behind `mme-prod-adapters`, loaded on demand. At the daily peak
//! more distinct models are asked for, so the cache hits less often, more
//! models are loaded, and a miss waits for a download and a load — the
//! signature SageMaker's multi-model metrics show.

use super::catalog::Reading;
use super::fleet::Fleet;
use super::noise;

/// The multi-model endpoint's name.
pub(crate) const MME_ENDPOINT: &str = "mme-prod-adapters";
/// Models the containers can hold at once.
const CAPACITY_MODELS: f64 = 64.0;

/// A reading of one of the endpoint's metrics at `t_ms`.
pub(crate) fn sample(fleet: &Fleet, metric: &str, t_ms: i64, reading: Reading) -> Option<f64> {
    if reading != Reading::Value {
        return None;
    }
    let t_s = t_ms as f64 / 1000.0;
    let stream = noise::key(MME_ENDPOINT);
    let busy =
        Fleet::daily_shape(t_s) * (1.0 + 0.1 * noise::smooth(fleet.seed, stream, t_s, 300.0));
    let jitter = noise::jitter(fleet.seed, stream ^ noise::key(metric), t_ms);
    // Distinct models asked for grow with traffic; the cache holds a fixed number.
    let asked = 30.0 + 70.0 * busy;
    let hit = (0.99 - 0.25 * ((asked - CAPACITY_MODELS) / CAPACITY_MODELS).max(0.0) - 0.03 * busy)
        .clamp(0.5, 0.995);
    Some(match metric {
        "ModelCacheHit" => (hit * (1.0 + 0.01 * jitter)).min(1.0),
        "LoadedModelCount" => asked.min(CAPACITY_MODELS).round(),
        "ModelDownloadingTime" => 2_400_000.0 * (1.0 + 0.15 * jitter),
        // The average over all requests: only misses wait, for a load of ~1.2 s.
        "ModelLoadingWaitTime" => (1.0 - hit) * 1_200_000.0 * (1.0 + 0.1 * jitter),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_hits_less_and_requests_wait_longer_at_the_daily_peak() {
        let fleet = Fleet::new(42);
        let day = 1_795_564_800_000_i64; // 2026-11-25T00:00Z
        let at = |hour: i64, metric: &str| {
            sample(&fleet, metric, day + hour * 3_600_000, Reading::Value).unwrap()
        };
        // Quiet at 04:00 UTC, busy at 16:00.
        assert!(at(16, "ModelCacheHit") < at(4, "ModelCacheHit"));
        assert!(at(16, "ModelLoadingWaitTime") > at(4, "ModelLoadingWaitTime"));
        assert!(at(16, "LoadedModelCount") >= at(4, "LoadedModelCount"));
        assert!((0.5..=1.0).contains(&at(16, "ModelCacheHit")));
    }
}
