//! The wire protocol: the `Packet` enum, its CBOR codec, name rules and every limit.
//! Pure data and functions: nothing in here does I/O.

pub mod codec;
pub mod limits;
pub mod names;
pub mod packet;
#[cfg(test)]
mod proptests;

pub use codec::{DecodeError, decode, encode};
pub use names::{NameError, name_key, validate_room_name, validate_username};
pub use packet::{HandshakePayload, PROTOCOL_VERSION, Packet, RoomInfo, UserInfo};
