//! The CloudWatch client, on the shared AWS configuration.

pub use crate::source::aws_client::{ClientSettings, describe_error, service_error};

/// What the CloudWatch layouts need, named in access-denied messages.
pub(crate) const PERMISSIONS: &str =
    "cloudwatch:GetMetricData, cloudwatch:ListMetrics and cloudwatch:DescribeAlarms";

/// Builds the client.
pub async fn build(settings: &ClientSettings) -> aws_sdk_cloudwatch::Client {
    aws_sdk_cloudwatch::Client::new(&crate::source::aws_client::sdk_config(settings).await)
}
