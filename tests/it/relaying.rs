//! The host packet by packet over raw sessions: a returning member's thousand missed
//! messages from the log, and the files relay's window, answers and limits.

use crate::common::{start_host, trusting};
use crate::host::raw;
use severus::crypto::Identity;
use severus::protocol::{ClientPacket, Conv, HostPacket};
use severus::session::{self, SessionReader};
use std::time::Duration;
use uuid::Uuid;

/// A member away while a thousand messages are posted gets all of them when it
/// returns, in order, from the log, then live traffic.
#[tokio::test]
async fn a_returning_member_gets_a_thousand_missed_messages_in_order() {
    let hid = Identity::generate().unwrap();
    let opts = severus::host::HostOptions {
        rate_per_sec: u32::MAX,
        rate_burst: u32::MAX,
        ..Default::default()
    };
    let mut host = severus::host::Host::with_options(std::sync::Arc::new(hid.clone()), opts);
    let addr = host.listen_tcp("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let me = Identity::generate().unwrap();
    // Registers, keeps what the Welcome says (incarnation, cursors), drops the link.
    let welcome = |r: Option<severus::protocol::Resume>| async {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let s = session::connect(tcp, &me, &addr.to_string(), &trusting(addr, &hid))
            .await
            .unwrap();
        let (mut rd, mut wr) = s.split();
        wr.send(&ClientPacket::Register {
            secret: None,
            id: Uuid::new_v4(),
            name: "away".into(),
            resume: r,
        })
        .await
        .unwrap();
        let Some(HostPacket::Welcome {
            incarnation, cursors, ..
        }) = rd.recv::<HostPacket>().await.unwrap()
        else {
            panic!("no welcome")
        };
        (rd, wr, severus::protocol::Resume { incarnation, cursors })
    };
    let (r, w, resume) = welcome(None).await;
    let lobby = resume.cursors[0].seq;
    drop((r, w));
    // The talker makes the lobby's group (a raw client speaking MLS itself), then posts.
    let talker = Identity::generate().unwrap();
    let (mut tr, mut tw) = raw(addr, &hid, &talker, "talker", None).await;
    let me = severus::group::MemberId {
        name: "talker".into(),
        noise: talker.noise_public,
    };
    let mut groups = severus::group::Groups::new(&talker.mls_signature, me).unwrap();
    let info = groups.create(&Conv::LOBBY, &hid.mls_public()).unwrap();
    tw.send(&ClientPacket::GroupInfo {
        id: Uuid::new_v4(),
        conv: Conv::LOBBY,
        info: serde_bytes::ByteBuf::from(info),
    })
    .await
    .unwrap();
    for i in 0..1000 {
        let id = Uuid::new_v4();
        let message = groups
            .encrypt(&Conv::LOBBY, &severus::group::Content::text(id, format!("m{i}")))
            .unwrap();
        tw.send(&ClientPacket::Mls {
            id,
            conv: Conv::LOBBY,
            message,
            group_info: None,
            replaces: None,
        })
        .await
        .unwrap();
    }
    let mut acks = 0;
    while acks < 1001 {
        match tr.recv::<HostPacket>().await.unwrap().unwrap() {
            HostPacket::Ack { .. } => acks += 1,
            HostPacket::Refused { reason, .. } => panic!("refused: {reason}"),
            _ => {}
        }
    }
    // Back with the same key and name, presenting its cursors: the host replays after them.
    let (mut r, _w, _) = welcome(Some(resume)).await;
    // It cannot read them (it is not in the talker's group), but it gets every one,
    // in order, each exactly once.
    let mut got = vec![];
    while got.len() < 1000 {
        let p = tokio::time::timeout(Duration::from_secs(10), r.recv::<HostPacket>())
            .await
            .unwrap_or_else(|_| panic!("stalled after {} of 1000", got.len()))
            .unwrap()
            .unwrap();
        if let HostPacket::Entry {
            body: severus::protocol::EntryBody::Mls { .. },
            seq,
            ..
        } = p
        {
            assert!(seq > lobby);
            got.push(seq);
        }
    }
    let first = got[0];
    assert_eq!(got, (first..first + 1000).collect::<Vec<_>>());
    host.shutdown();
}

/// Waits for the answer to request `id`: Ok for an Ack, Err(reason) for a refusal.
async fn answer(r: &mut SessionReader, id: Uuid) -> Result<(), String> {
    loop {
        let p = tokio::time::timeout(Duration::from_secs(10), r.recv::<HostPacket>())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        match p {
            HostPacket::Ack { id: i, .. } if i == id => return Ok(()),
            HostPacket::Refused { id: i, reason } if i == id => return Err(reason),
            _ => {}
        }
    }
}

/// The host's side of files, packet by packet: a transfer over the cap, with the wrong
/// chunk count, or past the per-member limit is refused before anything moves; a
/// receiver gets only what it asked for, at most a window; an unknown transfer is
/// "no longer available".
#[tokio::test]
async fn the_host_relays_chunks_only_as_asked_and_refuses_what_is_over_its_limits() {
    use severus::host::SHORTER;
    use severus::protocol::limits::{FILE_CHUNK, FILE_WINDOW_CHUNKS, MAX_FILE_BYTES, MAX_OPEN_TRANSFERS};
    let (_host, addr, hid) = start_host().await;
    let (mut sr, mut sw) = raw(addr, &hid, &Identity::generate().unwrap(), "sender", None).await;
    let (mut rr, mut rw) = raw(addr, &hid, &Identity::generate().unwrap(), "receiver", None).await;
    let open = |size: u64, chunks: u32| {
        let id = Uuid::new_v4();
        let transfer = Uuid::new_v4();
        (
            id,
            transfer,
            ClientPacket::FileOpen {
                id,
                transfer,
                conv: Conv::LOBBY,
                size,
                chunks,
            },
        )
    };
    let big = MAX_FILE_BYTES + 1;
    let (id, _, p) = open(big, big.div_ceil(FILE_CHUNK as u64) as u32);
    sw.send(&p).await.unwrap();
    let why = answer(&mut sr, id).await.unwrap_err();
    assert!(why.contains("over the host's 100 MiB limit"), "{why}");
    let (id, _, p) = open(100_000, 7);
    sw.send(&p).await.unwrap();
    assert!(answer(&mut sr, id).await.unwrap_err().contains("chunks do not make"));

    // A real one: 100 chunks.
    let size = 100 * FILE_CHUNK as u64;
    let (id, t, p) = open(size, 100);
    sw.send(&p).await.unwrap();
    answer(&mut sr, id).await.unwrap();
    // The same request again (its answer lost with a link) is answered as the first;
    // anyone else opening that transfer is refused.
    sw.send(&p).await.unwrap();
    answer(&mut sr, id).await.unwrap();
    let theirs = Uuid::new_v4();
    rw.send(&ClientPacket::FileOpen {
        id: theirs,
        transfer: t,
        conv: Conv::LOBBY,
        size,
        chunks: 100,
    })
    .await
    .unwrap();
    assert!(answer(&mut rr, theirs).await.unwrap_err().contains("open already"));
    // The receiver asks for more than a window: the sender is asked for one window.
    rw.send(&ClientPacket::FileWant {
        transfer: t,
        from: 0,
        count: 100,
    })
    .await
    .unwrap();
    let asked = loop {
        match sr.recv::<HostPacket>().await.unwrap().unwrap() {
            HostPacket::FileWanted { transfer, indices } if transfer == t => break indices,
            _ => {}
        }
    };
    assert_eq!(asked, (0..FILE_WINDOW_CHUNKS).collect::<Vec<_>>());
    // A chunk nobody asked for is not relayed; an asked one is.
    for index in [FILE_WINDOW_CHUNKS + 5, 3] {
        sw.send(&ClientPacket::FileChunk {
            transfer: t,
            index,
            data: vec![index as u8; 64],
        })
        .await
        .unwrap();
    }
    let got = loop {
        match rr.recv::<HostPacket>().await.unwrap().unwrap() {
            HostPacket::FileChunk { transfer, index, data } if transfer == t => break (index, data),
            _ => {}
        }
    };
    assert_eq!(got, (3, vec![3; 64]));
    // A second receiver asking for the same chunk gets it from the host's cache, the
    // same bytes, and the sender is not asked for it again.
    let (mut r2r, mut r2w) = raw(addr, &hid, &Identity::generate().unwrap(), "receiver2", None).await;
    r2w.send(&ClientPacket::FileWant {
        transfer: t,
        from: 3,
        count: 1,
    })
    .await
    .unwrap();
    let got = loop {
        match r2r.recv::<HostPacket>().await.unwrap().unwrap() {
            HostPacket::FileChunk { transfer, index, data } if transfer == t => break (index, data),
            _ => {}
        }
    };
    assert_eq!(got, (3, vec![3; 64]));
    // (Anything the host asked the sender because of that would come before this answer.)
    let (id, _, p) = open(10, 1);
    sw.send(&p).await.unwrap();
    loop {
        match sr.recv::<HostPacket>().await.unwrap().unwrap() {
            HostPacket::FileWanted { transfer, indices } if transfer == t => {
                panic!("the sender was asked again for {indices:?}")
            }
            HostPacket::Ack { id: i, .. } if i == id => break,
            _ => {}
        }
    }
    // The sender may not have more than a few transfers open.
    for n in 2..MAX_OPEN_TRANSFERS {
        let (id, _, p) = open(10, 1);
        sw.send(&p).await.unwrap();
        assert_eq!(answer(&mut sr, id).await, Ok(()), "transfer {n}");
    }
    let (id, _, p) = open(10, 1);
    sw.send(&p).await.unwrap();
    assert!(answer(&mut sr, id).await.unwrap_err().contains("at most"));
    // An unknown transfer is gone; asking past a transfer's end (its offer said more
    // than the sender opened) ends it for that receiver instead of waiting for good.
    for (transfer, from, why) in [(Uuid::new_v4(), 0, "no longer available"), (t, 100, SHORTER)] {
        rw.send(&ClientPacket::FileWant {
            transfer,
            from,
            count: 1,
        })
        .await
        .unwrap();
        loop {
            match rr.recv::<HostPacket>().await.unwrap().unwrap() {
                HostPacket::FileGone { transfer: g, reason } if g == transfer => {
                    assert_eq!(reason, why);
                    break;
                }
                _ => {}
            }
        }
    }
}

/// A request whose answer was lost with a link comes again with the same id: a room
/// made, or left, is acknowledged as the first time. Before, only messages were
/// remembered, and the resend was refused ("already exists", "not a member") for what
/// had worked.
#[tokio::test]
async fn a_resent_request_is_answered_as_the_first_was() {
    let (_host, addr, hid) = start_host().await;
    let (mut r, mut w) = raw(addr, &hid, &Identity::generate().unwrap(), "ivy", None).await;
    let id = Uuid::new_v4();
    let create = ClientPacket::RoomCreate { id, name: "ops".into() };
    w.send(&create).await.unwrap();
    let room = loop {
        if let HostPacket::RoomSync { room, .. } = r.recv::<HostPacket>().await.unwrap().unwrap() {
            break room;
        }
    };
    assert_eq!(answer(&mut r, id).await, Ok(()));
    w.send(&create).await.unwrap();
    assert_eq!(answer(&mut r, id).await, Ok(()), "the same create again");
    let other = Uuid::new_v4();
    w.send(&ClientPacket::RoomCreate {
        id: other,
        name: "ops".into(),
    })
    .await
    .unwrap();
    assert!(answer(&mut r, other).await.is_err(), "a new create of it is refused");
    let id = Uuid::new_v4();
    let leave = ClientPacket::RoomLeave { id, room };
    for n in 0..2 {
        w.send(&leave).await.unwrap();
        assert_eq!(answer(&mut r, id).await, Ok(()), "leave {n}");
    }
}
