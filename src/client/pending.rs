//! A request of the client's that waits for the host's answer, and the packet it goes
//! out as (first, and again with the same id after a reconnect).

use super::chat::ChatState;
use crate::group::FileOffer;
use crate::protocol::{ClientPacket, Conv};
use uuid::Uuid;

/// A request sent and not yet answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    /// A lobby or room message; `message` is its encryption once its group is ready.
    Message {
        room_id: Option<Uuid>,
        body: String,
        message: Option<Vec<u8>>,
        /// A file offer instead of text (`body` is then its name, for failure lines).
        file: Option<FileOffer>,
    },
    /// A DM; `message` is its encryption once its group exists (None while waiting).
    Dm {
        conv: Conv,
        name: String,
        body: String,
        message: Option<Vec<u8>>,
        file: Option<FileOffer>,
    },
    /// A key package asked for, to start `conv`'s group (replacing the host's, if set).
    FetchKeyPackage {
        conv: Conv,
        replaces: Option<Vec<u8>>,
    },
    /// A new group's Welcome, for the host to order.
    CreateGroup {
        conv: Conv,
        welcome: Vec<u8>,
        info: Vec<u8>,
        replaces: Option<Vec<u8>>,
    },
    /// A commit of ours (fresh keys), for the host to order.
    Commit {
        conv: Conv,
        message: Vec<u8>,
        info: Vec<u8>,
    },
    /// Key packages of ours, uploaded.
    KeyPackages {
        packages: Vec<Vec<u8>>,
    },
    /// Our group of a lobby or room, told to the host (made by us, or kept from before).
    Claim {
        conv: Conv,
        info: Vec<u8>,
    },
    /// The host's GroupInfo of a lobby or room, asked for (to join by external commit).
    FetchGroupInfo {
        conv: Conv,
    },
    /// Our external commit into a lobby's or room's group.
    ExternalJoin {
        conv: Conv,
        message: Vec<u8>,
        info: Vec<u8>,
    },
    CreateRoom {
        name: String,
    },
    JoinRoom {
        room: String,
        create: bool,
        since: Option<u64>,
        /// Ours, after a reconnect, into a room we were in (not the user's `/join`).
        rejoin: bool,
    },
    LeaveRoom {
        room_id: Uuid,
    },
    RoomList,
}

impl Pending {
    /// Requests the client makes by itself (group and key upkeep): their failure is
    /// not shown; the messages waiting on them fail with their own text.
    pub(super) fn is_internal(&self) -> bool {
        matches!(
            self,
            Pending::FetchKeyPackage { .. }
                | Pending::CreateGroup { .. }
                | Pending::Commit { .. }
                | Pending::KeyPackages { .. }
        )
    }

    pub(super) fn text(&self) -> Option<String> {
        match self {
            Pending::Message { body, .. } | Pending::Dm { body, .. } => Some(body.clone()),
            _ => None,
        }
    }
}

impl ChatState {
    /// The packet for a request (new or resent with its original id); None for a DM
    /// still waiting for its group.
    pub fn packet_for(&self, id: Uuid, p: &Pending) -> Option<ClientPacket> {
        use serde_bytes::ByteBuf;
        Some(match p {
            Pending::Message { room_id, message, .. } => ClientPacket::Mls {
                id,
                conv: room_id.map_or(Conv::LOBBY, |id| Conv::Room { id }),
                message: message.clone()?,
                group_info: None,
                replaces: None,
            },
            Pending::Dm { conv, message, .. } => ClientPacket::Mls {
                id,
                conv: conv.clone(),
                message: message.clone()?,
                group_info: None,
                replaces: None,
            },
            Pending::FetchKeyPackage { conv, .. } => ClientPacket::FetchKeyPackage {
                id,
                name: self.display(conv.partner(self.me.as_deref().unwrap_or_default())?),
            },
            Pending::CreateGroup {
                conv,
                welcome,
                info,
                replaces,
            } => ClientPacket::Mls {
                id,
                conv: conv.clone(),
                message: welcome.clone(),
                group_info: Some(ByteBuf::from(info.clone())),
                replaces: replaces.clone().map(ByteBuf::from),
            },
            Pending::Commit { conv, message, info } => ClientPacket::Mls {
                id,
                conv: conv.clone(),
                message: message.clone(),
                group_info: Some(ByteBuf::from(info.clone())),
                replaces: None,
            },
            Pending::KeyPackages { packages } => ClientPacket::KeyPackages {
                id,
                packages: packages.iter().cloned().map(ByteBuf::from).collect(),
            },
            Pending::CreateRoom { name } => ClientPacket::RoomCreate { id, name: name.clone() },
            Pending::JoinRoom {
                room, create, since, ..
            } => ClientPacket::RoomJoin {
                id,
                room: room.clone(),
                create: *create,
                since: *since,
            },
            Pending::LeaveRoom { room_id } => ClientPacket::RoomLeave { id, room: *room_id },
            Pending::RoomList => ClientPacket::RoomList { id },
            p @ (Pending::Claim { .. } | Pending::FetchGroupInfo { .. } | Pending::ExternalJoin { .. }) => {
                return Self::group_packet(id, p);
            }
        })
    }
}
