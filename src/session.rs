//! One secure link: TLS 1.3 -> WebSocket -> Noise XX -> CBOR `Packet`s over any byte
//! stream, with the trust decision taken between Noise messages 2 and 3.

pub mod channel;
pub mod error;
pub mod handshake;
pub mod link;
pub mod verify;

pub use channel::Link;
pub use error::SessionError;
pub use handshake::{
    MemoryVerifier, Session, accept, accept_as_version, accept_with_timeout, connect, connect_as_version,
    connect_with_timeout,
};
pub use link::{SessionReader, SessionWriter};
pub use verify::{HostVerifier, InviteVerifier, NamedVerifier, TrustState, VerifierError};

/// Milliseconds since the Unix epoch (ping timestamps).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
