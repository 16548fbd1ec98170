//! The value axis: grid lines at 1, 2 and 5 times a power of ten.
//!
//! egui_plot's default grid steps by powers of ten only, so a short plot whose
//! range is 0–80 gets lines every 10 (too close to label) or every 100 (none
//! inside but 0): a chart whose band reaches a spike of 78 s showed only "0 s".
//! Steps of 1, 2 and 5 always leave a few labelled lines.

use egui_plot::{GridInput, GridMark};

/// The finest labelled step is at least this many times egui_plot's minimum line
/// spacing (8 pt): y labels need about 20 pt between them.
const FINEST_STEP_FACTOR: f64 = 3.0;

/// The smallest of 1, 2 or 5 × 10^k that is at least `minimum`.
fn nice_step_at_least(minimum: f64) -> f64 {
    let power = 10f64.powf(minimum.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&step| step >= minimum * (1.0 - 1e-12))
        .unwrap_or(10.0 * power)
}

/// Grid marks for a value axis: a grid function for `Plot::y_grid_spacer`. Three
/// nested steps, each a whole multiple of the one before (1 → 2 → 10, 2 → 10 →
/// 20, 5 → 10 → 20), so coarse lines sit on fine ones.
pub(crate) fn value_grid(input: GridInput) -> Vec<GridMark> {
    let (low, high) = input.bounds;
    let base = input.base_step_size.abs();
    if !(low.is_finite() && high.is_finite() && base.is_finite()) || high <= low || base == 0.0 {
        return Vec::new();
    }
    let finest = nice_step_at_least(base * FINEST_STEP_FACTOR);
    // Coarsest first: where steps coincide the coarsest is kept, drawn strongest.
    let mut steps = vec![finest];
    let mut candidate = finest;
    while steps.len() < 3 {
        candidate = nice_step_at_least(candidate * 1.5);
        let ratio = candidate / steps[steps.len() - 1];
        if (ratio - ratio.round()).abs() < 1e-9 {
            steps.push(candidate);
        }
    }
    steps.reverse();
    let first = (low / finest).ceil() as i64;
    let last = (high / finest).floor() as i64;
    if last - first > 10_000 {
        return Vec::new();
    }
    (first..=last)
        .map(|index| {
            let value = index as f64 * finest;
            let step_size = steps
                .iter()
                .copied()
                .find(|&step| ((value / step).round() * step - value).abs() < finest * 1e-6)
                .unwrap_or(finest);
            GridMark { value, step_size }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_plot_up_to_eighty_gets_several_labelled_lines() {
        // 0–82 s over ~130 pt: 8 pt is ~5 s.
        let base = 82.0 / 130.0 * 8.0;
        let marks = value_grid(GridInput {
            bounds: (-3.6, 78.1),
            base_step_size: base,
        });
        let labelled: Vec<f64> = marks
            .iter()
            .filter(|m| m.step_size / base * 8.0 >= 20.0)
            .map(|m| m.value)
            .collect();
        assert!(labelled.len() >= 3, "{labelled:?} of {marks:?}");
        assert!(
            labelled.contains(&0.0) && labelled.contains(&40.0),
            "{labelled:?}"
        );
    }

    #[test]
    fn nested_steps_divide_each_other() {
        for base in [0.003, 0.7, 1.0, 2.4, 13.0, 420.0, 9e5] {
            let marks = value_grid(GridInput {
                bounds: (0.0, base * 200.0),
                base_step_size: base,
            });
            let mut steps: Vec<f64> = marks.iter().map(|m| m.step_size).collect();
            steps.sort_by(f64::total_cmp);
            steps.dedup();
            for pair in steps.windows(2) {
                let ratio = pair[1] / pair[0];
                assert!((ratio - ratio.round()).abs() < 1e-9, "{steps:?}");
            }
            for mark in &marks {
                let ratio = mark.value / mark.step_size;
                assert!((ratio - ratio.round()).abs() < 1e-6, "{mark:?}");
            }
        }
    }
}
