//! What every AWS source shares: building the SDK configuration, and turning SDK
//! errors into words a person can act on.
//!
//! A desktop tool must fail fast: connect in 2 s, give up an operation after the
//! source's timeout, and never sit through the SDK's multi-second instance-metadata
//! (IMDS) probing on a laptop. The SDK's own retries are off: the poller backs off
//! with jitter and shows each failure, so throttling is visible, not hidden.

pub use crate::dashboard::sources::aws::ClientSettings;
use crate::dashboard::sources::aws::{Account, Reach};
use crate::source::SourceError;
use crate::source::aws_credentials::{
    advice, find_credentials_error, innermost_message, login_advice,
};
use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_cloudwatch::error::{ProvideErrorMetadata, SdkError};
use std::time::Duration;

/// How long to wait for a TCP connection to the endpoint.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// The SDK configuration: credentials from the default chain (environment, profile
/// with keys, SSO or `credential_process`, web identity, container, and IMDS with a
/// short fuse), the timeouts, no SDK retries.
pub(crate) async fn sdk_config(settings: &ClientSettings) -> aws_config::SdkConfig {
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
    let chain =
        crate::source::aws_credentials::chain(&settings.region, settings.profile.as_deref()).await;
    loader = loader.credentials_provider(chain);
    let config = loader.load().await;
    let Some(role_arn) = &settings.role_arn else {
        return config;
    };
    // Another account: the chain's credentials assume its role through STS (at
    // the same endpoint, so an emulator answers both), refreshed before they expire.
    let assumed = aws_config::sts::AssumeRoleProvider::builder(role_arn)
        .session_name("fleetdeck")
        .configure(&config)
        .build()
        .await;
    config
        .into_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(assumed),
        )
        .build()
}

/// A failed call as the panel and status bar show it. `profile` shapes the advice
/// for missing or expired credentials.
pub fn describe_error<E, R>(error: &SdkError<E, R>, settings: &ClientSettings) -> SourceError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    if let Some(credentials) = find_credentials_error(error) {
        return advice(credentials, settings.profile.as_deref());
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
        | "TooManyRequestsException" => SourceError::Server(format!(
            "throttled by {} ({text}); backing off",
            settings.service
        )),
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => {
            SourceError::Config(format!(
                "AWS credentials expired ({text}): {}",
                login_advice(settings.profile.as_deref())
            ))
        }
        "UnrecognizedClientException"
        | "InvalidClientTokenId"
        | "SignatureDoesNotMatch"
        | "MissingAuthenticationToken"
        | "IncompleteSignature" => SourceError::Config(format!(
            "AWS rejected the credentials ({text}): {}",
            login_advice(settings.profile.as_deref())
        )),
        "AccessDenied" | "AccessDeniedException" => SourceError::Config(format!(
            "{text} — the identity needs {}",
            settings.permissions
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

fn endpoint_name(settings: &ClientSettings) -> String {
    settings
        .endpoint_url
        .clone()
        .unwrap_or_else(|| format!("the {} endpoint in {}", settings.service, settings.region))
}

/// The settings of an AWS source from its layout keys: `region` or `regions`
/// (AWS region names, one of the two required), `accounts` (roles to assume),
/// `profile`, `endpoint_url` (http or https) and `timeout` (`default_timeout`
/// without it). Keys of other kinds are refused; `extra`
/// names this kind's own further keys in that message.
pub(crate) fn compile_settings(
    config: &crate::layout_file::SourceConfig,
    service: &'static str,
    permissions: &'static str,
    default_timeout: Duration,
    extra: &str,
) -> Result<ClientSettings, Vec<crate::source::QueryProblem>> {
    use crate::source::QueryProblem;
    let mut problems = Vec::new();
    let kind = config.kind.get_ref().name();
    let at_kind = |message: String| QueryProblem {
        message,
        span: Some(config.kind.span()),
    };
    let regions = regions(config, &mut problems);
    if let Some(url) = &config.endpoint_url
        && !(url.get_ref().starts_with("http://") || url.get_ref().starts_with("https://"))
    {
        problems.push(QueryProblem {
            message: format!(
                "endpoint_url `{}` must start with http:// or https://",
                url.get_ref()
            ),
            span: Some(url.span()),
        });
    }
    if crate::source::has_prometheus_keys(config) || config.seed.is_some() || config.nodes.is_some()
    {
        problems.push(at_kind(format!(
            "a {kind} source takes region (or regions), accounts, profile, endpoint_url and timeout{extra}; credentials come from the AWS credential chain, never the layout"
        )));
    }
    problems.extend(crate::source::duration_problems(&[&config.timeout]));
    let accounts = accounts(config, &mut problems);
    let Some(region) = regions.first().filter(|_| problems.is_empty()) else {
        return Err(problems);
    };
    // One client per region and account; a source of one region and no
    // account is the plain client its series always had, with no labels added.
    let reach = if regions.len() == 1 && accounts.is_empty() {
        Vec::new()
    } else {
        let accounts: Vec<Option<Account>> = if accounts.is_empty() {
            vec![None]
        } else {
            accounts.into_iter().map(Some).collect()
        };
        accounts
            .iter()
            .flat_map(|account| {
                regions.iter().map(move |region| Reach {
                    region: region.clone(),
                    account: account.clone(),
                })
            })
            .collect()
    };
    Ok(ClientSettings {
        service,
        permissions,
        region: region.clone(),
        profile: config.profile.clone(),
        endpoint_url: config.endpoint_url.as_ref().map(|u| u.get_ref().clone()),
        timeout: crate::source::duration_or(&config.timeout, default_timeout),
        role_arn: None,
        reach,
    })
}

/// Whether a source names `regions` or `accounts` (AWS sources only).
pub(crate) fn has_reach_keys(config: &crate::layout_file::SourceConfig) -> bool {
    config.regions.is_some() || !config.accounts.is_empty()
}

/// The regions of an AWS source: its `region`, or its `regions` (not both).
fn regions(
    config: &crate::layout_file::SourceConfig,
    problems: &mut Vec<crate::source::QueryProblem>,
) -> Vec<String> {
    use crate::source::QueryProblem;
    let kind = config.kind.get_ref().name();
    let at = |message: String, span| QueryProblem {
        message,
        span: Some(span),
    };
    let (names, span) = match (&config.region, &config.regions) {
        (Some(_), Some(regions)) => {
            problems.push(at(
                "`region` and `regions` together: name one region, or list them all in `regions`"
                    .to_owned(),
                regions.span(),
            ));
            return Vec::new();
        }
        (None, None) => {
            problems.push(at(
                format!(
                    "a {kind} source needs `region`, e.g. region = \"us-east-1\" (or regions = [\"us-east-1\", \"eu-west-1\"])"
                ),
                config.kind.span(),
            ));
            return Vec::new();
        }
        (Some(region), None) => (vec![region.get_ref().clone()], region.span()),
        (None, Some(regions)) => (regions.get_ref().clone(), regions.span()),
    };
    if names.is_empty() {
        problems.push(at("`regions` is empty".to_owned(), span.clone()));
    }
    for name in &names {
        if !is_region(name) {
            problems.push(at(
                format!("`{name}` is not an AWS region name like us-east-1"),
                span.clone(),
            ));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(twice) = names.iter().find(|name| !seen.insert(*name)) {
        problems.push(at(format!("region `{twice}` is listed twice"), span));
    }
    names
}

/// The accounts of an AWS source, each a role to assume.
fn accounts(
    config: &crate::layout_file::SourceConfig,
    problems: &mut Vec<crate::source::QueryProblem>,
) -> Vec<Account> {
    use crate::source::QueryProblem;
    let mut names = std::collections::BTreeSet::new();
    let mut accounts = Vec::new();
    for account in &config.accounts {
        let arn = account.role_arn.get_ref();
        if !is_role_arn(arn) {
            problems.push(QueryProblem {
                message: format!(
                    "`{arn}` is not a role ARN like arn:aws:iam::111122223333:role/fleetdeck-read"
                ),
                span: Some(account.role_arn.span()),
            });
        }
        if account.name.trim().is_empty() || !names.insert(account.name.clone()) {
            problems.push(QueryProblem {
                message: format!(
                    "account name `{}` must be unique and not empty: it is the series' `account` label",
                    account.name
                ),
                span: Some(account.role_arn.span()),
            });
        }
        accounts.push(Account {
            name: account.name.clone(),
            role_arn: arn.clone(),
        });
    }
    accounts
}

/// Whether `arn` names an IAM role: `arn:PARTITION:iam::ACCOUNT:role/NAME`.
fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(
        parts.as_slice(),
        ["arn", partition, "iam", "", account, resource]
            if partition.starts_with("aws")
                && account.len() == 12
                && account.chars().all(|c| c.is_ascii_digit())
                && resource.strip_prefix("role/").is_some_and(|name| !name.is_empty())
    )
}

/// Whether `name` looks like an AWS region (`us-east-1`, `us-gov-west-1`).
pub(crate) fn is_region(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(profile: Option<&str>) -> ClientSettings {
        ClientSettings {
            service: "CloudWatch",
            permissions: "cloudwatch:GetMetricData",
            region: "us-east-1".to_owned(),
            profile: profile.map(str::to_owned),
            endpoint_url: None,
            timeout: Duration::from_secs(10),
            role_arn: None,
            reach: Vec::new(),
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
