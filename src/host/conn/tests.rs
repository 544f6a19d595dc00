//! The writer's order: what the state queued for a link goes out before the log
//! entries pulled after it (a room's sync before the room's entries).

use super::*;
use crate::host::HostOptions;
use crate::host::member::Member;
use crate::protocol::codec::decode;
use crate::protocol::{Conv, EntryBody};

fn packet(o: &Out) -> HostPacket {
    let Out::Frames(Frames::One(f)) = o else {
        panic!("not one frame: {o:?}")
    };
    decode(f).unwrap()
}

/// A host state with `alice` in room `ops` (one entry in its log) and `bob`, online,
/// whose writer queue is returned.
fn state_with_room() -> (State, mpsc::Receiver<Out>, uuid::Uuid) {
    let mut state = State::new(HostOptions::default(), crate::group::new_signature_key().unwrap());
    let (out, rx) = mpsc::channel(8);
    let link = MemberLink {
        conn: 1,
        out,
        notify: Arc::new(Notify::new()),
        cancel: CancellationToken::new(),
        close: Default::default(),
    };
    state
        .members
        .insert("bob".into(), Member::new("bob", [2; 32], link, false));
    let room = state.rooms.create("ops", "alice").unwrap();
    let conv = Conv::Room { id: room };
    state.append(&conv, None, None, EntryBody::Left { name: "carol".into() });
    (state, rx, room)
}

#[test]
fn a_room_sync_queued_before_the_pull_goes_out_before_the_rooms_entries() {
    let (mut state, mut rx, room) = state_with_room();
    // Bob joins between the writer's last look at its queue and its pull.
    state.rooms.join(room, "bob").unwrap();
    if let Some(m) = state.members.get_mut("bob") {
        m.cursors.insert(Conv::Room { id: room }, 0);
    }
    state.sync_room_to("bob", room);

    let Next {
        queued,
        entries: pulled,
        more,
    } = queued_then_pulled(&mut state, &mut rx, "bob", false);
    assert!(!more);
    assert_eq!(queued.len(), 1);
    assert!(matches!(packet(&queued[0]), HostPacket::RoomSync { room: r, seq: 0, .. } if r == room));
    assert_eq!(pulled.len(), 1);
    let entry = packet(&Out::Frames(pulled[0].clone()));
    assert!(matches!(entry, HostPacket::Entry { seq: 1, .. }), "{entry:?}");
    assert!(rx.try_recv().is_err());
}

#[test]
fn nothing_is_pulled_once_a_close_is_queued() {
    let (mut state, mut rx, room) = state_with_room();
    if let Some(m) = state.members.get_mut("bob") {
        m.cursors.insert(Conv::Room { id: room }, 0);
    }
    state.kick("bob", "bye");
    let next = queued_then_pulled(&mut state, &mut rx, "bob", false);
    assert!(
        matches!(next.queued.last(), Some(Out::Close { .. })),
        "{:?}",
        next.queued
    );
    assert!(next.entries.is_empty());
    // The entry stays for the member's next link.
    assert_eq!(
        state
            .members
            .get("bob")
            .and_then(|m| m.cursors.values().next().copied()),
        Some(0)
    );
}

#[test]
fn a_long_queue_goes_first_and_entries_wait_for_the_next_batch() {
    let (mut state, _rx, room) = state_with_room();
    let (out, mut rx) = mpsc::channel(4 * WRITE_BATCH);
    if let Some(m) = state.members.get_mut("bob") {
        m.cursors.insert(Conv::Room { id: room }, 0);
        if let Some(l) = m.link.as_mut() {
            l.out = out;
        }
    }
    for _ in 0..WRITE_BATCH + 3 {
        state.send("bob", &HostPacket::Pong { timestamp: 1 });
    }
    // A batch's worth of the queue, no entries, and a note to come back.
    let next = queued_then_pulled(&mut state, &mut rx, "bob", false);
    assert_eq!(
        (next.queued.len(), next.entries.len(), next.more),
        (WRITE_BATCH, 0, true)
    );
    // Then the rest of the queue, and the entry after it.
    let next = queued_then_pulled(&mut state, &mut rx, "bob", false);
    assert_eq!((next.queued.len(), next.entries.len(), next.more), (3, 1, false));
    // A cancelled link (kicked with a full queue) pulls nothing: the entry stays.
    state.append(
        &Conv::Room { id: room },
        None,
        None,
        EntryBody::Left { name: "dan".into() },
    );
    let next = queued_then_pulled(&mut state, &mut rx, "bob", true);
    assert!(next.entries.is_empty() && !next.more);
}

/// A session's host-side writer over loopback, and the inner state of a host.
async fn loopback_writer() -> (SessionWriter, crate::session::Session, Arc<Inner>) {
    use crate::crypto::Identity;
    use crate::session::{HostVerifier, MemoryVerifier, connect};
    let host = Identity::generate().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let h = host.clone();
    let accepted = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        accept(tcp, &h).await
    });
    let v = MemoryVerifier::default();
    v.trust(&addr.to_string(), &host.host_identity()).unwrap();
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let client = connect(tcp, &Identity::generate().unwrap(), &addr.to_string(), &v)
        .await
        .unwrap();
    let (_, w) = accepted.await.unwrap().unwrap().split();
    let inner = crate::host::Host::new(Arc::new(host)).inner_for_tests();
    (w, client, inner)
}

/// The most each of a member's two tasks (reader, writer) may hold while idle, in
/// bytes of its future: a thousand idle members cost their tasks 4 MiB at most.
const MEMBER_TASK_BYTES: usize = 2048;

/// Every member holds a reader and a writer task for its link's life: their futures
/// stay small (the handshake's ~12 KiB state once stayed in every reader task).
#[tokio::test]
async fn an_idle_members_tasks_are_small() {
    let (w, _client, inner) = loopback_writer().await;
    let (link, rx) = new_link(&inner);
    let writer = write_loop(
        w,
        rx,
        link.notify.clone(),
        (link.cancel.clone(), link.close.clone()),
        inner.clone(),
        true,
    );
    let (io, _other) = tokio::io::duplex(64);
    let reader = serve_remote(inner.clone(), Box::new(io), None);
    let sizes = (std::mem::size_of_val(&writer), std::mem::size_of_val(&reader));
    assert!(
        sizes.0 <= MEMBER_TASK_BYTES && sizes.1 <= MEMBER_TASK_BYTES,
        "writer and reader tasks: {sizes:?} bytes"
    );
}

/// A member whose queue is full is closed with the reason (policy code), though the
/// reason could not be queued. Before, it saw a normal close and no reason.
#[tokio::test]
async fn a_member_closed_for_a_full_queue_is_told_why() {
    let (w, client, inner) = loopback_writer().await;
    let (link, rx) = new_link(&inner);
    // The queue is full: nothing more fits, the close included.
    while link.out.try_send(Out::Member("nobody".into())).is_ok() {}
    crate::host::state::close_link(&link, CLOSE_POLICY, "disconnected: you did not read your messages");
    let writer = tokio::spawn(write_loop(
        w,
        rx,
        link.notify.clone(),
        (link.cancel.clone(), link.close.clone()),
        inner.clone(),
        false,
    ));
    let (mut r, _w) = client.split();
    let got = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match r.recv::<HostPacket>().await {
                Ok(Some(_)) => continue,
                other => return other,
            }
        }
    })
    .await
    .unwrap();
    match got {
        Err(SessionError::ClosedWith { code, reason }) => {
            assert_eq!(code, CLOSE_POLICY);
            assert!(reason.contains("did not read"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    writer.await.unwrap();
}

/// A connection's slot is free only once its writer has ended (it closes the socket),
/// not when its reader stops: before, a member whose writer was stuck on a full socket
/// for up to 20 s no longer counted against the connection cap.
#[tokio::test]
async fn a_connections_slot_is_held_until_its_writer_ends() {
    use crate::crypto::Identity;
    use crate::session::{HostVerifier, MemoryVerifier, connect};
    let host = Identity::generate().unwrap();
    let inner = crate::host::Host::new(Arc::new(host.clone())).inner_for_tests();
    let slots = Arc::new(tokio::sync::Semaphore::new(1));
    let slot = slots.clone().try_acquire_owned().unwrap();
    // A small pipe: the host's answers soon fill it while the client does not read.
    let (host_end, client_end) = tokio::io::duplex(512);
    let reader = tokio::spawn(serve_remote(inner, Box::new(host_end), Some(slot)));
    let v = MemoryVerifier::default();
    v.trust("pipe", &host.host_identity()).unwrap();
    let session = connect(client_end, &Identity::generate().unwrap(), "pipe", &v)
        .await
        .unwrap();
    let (mut cr, mut cw) = session.split();
    // Requests before registering: each answered with an error packet the pipe holds
    // only a few of, so the host's writer blocks.
    for _ in 0..20 {
        cw.send(&ClientPacket::RoomList {
            id: uuid::Uuid::new_v4(),
        })
        .await
        .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // A malformed packet: the reader closes the link and ends.
    cw.send_frame(b"\xff\xfe not a packet").await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), reader)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(slots.available_permits(), 0, "the slot went with the reader");
    // The client reads again: the writer sends the rest and its close, and ends.
    let drained = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(_)) = cr.recv::<HostPacket>().await {}
    });
    drained.await.unwrap();
    let freed = tokio::time::timeout(Duration::from_secs(5), async {
        while slots.available_permits() == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    assert!(freed.await.is_ok(), "the slot was not freed once the writer ended");
}
