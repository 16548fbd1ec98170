//! An HTTP source's connection keys in a layout: checked (each problem at its
//! key), compiled into [`HttpSettings`], and the proxy applied to a client.

use crate::dashboard::sources::http::{
    HttpSettings, OAuth2Settings, ProxySettings, SecretRef, TlsSettings,
};
use crate::layout_file::SourceConfig;
use crate::source::QueryProblem;
use reqwest::header::{HeaderName, HeaderValue};
use std::path::PathBuf;
use std::time::Duration;

const USE_A_REFERENCE: &str =
    "a secret does not belong in a layout, which is shared, copied and kept";

/// Every problem with a source's connection keys, each at its key.
pub(crate) fn problems(config: &SourceConfig) -> Vec<QueryProblem> {
    let mut problems = Vec::new();
    let at = |message: String, span: std::ops::Range<usize>| QueryProblem {
        message,
        span: Some(span),
    };
    let at_kind = |message: &str| QueryProblem {
        message: message.to_owned(),
        span: Some(config.kind.span()),
    };
    // Literal secrets, as a `prometheus.yml` would write them.
    if let Some(token) = &config.bearer_token {
        problems.push(at(
            format!("{USE_A_REFERENCE}: name where the token lives with bearer_token_env, bearer_token_file or bearer_token_keyring = \"service/account\""),
            token.span(),
        ));
    }
    if let Some(password) = config.basic_auth.as_ref().and_then(|b| b.password.as_ref()) {
        problems.push(at(
            format!("{USE_A_REFERENCE}: name where the password lives with password_env, password_file or password_keyring = \"service/account\""),
            password.span(),
        ));
    }
    let bearer_places = usize::from(config.bearer_token_env.is_some())
        + usize::from(config.bearer_token_file.is_some())
        + usize::from(config.bearer_token_keyring.is_some());
    if bearer_places > 1 {
        problems.push(at_kind(
            "set one of bearer_token_env, bearer_token_file and bearer_token_keyring",
        ));
    }
    if let Some(basic) = &config.basic_auth {
        let places = usize::from(basic.password_env.is_some())
            + usize::from(basic.password_file.is_some())
            + usize::from(basic.password_keyring.is_some());
        if places > 1 {
            problems.push(at_kind(
                "set one of basic_auth's password_env, password_file and password_keyring",
            ));
        }
    }
    let schemes = usize::from(bearer_places > 0)
        + usize::from(config.basic_auth.is_some())
        + usize::from(config.oauth2.is_some());
    if schemes > 1 {
        problems.push(at_kind(
            "set one way to authenticate: a bearer token, basic_auth or oauth2",
        ));
    }
    for reference in [
        config.bearer_token_keyring.as_ref(),
        config
            .basic_auth
            .as_ref()
            .and_then(|b| b.password_keyring.as_ref()),
        config
            .oauth2
            .as_ref()
            .and_then(|o| o.get_ref().client_secret_keyring.as_ref()),
    ]
    .into_iter()
    .flatten()
    {
        if SecretRef::keyring(reference.get_ref()).is_none() {
            problems.push(at(
                format!(
                    "`{}` is not a keyring entry: write it as \"service/account\", e.g. \"fleetdeck/prod-prometheus\"",
                    reference.get_ref()
                ),
                reference.span(),
            ));
        }
    }
    if let Some(oauth2) = &config.oauth2 {
        problems.extend(oauth2_problems(oauth2));
    }
    if let Some(tls) = &config.tls {
        let keys = tls.get_ref();
        if keys.ca_file.is_some() && config.ca_file.is_some() {
            problems.push(at(
                "ca_file is set twice: keep tls.ca_file".to_owned(),
                tls.span(),
            ));
        }
        match (&keys.cert_file, &keys.key_file) {
            (Some(cert), None) => problems.push(at(
                "tls.cert_file needs tls.key_file, the certificate's private key".to_owned(),
                cert.span(),
            )),
            (None, Some(key)) => problems.push(at(
                "tls.key_file needs tls.cert_file, the certificate it is the key of".to_owned(),
                key.span(),
            )),
            _ => {}
        }
        if let Some(name) = &keys.server_name
            && rustls::pki_types::ServerName::try_from(name.get_ref().as_str()).is_err()
        {
            problems.push(at(
                format!("tls.server_name `{}` is not a host name", name.get_ref()),
                name.span(),
            ));
        }
    }
    if let Some(proxy) = &config.proxy_url {
        let url = proxy.get_ref();
        if !(url.starts_with("http://") || url.starts_with("https://"))
            || reqwest::Proxy::all(url.as_str()).is_err()
        {
            problems.push(at(
                format!(
                    "proxy_url `{}` must be an http:// or https:// URL",
                    crate::source::url_without_credentials(url)
                ),
                proxy.span(),
            ));
        }
        if config.proxy_from_environment == Some(true) {
            problems.push(at(
                "proxy_url and proxy_from_environment = true contradict each other: proxy_url wins; remove one".to_owned(),
                proxy.span(),
            ));
        }
    }
    for (name, value) in &config.headers {
        if name.eq_ignore_ascii_case("authorization") {
            problems.push(at(
                format!("{USE_A_REFERENCE}: use bearer_token_env / _file / _keyring, basic_auth or oauth2 instead of an Authorization header"),
                value.span(),
            ));
        } else if HeaderName::from_bytes(name.as_bytes()).is_err()
            || HeaderValue::from_str(value.get_ref()).is_err()
        {
            problems.push(at(
                format!("header `{name}` is not a valid HTTP header name and value"),
                value.span(),
            ));
        }
    }
    problems
}

fn oauth2_problems(oauth2: &toml::Spanned<crate::layout_file::OAuth2Config>) -> Vec<QueryProblem> {
    let keys = oauth2.get_ref();
    let mut problems = Vec::new();
    if let Some(secret) = &keys.client_secret {
        problems.push(QueryProblem {
            message: format!("{USE_A_REFERENCE}: name where the client secret lives with client_secret_env, client_secret_file or client_secret_keyring = \"service/account\""),
            span: Some(secret.span()),
        });
    }
    let places = usize::from(keys.client_secret_env.is_some())
        + usize::from(keys.client_secret_file.is_some())
        + usize::from(keys.client_secret_keyring.is_some());
    if places != 1 && keys.client_secret.is_none() {
        problems.push(QueryProblem {
            message: "oauth2 needs exactly one of client_secret_env, client_secret_file and client_secret_keyring".to_owned(),
            span: Some(oauth2.span()),
        });
    }
    let url = keys.token_url.get_ref();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        problems.push(QueryProblem {
            message: format!("oauth2.token_url `{url}` must start with http:// or https://"),
            span: Some(keys.token_url.span()),
        });
    }
    problems
}

/// The connection `config` describes; call after [`problems`] found none.
pub(crate) fn compile(config: &SourceConfig, timeout: Duration) -> HttpSettings {
    let place =
        |env: &Option<String>, file: &Option<PathBuf>, keyring: Option<&toml::Spanned<String>>| {
            env.clone()
                .map(SecretRef::Env)
                .or_else(|| file.clone().map(SecretRef::File))
                .or_else(|| keyring.and_then(|k| SecretRef::keyring(k.get_ref())))
        };
    let tls = config
        .tls
        .as_ref()
        .map(|t| t.get_ref().clone())
        .unwrap_or_default();
    HttpSettings {
        timeout,
        bearer_token: place(
            &config.bearer_token_env,
            &config.bearer_token_file,
            config.bearer_token_keyring.as_ref(),
        ),
        basic_auth: config.basic_auth.as_ref().map(|basic| {
            (
                basic.username.clone(),
                place(
                    &basic.password_env,
                    &basic.password_file,
                    basic.password_keyring.as_ref(),
                ),
            )
        }),
        oauth2: config.oauth2.as_ref().and_then(|oauth2| {
            let keys = oauth2.get_ref();
            Some(OAuth2Settings {
                client_id: keys.client_id.clone(),
                client_secret: place(
                    &keys.client_secret_env,
                    &keys.client_secret_file,
                    keys.client_secret_keyring.as_ref(),
                )?,
                token_url: keys.token_url.get_ref().clone(),
                scopes: keys.scopes.clone(),
                endpoint_params: keys.endpoint_params.clone(),
            })
        }),
        headers: config
            .headers
            .iter()
            .map(|(name, value)| (name.clone(), value.get_ref().clone()))
            .collect(),
        tls: TlsSettings {
            ca_file: tls.ca_file.or_else(|| config.ca_file.clone()),
            client_cert: tls
                .cert_file
                .zip(tls.key_file)
                .map(|(cert, key)| (cert.into_inner(), key.into_inner())),
            server_name: tls.server_name.map(toml::Spanned::into_inner),
            insecure_skip_verify: tls.insecure_skip_verify,
        },
        proxy: ProxySettings {
            url: config.proxy_url.as_ref().map(|u| u.get_ref().clone()),
            no_proxy: config.no_proxy.clone(),
            from_environment: config.proxy_from_environment.unwrap_or(true),
        },
    }
}

/// Whether any connection key is set (a source kind that does not speak HTTP
/// refuses them).
pub(crate) fn has_keys(config: &SourceConfig) -> bool {
    config.bearer_token_env.is_some()
        || config.bearer_token_file.is_some()
        || config.bearer_token_keyring.is_some()
        || config.bearer_token.is_some()
        || config.basic_auth.is_some()
        || !config.headers.is_empty()
        || config.ca_file.is_some()
        || config.tls.is_some()
        || config.oauth2.is_some()
        || config.proxy_url.is_some()
        || config.no_proxy.is_some()
        || config.proxy_from_environment.is_some()
}

/// Sets the client's proxy as `proxy` says, and says which proxy requests to
/// `base_url` go through and which setting named it (for messages).
pub(crate) fn apply_proxy(
    builder: reqwest::ClientBuilder,
    proxy: &ProxySettings,
    base_url: &str,
) -> Result<(reqwest::ClientBuilder, Option<String>), String> {
    let host = host_of(base_url);
    if let Some(url) = &proxy.url {
        let shown = crate::source::url_without_credentials(url);
        let chosen = reqwest::Proxy::all(url.as_str())
            .map_err(|e| format!("proxy_url {shown}: {e}"))?
            .no_proxy(
                proxy
                    .no_proxy
                    .as_deref()
                    .and_then(reqwest::NoProxy::from_string),
            );
        let used = !proxy
            .no_proxy
            .as_deref()
            .is_some_and(|list| bypasses(list, &host));
        return Ok((
            builder.proxy(chosen),
            used.then(|| format!("{shown} (proxy_url)")),
        ));
    }
    if !proxy.from_environment {
        return Ok((builder.no_proxy(), None));
    }
    // reqwest reads the environment itself; this only finds what it will use.
    let variables: &[&str] = if base_url.starts_with("https://") {
        &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
    } else {
        &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
    };
    let from_environment = variables.iter().find_map(|name| {
        std::env::var(name)
            .ok()
            .filter(|value| !value.is_empty())
            .map(|value| {
                format!(
                    "{} ({name})",
                    crate::source::url_without_credentials(&value)
                )
            })
    });
    let bypassed = ["NO_PROXY", "no_proxy"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .any(|list| bypasses(&list, &host));
    Ok((builder, from_environment.filter(|_| !bypassed)))
}

/// The host of a URL, without port or credentials.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(bracketed) = host_port.strip_prefix('[') {
        return bracketed.split(']').next().unwrap_or_default().to_owned();
    }
    host_port
        .split(':')
        .next()
        .unwrap_or_default()
        .to_lowercase()
}

/// Whether a `NO_PROXY` list sends `host` directly: `*`, the host itself, or a
/// domain it is in (`.internal` or `internal`).
fn bypasses(list: &str, host: &str) -> bool {
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            let entry = entry.to_lowercase();
            let domain = entry.trim_start_matches('.');
            entry == "*" || host == domain || host.ends_with(&format!(".{domain}"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_lists_match_hosts_and_their_domains() {
        assert!(bypasses("127.0.0.1,.internal", "127.0.0.1"));
        assert!(bypasses("example.com, .internal", "prom.eu.internal"));
        assert!(bypasses("internal", "prom.internal"));
        assert!(bypasses("*", "anything"));
        assert!(!bypasses("internal", "notinternal"));
        assert!(!bypasses("", "127.0.0.1"));
        assert_eq!(
            host_of("http://user:pw@Prom.Internal:9090/x"),
            "prom.internal"
        );
        assert_eq!(host_of("https://[::1]:9090"), "::1");
    }
}
