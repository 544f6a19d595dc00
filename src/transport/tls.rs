//! TLS 1.3 only, ring provider. The host serves its persisted self-signed certificate;
//! the client checks handshake signatures for real and leaves the pin to the session.

use crate::crypto::Identity;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::{Arc, Mutex, OnceLock};

/// Label of the TLS exporter value that binds Noise to this TLS session.
pub const EXPORTER_LABEL: &[u8] = b"EXPORTER-severus-noise-binding";

/// Server name the client sends; the certificate is pinned, its names are not checked.
pub const SERVER_NAME: &str = crate::crypto::identity::CERT_NAME;

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsSetupError {
    #[error("TLS key: {0}")]
    Key(String),
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// The one crypto provider (ring) used everywhere.
pub fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// Server configurations kept built, one per host identity: a process runs one host,
/// tests and benches a few at once (with one kept, two alternating hosts rebuilt theirs
/// on every accept).
pub const SERVER_CONFIGS_KEPT: usize = 4;

/// The host's TLS configuration: its certificate, TLS 1.3 only. Built once per identity
/// and reused (parsing the key for every connection was the largest part of accept).
pub fn server_config(identity: &Identity) -> Result<Arc<rustls::ServerConfig>, TlsSetupError> {
    static KEPT: Mutex<ConfigCache> = Mutex::new(ConfigCache(Vec::new()));
    KEPT.lock().unwrap_or_else(|p| p.into_inner()).get(identity)
}

/// Built configurations by identity (the SHA-256 of its certificate and key), the
/// oldest dropped past `SERVER_CONFIGS_KEPT`.
struct ConfigCache(Vec<([u8; 32], Arc<rustls::ServerConfig>)>);

impl ConfigCache {
    fn get(&mut self, identity: &Identity) -> Result<Arc<rustls::ServerConfig>, TlsSetupError> {
        let mut id = identity.tls_cert_der.clone();
        id.extend_from_slice(identity.tls_key_pem.as_bytes());
        let key = crate::crypto::sha256(&id);
        if let Some((_, cfg)) = self.0.iter().find(|(k, _)| *k == key) {
            return Ok(cfg.clone());
        }
        let cfg = build_server_config(identity)?;
        if self.0.len() >= SERVER_CONFIGS_KEPT {
            self.0.remove(0);
        }
        self.0.push((key, cfg.clone()));
        Ok(cfg)
    }
}

fn build_server_config(identity: &Identity) -> Result<Arc<rustls::ServerConfig>, TlsSetupError> {
    let key = rcgen::KeyPair::from_pem(&identity.tls_key_pem).map_err(|e| TlsSetupError::Key(e.to_string()))?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let cert = CertificateDer::from(identity.tls_cert_der.clone());
    let cfg = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)?;
    Ok(Arc::new(cfg))
}

/// The client's TLS configuration: TLS 1.3 only, [`PinningVerifier`].
pub fn client_config() -> Result<Arc<rustls::ClientConfig>, TlsSetupError> {
    static CLIENT: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    if let Some(c) = CLIENT.get() {
        return Ok(c.clone());
    }
    let cfg = build_client_config()?;
    Ok(CLIENT.get_or_init(|| cfg).clone())
}

fn build_client_config() -> Result<Arc<rustls::ClientConfig>, TlsSetupError> {
    let provider = provider();
    let cfg = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinningVerifier { provider }))
        .with_no_client_auth();
    Ok(Arc::new(cfg))
}

/// Accepts any self-signed certificate for the handshake, because the pin decides
/// (the session compares the certificate's SHA-256 with known_hosts after Noise message
/// 2, so a mismatch can show both fingerprints). It DOES check the handshake signatures
/// with the provider's algorithms: a server replaying a certificate without its private
/// key fails here. (The original Severus skipped exactly this check.)
#[derive(Debug)]
pub struct PinningVerifier {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if !intermediates.is_empty() {
            return Err(rustls::Error::General("unexpected certificate chain".into()));
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configs_of_alternating_hosts_are_built_once_each() {
        let ids: Vec<Identity> = (0..=SERVER_CONFIGS_KEPT)
            .map(|_| Identity::generate().unwrap())
            .collect();
        let mut cache = ConfigCache(Vec::new());
        let a = cache.get(&ids[0]).unwrap();
        let b = cache.get(&ids[1]).unwrap();
        for _ in 0..3 {
            assert!(Arc::ptr_eq(&a, &cache.get(&ids[0]).unwrap()));
            assert!(Arc::ptr_eq(&b, &cache.get(&ids[1]).unwrap()));
        }
        // One more than are kept: the oldest (ids[0]) is built again.
        for id in &ids[1..] {
            cache.get(id).unwrap();
        }
        assert_eq!(cache.0.len(), SERVER_CONFIGS_KEPT);
        assert!(!Arc::ptr_eq(&a, &cache.get(&ids[0]).unwrap()));
    }
}
