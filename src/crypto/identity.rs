//! The installation's long-term identity: an X25519 Noise static keypair, a P-256 key
//! with its self-signed certificate (TLS), and an Ed25519 secret key (iroh endpoint id).

use super::fingerprint::{Fingerprint, HostIdentity};
use super::noise::NOISE_PARAMS;
use serde::{Deserialize, Serialize};

/// Name the self-signed certificate is issued for; the pin, not the name, is checked.
pub const CERT_NAME: &str = "severus.invalid";

/// Why an identity could not be created or loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    #[error("could not generate keys: {0}")]
    Generate(String),
    #[error("the stored identity is damaged: {0}")]
    Corrupt(String),
}

/// Everything secret about this installation. Serialized whole into the key store.
#[derive(Clone, Serialize, Deserialize)]
pub struct Identity {
    /// X25519 private key for Noise.
    pub noise_private: [u8; 32],
    /// X25519 public key for Noise (derived, kept to avoid recomputing).
    pub noise_public: [u8; 32],
    /// P-256 private key (PKCS#8 PEM) that signs TLS handshakes.
    pub tls_key_pem: String,
    /// Self-signed certificate (DER) for `tls_key_pem`; public.
    #[serde(with = "serde_bytes")]
    pub tls_cert_der: Vec<u8>,
    /// Ed25519 secret key for the iroh endpoint: its public half is the endpoint id.
    pub iroh_secret: [u8; 32],
    /// MLS signature key (Ed25519, openmls' encoding, private half inside): signs our
    /// group credentials. Empty in identities saved before it existed (then added).
    #[serde(default, with = "serde_bytes")]
    pub mls_signature: Vec<u8>,
    /// Key that encrypts what we keep on disk about hosts (group secrets, cursors).
    #[serde(default)]
    pub storage_key: [u8; 32],
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// Generates a fresh identity.
    pub fn generate() -> Result<Self, IdentityError> {
        let builder = snow::Builder::new(
            NOISE_PARAMS
                .parse()
                .map_err(|e: snow::Error| IdentityError::Generate(e.to_string()))?,
        );
        let kp = builder
            .generate_keypair()
            .map_err(|e| IdentityError::Generate(e.to_string()))?;
        let noise_private = to_array(&kp.private)?;
        let noise_public = to_array(&kp.public)?;

        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(|e| IdentityError::Generate(e.to_string()))?;
        let tls_cert_der = self_signed(&key)?;

        let mut iroh_secret = [0u8; 32];
        rand::Rng::fill(&mut rand::rng(), &mut iroh_secret);

        let mut id = Identity {
            noise_private,
            noise_public,
            tls_key_pem: key.serialize_pem(),
            tls_cert_der,
            iroh_secret,
            mls_signature: vec![],
            storage_key: [0; 32],
        };
        id.complete()?;
        Ok(id)
    }

    /// Adds the keys an identity saved by an older version lacks. True if it changed
    /// (the caller saves it again).
    pub fn complete(&mut self) -> Result<bool, IdentityError> {
        let mut changed = false;
        if self.mls_signature.is_empty() {
            self.mls_signature =
                crate::group::new_signature_key().map_err(|e| IdentityError::Generate(e.to_string()))?;
            changed = true;
        }
        if self.storage_key == [0; 32] {
            rand::Rng::fill(&mut rand::rng(), &mut self.storage_key);
            changed = true;
        }
        Ok(changed)
    }

    /// The public half of the MLS signature key.
    pub fn mls_public(&self) -> Vec<u8> {
        crate::group::signature_public(&self.mls_signature).unwrap_or_default()
    }

    /// Checks that the parts fit together (key lengths, PEM parses) after loading.
    pub fn validate(&self) -> Result<(), IdentityError> {
        rcgen::KeyPair::from_pem(&self.tls_key_pem).map_err(|e| IdentityError::Corrupt(format!("TLS key: {e}")))?;
        if self.tls_cert_der.is_empty() {
            return Err(IdentityError::Corrupt("empty certificate".into()));
        }
        if !self.mls_signature.is_empty() && crate::group::signature_public(&self.mls_signature).is_none() {
            return Err(IdentityError::Corrupt("MLS signature key".into()));
        }
        Ok(())
    }

    /// What this identity presents to clients.
    pub fn host_identity(&self) -> HostIdentity {
        HostIdentity::new(&self.tls_cert_der, self.noise_public)
    }

    /// The fingerprint shown for this installation.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(&self.tls_cert_der, &self.noise_public)
    }
}

fn self_signed(key: &rcgen::KeyPair) -> Result<Vec<u8>, IdentityError> {
    let params = rcgen::CertificateParams::new(vec![CERT_NAME.to_string()])
        .map_err(|e| IdentityError::Generate(e.to_string()))?;
    let cert = params
        .self_signed(key)
        .map_err(|e| IdentityError::Generate(e.to_string()))?;
    Ok(cert.der().to_vec())
}

fn to_array(bytes: &[u8]) -> Result<[u8; 32], IdentityError> {
    bytes
        .try_into()
        .map_err(|_| IdentityError::Generate(format!("key of {} bytes", bytes.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_identities_are_distinct_and_valid() {
        let a = Identity::generate().unwrap();
        let b = Identity::generate().unwrap();
        a.validate().unwrap();
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.noise_private, b.noise_private);
        assert_ne!(a.iroh_secret, b.iroh_secret);
        assert_eq!(a.host_identity().fingerprint, a.fingerprint());
    }

    #[test]
    fn debug_never_prints_secrets() {
        let a = Identity::generate().unwrap();
        let dbg = format!("{a:?}");
        assert!(!dbg.contains("PRIVATE KEY"));
        assert!(!dbg.contains(&format!("{:?}", a.noise_private)));
    }

    #[test]
    fn corrupt_pem_is_reported() {
        let mut a = Identity::generate().unwrap();
        a.tls_key_pem = "garbage".into();
        assert!(matches!(a.validate(), Err(IdentityError::Corrupt(_))));
    }
}
