//! Property tests of the codec: every variant round-trips; random, truncated and
//! bit-flipped bytes decode to errors (or other packets) without panicking.

use super::codec::{decode, encode};
use super::packet::{Packet, RoomInfo, UserInfo};
use proptest::prelude::*;
use uuid::Uuid;

fn uuid() -> impl Strategy<Value = Uuid> {
    any::<u128>().prop_map(Uuid::from_u128)
}

fn text() -> impl Strategy<Value = String> {
    ".{0,40}"
}

fn user() -> impl Strategy<Value = UserInfo> {
    (uuid(), text()).prop_map(|(id, name)| UserInfo { id, name })
}

fn packet() -> impl Strategy<Value = Packet> {
    prop_oneof![
        text().prop_map(|username| Packet::Register { username }),
        (uuid(), text()).prop_map(|(id, username)| Packet::Welcome { id, username }),
        prop::collection::vec(user(), 0..5).prop_map(|users| Packet::UserList { users }),
        (uuid(), uuid(), text(), text(), prop::option::of(uuid())).prop_map(
            |(id, from_id, from_username, body, room_id)| Packet::Message {
                id,
                from_id,
                from_username,
                body,
                room_id
            }
        ),
        (uuid(), uuid(), text()).prop_map(|(id, to, body)| Packet::Route { id, to, body }),
        (uuid(), uuid(), text(), text()).prop_map(|(id, from_id, from_username, body)| {
            Packet::Direct {
                id,
                from_id,
                from_username,
                body,
            }
        }),
        uuid().prop_map(|id| Packet::Ack { id }),
        (uuid(), text()).prop_map(|(id, reason)| Packet::Refused { id, reason }),
        text().prop_map(|message| Packet::Error { message }),
        text().prop_map(|message| Packet::System { message }),
        any::<u64>().prop_map(|timestamp| Packet::Ping { timestamp }),
        any::<u64>().prop_map(|timestamp| Packet::Pong { timestamp }),
        (uuid(), text()).prop_map(|(id, name)| Packet::RoomCreate { id, name }),
        (uuid(), text(), any::<bool>()).prop_map(|(id, room, create)| Packet::RoomJoin { id, room, create }),
        (uuid(), uuid()).prop_map(|(id, room_id)| Packet::RoomLeave { id, room_id }),
        Just(Packet::RoomList),
        prop::collection::vec((uuid(), text(), any::<u32>()), 0..5).prop_map(|r| Packet::Rooms {
            rooms: r
                .into_iter()
                .map(|(id, name, members)| RoomInfo { id, name, members })
                .collect()
        }),
        (uuid(), text(), prop::collection::vec(user(), 0..5)).prop_map(|(room_id, room_name, users)| {
            Packet::RoomSync {
                room_id,
                room_name,
                users,
            }
        }),
        (uuid(), text()).prop_map(|(room_id, room_name)| Packet::RoomLeft { room_id, room_name }),
        (user(), prop::option::of(uuid()), prop::option::of(text())).prop_map(|(user, room_id, room_name)| {
            Packet::Joined {
                user,
                room_id,
                room_name,
            }
        }),
        (user(), prop::option::of(uuid()), prop::option::of(text())).prop_map(|(user, room_id, room_name)| {
            Packet::Left {
                user,
                room_id,
                room_name,
            }
        }),
    ]
}

proptest! {
    #[test]
    fn every_variant_round_trips(p in packet()) {
        prop_assert_eq!(decode(&encode(&p)), Ok(p));
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = decode(&bytes);
    }

    #[test]
    fn truncated_frames_are_errors(p in packet(), cut in any::<prop::sample::Index>()) {
        let bytes = encode(&p);
        let at = cut.index(bytes.len());
        prop_assert!(decode(&bytes[..at]).is_err());
    }

    #[test]
    fn flipped_bytes_never_panic(p in packet(), at in any::<prop::sample::Index>(), bit in 0u8..8) {
        let mut bytes = encode(&p);
        let i = at.index(bytes.len());
        bytes[i] ^= 1 << bit;
        let _ = decode(&bytes);
    }
}
