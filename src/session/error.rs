//! Every way a session can fail, each with words a user understands.

use crate::crypto::noise::NoiseError;
use crate::crypto::{Fingerprint, HostIdentity};
use crate::protocol::DecodeError;
use std::time::Duration;

/// Why a handshake or an established session failed. Every failure closes the link.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    #[error("the secure handshake did not finish within {after:?}")]
    Timeout { after: Duration },
    #[error("the host could not prove it holds its certificate's private key: someone may be impersonating it")]
    TlsSignature,
    #[error("secure connection (TLS) failed: {0}")]
    Tls(String),
    #[error("data on the secure connection failed its integrity check: it was damaged or altered on the way")]
    TlsDamaged,
    #[error("WebSocket error: {0}")]
    WebSocket(String),
    #[error("the encryption handshake failed (the connection may have been tampered with): {0}")]
    Noise(String),
    #[error(
        "version mismatch: the other side speaks protocol version {theirs}, this app speaks {ours}; update the older one"
    )]
    Version { ours: u16, theirs: u16 },
    #[error("received a malformed packet: {0}")]
    Decode(#[from] DecodeError),
    #[error("packet of {len} bytes is over the {max}-byte limit")]
    Oversize { len: usize, max: usize },
    #[error("the other side sent something unexpected: {0}")]
    Protocol(String),
    #[error("the connection was closed")]
    Closed,
    #[error("the other side closed the connection ({code}): {reason}")]
    ClosedWith { code: u16, reason: String },
    #[error("no sign of life for {}s", after.as_secs())]
    Idle { after: Duration },
    #[error("the other side stopped taking our data (nothing moved for {after:?})")]
    WriteStalled { after: Duration },
    #[error("the other side sent a WebSocket text message, which is not part of the protocol")]
    TextFrame,
    #[error("first contact with {host}: its fingerprint is {}", identity.fingerprint)]
    NeedsTrust { host: String, identity: HostIdentity },
    #[error(
        "HOST IDENTITY CHANGED for {host}: it was {old}, now it is {new}. This may be an attack. If the host really reset its keys, run `severus forget {host}` and connect again"
    )]
    IdentityChanged {
        host: String,
        old: Fingerprint,
        new: Fingerprint,
    },
    #[error("the host is not the one the invite names (its fingerprint is {presented}, the invite says {expected})")]
    InviteMismatch {
        expected: Fingerprint,
        presented: Fingerprint,
    },
    #[error("trust store: {0}")]
    Verifier(String),
    #[error("network error: {0}")]
    Io(#[from] std::io::Error),
}

impl From<NoiseError> for SessionError {
    fn from(e: NoiseError) -> Self {
        match e {
            NoiseError::Version { ours, theirs } => SessionError::Version { ours, theirs },
            other => SessionError::Noise(other.to_string()),
        }
    }
}

impl From<tokio_tungstenite::tungstenite::Error> for SessionError {
    fn from(e: tokio_tungstenite::tungstenite::Error) -> Self {
        use tokio_tungstenite::tungstenite::Error as E;
        use tokio_tungstenite::tungstenite::error::CapacityError;
        match e {
            E::ConnectionClosed | E::AlreadyClosed => SessionError::Closed,
            E::Capacity(CapacityError::MessageTooLong { size, max_size }) => SessionError::Oversize {
                len: size,
                max: max_size,
            },
            E::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => SessionError::Closed,
            E::Io(io) => tls_or_io(io),
            // A host that did not accept our subprotocol speaks protocol 1 (which had none).
            E::Protocol(tokio_tungstenite::tungstenite::error::ProtocolError::SecWebSocketSubProtocolError(_)) => {
                SessionError::Version {
                    ours: crate::protocol::PROTOCOL_VERSION,
                    theirs: 1,
                }
            }
            other => SessionError::WebSocket(other.to_string()),
        }
    }
}

/// Maps an I/O error from the TLS layer to what it means for the user.
pub(crate) fn tls_or_io(e: std::io::Error) -> SessionError {
    if let Some(tls) = e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        return match tls {
            rustls::Error::InvalidCertificate(rustls::CertificateError::BadSignature) => SessionError::TlsSignature,
            // A record that does not open is damage or tampering on the way, not proof of
            // an impostor (the certificate's signature is checked above).
            rustls::Error::DecryptError => SessionError::TlsDamaged,
            other => SessionError::Tls(other.to_string()),
        };
    }
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset => SessionError::Closed,
        std::io::ErrorKind::InvalidData => SessionError::Tls(e.to_string()),
        _ => SessionError::Io(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io(e: rustls::Error) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, e)
    }

    #[test]
    fn tls_failures_say_what_they_are() {
        let bad_signature = rustls::Error::InvalidCertificate(rustls::CertificateError::BadSignature);
        assert!(matches!(tls_or_io(io(bad_signature)), SessionError::TlsSignature));
        // A corrupted record is not called an impersonation.
        let damaged = tls_or_io(io(rustls::Error::DecryptError));
        assert!(matches!(damaged, SessionError::TlsDamaged));
        assert!(!damaged.to_string().contains("impersonat"), "{damaged}");
        let misbehaved = tls_or_io(io(rustls::Error::PeerMisbehaved(
            rustls::PeerMisbehaved::TooManyEmptyFragments,
        )));
        assert!(matches!(misbehaved, SessionError::Tls(_)), "{misbehaved}");
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(matches!(tls_or_io(reset), SessionError::Closed));
    }
}
