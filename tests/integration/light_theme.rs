//! The light theme on a dashboard of many lines (`fleetdeck
//! layouts/demo-variants.toml --theme light`): grid lines a light grey behind the
//! data rather than near-black over it, and series colours that keep their
//! contrast on white (the classic yellow and cyan did not). Looked at as a
//! snapshot; the colours' contrast is measured in `ui::theme`'s tests.

use crate::support;

#[test]
fn the_light_theme_keeps_the_grid_behind_the_data_and_the_lines_readable() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut harness = support::shipped_layout_harness(
        "layouts/demo-fleet.toml",
        "2026-11-25T06:40:00Z",
        [1400.0, 800.0],
        &runtime,
    );
    fleetdeck::app::apply_theme(&harness.ctx, fleetdeck::app::Theme::Light);
    support::step_until(&mut harness, "the demo's data", |h| {
        h.state().session().pending_queries() == 0 && h.state().session().store().series_count() > 0
    });
    harness.run_steps(3);
    assert!(!harness.ctx.global_style().visuals.dark_mode);
    harness.snapshot("demo_fleet_light");
}
