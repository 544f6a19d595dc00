//! `Event`: everything the service reports to the UI and the CLI, as plain data.

use crate::crypto::{Fingerprint, HostIdentity};
use crate::host::StatsSnapshot;
use crate::protocol::{Conv, RoomInfo, UserInfo};
use std::net::SocketAddr;
use uuid::Uuid;

/// One thing that happened, for people to see.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// This app now hosts: its direct address and/or ticket, and its fingerprint.
    /// The invite we came with is damaged, altered, or names another host: nothing was
    /// pinned. `reason` is for logs; people are told the invite does not match.
    InviteMismatch {
        reason: String,
    },
    HostingStarted {
        direct: Option<SocketAddr>,
        ticket: Option<String>,
        fingerprint: Fingerprint,
        /// The invite: how to reach this host and its fingerprint (and join secret).
        invite: String,
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
        me: String,
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
    /// A room or lobby message (`own` when we sent it and the host stored it).
    /// `at`: when the host stored it, ms since the epoch.
    Message {
        id: Uuid,
        room_id: Option<Uuid>,
        room_name: String,
        from: String,
        body: String,
        own: bool,
        at: u64,
    },
    /// A direct message to us.
    Dm {
        id: Uuid,
        from: String,
        body: String,
        at: u64,
    },
    /// The host stored our direct message.
    DmSent {
        id: Uuid,
        to: String,
        body: String,
        at: u64,
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
    /// A member's link dropped (`away`) or it came back.
    Presence {
        name: String,
        away: bool,
    },
    /// The host's log no longer held `count` entries of `conv` we had not seen.
    Missed {
        conv: Conv,
        /// "lobby", the room's name, or the other member's name for a DM.
        label: String,
        count: u64,
    },
    /// An end-to-end encrypted message in `label` (a DM partner or a room) could not
    /// be read (e.g. its group state was lost); a new group is started when possible.
    Undecryptable {
        conv: Conv,
        label: String,
        reason: String,
    },
    /// Our message `id` reached (`Delivered`) or was read by (`Read`) every other
    /// member of its conversation.
    Seen {
        id: Uuid,
        seen: Seen,
    },
    /// `from` is typing in `conv` (`on`), or stopped.
    Typing {
        conv: Conv,
        label: String,
        from: String,
        on: bool,
    },
    /// A file offered in a conversation (ours when `own`, once the host stored it).
    /// `Command::Download` fetches it.
    FileOffered {
        id: Uuid,
        conv: Conv,
        label: String,
        from: String,
        own: bool,
        offer: crate::group::FileOffer,
        at: u64,
    },
    /// A file moves: `done` of `total` bytes (sending: what receivers asked for).
    FileProgress {
        transfer: Uuid,
        name: String,
        done: u64,
        total: u64,
        sending: bool,
    },
    /// A received file is complete and checked, saved at `path`.
    FileSaved {
        transfer: Uuid,
        from: String,
        name: String,
        path: std::path::PathBuf,
    },
    /// A transfer failed (nothing is left under the file's name): one we sent
    /// (`sending`) or one coming to us.
    FileFailed {
        transfer: Uuid,
        name: String,
        reason: String,
        sending: bool,
    },
    /// The keys under this name changed (it left and someone registered the name
    /// again, or the host put other keys under it): compare safety numbers.
    KeysChanged {
        name: String,
    },
    /// The keys of a member you verified changed: a red warning, and their messages
    /// are marked until you verify them again.
    SafetyNumberChanged {
        name: String,
    },
    /// The safety number you share with `name` (asked with `Command::SafetyNumber`).
    SafetyNumber {
        name: String,
        number: Fingerprint,
        verified: bool,
    },
    /// You marked `name` verified (its current keys are remembered for this host).
    Verified {
        name: String,
    },
    /// The members verified on this host whose keys still match (told at connect).
    VerifiedMembers {
        names: Vec<String>,
    },
    /// The host restarted (a new incarnation started at `started_at`, ms since the
    /// epoch): what was sent to it before then and not seen is gone.
    HostRestarted {
        started_at: u64,
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
        members: Vec<String>,
    },
    /// The members of a room we are in changed.
    RoomMembers {
        room_id: Uuid,
        members: Vec<String>,
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
    /// Back: registered again (`resumed`: the host kept our place and replays what we
    /// missed), rooms rejoined, unacknowledged requests resent.
    Reconnected {
        resumed: bool,
    },
    /// The link to the host is gone.
    Disconnected {
        reason: Option<String>,
    },
}

/// A time (ms since the epoch) as the local HH:MM, for lines and markers.
pub fn clock(ms: u64) -> String {
    use chrono::TimeZone;
    match chrono::Local.timestamp_millis_opt(ms as i64) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t.format("%H:%M").to_string(),
        chrono::LocalResult::None => "--:--".into(),
    }
}

/// How far one of our messages got, past being stored by the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Seen {
    Delivered,
    Read,
}
