//! What the window shows, as data: screens, conversations, lines and their delivery
//! marks, dialogs, the link's state and the host panel's figures.

use crate::crypto::{Fingerprint, HostIdentity};
use crate::protocol::{RoomInfo, UserInfo};
use crate::service::PathKind;
use crate::service::StatsSnapshot;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Screen {
    #[default]
    Start,
    Connecting {
        target: String,
    },
    Chat,
}

/// One conversation: the lobby, a room, or DMs with one member (by lowercased name).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Conv {
    #[default]
    Lobby,
    Room(Uuid),
    Dm(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Pending,
    /// The host stored it (sent).
    Delivered,
    /// Every other member's device has it.
    Received,
    /// Every other member saw it.
    Read,
    Failed(String),
}

/// What kind of line it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineKind {
    /// A message someone wrote.
    #[default]
    Chat,
    /// An event line (joined, left, reconnected).
    System,
    /// A divider across the conversation: a gap the host could not fill, a host
    /// restart, or where new messages start after being away.
    Divider,
    /// A red warning: a verified member's safety number changed.
    Warning,
    /// A file card (the transfer's state is in `Model::files`).
    File(Uuid),
}

/// One line in a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub id: Option<Uuid>,
    pub from: String,
    pub body: String,
    pub time: String,
    pub own: bool,
    pub kind: LineKind,
    pub delivery: Delivery,
    /// Sent by a verified member whose safety number changed (marked until verified
    /// again).
    pub flagged: bool,
}

/// The text of the divider that starts what arrived while we were away.
pub const NEW_MESSAGES: &str = "new messages";

#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    NeedsTrust {
        host: String,
        identity: HostIdentity,
    },
    Changed {
        host: String,
        old: Fingerprint,
        new: Fingerprint,
    },
    /// Theme, notifications and receipts.
    Settings,
    /// The safety number with a member, its QR code, and "Mark verified".
    Verify {
        name: String,
        number: Fingerprint,
        verified: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum LinkState {
    #[default]
    Offline,
    Connecting,
    Online,
    /// The link dropped; the service is trying again by itself.
    Reconnecting {
        attempt: u32,
    },
    Lost(String),
}

/// Per-second traffic, for the chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rate {
    pub msgs_in: u64,
    pub msgs_out: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct HostInfo {
    pub direct: Option<String>,
    pub ticket: Option<String>,
    pub fingerprint: String,
    /// The invite to share (address or ticket, fingerprint, join secret).
    pub invite: String,
    pub members: usize,
    pub last: StatsSnapshot,
    pub rates: VecDeque<Rate>,
}

/// Everything the window shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Model {
    pub screen: Screen,
    pub link: LinkState,
    pub ping_ms: Option<u64>,
    pub path: Option<PathKind>,
    pub me: Option<String>,
    pub host_label: String,
    pub users: Vec<UserInfo>,
    pub rooms: Vec<RoomInfo>,
    pub joined: BTreeMap<Uuid, String>,
    pub convs: BTreeMap<Conv, Vec<Line>>,
    pub current: Conv,
    pub unread: BTreeMap<Conv, u32>,
    pub dialog: Option<Dialog>,
    pub toasts: Vec<(u64, String)>,
    pub(crate) next_toast: u64,
    pub hosting: Option<HostInfo>,
    /// Conversations where the next message starts with a "new messages" divider
    /// (set when we come back after being away).
    pub new_marks: BTreeSet<Conv>,
    /// Members (lowercased) we verified, whose keys are still the verified ones.
    pub verified: BTreeSet<String>,
    /// Members (lowercased) we verified whose safety number changed since.
    pub changed: BTreeSet<String>,
    /// Files offered in any conversation, by transfer.
    pub files: BTreeMap<Uuid, super::files::FileItem>,
    /// Thumbnails of saved pictures (PNG data URLs we made ourselves from the pixels).
    pub thumbs: BTreeMap<Uuid, String>,
    /// The picture open full size, if any (a data URL, made the same way).
    pub viewer: Option<String>,
    /// Files the window should fetch now (pictures that come by themselves).
    pub fetch: Vec<Uuid>,
    /// Who is typing where, until when (ms): the note goes after `TYPING_SHOWN`.
    pub typing: BTreeMap<Conv, BTreeMap<String, u64>>,
    /// The window has the focus (what arrives is seen; no notifications).
    pub focused: bool,
    /// Notifications are on (the setting).
    pub notifications: bool,
    /// Conversations that raise no notification.
    pub muted: BTreeSet<Conv>,
    /// Messages that came in the open conversation while the window was not focused.
    pub unseen: u32,
}
