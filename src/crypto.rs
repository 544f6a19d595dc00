//! Keys and the pure cryptographic steps: the installation's identity, fingerprints,
//! safety numbers and the Noise handshake state machine. No I/O: storage is `trust/`.

pub mod chunks;
pub mod fingerprint;
pub mod identity;
pub mod noise;
pub mod safety;
pub mod x25519;

pub use fingerprint::{Fingerprint, HostIdentity, sha256};
pub use identity::{Identity, IdentityError};
pub use safety::{MemberKeys, safety_number};
