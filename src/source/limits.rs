//! What a source can deliver, for step planning: its own small module, so the
//! planner reads it without reaching into everything a source is.

/// What a source can deliver, for step planning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceLimits {
    /// Finest useful step (the scrape interval), ms.
    pub min_step_ms: i64,
    /// Most points the server returns per series in one request.
    pub max_points_per_series: i64,
}
