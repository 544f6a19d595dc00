//! What travels inside an MLS application message: one `Content`, CBOR-encoded. The
//! host never sees it; its id is the request id the sender posted it with.

use crate::protocol::{decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One end-to-end encrypted payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Content {
    /// Also the post's request id: duplicates (resends) are recognised by it.
    pub id: Uuid,
    pub body: ContentBody,
}

/// The kinds of content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ContentBody {
    /// A chat message.
    Text { body: String },
    /// A file offered to the conversation: what it is and how to open its chunks.
    File(FileOffer),
    /// Ephemeral: everything up to `delivered` has reached this device, everything
    /// up to `read` was on screen (sequence numbers of the conversation's log).
    Receipt { delivered: u64, read: u64 },
    /// Ephemeral: the sender is typing (`on`), or stopped.
    Typing { on: bool },
}

/// A file offer. The key never reaches the host: it travels only in here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileOffer {
    /// The transfer the host relays its chunks under.
    pub transfer: Uuid,
    /// What the sender calls it (hostile input to a receiver: see `client::filename`).
    pub name: String,
    pub size: u64,
    /// What the sender says it is (receivers sniff the bytes themselves).
    pub media_type: String,
    /// SHA-256 of the whole file, checked once every chunk is in.
    #[serde(with = "serde_bytes")]
    pub sha256: Vec<u8>,
    /// The file's ChaCha20-Poly1305 key (32 bytes).
    #[serde(with = "serde_bytes")]
    pub key: Vec<u8>,
}

impl Content {
    pub fn file(id: Uuid, offer: FileOffer) -> Self {
        Content {
            id,
            body: ContentBody::File(offer),
        }
    }

    pub fn text(id: Uuid, body: String) -> Self {
        Content {
            id,
            body: ContentBody::Text { body },
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        encode(self)
    }

    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        decode(b).ok()
    }
}
