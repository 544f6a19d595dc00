//! One packet of every kind with fixed values: the test vectors, the fuzz seeds and
//! the benchmarks all start from these.

use super::{ClientPacket, Conv, Cursor, EntryBody, GroupState, HostPacket, Limits, Resume, RoomInfo, UserInfo};
use serde_bytes::ByteBuf;
use uuid::Uuid;

fn id(n: u8) -> Uuid {
    Uuid::from_bytes([n; 16])
}

fn room() -> Uuid {
    Uuid::from_u128(0x5e7e_2a5e_0000_4000_8000_0000_0000_0001)
}

/// One packet of every client kind, with fixed values.
pub fn client_samples() -> Vec<ClientPacket> {
    vec![
        ClientPacket::Register {
            secret: Some(ByteBuf::from(vec![0x5e; 16])),
            id: id(1),
            name: "ana".into(),
            resume: Some(Resume {
                incarnation: id(9),
                cursors: vec![
                    Cursor {
                        conv: Conv::LOBBY,
                        seq: 41,
                    },
                    Cursor {
                        conv: Conv::dm("ana", "bo"),
                        seq: 3,
                    },
                ],
            }),
        },
        ClientPacket::GroupInfo {
            id: id(2),
            conv: Conv::Room { id: room() },
            info: ByteBuf::from(vec![0x00, 0x01, 0x00, 0x04]),
        },
        ClientPacket::FetchGroupInfo {
            id: id(11),
            conv: Conv::LOBBY,
        },
        ClientPacket::Mls {
            id: id(8),
            conv: Conv::dm("ana", "bo"),
            message: vec![0x00, 0x01, 0x00, 0x02],
            group_info: Some(ByteBuf::from(vec![0x00, 0x01, 0x00, 0x04])),
            replaces: None,
        },
        ClientPacket::KeyPackages {
            id: id(9),
            packages: vec![ByteBuf::from(vec![0x00, 0x01])],
        },
        ClientPacket::FetchKeyPackage {
            id: id(10),
            name: "bo".into(),
        },
        ClientPacket::RoomCreate {
            id: id(3),
            name: "ops".into(),
        },
        ClientPacket::RoomJoin {
            id: id(4),
            room: "ops".into(),
            create: true,
            since: Some(0),
        },
        ClientPacket::RoomLeave {
            id: id(5),
            room: room(),
        },
        ClientPacket::RoomList { id: id(6) },
        ClientPacket::Signal {
            conv: Conv::dm("ana", "bo"),
            message: vec![0x00, 0x01, 0x00, 0x02],
        },
        ClientPacket::FileOpen {
            id: id(12),
            transfer: id(0xf1),
            conv: Conv::LOBBY,
            size: 100_000,
            chunks: 3,
        },
        ClientPacket::FileWant {
            transfer: id(0xf1),
            from: 0,
            count: 3,
        },
        ClientPacket::FileChunk {
            transfer: id(0xf1),
            index: 2,
            data: vec![0xc7; 4],
        },
        ClientPacket::FileClose {
            id: id(13),
            transfer: id(0xf1),
        },
        ClientPacket::Bye { id: id(7) },
        ClientPacket::Ping {
            timestamp: 1_700_000_000_000,
        },
        ClientPacket::Pong {
            timestamp: 1_700_000_000_000,
        },
        ClientPacket::Part {
            index: 0,
            total: 2,
            bytes: vec![0xa1, 0x64],
        },
    ]
}

/// One packet of every host kind, with fixed values.
pub fn host_samples() -> Vec<HostPacket> {
    vec![
        HostPacket::Welcome {
            id: id(1),
            name: "ana".into(),
            incarnation: id(9),
            started_at: 1_700_000_000_000,
            resumed: false,
            users: vec![UserInfo {
                name: "bo".into(),
                away: true,
            }],
            rooms: vec![RoomInfo {
                id: room(),
                name: "ops".into(),
                members: 1,
            }],
            cursors: vec![Cursor {
                conv: Conv::LOBBY,
                seq: 41,
            }],
            key_packages: 3,
            host_key: vec![0xab; 32],
            group: Some(GroupState {
                group_id: vec![0x11; 16],
                epoch: 7,
                base: 5,
            }),
            limits: Limits {
                max_body: 16_384,
                max_packet: 1_048_576,
                rate_per_sec: 20,
                rate_burst: 50,
                grace_secs: 600,
                max_file: 100 << 20,
            },
        },
        HostPacket::Ack {
            id: id(2),
            seq: Some(42),
        },
        HostPacket::Refused {
            id: id(3),
            reason: "no room 'x'".into(),
        },
        HostPacket::Entry {
            conv: Conv::LOBBY,
            seq: 42,
            at: 1_700_000_000_500,
            from: Some("ana".into()),
            id: Some(id(2)),
            body: EntryBody::Mls {
                message: vec![0x00, 0x01, 0x00, 0x02],
                committer: Some("bo".into()),
            },
        },
        HostPacket::KeyPackage {
            id: id(10),
            name: "bo".into(),
            package: vec![0x00, 0x01],
        },
        HostPacket::Missed {
            conv: Conv::dm("ana", "bo"),
            after: 3,
            count: 7,
        },
        HostPacket::Presence {
            name: "bo".into(),
            away: true,
        },
        HostPacket::Rooms {
            rooms: vec![RoomInfo {
                id: room(),
                name: "ops".into(),
                members: 2,
            }],
        },
        HostPacket::RoomSync {
            room: room(),
            name: "ops".into(),
            members: vec!["ana".into(), "bo".into()],
            seq: 12,
            group: None,
        },
        HostPacket::GroupInfo {
            id: id(11),
            conv: Conv::LOBBY,
            info: ByteBuf::from(vec![0x00, 0x01, 0x00, 0x04]),
        },
        HostPacket::RoomLeft {
            room: room(),
            name: "ops".into(),
        },
        HostPacket::Signal {
            conv: Conv::dm("ana", "bo"),
            from: "ana".into(),
            message: vec![0x00, 0x01, 0x00, 0x02],
        },
        HostPacket::FileWanted {
            transfer: id(0xf1),
            indices: vec![0, 1, 2],
        },
        HostPacket::FileChunk {
            transfer: id(0xf1),
            index: 2,
            data: vec![0xc7; 4],
        },
        HostPacket::FileGone {
            transfer: id(0xf1),
            reason: "no longer available: the sender left".into(),
        },
        HostPacket::Notice {
            message: "hello".into(),
        },
        HostPacket::Error {
            message: "disconnected: idle for too long".into(),
        },
        HostPacket::Ping {
            timestamp: 1_700_000_000_000,
        },
        HostPacket::Pong {
            timestamp: 1_700_000_000_000,
        },
        HostPacket::Part {
            index: 1,
            total: 2,
            bytes: vec![0x00],
        },
    ]
}
