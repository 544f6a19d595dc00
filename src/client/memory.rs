//! What a client remembers of a host between app runs, to resume within the grace
//! period as if it had only lost the link: the incarnation, cursors and rooms.

use crate::protocol::Cursor;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A client's memory of one host (for one name). Stored by `trust::sessions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Memory {
    /// The host incarnation the cursors belong to.
    pub incarnation: Option<Uuid>,
    /// The last sequence number seen per conversation.
    pub cursors: Vec<Cursor>,
    /// Rooms we were in (name, id), to rejoin.
    pub rooms: Vec<(String, Uuid)>,
    /// Our MLS groups (secrets inside: the file is encrypted at rest).
    pub groups: Option<serde_bytes::ByteBuf>,
    /// The keys (Noise, MLS signature) seen under each name on this host.
    #[serde(default)]
    pub keys: Vec<(String, serde_bytes::ByteBuf, serde_bytes::ByteBuf)>,
}
