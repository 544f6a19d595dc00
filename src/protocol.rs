//! The wire protocol (version 2, written down in PROTOCOL.md): the packets each side
//! sends, their CBOR codec and parts, names, and every limit. Pure: no I/O in here.

pub mod client_packet;
pub mod codec;
pub mod handshake;
pub mod host_packet;
pub mod invite;
pub mod limits;
pub mod names;
pub mod parts;
#[cfg(test)]
mod proptests;
#[doc(hidden)]
pub mod samples;
pub mod types;
pub mod units;
#[cfg(test)]
mod vectors;

pub use client_packet::ClientPacket;
pub use codec::{DecodeError, decode, encode};
pub use handshake::{HandshakePayload, PROTOCOL_VERSION, subprotocol};
pub use host_packet::HostPacket;
pub use invite::{Invite, InviteError, looks_like_invite};
pub use names::{LookAlike, NameError, name_key, validate_room_name, validate_username};
pub use parts::{Frames, Reassembly, TooLarge, Wire, to_frames};
pub use types::{Conv, Cursor, EntryBody, GroupState, Limits, Resume, RoomInfo, UserInfo};
