//! `Packet`: every message that crosses the wire after the handshake, one serde enum.
//! Names from the original Severus are kept (`Register`, `UserList`, `Message`, `Route`, ...).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Version carried in the Noise handshake payloads; a mismatch ends the handshake.
pub const PROTOCOL_VERSION: u16 = 1;

/// What each side puts in its encrypted Noise handshake payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandshakePayload {
    /// Must equal the other side's [`PROTOCOL_VERSION`].
    pub version: u16,
}

/// A member as others see it: the host-assigned id and the registered name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserInfo {
    pub id: Uuid,
    pub name: String,
}

/// A room as listed: id, name and how many members it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomInfo {
    pub id: Uuid,
    pub name: String,
    pub members: u32,
}

/// One protocol message. Client-to-host packets carry a client-chosen `id` that the
/// host answers with `Ack { id }` or `Refused { id, .. }`; identity fields
/// (`from_id`, `from_username`) are always set by the host, never trusted from a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Packet {
    /// Client -> host, first packet after the handshake.
    Register {
        username: String,
    },
    /// Host -> client: registration accepted, this is your member id.
    Welcome {
        id: Uuid,
        username: String,
    },
    /// Host -> all: the full member list, on every change.
    UserList {
        users: Vec<UserInfo>,
    },
    /// A chat message. Client -> host: `from_*` are ignored and overwritten.
    /// Host -> members: `from_*` name the sender. `room_id` None is the lobby.
    Message {
        id: Uuid,
        from_id: Uuid,
        from_username: String,
        body: String,
        room_id: Option<Uuid>,
    },
    /// Client -> host: a direct message to member `to`.
    Route {
        id: Uuid,
        to: Uuid,
        body: String,
    },
    /// Host -> the target of a `Route`.
    Direct {
        id: Uuid,
        from_id: Uuid,
        from_username: String,
        body: String,
    },
    /// Host -> client: the packet with this id was accepted (and delivered).
    Ack {
        id: Uuid,
    },
    /// Host -> client: the packet with this id was refused, with a reason for people.
    Refused {
        id: Uuid,
        reason: String,
    },
    /// Host -> client: something went wrong that is not tied to one packet.
    Error {
        message: String,
    },
    /// Host -> client: an informational line for the chat stream.
    System {
        message: String,
    },
    /// Either way: latency probe; the answer echoes the timestamp (ms since epoch).
    Ping {
        timestamp: u64,
    },
    Pong {
        timestamp: u64,
    },
    /// Client -> host: create a room (the creator joins it).
    RoomCreate {
        id: Uuid,
        name: String,
    },
    /// Client -> host: join a room by id or by name; with `create`, a missing room
    /// of that name is created (how clients rejoin after a host restart).
    RoomJoin {
        id: Uuid,
        room: String,
        #[serde(default)]
        create: bool,
    },
    /// Client -> host: leave a room.
    RoomLeave {
        id: Uuid,
        room_id: Uuid,
    },
    /// Client -> host: ask for the room list (answered with `Rooms`).
    RoomList,
    /// Host -> client: all rooms with their member counts.
    Rooms {
        rooms: Vec<RoomInfo>,
    },
    /// Host -> members of a room: its current members (sent on every change).
    RoomSync {
        room_id: Uuid,
        room_name: String,
        users: Vec<UserInfo>,
    },
    /// Host -> a client that left (or was removed from) a room.
    RoomLeft {
        room_id: Uuid,
        room_name: String,
    },
    /// Host -> others: someone joined the lobby (room None) or a room.
    Joined {
        user: UserInfo,
        room_id: Option<Uuid>,
        room_name: Option<String>,
    },
    /// Host -> others: someone left the lobby (room None) or a room.
    Left {
        user: UserInfo,
        room_id: Option<Uuid>,
        room_name: Option<String>,
    },
}

impl Packet {
    /// The client-chosen id the host must acknowledge, if this packet has one.
    pub fn request_id(&self) -> Option<Uuid> {
        match self {
            Packet::Message { id, .. }
            | Packet::Route { id, .. }
            | Packet::RoomCreate { id, .. }
            | Packet::RoomJoin { id, .. }
            | Packet::RoomLeave { id, .. } => Some(*id),
            _ => None,
        }
    }
}
