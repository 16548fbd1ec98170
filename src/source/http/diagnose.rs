//! Says why a request failed in words a person can act on: which certificate,
//! which key of the layout, which proxy. The TLS library's errors arrive wrapped
//! in the HTTP client's and the socket's; the cause is found by walking the chain.

use crate::dashboard::sources::http::TlsSettings;
use rustls::{AlertDescription, CertificateError};

/// What went wrong with a request that got no answer, `proxy` being the proxy
/// it went through (and which setting named it), if any.
pub(crate) fn explain(error: &reqwest::Error, tls: &TlsSettings, proxy: Option<&str>) -> String {
    if let Some(tls_error) = find_tls_error(error) {
        return explain_tls(tls_error, tls);
    }
    let cause = innermost(error);
    if let Some(proxy) = proxy {
        let text = cause.to_string();
        if text.contains("tunnel") || text.contains("proxy") {
            return format!("the proxy {proxy} refused to pass the request on: {text}");
        }
        if error.is_connect() {
            return format!("cannot connect through the proxy {proxy}: {text}");
        }
    }
    cause.to_string()
}

fn innermost<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> &'a (dyn std::error::Error + 'static) {
    let mut cause = error;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause
}

/// The TLS library's own error somewhere in the chain. An I/O error's own
/// `source()` skips the error it wraps, so each one is opened by hand (the
/// socket layers wrap the TLS error in one or two of them).
pub(crate) fn find_tls_error<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if let Some(found) = current.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        cause = match current
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => current.source(),
        };
    }
    None
}

fn explain_tls(error: &rustls::Error, tls: &TlsSettings) -> String {
    let client_cert = tls
        .client_cert
        .as_ref()
        .map(|(cert, _)| cert.display().to_string());
    match error {
        rustls::Error::InvalidCertificate(certificate) => {
            explain_server_certificate(certificate, tls)
        }
        rustls::Error::AlertReceived(alert) => match (alert, client_cert) {
            (AlertDescription::CertificateRequired, None)
            | (AlertDescription::BadCertificate, None)
            | (AlertDescription::HandshakeFailure, None) => {
                "the server demands a client certificate: set tls.cert_file and tls.key_file"
                    .to_owned()
            }
            (AlertDescription::CertificateExpired, Some(cert)) => format!(
                "the server refused the client certificate in tls.cert_file {cert}: it has expired; renew it"
            ),
            (
                AlertDescription::UnknownCA
                | AlertDescription::BadCertificate
                | AlertDescription::CertificateUnknown
                | AlertDescription::UnsupportedCertificate
                | AlertDescription::DecryptError
                | AlertDescription::CertificateRequired,
                Some(cert),
            ) => format!(
                "the server refused the client certificate in tls.cert_file {cert} ({alert:?}): it is not signed by a CA the server trusts for clients, or not made for client authentication"
            ),
            (AlertDescription::CertificateRevoked | AlertDescription::AccessDenied, Some(cert)) => {
                format!(
                    "the server refused the client certificate in tls.cert_file {cert} ({alert:?}): it was revoked or is not allowed in"
                )
            }
            (alert, _) => format!("the server ended the TLS handshake: {alert:?}"),
        },
        other => format!("TLS: {other}"),
    }
}

/// `prom.internal` from the TLS library's `DnsName("prom.internal")`.
fn unquoted(name: &str) -> &str {
    match (name.find('"'), name.rfind('"')) {
        (Some(start), Some(end)) if end > start => &name[start + 1..end],
        _ => name,
    }
}

fn explain_server_certificate(error: &CertificateError, tls: &TlsSettings) -> String {
    let ca = match &tls.ca_file {
        Some(path) => format!("the CA in tls.ca_file {}", path.display()),
        None => "the system's CAs (set tls.ca_file to a private CA's PEM)".to_owned(),
    };
    match error {
        CertificateError::UnknownIssuer | CertificateError::BadSignature => {
            format!("the server's certificate is not signed by a CA we trust: not by {ca}")
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "the server's certificate has expired: it must be renewed on the server".to_owned()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "the server's certificate is not valid yet (is this machine's clock right?)".to_owned()
        }
        CertificateError::NotValidForNameContext { expected, presented } => format!(
            "the server's certificate is for {}, not {}: connect by that name or set tls.server_name",
            presented
                .iter()
                .map(|name| unquoted(name))
                .collect::<Vec<_>>()
                .join(", "),
            expected.to_str()
        ),
        CertificateError::NotValidForName => {
            "the server's certificate is not for this host name: connect by the name it carries or set tls.server_name".to_owned()
        }
        CertificateError::Revoked => "the server's certificate has been revoked".to_owned(),
        other => format!("the server's certificate was refused: {other}"),
    }
}
