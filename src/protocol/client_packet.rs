//! `ClientPacket`: what a client sends to its host. Nothing in it says who the client
//! is (the host knows from the link); every request carries an `id` the host answers.

use super::types::{Conv, Resume};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use uuid::Uuid;

/// One packet from a client. Each request (every variant but `Ping`, `Pong` and `Part`)
/// carries a client-chosen `id`; the host answers it with `Ack { id }`,
/// `Refused { id, reason }`, or for `Register`, `Welcome { id }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientPacket {
    /// First request after the handshake: take `name` (bound to this link's Noise key).
    /// `resume` continues a session after a drop or an app restart. `secret` is the
    /// join secret of an invite, which an invite-only host requires.
    Register {
        id: Uuid,
        name: String,
        resume: Option<Resume>,
        secret: Option<ByteBuf>,
    },
    /// An MLS message for a conversation's group (end to end encrypted; the host reads
    /// only its framing): an application message, a commit, or a Welcome. A commit or a
    /// Welcome comes with the group's new GroupInfo. A Welcome that starts a new group
    /// for a conversation that has one names the group it `replaces`.
    Mls {
        id: Uuid,
        conv: Conv,
        #[serde(with = "serde_bytes")]
        message: Vec<u8>,
        group_info: Option<ByteBuf>,
        replaces: Option<ByteBuf>,
    },
    /// An ephemeral MLS application message for `conv` (a receipt, typing): relayed
    /// to the members online now, never logged, never acknowledged.
    Signal {
        conv: Conv,
        #[serde(with = "serde_bytes")]
        message: Vec<u8>,
    },
    /// Key packages of ours (MLS), so others can start a group with us.
    KeyPackages {
        id: Uuid,
        packages: Vec<ByteBuf>,
    },
    /// Asks for one key package of member `name` (answered with `KeyPackage`).
    FetchKeyPackage {
        id: Uuid,
        name: String,
    },
    /// Tells the host a conversation's group (its current GroupInfo): the first member
    /// of an empty conversation, or one coming back to a restarted host, does this.
    /// Accepted if the host knows no group for it (the first wins) or the same group.
    GroupInfo {
        id: Uuid,
        conv: Conv,
        info: ByteBuf,
    },
    /// Asks for a conversation's latest GroupInfo, to join by external commit
    /// (answered with `GroupInfo`).
    FetchGroupInfo {
        id: Uuid,
        conv: Conv,
    },
    /// Create a room (the creator joins it).
    RoomCreate {
        id: Uuid,
        name: String,
    },
    /// Join a room by id or name; with `create`, a missing room of that name is made.
    /// `since`: rejoining after a drop or a host restart, the last sequence number seen
    /// in it (0 after a restart); None for a newcomer, who gets live traffic only.
    RoomJoin {
        id: Uuid,
        room: String,
        create: bool,
        since: Option<u64>,
    },
    /// Leave a room.
    RoomLeave {
        id: Uuid,
        room: Uuid,
    },
    /// Ask for the room list (answered with `Rooms`, then `Ack`).
    RoomList {
        id: Uuid,
    },
    /// Opens a file transfer to `conv` before its offer goes out: `size` bytes in
    /// `chunks` chunks. The host refuses one over its cap (nothing moves then).
    FileOpen {
        id: Uuid,
        transfer: Uuid,
        conv: Conv,
        size: u64,
        chunks: u32,
    },
    /// A receiver asks for chunks `from .. from + count` of `transfer` (not a request:
    /// answered by `file_chunk`s, or `file_gone`).
    FileWant {
        transfer: Uuid,
        from: u32,
        count: u32,
    },
    /// The sender's chunk `index` of `transfer`, sealed with the file's key.
    FileChunk {
        transfer: Uuid,
        index: u32,
        #[serde(with = "serde_bytes")]
        data: Vec<u8>,
    },
    /// The sender ends a transfer (cancelled, or quitting): its receivers are told.
    FileClose {
        id: Uuid,
        transfer: Uuid,
    },
    /// A clean quit: leave at once (no grace period), then the host closes the link.
    Bye {
        id: Uuid,
    },
    /// Liveness and latency: the answer echoes the timestamp (ms since the epoch).
    Ping {
        timestamp: u64,
    },
    Pong {
        timestamp: u64,
    },
    /// One piece of a packet too large for one frame (see `protocol::parts`).
    Part {
        index: u32,
        total: u32,
        #[serde(with = "serde_bytes")]
        bytes: Vec<u8>,
    },
}

impl ClientPacket {
    /// The request id this packet carries, if it is a request.
    pub fn request_id(&self) -> Option<Uuid> {
        match self {
            ClientPacket::Register { id, .. }
            | ClientPacket::Mls { id, .. }
            | ClientPacket::GroupInfo { id, .. }
            | ClientPacket::FetchGroupInfo { id, .. }
            | ClientPacket::KeyPackages { id, .. }
            | ClientPacket::FetchKeyPackage { id, .. }
            | ClientPacket::RoomCreate { id, .. }
            | ClientPacket::RoomJoin { id, .. }
            | ClientPacket::RoomLeave { id, .. }
            | ClientPacket::RoomList { id }
            | ClientPacket::FileOpen { id, .. }
            | ClientPacket::FileClose { id, .. }
            | ClientPacket::Bye { id } => Some(*id),
            ClientPacket::Ping { .. }
            | ClientPacket::Pong { .. }
            | ClientPacket::Part { .. }
            | ClientPacket::FileWant { .. }
            | ClientPacket::FileChunk { .. }
            | ClientPacket::Signal { .. } => None,
        }
    }
}
