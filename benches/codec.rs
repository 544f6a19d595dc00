//! Micro-benchmarks: packet encode/decode in CBOR and, for comparison, JSON; Noise
//! transport encrypt+decrypt by size; a full Noise XX handshake in memory; MLS costs
//! of a DM (encrypt + decrypt of 1 KiB, making the group) and of lobbies and rooms
//! (a newcomer's external commit at 64 members, commits made and applied at 64/256).
//!
//! `cargo bench --bench codec --no-default-features`

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use severus::crypto::Identity;
use severus::crypto::noise::{Initiator, Responder, Transport};
use severus::group::{Content, Groups, MemberId, new_signature_key};
use severus::protocol::{Conv, EntryBody, HostPacket, decode, encode};
use std::hint::black_box;
use uuid::Uuid;

fn message(body_len: usize) -> HostPacket {
    HostPacket::Entry {
        conv: Conv::Room { id: Uuid::new_v4() },
        seq: 1234,
        at: 1_700_000_000_000,
        from: Some("alice".into()),
        id: Some(Uuid::new_v4()),
        body: EntryBody::Mls {
            message: vec![b'x'; body_len],
            committer: None,
        },
    }
}

fn codec(c: &mut Criterion) {
    let mut g = c.benchmark_group("codec");
    for len in [16usize, 1024] {
        let p = message(len);
        let cbor = encode(&p);
        let json = serde_json::to_vec(&p).unwrap_or_default();
        eprintln!(
            "size of a message with a {len}-byte body: CBOR {} B, JSON {} B",
            cbor.len(),
            json.len()
        );
        g.bench_with_input(BenchmarkId::new("cbor_encode", len), &p, |b, p| {
            b.iter(|| encode(black_box(p)))
        });
        g.bench_with_input(BenchmarkId::new("json_encode", len), &p, |b, p| {
            b.iter(|| serde_json::to_vec(black_box(p)))
        });
        g.bench_with_input(BenchmarkId::new("cbor_decode", len), &cbor, |b, f| {
            b.iter(|| decode::<HostPacket>(black_box(f)))
        });
        g.bench_with_input(BenchmarkId::new("json_decode", len), &json, |b, f| {
            b.iter(|| serde_json::from_slice::<HostPacket>(black_box(f)))
        });
    }
    g.finish();
}

fn pair() -> (Transport, Transport) {
    let (a, b) = (Identity::generate().unwrap(), Identity::generate().unwrap());
    let mut i = Initiator::new(&a.noise_private, b"bench").unwrap();
    let mut r = Responder::new(&b.noise_private, b"bench").unwrap();
    r.read_first(&i.write_first().unwrap()).unwrap();
    i.read_second(&r.write_second().unwrap()).unwrap();
    let (m3, ti) = i.write_third().unwrap();
    let (_, tr) = r.read_third(&m3).unwrap();
    (ti, tr)
}

fn noise(c: &mut Criterion) {
    let (ti, tr) = pair();
    let mut g = c.benchmark_group("noise_transport");
    for size in [64usize, 1024, 16 * 1024, 60 * 1024] {
        let plain = vec![7u8; size];
        g.throughput(Throughput::Bytes(size as u64));
        g.bench_with_input(BenchmarkId::new("encrypt_decrypt", size), &plain, |b, p| {
            let mut n = 0u64;
            b.iter(|| {
                let ct = ti.encrypt(n, black_box(p)).unwrap();
                let pt = tr.decrypt(n, &ct).unwrap();
                n += 1;
                pt
            })
        });
    }
    g.finish();

    let (a, h) = (Identity::generate().unwrap(), Identity::generate().unwrap());
    c.bench_function("noise_xx_handshake", |b| {
        b.iter(|| {
            let mut i = Initiator::new(&a.noise_private, b"bench").unwrap();
            let mut r = Responder::new(&h.noise_private, b"bench").unwrap();
            r.read_first(&i.write_first().unwrap()).unwrap();
            i.read_second(&r.write_second().unwrap()).unwrap();
            let (m3, _) = i.write_third().unwrap();
            r.read_third(&m3).unwrap()
        })
    });

    // The same XX handshake on bare snow, with our X25519 and with snow's own
    // (curve25519-dalek's ladder), in the same run: the ratio is what ours saves.
    let params: snow::params::NoiseParams = severus::crypto::noise::NOISE_PARAMS.parse().unwrap();
    let mut g = c.benchmark_group("noise_xx_x25519");
    for ours in [false, true] {
        let builder = |key| {
            let b = if ours {
                snow::Builder::with_resolver(params.clone(), severus::crypto::x25519::resolver())
            } else {
                snow::Builder::new(params.clone())
            };
            b.local_private_key(key).unwrap()
        };
        g.bench_function(if ours { "ours" } else { "snow_dalek" }, |b| {
            let (mut m, mut p) = (vec![0u8; 256], vec![0u8; 256]);
            b.iter(|| {
                let mut i = builder(&a.noise_private).build_initiator().unwrap();
                let mut r = builder(&h.noise_private).build_responder().unwrap();
                let n = i.write_message(&[], &mut m).unwrap();
                r.read_message(&m[..n], &mut p).unwrap();
                let n = r.write_message(&[], &mut m).unwrap();
                i.read_message(&m[..n], &mut p).unwrap();
                let n = i.write_message(&[], &mut m).unwrap();
                r.read_message(&m[..n], &mut p).unwrap()
            })
        });
    }
    g.finish();
}

fn member(name: &str) -> Groups {
    let id = MemberId {
        name: name.into(),
        noise: [name.len() as u8; 32],
    };
    Groups::new(&new_signature_key().unwrap(), id).unwrap()
}

/// A DM group between two fresh members: key package, create + add, Welcome joined.
fn dm_pair() -> (Groups, Groups, Conv) {
    let (mut a, mut b) = (member("ana"), member("bo"));
    let conv = Conv::dm("ana", "bo");
    let kp = b.key_packages(1).unwrap().remove(0);
    let created = a.create_with(&conv, &kp, "bo").unwrap();
    a.confirm(&conv).unwrap();
    b.process(&conv, &created.welcome).unwrap();
    (a, b, conv)
}

/// MLS costs of a DM: encrypt + decrypt of 1 KiB, and making the group.
fn mls(c: &mut Criterion) {
    let (mut a, mut b, conv) = dm_pair();
    let body = "m".repeat(1024);
    c.bench_function("mls_dm_encrypt_decrypt_1k", |bench| {
        bench.iter(|| {
            let ct = a.encrypt(&conv, &Content::text(Uuid::nil(), body.clone())).unwrap();
            b.process(&conv, black_box(&ct)).unwrap()
        })
    });
    c.bench_function("mls_dm_group_create", |bench| bench.iter(dm_pair));
}

/// A room group of `n` members built by its creator; also one other member (its
/// signature key is `signature`) as a snapshot, restored fresh for each measured step,
/// its id, and the group's GroupInfo.
fn room_of_with(n: usize, signature: &[u8]) -> (Groups, Vec<u8>, MemberId, Vec<u8>, Conv) {
    let host_key = severus::group::signature_public(&new_signature_key().unwrap()).unwrap();
    let conv = Conv::Room { id: Uuid::new_v4() };
    let mut creator = member("creator");
    creator.create(&conv, &host_key).unwrap();
    let other_id = MemberId {
        name: "other".into(),
        noise: [7; 32],
    };
    let mut other = Groups::new(signature, other_id.clone()).unwrap();
    let kp = other.key_packages(1).unwrap().remove(0);
    let (_, welcome) = creator.add_now(&conv, &[kp]).unwrap();
    other.process(&conv, &welcome).unwrap();
    let rest: Vec<Groups> = (2..n).map(|i| member(&format!("m{i:03}"))).collect();
    for batch in rest.chunks(64) {
        let kps: Vec<Vec<u8>> = batch.iter().map(|m| m.key_packages(1).unwrap().remove(0)).collect();
        let (commit, _) = creator.add_now(&conv, &kps).unwrap();
        other.process(&conv, &commit).unwrap();
    }
    let info = creator.group_info(&conv).unwrap();
    (creator, other.snapshot(), other_id, info, conv)
}

/// MLS costs of a lobby or room: a newcomer's external commit (made, then applied by
/// one member), and a commit made by one member and applied by another, at 64 and 256.
fn mls_rooms(c: &mut Criterion) {
    let mut g = c.benchmark_group("mls_room");
    g.sample_size(10);
    for n in [64usize, 256] {
        let signature = new_signature_key().unwrap();
        let (mut creator, other_state, other_id, info, conv) = room_of_with(n, &signature);
        let fresh_other = || Groups::restore(&signature, other_id.clone(), &other_state).unwrap();
        if n == 64 {
            g.bench_function(BenchmarkId::new("external_join_made_and_applied", n), |b| {
                b.iter_batched(
                    || (member("newcomer"), fresh_other()),
                    |(mut joiner, mut other)| {
                        let (commit, _) = joiner.external_join(&conv, &info).unwrap();
                        other.process(&conv, &commit).unwrap()
                    },
                    BatchSize::SmallInput,
                )
            });
        }
        // The commit to apply is made first: every commit made (even abandoned) moves
        // the creator's handshake ratchet on, and after the thousands made below one
        // would be too far ahead for a member to open.
        let (commit, _) = creator.update(&conv).unwrap();
        creator.abandon(&conv);
        g.bench_function(BenchmarkId::new("commit_create", n), |b| {
            b.iter(|| {
                let out = creator.update(&conv).unwrap();
                creator.abandon(&conv);
                out
            })
        });
        g.bench_function(BenchmarkId::new("commit_apply", n), |b| {
            b.iter_batched(
                fresh_other,
                |mut other| other.process(&conv, &commit).unwrap(),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, codec, noise, mls, mls_rooms);
criterion_main!(benches);
