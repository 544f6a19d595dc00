//! One secure link: TLS 1.3 -> WebSocket -> Noise XX -> CBOR `Packet`s over any byte
//! stream, with the trust decision taken between Noise messages 2 and 3.

pub mod error;
pub mod handshake;
pub mod link;
pub mod verify;

pub use error::SessionError;
pub use handshake::{
    MemoryVerifier, Session, accept, accept_with_timeout, connect, connect_with_timeout,
};
pub use link::{SessionReader, SessionWriter};
pub use verify::{HostVerifier, TrustState, VerifierError};
