//! Keys and the pure cryptographic steps: the installation's identity, fingerprints,
//! and the Noise handshake state machine. No I/O: storage lives in `trust/`.

pub mod fingerprint;
pub mod identity;
pub mod noise;

pub use fingerprint::{Fingerprint, HostIdentity, sha256};
pub use identity::{Identity, IdentityError};
