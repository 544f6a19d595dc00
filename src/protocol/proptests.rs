//! Property tests of the codec: every kind round-trips, also through parts; random,
//! truncated and bit-flipped bytes decode to errors (or other packets), never panics.

use super::codec::{decode, encode};
use super::parts::{Reassembly, to_frames};
use super::{ClientPacket, Conv, Cursor, EntryBody, GroupState, HostPacket, Limits, Resume, RoomInfo, UserInfo};
use proptest::prelude::*;
use serde_bytes::ByteBuf;
use uuid::Uuid;

fn uuid() -> impl Strategy<Value = Uuid> {
    any::<u128>().prop_map(Uuid::from_u128)
}

fn text() -> impl Strategy<Value = String> {
    ".{0,40}"
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..64)
}

fn conv() -> impl Strategy<Value = Conv> {
    prop_oneof![
        Just(Conv::LOBBY),
        uuid().prop_map(|id| Conv::Room { id }),
        (text(), text()).prop_map(|(a, b)| Conv::Dm { names: [a, b] }),
    ]
}

fn resume() -> impl Strategy<Value = Option<Resume>> {
    prop::option::of(
        (uuid(), prop::collection::vec((conv(), any::<u64>()), 0..4)).prop_map(|(incarnation, c)| Resume {
            incarnation,
            cursors: c.into_iter().map(|(conv, seq)| Cursor { conv, seq }).collect(),
        }),
    )
}

fn client() -> impl Strategy<Value = ClientPacket> {
    prop_oneof![
        (uuid(), text(), resume(), prop::option::of(bytes())).prop_map(|(id, name, resume, secret)| {
            ClientPacket::Register {
                id,
                name,
                resume,
                secret: secret.map(ByteBuf::from),
            }
        }),
        (uuid(), conv(), bytes()).prop_map(|(id, conv, info)| ClientPacket::GroupInfo {
            id,
            conv,
            info: ByteBuf::from(info)
        }),
        (uuid(), conv()).prop_map(|(id, conv)| ClientPacket::FetchGroupInfo { id, conv }),
        (
            uuid(),
            conv(),
            bytes(),
            prop::option::of(bytes()),
            prop::option::of(bytes())
        )
            .prop_map(|(id, conv, message, info, replaces)| ClientPacket::Mls {
                id,
                conv,
                message,
                group_info: info.map(ByteBuf::from),
                replaces: replaces.map(ByteBuf::from),
            }),
        (uuid(), prop::collection::vec(bytes(), 0..4)).prop_map(|(id, p)| ClientPacket::KeyPackages {
            id,
            packages: p.into_iter().map(ByteBuf::from).collect()
        }),
        (uuid(), text()).prop_map(|(id, name)| ClientPacket::FetchKeyPackage { id, name }),
        (uuid(), text()).prop_map(|(id, name)| ClientPacket::RoomCreate { id, name }),
        (uuid(), text(), any::<bool>(), prop::option::of(any::<u64>())).prop_map(|(id, room, create, since)| {
            ClientPacket::RoomJoin {
                id,
                room,
                create,
                since,
            }
        }),
        (uuid(), uuid()).prop_map(|(id, room)| ClientPacket::RoomLeave { id, room }),
        uuid().prop_map(|id| ClientPacket::RoomList { id }),
        uuid().prop_map(|id| ClientPacket::Bye { id }),
        any::<u64>().prop_map(|timestamp| ClientPacket::Ping { timestamp }),
        any::<u64>().prop_map(|timestamp| ClientPacket::Pong { timestamp }),
        (any::<u32>(), any::<u32>(), prop::collection::vec(any::<u8>(), 0..64))
            .prop_map(|(index, total, bytes)| ClientPacket::Part { index, total, bytes }),
    ]
}

fn body() -> impl Strategy<Value = EntryBody> {
    prop_oneof![
        (bytes(), prop::option::of(text())).prop_map(|(message, committer)| EntryBody::Mls { message, committer }),
        text().prop_map(|name| EntryBody::Joined { name }),
        text().prop_map(|name| EntryBody::Left { name }),
    ]
}

fn users() -> impl Strategy<Value = Vec<UserInfo>> {
    prop::collection::vec(
        (text(), any::<bool>()).prop_map(|(name, away)| UserInfo { name, away }),
        0..5,
    )
}

fn rooms() -> impl Strategy<Value = Vec<RoomInfo>> {
    prop::collection::vec(
        (uuid(), text(), any::<u32>()).prop_map(|(id, name, members)| RoomInfo { id, name, members }),
        0..5,
    )
}

fn host() -> impl Strategy<Value = HostPacket> {
    prop_oneof![
        (
            uuid(),
            text(),
            uuid(),
            any::<u64>(),
            any::<bool>(),
            users(),
            rooms(),
            any::<[u32; 5]>(),
            resume()
        )
            .prop_map(
                |(id, name, incarnation, started_at, resumed, users, rooms, l, r)| HostPacket::Welcome {
                    id,
                    name,
                    incarnation,
                    started_at,
                    resumed,
                    users,
                    rooms,
                    cursors: r.map(|r| r.cursors).unwrap_or_default(),
                    key_packages: l[0] % 17,
                    host_key: vec![l[1] as u8; 32],
                    group: (l[2] % 2 == 0).then(|| GroupState {
                        group_id: vec![l[3] as u8; 16],
                        epoch: u64::from(l[4]),
                        base: u64::from(l[4] / 2),
                    }),
                    limits: Limits {
                        max_body: l[0],
                        max_packet: l[1],
                        rate_per_sec: l[2],
                        rate_burst: l[3],
                        grace_secs: l[4],
                        max_file: u64::from(l[3]) << 8,
                    },
                }
            ),
        (uuid(), prop::option::of(any::<u64>())).prop_map(|(id, seq)| HostPacket::Ack { id, seq }),
        (uuid(), text(), bytes()).prop_map(|(id, name, package)| HostPacket::KeyPackage { id, name, package }),
        (uuid(), text()).prop_map(|(id, reason)| HostPacket::Refused { id, reason }),
        (
            conv(),
            any::<u64>(),
            any::<u64>(),
            prop::option::of(text()),
            prop::option::of(uuid()),
            body()
        )
            .prop_map(|(conv, seq, at, from, id, body)| HostPacket::Entry {
                conv,
                seq,
                at,
                from,
                id,
                body
            }),
        (conv(), any::<u64>(), any::<u64>()).prop_map(|(conv, after, count)| HostPacket::Missed { conv, after, count }),
        (text(), any::<bool>()).prop_map(|(name, away)| HostPacket::Presence { name, away }),
        rooms().prop_map(|rooms| HostPacket::Rooms { rooms }),
        (uuid(), text(), prop::collection::vec(text(), 0..5), any::<u64>()).prop_map(|(room, name, members, seq)| {
            HostPacket::RoomSync {
                room,
                name,
                members,
                seq,
                group: None,
            }
        }),
        (uuid(), text()).prop_map(|(room, name)| HostPacket::RoomLeft { room, name }),
        text().prop_map(|message| HostPacket::Notice { message }),
        text().prop_map(|message| HostPacket::Error { message }),
        any::<u64>().prop_map(|timestamp| HostPacket::Ping { timestamp }),
        any::<u64>().prop_map(|timestamp| HostPacket::Pong { timestamp }),
    ]
}

proptest! {
    #[test]
    fn every_client_packet_round_trips(p in client()) {
        prop_assert_eq!(decode::<ClientPacket>(&encode(&p)), Ok(p));
    }

    #[test]
    fn every_host_packet_round_trips(p in host()) {
        prop_assert_eq!(decode::<HostPacket>(&encode(&p)), Ok(p));
    }

    #[test]
    fn big_packets_round_trip_through_parts(len in 0usize..300_000, seq in any::<u64>()) {
        let p = HostPacket::Entry { conv: Conv::LOBBY, seq, at: 0, from: None, id: None,
            body: EntryBody::Mls { message: vec![7; len], committer: None } };
        let mut r = Reassembly::default();
        let mut got = None;
        for f in to_frames(&p).unwrap().iter() {
            got = r.push::<HostPacket>(f).unwrap();
        }
        prop_assert_eq!(got, Some(p));
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode::<ClientPacket>(&bytes);
        let _ = decode::<HostPacket>(&bytes);
    }

    #[test]
    fn truncated_and_flipped_frames_never_panic(p in client(), cut in any::<prop::sample::Index>(),
                                                flip in any::<prop::sample::Index>(), bit in 0u8..8) {
        let bytes = encode(&p);
        let _ = decode::<ClientPacket>(&bytes[..cut.index(bytes.len())]);
        let mut flipped = bytes.clone();
        let i = flip.index(flipped.len());
        flipped[i] ^= 1 << bit;
        let _ = decode::<ClientPacket>(&flipped);
    }
}
