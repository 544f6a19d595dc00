//! The trust question the session asks during a handshake: is this the host we know?
//! `trust/` answers it from known_hosts; tests may answer it in memory.

use crate::crypto::{Fingerprint, HostIdentity};

/// What the verifier says about the identity a host presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustState {
    /// Never seen: the user must be asked.
    Unknown,
    /// Pinned, and it matches.
    Trusted,
    /// Pinned, and it does NOT match: a hard stop until the user forgets the host.
    Changed { old: Fingerprint, new: Fingerprint },
}

/// Why the verifier could not answer (e.g. an unreadable known_hosts file).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct VerifierError(pub String);

/// Answers trust questions for the client side of a handshake.
pub trait HostVerifier: Send + Sync {
    /// Looks up `host` (canonical address or endpoint id) against what it presented.
    fn check(&self, host: &str, presented: &HostIdentity) -> Result<TrustState, VerifierError>;
    /// Pins `presented` for `host` after the user said Trust. Refuses to replace a
    /// different existing pin: that takes an explicit forget.
    fn trust(&self, host: &str, presented: &HostIdentity) -> Result<(), VerifierError>;
}
