//! A host with several members over real loopback sockets, through the service API:
//! lobby, DMs, rooms, lists, and every refusal a person can run into.

use crate::common::{Peer, start_host, trusting};
use severus::crypto::Identity;
use severus::protocol::limits::{MAX_BODY_LEN, RATE_BURST};
use severus::protocol::{ClientPacket, HostPacket, RoomInfo};
use severus::service::{Command, Event};
use severus::session::{self, SessionReader, SessionWriter};
use std::net::SocketAddr;
use std::time::Duration;
use uuid::Uuid;

fn is_msg(e: &Event, body: &str) -> bool {
    matches!(e, Event::Message { body: b, .. } if b == body)
}

#[tokio::test]
async fn lobby_dms_and_rooms_with_three_members() {
    let (_host, addr, hid) = start_host().await;
    let mut a = Peer::join(addr, &hid, "alice").await;
    let mut b = Peer::join(addr, &hid, "bob").await;
    let mut c = Peer::join(addr, &hid, "carol").await;
    a.until(|e| matches!(e, Event::Joined { name, room: None } if name == "carol"))
        .await;

    // Lobby reaches everyone, the sender's echo marked as own, then acknowledged.
    a.cmd(Command::Send {
        room_id: None,
        text: "hello all".into(),
    })
    .await;
    let echo = a.message("hello all").await;
    assert!(matches!(echo, Event::Message { own: true, ref room_name, .. } if room_name == "lobby"));
    a.until(|e| matches!(e, Event::Acked { .. })).await;
    let got = b.message("hello all").await;
    assert!(matches!(got, Event::Message { own: false, ref from, .. } if from == "alice"));
    c.message("hello all").await;

    // A DM reaches only its target; the sender sees it accepted.
    a.cmd(Command::Dm {
        to: "BOB".into(),
        text: "psst".into(),
    })
    .await;
    b.until(|e| matches!(e, Event::Dm { body, from, .. } if body == "psst" && from == "alice"))
        .await;
    a.until(|e| matches!(e, Event::DmSent { to, .. } if to == "bob")).await;

    // Rooms: create (creator joins), join by name in another case.
    a.cmd(Command::CreateRoom { name: "ops".into() }).await;
    let Event::RoomJoined { room_id: ops, .. } = a.until(|e| matches!(e, Event::RoomJoined { .. })).await else {
        unreachable!()
    };
    b.cmd(Command::JoinRoom { room: "OPS".into() }).await;
    b.until(|e| matches!(e, Event::RoomJoined { room_id, .. } if *room_id == ops))
        .await;
    a.until(|e| matches!(e, Event::Joined { name, room: Some(r) } if name == "bob" && r == "ops"))
        .await;

    b.cmd(Command::Send {
        room_id: Some(ops),
        text: "ops only".into(),
    })
    .await;
    a.until(|e| matches!(e, Event::Message { body, room_name, .. } if body == "ops only" && room_name == "ops"))
        .await;
    b.message("ops only").await;

    // A non-member cannot post into the room: refused, with its text.
    c.cmd(Command::JoinRoom { room: ops.to_string() }).await; // joins by id...
    c.until(|e| matches!(e, Event::RoomJoined { .. })).await;
    c.cmd(Command::LeaveRoom { room_id: ops }).await; // ...and leaves again
    c.until(|e| matches!(e, Event::RoomLeft { .. })).await;
    c.cmd(Command::Send {
        room_id: Some(ops),
        text: "sneaky".into(),
    })
    .await;
    let refused = c.until(|e| matches!(e, Event::Failed { .. })).await;
    assert!(
        matches!(refused, Event::Failed { ref reason, text: Some(ref t), .. } if reason.contains("not a member") && t == "sneaky")
    );

    // Sentinel: a later lobby message proves c never got the DM or the room message.
    a.cmd(Command::Send {
        room_id: None,
        text: "sentinel".into(),
    })
    .await;
    c.message("sentinel").await;
    assert!(!c.saw(|e| matches!(e, Event::Dm { .. })));
    assert!(!c.saw(|e| is_msg(e, "ops only") || is_msg(e, "sneaky")));
    b.message("sentinel").await;
    assert!(!b.saw(|e| is_msg(e, "sneaky")));

    // Leave updates the room's members for those who stay.
    b.cmd(Command::LeaveRoom { room_id: ops }).await;
    b.until(|e| matches!(e, Event::RoomLeft { room_id, .. } if *room_id == ops))
        .await;
    a.until(|e| matches!(e, Event::Left { name, room: Some(_) } if name == "bob"))
        .await;
    a.until(|e| matches!(e, Event::RoomMembers { members, .. } if members.len() == 1))
        .await;

    // Disconnect updates every list; the last member leaving removes the room.
    c.cmd(Command::Disconnect).await;
    a.until(|e| matches!(e, Event::Left { name, room: None } if name == "carol"))
        .await;
    b.until(|e| matches!(e, Event::Users { users } if users.len() == 2))
        .await;
    a.cmd(Command::Disconnect).await;
    b.until(|e| matches!(e, Event::Rooms { rooms } if rooms.iter().all(|r: &RoomInfo| r.id != ops)))
        .await;
    b.until(|e| matches!(e, Event::Users { users } if users.len() == 1))
        .await;
}

#[tokio::test]
async fn refused_names_leave_everyone_else_unaffected() {
    let (_host, addr, hid) = start_host().await;
    let mut a = Peer::join(addr, &hid, "alice").await;
    for (name, why) in [
        ("ALICE", "taken"),
        // Cyrillic а, Greek Α: other names that would pass for alice.
        ("\u{430}lice", "looks too much like 'alice', who is here"),
        ("\u{391}LICE", "looks too much like 'alice'"),
        ("a b", "only contain"),
        ("me", "reserved"),
        ("", "empty"),
        (&"x".repeat(33)[..], "longer"),
    ] {
        let mut p = Peer::new(addr, &hid);
        p.cmd(Command::Connect {
            target: addr.to_string(),
            name: name.into(),
            net: Default::default(),
        })
        .await;
        let e = p.until(|e| matches!(e, Event::RegistrationRefused { .. })).await;
        assert!(
            matches!(&e, Event::RegistrationRefused { reason } if reason.contains(why)),
            "{name:?}: {e:?}"
        );
    }
    a.cmd(Command::Send {
        room_id: None,
        text: "still here".into(),
    })
    .await;
    a.message("still here").await;
    assert!(!a.saw(|e| matches!(e, Event::Joined { name, .. } if name != "alice")));
}

/// A host started with a member cap (`host --max-members N`) refuses the next name
/// with a reason, and keeps serving those inside it.
#[tokio::test]
async fn a_full_host_refuses_the_next_member_and_serves_the_others() {
    let hid = Identity::generate().unwrap();
    let opts = severus::host::HostOptions {
        max_members: 2,
        ..Default::default()
    };
    let mut host = severus::host::Host::with_options(std::sync::Arc::new(hid.clone()), opts);
    let addr = host.listen_tcp("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let mut a = Peer::join(addr, &hid, "alice").await;
    let _b = Peer::join(addr, &hid, "bob").await;
    let mut c = Peer::new(addr, &hid);
    c.cmd(Command::Connect {
        target: addr.to_string(),
        name: "cleo".into(),
        net: Default::default(),
    })
    .await;
    let e = c.until(|e| matches!(e, Event::RegistrationRefused { .. })).await;
    assert!(
        matches!(&e, Event::RegistrationRefused { reason } if reason.contains("full (2 members)")),
        "{e:?}"
    );
    a.cmd(Command::Send {
        room_id: None,
        text: "two is company".into(),
    })
    .await;
    a.message("two is company").await;
}

/// A raw member: a real session, driven packet by packet.
pub(crate) async fn raw(
    addr: SocketAddr,
    host: &Identity,
    me: &Identity,
    name: &str,
    rcvbuf: Option<u32>,
) -> (SessionReader, SessionWriter) {
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    if let Some(n) = rcvbuf {
        sock.set_recv_buffer_size(n).unwrap();
    }
    let tcp = sock.connect(addr).await.unwrap();
    let s = session::connect(tcp, me, &addr.to_string(), &trusting(addr, host))
        .await
        .unwrap();
    let (mut r, mut w) = s.split();
    let register = ClientPacket::Register {
        secret: None,
        id: Uuid::new_v4(),
        name: name.into(),
        resume: None,
    };
    w.send(&register).await.unwrap();
    assert!(matches!(
        r.recv::<HostPacket>().await.unwrap(),
        Some(HostPacket::Welcome { .. })
    ));
    (r, w)
}

/// A cheap request (answered by the room list, then an Ack).
fn request() -> (Uuid, ClientPacket) {
    let id = Uuid::new_v4();
    (id, ClientPacket::RoomList { id })
}

#[tokio::test]
async fn same_name_same_key_replaces_another_key_is_taken() {
    let (_host, addr, hid) = start_host().await;
    let me = Identity::generate().unwrap();
    let (mut r1, _w1) = raw(addr, &hid, &me, "dora", None).await;
    let (_r2, _w2) = raw(addr, &hid, &me, "Dora", None).await;
    // The old session is told why and closed.
    let mut told = false;
    while let Ok(Some(p)) = r1.recv::<HostPacket>().await {
        told |= matches!(p, HostPacket::Error { ref message } if message.contains("replaced"));
    }
    assert!(told);
    // Another key cannot take the name, even after its owner is gone.
    let mut p = Peer::new(addr, &hid);
    p.cmd(Command::Connect {
        target: addr.to_string(),
        name: "dora".into(),
        net: Default::default(),
    })
    .await;
    p.until(|e| matches!(e, Event::RegistrationRefused { reason } if reason.contains("taken")))
        .await;
}

#[tokio::test]
async fn a_flood_is_refused_with_reasons_and_others_are_unaffected() {
    let (_host, addr, hid) = start_host().await;
    let mut b = Peer::join(addr, &hid, "bob").await;
    let (mut r, mut w) = raw(addr, &hid, &Identity::generate().unwrap(), "flood", None).await;
    // 100 requests at once: the burst passes, the rest are refused.
    let mut ids = vec![];
    for _ in 0..100 {
        let (id, p) = request();
        ids.push(id);
        w.send(&p).await.unwrap();
    }
    let (mut acked, mut slowed) = (0, 0);
    while acked + slowed < 100 {
        let got = tokio::time::timeout(Duration::from_secs(10), r.recv::<HostPacket>()).await;
        match got.unwrap().unwrap().unwrap() {
            HostPacket::Ack { id, .. } if ids.contains(&id) => acked += 1,
            HostPacket::Refused { id, reason } if ids.contains(&id) => {
                assert!(reason.contains("slow down"), "{reason}");
                slowed += 1;
            }
            _ => {}
        }
    }
    assert!(acked >= RATE_BURST as usize - 10 && acked < 70, "acked {acked}");
    assert!(slowed > 30, "slowed {slowed}");
    // Bob is unaffected and can still talk; an oversized message is refused by his
    // own app before anything is sent.
    b.cmd(Command::Send {
        room_id: None,
        text: "fine here".into(),
    })
    .await;
    b.message("fine here").await;
    b.cmd(Command::Send {
        room_id: None,
        text: "x".repeat(MAX_BODY_LEN + 1),
    })
    .await;
    let e = b.until(|e| matches!(e, Event::Failed { .. })).await;
    assert!(
        matches!(e, Event::Failed { ref reason, .. } if reason.contains("limit")),
        "{e:?}"
    );
}

/// A member that never reads costs the host nothing but its place in the logs: its
/// writes stall, its link is closed at the write timeout, and it shows as away.
#[tokio::test]
async fn a_member_that_never_reads_is_disconnected_and_others_get_everything() {
    let (_host, addr, hid) = start_host().await;
    let mut watcher = Peer::join(addr, &hid, "watcher").await;
    // Tiny receive buffer and never a read.
    // (It registers, but never joins the lobby's group: nobody sees it join.)
    let (_slow_r, _slow_w) = raw(addr, &hid, &Identity::generate().unwrap(), "slowpoke", Some(4096)).await;

    let mut senders = vec![];
    for n in 0..3 {
        senders.push(Peer::join(addr, &hid, &format!("sender{n}")).await);
    }
    let body = "z".repeat(MAX_BODY_LEN - 16);
    let mut sent = 0usize;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(45);
    let mut kicked = false;
    let gone = |e: &Event| matches!(e, Event::Presence { name, away: true } if name == "slowpoke");
    while !kicked && tokio::time::Instant::now() < deadline {
        for s in senders.iter_mut() {
            let text = format!("{sent} {body}");
            s.cmd(Command::Send {
                room_id: None,
                text: text.clone(),
            })
            .await;
            // Wait until the host stored it, so we stay under the rate limit.
            s.until(|e| matches!(e, Event::Message { own: true, body, .. } if *body == text))
                .await;
            sent += 1;
        }
        tokio::time::sleep(Duration::from_millis(60)).await;
        let last = format!("{} {body}", sent - 1);
        watcher
            .until(|e| matches!(e, Event::Message { body: b, .. } if *b == last))
            .await;
        kicked = watcher.saw(gone);
    }
    assert!(kicked, "slowpoke still connected after {sent} messages");
    // The watcher got every message, in order.
    let got: Vec<usize> = watcher
        .log
        .iter()
        .filter_map(|e| match e {
            Event::Message { body, .. } => body.split(' ').next()?.parse().ok(),
            _ => None,
        })
        .collect();
    assert_eq!(got, (0..sent).collect::<Vec<_>>());
}
