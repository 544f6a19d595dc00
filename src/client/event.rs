//! `Event`: everything the service reports to the UI and the CLI, as plain data.

use crate::crypto::{Fingerprint, HostIdentity};
use crate::host::StatsSnapshot;
use crate::protocol::{RoomInfo, UserInfo};
use std::net::SocketAddr;
use uuid::Uuid;

/// One thing that happened, for people to see.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// This app now hosts: its direct address and/or ticket, and its fingerprint.
    HostingStarted {
        direct: Option<SocketAddr>,
        ticket: Option<String>,
        fingerprint: Fingerprint,
    },
    /// Hosting could not start (e.g. the port is in use).
    HostFailed {
        reason: String,
    },
    HostStopped,
    /// A connection attempt started.
    Connecting {
        target: String,
    },
    /// Registered on the host as `me`.
    Connected {
        me: UserInfo,
        host: String,
    },
    /// First contact: the user must compare and trust this fingerprint.
    NeedsTrust {
        host: String,
        identity: HostIdentity,
    },
    /// The pinned identity changed: a hard stop.
    IdentityChanged {
        host: String,
        old: Fingerprint,
        new: Fingerprint,
    },
    /// The connection attempt failed.
    ConnectFailed {
        reason: String,
    },
    /// The host refused the name.
    RegistrationRefused {
        reason: String,
    },
    /// A room or lobby message (`own` when we sent it: the host's echo).
    Message {
        id: Uuid,
        room_id: Option<Uuid>,
        room_name: String,
        from: UserInfo,
        body: String,
        own: bool,
    },
    /// A direct message to us.
    Dm {
        id: Uuid,
        from: UserInfo,
        body: String,
    },
    /// The host accepted our direct message.
    DmSent {
        id: Uuid,
        to: String,
        body: String,
    },
    /// An informational line from the host.
    System {
        text: String,
    },
    /// Someone joined the lobby (room None) or a room we are in.
    Joined {
        name: String,
        room: Option<String>,
    },
    Left {
        name: String,
        room: Option<String>,
    },
    /// The member list changed.
    Users {
        users: Vec<UserInfo>,
    },
    /// The room list changed.
    Rooms {
        rooms: Vec<RoomInfo>,
    },
    /// We are now in this room (created or joined).
    RoomJoined {
        room_id: Uuid,
        name: String,
        members: Vec<UserInfo>,
    },
    /// The members of a room we are in changed.
    RoomMembers {
        room_id: Uuid,
        members: Vec<UserInfo>,
    },
    /// We left this room.
    RoomLeft {
        room_id: Uuid,
        name: String,
    },
    /// A message or DM of ours is on its way (`to` None: room or lobby `room_id`).
    Queued {
        id: Uuid,
        room_id: Option<Uuid>,
        to: Option<String>,
        text: String,
    },
    /// A request we sent was accepted.
    Acked {
        id: Uuid,
    },
    /// A request we sent was refused or could not be delivered; `text` is what we typed.
    Failed {
        id: Uuid,
        reason: String,
        text: Option<String>,
    },
    /// The iroh path to the host: direct or through a relay.
    Path {
        kind: crate::transport::iroh::PathKind,
    },
    /// Round trip to the host.
    Latency {
        ms: u64,
    },
    /// Host traffic counters (hosting only), about once a second.
    Stats(StatsSnapshot),
    /// Something went wrong that is not tied to one request.
    Error {
        message: String,
    },
    /// Every pending request was answered after a drain (end of input).
    Drained,
    /// The link dropped; trying again (attempt counts from 1) after `delay_ms`.
    Reconnecting {
        attempt: u32,
        delay_ms: u64,
    },
    /// Back: registered again, rooms rejoined, unacknowledged requests resent.
    Reconnected,
    /// The link to the host is gone.
    Disconnected {
        reason: Option<String>,
    },
}
