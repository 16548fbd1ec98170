//! Building the AWS SDK client and turning its errors into words a person can act on.
//!
//! A desktop tool must fail fast: connect in 2 s, give up an operation after the
//! source's timeout, and never sit through the SDK's multi-second instance-metadata
//! (IMDS) probing on a laptop. The SDK's own retries are off: the poller backs off
//! with jitter and shows each failure, so throttling is visible, not hidden.

use crate::source::SourceError;
use aws_config::BehaviorVersion;
use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_cloudwatch::error::{ProvideErrorMetadata, SdkError};
use std::time::Duration;

/// How long to wait for a TCP connection to the endpoint.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the instance-metadata service gets to answer, on EC2 only.
const IMDS_TIMEOUT: Duration = Duration::from_millis(500);

/// Where and as whom to talk to CloudWatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSettings {
    /// AWS region.
    pub region: String,
    /// Named profile, or the default chain.
    pub profile: Option<String>,
    /// An endpoint instead of AWS's (emulator, VPC endpoint).
    pub endpoint_url: Option<String>,
    /// Longest an operation may take.
    pub timeout: Duration,
}

/// Builds a client with credentials from the default chain: environment, profile
/// (keys, SSO, `credential_process`), web identity, container, and IMDS with a
/// short fuse.
pub async fn build(settings: &ClientSettings) -> aws_sdk_cloudwatch::Client {
    let region = aws_config::Region::new(settings.region.clone());
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_timeout(settings.timeout)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region.clone())
        .timeout_config(timeouts)
        .retry_config(RetryConfig::disabled());
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &settings.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let imds = aws_config::imds::Client::builder()
        .connect_timeout(IMDS_TIMEOUT)
        .read_timeout(IMDS_TIMEOUT)
        .max_attempts(1)
        .build();
    let mut chain = DefaultCredentialsChain::builder()
        .region(region)
        .imds_client(imds);
    if let Some(profile) = &settings.profile {
        chain = chain.profile_name(profile);
    }
    loader = loader.credentials_provider(chain.build().await);
    aws_sdk_cloudwatch::Client::new(&loader.load().await)
}

/// A failed call as the panel and status bar show it. `profile` shapes the advice
/// for missing or expired credentials.
pub fn describe_error<E, R>(error: &SdkError<E, R>, settings: &ClientSettings) -> SourceError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    if let Some(credentials) = find_credentials_error(error) {
        return credentials_advice(credentials, settings);
    }
    match error {
        SdkError::TimeoutError(_) => SourceError::Timeout(settings.timeout.as_secs()),
        SdkError::DispatchFailure(failure) if failure.is_timeout() => {
            SourceError::Timeout(settings.timeout.as_secs())
        }
        SdkError::DispatchFailure(_) => SourceError::Unreachable(format!(
            "{}: {}",
            endpoint_name(settings),
            innermost_message(error)
        )),
        SdkError::ServiceError(_) | SdkError::ResponseError(_) => {
            let code = error.code().unwrap_or("");
            let message = error.message().unwrap_or("");
            service_error(code, message, settings)
        }
        _ => SourceError::Server(innermost_message(error)),
    }
}

/// Maps an AWS error code to what the user should read and do.
pub fn service_error(code: &str, message: &str, settings: &ClientSettings) -> SourceError {
    let text = if message.is_empty() {
        code.to_owned()
    } else {
        format!("{code}: {message}")
    };
    match code {
        "Throttling"
        | "ThrottlingException"
        | "LimitExceeded"
        | "LimitExceededException"
        | "RequestLimitExceeded"
        | "TooManyRequestsException" => {
            SourceError::Server(format!("throttled by CloudWatch ({text}); backing off"))
        }
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => {
            SourceError::Config(format!(
                "AWS credentials expired ({text}): {}",
                login_advice(settings)
            ))
        }
        "UnrecognizedClientException"
        | "InvalidClientTokenId"
        | "SignatureDoesNotMatch"
        | "MissingAuthenticationToken"
        | "IncompleteSignature" => SourceError::Config(format!(
            "AWS rejected the credentials ({text}): {}",
            login_advice(settings)
        )),
        "AccessDenied" | "AccessDeniedException" => SourceError::Config(format!(
            "{text} — the identity needs cloudwatch:GetMetricData, cloudwatch:ListMetrics and cloudwatch:DescribeAlarms"
        )),
        "InvalidParameterValue"
        | "InvalidParameterCombination"
        | "MissingParameter"
        | "InvalidParameterValueException"
        | "ValidationError"
        | "ValidationException" => SourceError::BadQuery(text),
        _ => SourceError::Server(text),
    }
}

fn find_credentials_error<'a>(
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

fn credentials_advice(error: &CredentialsError, settings: &ClientSettings) -> SourceError {
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
    SourceError::Config(format!("{what}: {}", login_advice(settings)))
}

/// What to run to get working credentials.
fn login_advice(settings: &ClientSettings) -> String {
    match &settings.profile {
        Some(profile) => format!(
            "run `aws sso login --profile {profile}` (SSO) or `aws configure --profile {profile}`"
        ),
        None => {
            "run `aws configure`, or `aws sso login --profile NAME` and set `profile` on the source"
                .to_owned()
        }
    }
}

fn endpoint_name(settings: &ClientSettings) -> String {
    settings
        .endpoint_url
        .clone()
        .unwrap_or_else(|| format!("monitoring.{}.amazonaws.com", settings.region))
}

/// The most specific message in an error's chain ("Connection refused (os error
/// 111)" rather than "dispatch failure").
fn innermost_message(error: &(dyn std::error::Error + 'static)) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(profile: Option<&str>) -> ClientSettings {
        ClientSettings {
            region: "us-east-1".to_owned(),
            profile: profile.map(str::to_owned),
            endpoint_url: None,
            timeout: Duration::from_secs(10),
        }
    }

    #[test]
    fn throttling_says_so_and_is_not_a_query_error() {
        let error = service_error("ThrottlingException", "Rate exceeded", &settings(None));
        assert_eq!(
            error.to_string(),
            "server error: throttled by CloudWatch (ThrottlingException: Rate exceeded); backing off"
        );
    }

    #[test]
    fn expired_sso_credentials_say_which_login_to_run() {
        let error = service_error(
            "ExpiredTokenException",
            "The security token included in the request is expired",
            &settings(Some("prod-ro")),
        );
        assert!(
            error
                .to_string()
                .contains("aws sso login --profile prod-ro"),
            "{error}"
        );
    }

    #[test]
    fn a_bad_parameter_is_a_query_error_with_aws_words() {
        let error = service_error(
            "InvalidParameterValue",
            "The value 7 for parameter Period is not valid.",
            &settings(None),
        );
        assert_eq!(
            error,
            SourceError::BadQuery(
                "InvalidParameterValue: The value 7 for parameter Period is not valid.".to_owned()
            )
        );
    }
}
