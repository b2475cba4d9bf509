//! The one TLS policy of every connection manabi makes or accepts (the
//! built-in HTTPS server, SMTP to the mail server): the CRYPTREC list —
//! TLS 1.2/1.3, AES-GCM cipher suites, ECDHE on P-256/P-384.

use rustls::crypto::CryptoProvider;
use rustls::crypto::ring::{cipher_suite as suite, default_provider, kx_group};

/// rustls (ring) limited to the CRYPTREC suites and groups.
pub fn cryptrec_provider() -> CryptoProvider {
    CryptoProvider {
        cipher_suites: vec![
            suite::TLS13_AES_256_GCM_SHA384,
            suite::TLS13_AES_128_GCM_SHA256,
            suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ],
        kx_groups: vec![kx_group::SECP256R1, kx_group::SECP384R1],
        ..default_provider()
    }
}

/// Makes [`cryptrec_provider`] the process's default (for libraries that
/// take the default, as the SMTP client does); the first caller wins.
pub fn install_default() {
    // Err: a provider is installed already (by an earlier call).
    let _ = cryptrec_provider().install_default();
}

/// A TLS server configuration from PEM files: the certificate chain and its
/// private key, TLS 1.2/1.3 only, HTTP/1.1.
pub fn server_config(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<rustls::ServerConfig, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(Iterator::collect)
        .map_err(|e| format!("http.tls_cert {}: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!(
            "http.tls_cert {}: no certificate in it",
            cert.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("http.tls_key {}: {e}", key.display()))?;
    let mut config =
        rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(cryptrec_provider()))
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| format!("TLS: {e}"))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| format!("http.tls_cert/http.tls_key: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}
