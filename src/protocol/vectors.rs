//! Test vectors: one encoded packet of every kind, the handshake payload and a Noise
//! prologue, checked against `tests/vectors/v2.txt` (`SEVERUS_WRITE_VECTORS=1`
//! rewrites it). Also checks that PROTOCOL.md has a section for every packet kind.

use super::samples::{client_samples, host_samples};
use super::{ClientPacket, HandshakePayload, HostPacket, decode, encode};
use serde::de::{self, DeserializeOwned, Visitor};
use std::fmt::Write;

const VECTORS: &str = "tests/vectors/v2.txt";

/// The kind name of a packet: the single key of its CBOR map.
fn kind<T: serde::Serialize>(p: &T) -> String {
    let v: ciborium::Value = match ciborium::Value::serialized(p) {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    };
    match v {
        ciborium::Value::Map(m) if m.len() == 1 => match &m[0].0 {
            ciborium::Value::Text(t) => t.clone(),
            other => panic!("kind is not text: {other:?}"),
        },
        other => panic!("a packet is not a one-key map: {other:?}"),
    }
}

/// Every variant name of an enum, read from its derived `Deserialize`.
fn variants<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Grab<'a>(&'a mut &'static [&'static str]);
    impl<'de> serde::Deserializer<'de> for Grab<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not an enum"))
        }
        fn deserialize_enum<V: Visitor<'de>>(
            self,
            _: &'static str,
            variants: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = variants;
            Err(de::Error::custom("grabbed"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier ignored_any
        }
    }
    let mut out: &'static [&'static str] = &[];
    let _ = T::deserialize(Grab(&mut out));
    out
}

fn render() -> String {
    let mut s = String::from(
        "# Severus protocol 2 test vectors (hex of the CBOR frame). Checked by\n\
         # `cargo test protocol::vectors`; SEVERUS_WRITE_VECTORS=1 rewrites this file.\n",
    );
    for p in client_samples() {
        let _ = writeln!(s, "client.{} {}", kind(&p), hex::encode(encode(&p)));
    }
    for p in host_samples() {
        let _ = writeln!(s, "host.{} {}", kind(&p), hex::encode(encode(&p)));
    }
    let payload = HandshakePayload { version: 2 };
    let _ = writeln!(s, "handshake_payload {}", hex::encode(encode(&payload)));
    // The Noise prologue for a certificate whose SHA-256 is 32 bytes of 0x11 and a TLS
    // exporter value of 32 bytes of 0x22.
    let prologue = crate::crypto::noise::prologue(&[0x11; 32], &[0x22; 32]);
    let _ = writeln!(
        s,
        "prologue_inputs cert_sha256={} exporter={}",
        hex::encode([0x11; 32]),
        hex::encode([0x22; 32])
    );
    let _ = writeln!(s, "prologue {}", hex::encode(prologue));
    // An invite: fingerprint 32 x 0x5e, two addresses, no ticket, no secret.
    let invite = super::Invite {
        fingerprint: [0x5e; 32],
        addresses: vec![
            std::net::SocketAddr::from(([192, 168, 1, 20], 3000)),
            std::net::SocketAddr::from(([127, 0, 0, 1], 3000)),
        ],
        ticket: None,
        secret: None,
    };
    let _ = writeln!(s, "invite {}", invite.encode());
    s
}

fn path(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn vectors_match_the_file() {
    let now = render();
    if std::env::var_os("SEVERUS_WRITE_VECTORS").is_some() {
        std::fs::write(path(VECTORS), &now).unwrap();
    }
    let file = std::fs::read_to_string(path(VECTORS)).unwrap_or_default();
    assert!(
        file == now,
        "the wire format changed: update PROTOCOL.md, then run with SEVERUS_WRITE_VECTORS=1 and commit {VECTORS}"
    );
}

#[test]
fn the_file_decodes_back_to_the_samples() {
    let file = std::fs::read_to_string(path(VECTORS)).unwrap();
    let hex_of = |key: &str| -> Vec<u8> {
        let line = file.lines().find(|l| l.starts_with(&format!("{key} "))).unwrap();
        hex::decode(line.split(' ').nth(1).unwrap()).unwrap()
    };
    for p in client_samples() {
        assert_eq!(
            decode::<ClientPacket>(&hex_of(&format!("client.{}", kind(&p)))).unwrap(),
            p
        );
    }
    for p in host_samples() {
        assert_eq!(decode::<HostPacket>(&hex_of(&format!("host.{}", kind(&p)))).unwrap(), p);
    }
}

#[test]
fn samples_and_protocol_md_cover_every_kind() {
    let doc = std::fs::read_to_string(path("PROTOCOL.md")).unwrap();
    let (client_doc, host_doc) = doc.split_once("## Host packets").expect("a '## Host packets' section");
    let check = |all: &[&str], sampled: Vec<String>, section: &str, side: &str| {
        let mut sampled = sampled;
        sampled.sort();
        let mut all: Vec<String> = all.iter().map(|s| s.to_string()).collect();
        all.sort();
        assert_eq!(sampled, all, "one {side} sample per kind");
        for k in &all {
            assert!(
                section
                    .lines()
                    .any(|l| l.starts_with("### ") && l.contains(&format!("`{k}`"))),
                "PROTOCOL.md has no '### `{k}`' heading for the {side} packet"
            );
        }
    };
    check(
        variants::<ClientPacket>(),
        client_samples().iter().map(kind).collect(),
        client_doc,
        "client",
    );
    check(
        variants::<HostPacket>(),
        host_samples().iter().map(kind).collect(),
        host_doc,
        "host",
    );
}
