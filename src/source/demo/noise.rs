//! Deterministic pseudo-random noise: the same seed, key and time always give the
//! same value, so a test or a screenshot can rely on what the simulated fleet shows.

/// SplitMix64 finaliser: a fast, well-mixed 64-bit hash step.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Stable hash of a string key (FNV-1a), so noise streams are named, not numbered.
pub(crate) fn key(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ byte as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Uniform value in [0, 1) for (seed, stream, index).
pub(crate) fn unit(seed: u64, stream: u64, index: i64) -> f64 {
    let hash = mix(seed ^ mix(stream ^ mix(index as u64)));
    (hash >> 11) as f64 / (1u64 << 53) as f64
}

/// Smooth noise in [-1, 1] that changes over roughly `period_s` seconds: values at
/// bucket edges are random and interpolated between, so zooming in shows a curve,
/// not steps.
pub(crate) fn smooth(seed: u64, stream: u64, t_s: f64, period_s: f64) -> f64 {
    let position = t_s / period_s;
    let bucket = position.floor();
    let fraction = position - bucket;
    let eased = fraction * fraction * (3.0 - 2.0 * fraction);
    let a = unit(seed, stream, bucket as i64) * 2.0 - 1.0;
    let b = unit(seed, stream, bucket as i64 + 1) * 2.0 - 1.0;
    a + (b - a) * eased
}

/// Per-sample jitter in [-1, 1] tied to the exact timestamp in milliseconds.
pub(crate) fn jitter(seed: u64, stream: u64, t_ms: i64) -> f64 {
    unit(seed, stream ^ 0x5bd1_e995, t_ms) * 2.0 - 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_deterministic_and_bounded() {
        for i in 0..1000 {
            let t = i as f64 * 7.3;
            let a = smooth(42, key("x"), t, 60.0);
            assert_eq!(a, smooth(42, key("x"), t, 60.0));
            assert!((-1.0..=1.0).contains(&a));
            let u = unit(42, 1, i);
            assert!((0.0..1.0).contains(&u));
        }
    }

    #[test]
    fn different_seeds_give_different_streams() {
        let differing = (0..100).filter(|&i| unit(1, 7, i) != unit(2, 7, i)).count();
        assert!(differing > 95);
    }
}
