//! AWS credentials for the sources that need them (CloudWatch; Prometheus with
//! SigV4 for Amazon Managed Prometheus): the default chain with a short fuse on the
//! instance-metadata service, and what to tell a person when it finds nothing.

use crate::source::SourceError;
use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_credential_types::provider::error::CredentialsError;
use std::time::Duration;

/// How long the instance-metadata service gets to answer, on EC2 only.
const IMDS_TIMEOUT: Duration = Duration::from_millis(500);

/// The default chain: environment, profile (keys, SSO, `credential_process`), web
/// identity, container, and IMDS with one 0.5 s attempt, so a workstation off EC2
/// learns "no credentials" at once instead of after seconds of retries.
pub(crate) async fn chain(region: &str, profile: Option<&str>) -> DefaultCredentialsChain {
    let imds = aws_config::imds::Client::builder()
        .connect_timeout(IMDS_TIMEOUT)
        .read_timeout(IMDS_TIMEOUT)
        .max_attempts(1)
        .build();
    let mut chain = DefaultCredentialsChain::builder()
        .region(aws_config::Region::new(region.to_owned()))
        .imds_client(imds);
    if let Some(profile) = profile {
        chain = chain.profile_name(profile);
    }
    chain.build().await
}

/// The first credentials error in an error's chain of causes.
pub(crate) fn find_credentials_error<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a CredentialsError> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(credentials) = e.downcast_ref::<CredentialsError>() {
            return Some(credentials);
        }
        current = e.source();
    }
    None
}

/// A credentials failure as the panels show it, with what to run.
pub(crate) fn advice(error: &CredentialsError, profile: Option<&str>) -> SourceError {
    let detail = innermost_message(error);
    // The chain ends at the instance-metadata service; its refusal off EC2 only
    // means that nothing earlier in the chain had credentials either.
    let off_ec2 = detail.contains("IMDS") || detail.contains("instance metadata");
    let what = match error {
        CredentialsError::CredentialsNotLoaded(_) => "no AWS credentials found".to_owned(),
        _ if off_ec2 => "no AWS credentials found".to_owned(),
        CredentialsError::ProviderTimedOut(_) => "loading AWS credentials timed out".to_owned(),
        _ => format!("could not load AWS credentials ({detail})"),
    };
    SourceError::Config(format!("{what}: {}", login_advice(profile)))
}

/// What to run to get working credentials.
pub(crate) fn login_advice(profile: Option<&str>) -> String {
    match profile {
        Some(profile) => format!(
            "run `aws sso login --profile {profile}` (SSO) or `aws configure --profile {profile}`"
        ),
        None => {
            "run `aws configure`, or `aws sso login --profile NAME` and set `profile` on the source"
                .to_owned()
        }
    }
}

/// The most specific message in an error's chain ("Connection refused (os error
/// 111)" rather than "dispatch failure").
pub(crate) fn innermost_message(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut current = error.source();
    while let Some(e) = current {
        let text = e.to_string();
        if !text.is_empty() {
            message = text;
        }
        current = e.source();
    }
    message
}
