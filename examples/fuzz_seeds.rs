//! Writes the seed corpora for the fuzz targets (`fuzz/corpus/<target>/`) from real
//! packets, handshakes, tickets and known_hosts files.
//!
//! `cargo run --example fuzz_seeds --no-default-features`

use severus::crypto::Identity;
use severus::crypto::noise::{Initiator, Responder};
use severus::group::{Content, Groups, MemberId, new_signature_key};
use severus::protocol::samples::{client_samples, host_samples};
use severus::protocol::{Conv, HostPacket, encode, to_frames};
use std::path::Path;

fn write(target: &str, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(name), bytes)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Every packet kind of both directions, and a large packet cut into parts.
    let (client, host) = (client_samples(), host_samples());
    let frames = client.iter().map(encode).chain(host.iter().map(encode));
    for (n, frame) in frames.enumerate() {
        write("packet_decode", &format!("seed{n}"), &frame)?;
    }
    let big = HostPacket::Notice {
        message: "x".repeat(70_000),
    };
    if let Ok(frames) = to_frames(&big) {
        // A seed of several frames: each prefixed by its length (u16 big-endian).
        let mut seed = vec![];
        for f in frames.iter() {
            seed.extend_from_slice(&(f.len() as u16).to_be_bytes());
            seed.extend_from_slice(f);
        }
        write("packet_decode", "parts", &seed)?;
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

    // Real MLS messages: a key package, a Welcome with its GroupInfo, an application
    // message and a commit of a DM group.
    let id = |n: &str| MemberId {
        name: n.into(),
        noise: [n.len() as u8; 32],
    };
    let mut ana = Groups::new(&new_signature_key()?, id("ana"))?;
    let mut bo = Groups::new(&new_signature_key()?, id("bo"))?;
    let conv = Conv::dm("ana", "bo");
    let kp = bo.key_packages(1)?.remove(0);
    let created = ana.create_with(&conv, &kp, "bo")?;
    ana.confirm(&conv)?;
    bo.process(&conv, &created.welcome)?;
    let app = ana.encrypt(&conv, &Content::text(uuid::Uuid::nil(), "hello".into()))?;
    let (commit, info) = ana.update(&conv)?;
    for (name, bytes) in [
        ("key_package", &kp),
        ("welcome", &created.welcome),
        ("group_info", &info),
        ("application", &app),
        ("commit", &commit),
    ] {
        write("mls_framing", name, bytes)?;
        write("mls_client", name, bytes)?;
    }

    let ticket = "endpointaawamkaucpe4vtqgkl3fxueqexmcvuhwa6brvk4l2zncyy23gw4caaibab7qaaabstgqe";
    write("ticket_parse", "ticket", ticket.as_bytes())?;
    write("ticket_parse", "addr", b"[::1]:3000")?;
    let invite = severus::protocol::Invite {
        fingerprint: [0x5e; 32],
        addresses: vec!["192.168.1.20:3000".parse()?, "127.0.0.1:3000".parse()?],
        ticket: Some(ticket.to_string()),
        secret: Some([7; severus::protocol::invite::JOIN_SECRET_LEN]),
    };
    write("invite_parse", "full", invite.encode().as_bytes())?;
    let bare = severus::protocol::Invite {
        ticket: None,
        secret: None,
        ..invite
    };
    write("invite_parse", "bare", bare.encode().as_bytes())?;
    let offer = severus::group::Content::file(
        uuid::Uuid::nil(),
        severus::group::FileOffer {
            transfer: uuid::Uuid::nil(),
            name: "../holiday photo.jpg".into(),
            size: 123_456,
            media_type: "image/jpeg".into(),
            sha256: vec![1; 32],
            key: vec![7; 32],
        },
    );
    write("file_frames", "offer", &[&[0u8][..], &offer.to_bytes()].concat())?;
    let chunk = severus::crypto::chunks::seal_chunk(&[7; 32], &[9; 16], 0, false, b"chunk")?;
    write("file_frames", "chunk", &[&[1u8][..], &chunk].concat())?;
    write("file_frames", "name", b"\x02CON.txt")?;

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
