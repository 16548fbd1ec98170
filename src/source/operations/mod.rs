//! Sources of operations on AWS: what was done to the fleet, for the charts —
//! SageMaker endpoints' instance counts as they change (`sagemaker`), and AWS
//! Fault Injection Service experiments (`fis`). They have no time series of
//! their own: a layout lists them in `operations = [...]`, and their events are
//! drawn on the charts of the resources they touched.
//!
//! Both speak AWS's JSON protocols through [`client::AwsJson`], signed with
//! SigV4 from the AWS credential chain (never the layout).

pub(crate) mod client;
pub(crate) mod fis;
pub(crate) mod sagemaker;

/// How long one call of an operations source may take.
pub(crate) const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How an operations source answers a panel that asks it for series.
pub(crate) fn refuse_series(kind: &str) -> crate::source::FetchFuture<'static> {
    let message = format!(
        "a {kind} source reports operations, not time series: list it in operations = [...]"
    );
    Box::pin(async move { Err(crate::source::SourceError::BadQuery(message)) })
}

/// Limits of a source with no series (never used to plan a fetch).
pub(crate) const NO_SERIES: crate::source::SourceLimits = crate::source::SourceLimits {
    min_step_ms: 60_000,
    max_points_per_series: 11_000,
};
