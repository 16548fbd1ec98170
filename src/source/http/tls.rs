//! A source's own TLS configuration, for what reqwest's builder cannot say: a
//! client certificate checked when the source connects (not at the first
//! handshake), a server name other than the URL's host, and accepting any
//! certificate (for a lab, marked wherever the source's data is shown).
//!
//! Built on the same rustls, crypto provider and platform verifier reqwest uses,
//! so trust works as it does without these settings: the system's roots, plus a
//! private CA when `ca_file` names one.

use crate::dashboard::sources::http::TlsSettings;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use std::path::Path;
use std::sync::Arc;

/// Whether `tls` asks for more than the system's trust store.
pub(crate) fn is_custom(tls: &TlsSettings) -> bool {
    tls.ca_file.is_some()
        || tls.client_cert.is_some()
        || tls.server_name.is_some()
        || tls.insecure_skip_verify
}

/// The rustls configuration `tls` describes; every file is read and checked now,
/// so a wrong path or a key that does not match its certificate is said before
/// any request.
pub(crate) fn client_config(tls: &TlsSettings) -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = if tls.insecure_skip_verify {
        Arc::new(AcceptAnyCertificate(provider.clone()))
    } else {
        let extra_roots = match &tls.ca_file {
            Some(path) => read_certificates(path, "tls.ca_file")?,
            None => Vec::new(),
        };
        let platform =
            rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider.clone())
                .map_err(|e| format!("cannot set up certificate checks: {e}"))?;
        match &tls.server_name {
            Some(name) => Arc::new(Renamed {
                name: ServerName::try_from(name.clone())
                    .map_err(|_| format!("tls.server_name `{name}` is not a host name"))?,
                inner: platform,
            }),
            None => Arc::new(platform),
        }
    };
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match &tls.client_cert {
        Some((cert_file, key_file)) => {
            let chain = read_certificates(cert_file, "tls.cert_file")?;
            // A server refuses an expired certificate with the same alert as
            // one it does not trust; said here, the cause is plain.
            if let Some(expiry) = chain.first().and_then(|leaf| not_after(leaf))
                && expiry < chrono::Utc::now()
            {
                return Err(format!(
                    "tls.cert_file {} expired on {}: renew it (a server refuses it)",
                    cert_file.display(),
                    expiry.format("%Y-%m-%d %H:%M UTC")
                ));
            }
            let key = PrivateKeyDer::from_pem_file(key_file).map_err(|e| {
                format!(
                    "tls.key_file {}: no private key in PEM there ({e})",
                    key_file.display()
                )
            })?;
            builder.with_client_auth_cert(chain, key).map_err(|e| {
                format!(
                    "tls.key_file {} is not the key of tls.cert_file {}: {e}",
                    key_file.display(),
                    cert_file.display()
                )
            })?
        }
        None => builder.with_no_client_auth(),
    };
    // reqwest is built without HTTP/2 here.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Every certificate in a PEM file; none at all is an error.
fn read_certificates(path: &Path, key: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let pem =
        std::fs::read(path).map_err(|e| format!("cannot read {key} {}: {e}", path.display()))?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{key} {}: {e}", path.display()))?;
    if certificates.is_empty() {
        return Err(format!(
            "{key} {}: no certificate in PEM there",
            path.display()
        ));
    }
    Ok(certificates)
}

/// When a certificate stops being valid: its `notAfter`, read from the DER
/// (Certificate → tbsCertificate → [version], serial, signature, issuer,
/// validity → notBefore, notAfter). `None` if it does not parse.
fn not_after(der: &[u8]) -> Option<chrono::DateTime<chrono::Utc>> {
    let (_, certificate, _) = der_element(der)?;
    let (_, mut tbs, _) = der_element(certificate)?;
    let (tag, _, rest) = der_element(tbs)?;
    if tag == 0xA0 {
        tbs = rest; // the explicit version
    }
    let (_, _, rest) = der_element(tbs)?; // serial number
    let (_, _, rest) = der_element(rest)?; // signature algorithm
    let (_, _, rest) = der_element(rest)?; // issuer
    let (_, validity, _) = der_element(rest)?;
    let (_, _, rest) = der_element(validity)?; // notBefore
    let (tag, time, _) = der_element(rest)?;
    let text = std::str::from_utf8(time).ok()?;
    let full = match tag {
        // UTCTime: two-digit years, 1950–2049 (RFC 5280 §4.1.2.5.1).
        0x17 => {
            let year: u32 = text.get(..2)?.parse().ok()?;
            format!("{}{text}", if year < 50 { "20" } else { "19" })
        }
        0x18 => text.to_owned(),
        _ => return None,
    };
    chrono::NaiveDateTime::parse_from_str(full.trim_end_matches('Z'), "%Y%m%d%H%M%S")
        .ok()
        .map(|naive| naive.and_utc())
}

/// One DER element: its tag, its contents and what follows it.
fn der_element(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *bytes.first()?;
    let first = *bytes.get(1)?;
    let (length, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let count = usize::from(first & 0x7F);
        if count == 0 || count > 4 {
            return None;
        }
        let length = bytes
            .get(2..2 + count)?
            .iter()
            .fold(0usize, |n, byte| (n << 8) | usize::from(*byte));
        (length, 2 + count)
    };
    let contents = bytes.get(header..header.checked_add(length)?)?;
    Some((tag, contents, &bytes[header + length..]))
}

/// Checks the server's certificate against `name` whatever host the URL names.
#[derive(Debug)]
struct Renamed {
    name: ServerName<'static>,
    inner: rustls_platform_verifier::Verifier,
}

impl ServerCertVerifier for Renamed {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner
            .verify_server_cert(end_entity, intermediates, &self.name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// `insecure_skip_verify`: any certificate, by anyone, for any name. The
/// handshake's signatures are still checked, so the connection is at least to
/// whoever holds that certificate's key.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
