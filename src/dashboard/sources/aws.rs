//! What every AWS source needs to reach its service.

use std::time::Duration;

/// Where and as whom to talk to an AWS service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSettings {
    /// The service's name in messages ("CloudWatch").
    pub service: &'static str,
    /// The IAM actions the layouts need, for an access-denied message.
    pub permissions: &'static str,
    /// AWS region.
    pub region: String,
    /// Named profile, or the default chain.
    pub profile: Option<String>,
    /// An endpoint instead of AWS's (emulator, VPC endpoint).
    pub endpoint_url: Option<String>,
    /// Longest an operation may take.
    pub timeout: Duration,
}
