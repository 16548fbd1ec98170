//! A query of SageMaker endpoints' variants, as their `DescribeEndpoint` polls saw them.

/// A sagemaker query: one field of the variants of some endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SageMakerQuery {
    /// One of [`FIELDS`].
    pub field: &'static str,
    /// Only these endpoints (`labels = { EndpointName = "…" }`); all watched
    /// ones when empty.
    pub endpoints: Vec<String>,
}
