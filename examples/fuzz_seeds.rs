//! Writes the seed corpora for the fuzz targets (`fuzz/corpus/<target>/`) from real
//! packets, handshakes, tickets and known_hosts files.
//!
//! `cargo run --example fuzz_seeds --no-default-features`

use severus::crypto::Identity;
use severus::crypto::noise::{Initiator, Responder};
use severus::protocol::{Packet, RoomInfo, UserInfo, encode};
use std::path::Path;
use uuid::Uuid;

fn write(target: &str, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(name), bytes)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let id = Uuid::from_u128(1);
    let user = UserInfo {
        id,
        name: "alice".into(),
    };
    let packets = [
        Packet::Register {
            username: "alice".into(),
        },
        Packet::Message {
            id,
            from_id: id,
            from_username: "alice".into(),
            body: "hello".into(),
            room_id: Some(id),
        },
        Packet::Route {
            id,
            to: id,
            body: "psst".into(),
        },
        Packet::UserList {
            users: vec![user.clone()],
        },
        Packet::Rooms {
            rooms: vec![RoomInfo {
                id,
                name: "ops".into(),
                members: 2,
            }],
        },
        Packet::RoomSync {
            room_id: id,
            room_name: "ops".into(),
            users: vec![user.clone()],
        },
        Packet::Joined {
            user,
            room_id: None,
            room_name: None,
        },
        Packet::Ack { id },
        Packet::Ping { timestamp: 1 },
        Packet::RoomJoin {
            id,
            room: "ops".into(),
            create: true,
        },
    ];
    for (i, p) in packets.iter().enumerate() {
        write("packet_decode", &format!("seed{i}"), &encode(p))?;
    }

    // Real handshake messages, with the same fixed keys the targets use.
    let mut init = Initiator::new(&[9u8; 32], b"fuzz")?;
    let mut resp = Responder::new(&[7u8; 32], b"fuzz")?;
    let m1 = init.write_first()?;
    resp.read_first(&m1)?;
    let m2 = resp.write_second()?;
    write("noise_initiator", "m2", &m2)?;
    let mut r2 = Responder::new(&[7u8; 32], b"fuzz")?;
    r2.read_first(&m1)?;
    r2.write_second()?;
    let mut i2 = Initiator::new(&[9u8; 32], b"fuzz")?;
    i2.write_first()?;
    let mut seed = vec![m1.len() as u8];
    seed.extend_from_slice(&m1);
    write("noise_responder", "m1", &seed)?;

    let ticket = "endpointaawamkaucpe4vtqgkl3fxueqexmcvuhwa6brvk4l2zncyy23gw4caaibab7qaaabstgqe";
    write("ticket_parse", "ticket", ticket.as_bytes())?;
    write("ticket_parse", "addr", b"[::1]:3000")?;

    let host = Identity::generate()?.host_identity();
    let kh = format!(
        r#"{{"version":1,"hosts":{{"127.0.0.1:3000":{{"cert_sha256":"{}","noise_static":"{}","fingerprint":"{}"}}}}}}"#,
        hex(&host.cert_sha256),
        hex(&host.noise_static),
        host.fingerprint
    );
    write("known_hosts_parse", "one", kh.as_bytes())?;
    Ok(())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
