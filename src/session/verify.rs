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
    /// We came by invite, and the host is not the one it names: a hard stop, nothing
    /// pinned.
    NotInvited {
        expected: Fingerprint,
        presented: Fingerprint,
    },
}

/// Answers for a connection made by invite: the invite's fingerprint is the
/// out-of-band check, so a matching host is pinned with no question, and any other
/// is refused. A host pinned before with other keys is still a changed identity.
pub struct InviteVerifier<'a> {
    pub inner: &'a dyn HostVerifier,
    pub expected: Fingerprint,
}

impl HostVerifier for InviteVerifier<'_> {
    fn check(&self, host: &str, presented: &HostIdentity) -> Result<TrustState, VerifierError> {
        if presented.fingerprint != self.expected {
            return Ok(TrustState::NotInvited {
                expected: self.expected,
                presented: presented.fingerprint,
            });
        }
        match self.inner.check(host, presented)? {
            TrustState::Unknown => {
                self.inner.trust(host, presented)?;
                Ok(TrustState::Trusted)
            }
            other => Ok(other),
        }
    }

    fn trust(&self, host: &str, presented: &HostIdentity) -> Result<(), VerifierError> {
        self.inner.trust(host, presented)
    }
}

/// Answers for a host reached by name (`chat.example.org:7000`): it is pinned under
/// the name, so a DNS change that points the name at other keys is a changed identity,
/// not a first contact. A pin under the address the name resolved to (made before
/// names were pinned, or by joining that address) counts too; a matching one is
/// copied to the name.
pub struct NamedVerifier<'a> {
    pub inner: &'a dyn HostVerifier,
    /// The resolved address's known_hosts name.
    pub address: String,
}

impl HostVerifier for NamedVerifier<'_> {
    fn check(&self, host: &str, presented: &HostIdentity) -> Result<TrustState, VerifierError> {
        match self.inner.check(host, presented)? {
            TrustState::Unknown => match self.inner.check(&self.address, presented)? {
                TrustState::Trusted => {
                    self.inner.trust(host, presented)?;
                    Ok(TrustState::Trusted)
                }
                other => Ok(other),
            },
            other => Ok(other),
        }
    }

    fn trust(&self, host: &str, presented: &HostIdentity) -> Result<(), VerifierError> {
        self.inner.trust(host, presented)
    }
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
    /// Removes the pin of `host` (the user was told the host reset its keys); true if
    /// there was one. A verifier without storage has nothing to forget.
    fn forget(&self, host: &str) -> Result<bool, VerifierError> {
        let _ = host;
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::MemoryVerifier;

    fn id(n: u8) -> HostIdentity {
        HostIdentity::new(&[n; 64], [n; 32])
    }

    #[test]
    fn a_name_is_pinned_as_typed_and_an_old_pin_of_its_address_counts() {
        let pins = MemoryVerifier::default();
        pins.trust("127.0.0.1:7000", &id(1)).unwrap();
        let named = NamedVerifier {
            inner: &pins,
            address: "127.0.0.1:7000".into(),
        };
        // Pinned under the address before: trusted without a question, and copied.
        assert_eq!(named.check("chat.example:7000", &id(1)).unwrap(), TrustState::Trusted);
        assert_eq!(pins.check("chat.example:7000", &id(1)).unwrap(), TrustState::Trusted);
        // Other keys at that address are a change, not a first contact.
        assert!(matches!(
            named.check("other.example:7000", &id(2)),
            Ok(TrustState::Changed { .. })
        ));

        // The name now resolves somewhere new, where other keys answer: a change.
        let moved = NamedVerifier {
            inner: &pins,
            address: "10.9.8.7:7000".into(),
        };
        assert!(matches!(
            moved.check("chat.example:7000", &id(3)),
            Ok(TrustState::Changed { .. })
        ));
        // The same keys at the new address: still the same host.
        assert_eq!(moved.check("chat.example:7000", &id(1)).unwrap(), TrustState::Trusted);
        // Neither known: a first contact.
        assert_eq!(moved.check("new.example:7000", &id(4)).unwrap(), TrustState::Unknown);
    }
}
