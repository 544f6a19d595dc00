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
}

impl Content {
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
