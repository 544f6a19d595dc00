//! `HostPacket`: what a host sends to a member: answers to requests, the ordered
//! conversation log (entries, gap markers), presence, rooms, and keepalive.

use super::types::{Conv, Cursor, EntryBody, GroupState, Limits, RoomInfo, UserInfo};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use uuid::Uuid;

/// One packet from the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum HostPacket {
    /// Answers `Register { id }`: you are `name` on this host incarnation. `resumed`
    /// says the host continued your earlier session (rooms kept, log replayed).
    Welcome {
        id: Uuid,
        name: String,
        incarnation: Uuid,
        /// When this incarnation started, ms since the epoch.
        started_at: u64,
        resumed: bool,
        users: Vec<UserInfo>,
        rooms: Vec<RoomInfo>,
        /// Where delivery starts in each conversation you are in: the last sequence
        /// number the host counts as seen. Entries after it follow.
        cursors: Vec<Cursor>,
        /// Key packages of yours the host holds (top them up when low).
        key_packages: u32,
        /// The host's MLS signature public key: groups name it as their external
        /// sender, so it may propose removing members who left.
        #[serde(with = "serde_bytes")]
        host_key: Vec<u8>,
        /// The lobby's group as the host knows it (None: make one and tell the host).
        group: Option<GroupState>,
        limits: Limits,
    },
    /// The request `id` was carried out. For a `Post`: stored in the conversation
    /// log as `seq`, so every member of the conversation will get it or a gap marker.
    Ack {
        id: Uuid,
        seq: Option<u64>,
    },
    /// The request `id` was refused, with a reason for people.
    Refused {
        id: Uuid,
        reason: String,
    },
    /// One entry of a conversation's log, in order: `seq` counts from 1 per
    /// conversation and host incarnation, without gaps. `from` and `id` name the
    /// member who posted it and its request id (None for the host's own entries).
    Entry {
        conv: Conv,
        seq: u64,
        /// When the host stored it, ms since the epoch.
        at: u64,
        from: Option<String>,
        id: Option<Uuid>,
        body: EntryBody,
    },
    /// Answers `FetchKeyPackage { id }`: one key package of member `name`.
    KeyPackage {
        id: Uuid,
        name: String,
        #[serde(with = "serde_bytes")]
        package: Vec<u8>,
    },
    /// Answers `FetchGroupInfo { id }`: the latest GroupInfo of `conv`'s group.
    GroupInfo {
        id: Uuid,
        conv: Conv,
        info: ByteBuf,
    },
    /// The log no longer holds `count` entries after `after` in `conv`: they are
    /// skipped, and the next entry has `seq = after + count + 1`.
    Missed {
        conv: Conv,
        after: u64,
        count: u64,
    },
    /// A member's link dropped (`away`) or it came back.
    Presence {
        name: String,
        away: bool,
    },
    /// All rooms with their member counts (sent when they change).
    Rooms {
        rooms: Vec<RoomInfo>,
    },
    /// You are in this room; these are its members (on join and on resume), and `seq`
    /// is where delivery of its log starts for you (entries after it follow).
    RoomSync {
        room: Uuid,
        name: String,
        members: Vec<String>,
        seq: u64,
        /// The room's group as the host knows it (None: make one and tell the host).
        group: Option<GroupState>,
    },
    /// You are no longer in this room.
    RoomLeft {
        room: Uuid,
        name: String,
    },
    /// A member's ephemeral message in `conv` (receipts, typing), as it came: only to
    /// members online when it came.
    Signal {
        conv: Conv,
        from: String,
        #[serde(with = "serde_bytes")]
        message: Vec<u8>,
    },
    /// To a transfer's sender: receivers want these chunks of `transfer`.
    FileWanted {
        transfer: Uuid,
        indices: Vec<u32>,
    },
    /// To a receiver: chunk `index` of `transfer`, sealed by its sender.
    FileChunk {
        transfer: Uuid,
        index: u32,
        #[serde(with = "serde_bytes")]
        data: Vec<u8>,
    },
    /// To a receiver: `transfer` is over before it got everything (its sender left or
    /// cancelled, or the host no longer knows it).
    FileGone {
        transfer: Uuid,
        reason: String,
    },
    /// An informational line for the chat stream.
    Notice {
        message: String,
    },
    /// Something went wrong that is not tied to one request; the host closes the link
    /// after it when it says "disconnected".
    Error {
        message: String,
    },
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
