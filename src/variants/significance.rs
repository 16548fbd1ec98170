//! Is a variant's difference from the baseline real? The honest, simple test the
//! panel shows: the difference of the means over the window counts only when it
//! is larger than each variant's own sample-to-sample spread (its standard
//! deviation) — noise the reader would see on the chart. It never claims a
//! difference that is smaller than the wobble of either line; a real difference
//! that small is reported as "within noise" (a deliberate miss, not a false
//! alarm). Fewer than [`MIN_SAMPLES`] samples on either side say "not enough data".

/// Samples each side needs before a hint is given.
pub(crate) const MIN_SAMPLES: usize = 10;

/// Mean and spread of a run of samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// Their mean.
    pub mean: f64,
    /// Their (population) standard deviation.
    pub sd: f64,
    /// How many.
    pub count: usize,
}

impl Stats {
    /// The mean and spread of `values`; `None` when there are none.
    pub(crate) fn of(values: impl IntoIterator<Item = f64>) -> Option<Stats> {
        let values: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
        if values.is_empty() {
            return None;
        }
        let count = values.len();
        let mean = values.iter().sum::<f64>() / count as f64;
        let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / count as f64;
        Some(Stats {
            mean,
            sd: variance.sqrt(),
            count,
        })
    }
}

/// What the panel says about a difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// Too few samples to say.
    NotEnoughData,
    /// Smaller than either variant's own noise.
    WithinNoise,
    /// Larger than both variants' noise.
    BeyondNoise,
}

impl Hint {
    /// How the panel words it.
    pub(crate) fn words(self) -> &'static str {
        match self {
            Hint::NotEnoughData => "not enough data",
            Hint::WithinNoise => "within noise",
            Hint::BeyondNoise => "beyond noise",
        }
    }
}

/// Whether `variant` differs from `baseline` by more than the noise of each.
pub fn hint(baseline: &Stats, variant: &Stats) -> Hint {
    if baseline.count < MIN_SAMPLES || variant.count < MIN_SAMPLES {
        return Hint::NotEnoughData;
    }
    let difference = (variant.mean - baseline.mean).abs();
    if difference > baseline.sd && difference > variant.sd {
        Hint::BeyondNoise
    } else {
        Hint::WithinNoise
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::demo::noise;

    /// `n` samples around `mean` with standard deviation `sd` (Box–Muller on
    /// the demo's deterministic noise).
    fn samples(seed: u64, n: usize, mean: f64, sd: f64) -> Vec<f64> {
        (0..n as i64)
            .map(|i| {
                let u1 = noise::unit(seed, 1, i).max(1e-12);
                let u2 = noise::unit(seed, 2, i);
                mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
            })
            .collect()
    }

    fn hint_for(seed: u64, n: usize, shift_in_sd: f64) -> Hint {
        let a = Stats::of(samples(seed, n, 100.0, 10.0)).unwrap();
        let b = Stats::of(samples(seed + 10_000, n, 100.0 + shift_in_sd * 10.0, 10.0)).unwrap();
        hint(&a, &b)
    }

    #[test]
    fn equal_variants_are_never_called_different() {
        let false_positives = (0..500)
            .filter(|&seed| hint_for(seed, 60, 0.0) == Hint::BeyondNoise)
            .count();
        assert_eq!(false_positives, 0);
    }

    #[test]
    fn a_difference_of_twice_the_noise_is_always_found() {
        let misses = (0..500)
            .filter(|&seed| hint_for(seed, 60, 2.0) != Hint::BeyondNoise)
            .count();
        assert_eq!(misses, 0);
    }

    #[test]
    fn a_difference_smaller_than_the_noise_is_reported_as_within_it() {
        // A real but small difference (half the noise) is deliberately not
        // claimed: a miss in all but a few windows whose noise came out low.
        let claimed = (0..500)
            .filter(|&seed| hint_for(seed, 60, 0.5) == Hint::BeyondNoise)
            .count();
        assert!(claimed <= 5, "claimed in {claimed} of 500");
    }

    #[test]
    fn a_few_samples_are_not_enough_to_say() {
        assert_eq!(hint_for(1, MIN_SAMPLES - 1, 5.0), Hint::NotEnoughData);
        assert_eq!(hint_for(1, MIN_SAMPLES, 5.0), Hint::BeyondNoise);
    }
}
