//! Fingerprints: SHA-256 over (TLS certificate DER || Noise static public key), shown as
//! 16 groups of 4 lowercase hex digits. The same string on every screen.

use sha2::{Digest, Sha256};
use std::fmt;

/// SHA-256 of some bytes.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// A host identity's fingerprint.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// Fingerprint of a TLS certificate (DER) and a Noise static public key.
    pub fn of(cert_der: &[u8], noise_static: &[u8; 32]) -> Self {
        let mut h = Sha256::new();
        h.update(cert_der);
        h.update(noise_static);
        Fingerprint(h.finalize().into())
    }

    /// Parses the grouped form (spaces optional).
    pub fn parse(s: &str) -> Option<Self> {
        let hex: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = hex::decode(hex).ok()?;
        Some(Fingerprint(bytes.try_into().ok()?))
    }

    /// The 16 groups of 4 hex digits, as a list (the UI lays them out in a grid).
    pub fn groups(&self) -> Vec<String> {
        let hex = hex::encode(self.0);
        hex.as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect()
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.groups().join(" "))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// What a host presented during a handshake: enough to pin it and to show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostIdentity {
    /// SHA-256 of the TLS certificate (DER) the host served.
    pub cert_sha256: [u8; 32],
    /// The host's Noise static public key.
    pub noise_static: [u8; 32],
    /// Fingerprint over the certificate DER and the Noise key.
    pub fingerprint: Fingerprint,
}

impl HostIdentity {
    /// Builds the identity from the certificate DER and the Noise static key.
    pub fn new(cert_der: &[u8], noise_static: [u8; 32]) -> Self {
        HostIdentity {
            cert_sha256: sha256(cert_der),
            noise_static,
            fingerprint: Fingerprint::of(cert_der, &noise_static),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_is_16_groups_of_4_lowercase_hex() {
        let fp = Fingerprint::of(b"cert", &[7u8; 32]);
        let s = fp.to_string();
        let groups: Vec<&str> = s.split(' ').collect();
        assert_eq!(groups.len(), 16);
        assert!(
            groups
                .iter()
                .all(|g| { g.len() == 4 && g.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()) })
        );
        assert_eq!(s.len(), 16 * 4 + 15);
        assert_eq!(Fingerprint::parse(&s), Some(fp));
    }

    #[test]
    fn fingerprint_is_sha256_of_cert_then_noise_key() {
        let mut both = b"cert".to_vec();
        both.extend_from_slice(&[7u8; 32]);
        assert_eq!(Fingerprint::of(b"cert", &[7u8; 32]).0, sha256(&both));
        assert_ne!(
            Fingerprint::of(b"cert", &[7u8; 32]),
            Fingerprint::of(b"cert", &[8u8; 32])
        );
    }

    #[test]
    fn parse_refuses_wrong_lengths() {
        assert_eq!(Fingerprint::parse("abcd"), None);
        assert_eq!(Fingerprint::parse("zz"), None);
    }
}
