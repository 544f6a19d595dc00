//! End-to-end encryption between members: MLS (RFC 9420, openmls) groups, one per
//! conversation, plain data plus library calls (no I/O). `framing` is the host's view.

pub mod content;
pub mod credential;
pub mod error;
pub mod framing;
pub mod groups;
mod provider;

pub use content::{Content, ContentBody, FileOffer};
pub use credential::{MemberId, Rostered};
pub use error::GroupError;
pub use groups::{
    CIPHERSUITE, Created, Groups, HOST_CREDENTIAL, Incoming, MAX_PAST_EPOCHS, new_signature_key, signature_public,
};

/// Largest saved group state we read back (a 256-member group's state is under 1 MiB).
pub const MAX_STATE_BYTES: usize = 16 * 1024 * 1024;
