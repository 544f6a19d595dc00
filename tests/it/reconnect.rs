//! Links drop, messages do not: a host process killed and restarted, and a proxy that
//! cuts and restores a client's link. Every message is delivered once, never twice.

use crate::cli::Proc;
use crate::common::{Peer, start_host};
use crate::proxy::Proxy;
use severus::service::{Command, Event};
use std::sync::atomic::Ordering;
use std::time::Duration;

fn count(lines: &[String], want: &str) -> usize {
    lines.iter().filter(|l| *l == want).count()
}

#[tokio::test]
async fn host_killed_and_restarted_clients_come_back_and_nothing_is_lost() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (mut h, addr, _) = crate::cli::host(&d("host"), 0, crate::cli::Mode::Direct).await;
    let port: u16 = addr.rsplit(':').next().unwrap().parse().unwrap();
    let mut alice = Proc::spawn(&d("alice"), &["join", &addr, "--name", "alice", "--trust"]);
    let mut bob = Proc::spawn(&d("bob"), &["join", &addr, "--name", "bob", "--trust"]);
    for _ in 0..2 {
        h.line_where(|l| l == "* alice joined" || l == "* bob joined").await;
    }
    alice.say("/create ops").await;
    alice.say("ready").await;
    alice.line("[ops] alice: ready").await;
    bob.say("/join ops").await;
    alice.line("* bob joined ops").await;
    alice.say("before").await;
    bob.line("[ops] alice: before").await;

    // The host dies mid-conversation; alice keeps typing.
    h.kill().await;
    alice.line("* reconnecting").await;
    bob.line("* reconnecting").await;
    alice.say("during one").await;
    alice.say("during two").await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Same data dir, same port: same identity, so no trust prompt.
    let (mut h2, addr2, _) = crate::cli::host(&d("host"), port, crate::cli::Mode::Direct).await;
    assert_eq!(addr2, addr);
    alice.line("* reconnected").await;
    bob.line("* reconnected").await;
    alice.line("[ops] alice: during one").await;
    alice.line("[ops] alice: during two").await;

    // After: both back in the room they were in.
    alice.say("after").await;
    bob.line("[ops] alice: after").await;
    bob.say("bob after").await;
    alice.line("[ops] bob: bob after").await;
    alice.say("/leave").await;
    alice.say("sentinel").await;
    bob.line("[lobby] alice: sentinel").await;
    alice.line("[lobby] alice: sentinel").await;

    // Exactly once for the sender, never twice for anyone, nothing reported failed.
    for l in [
        "[ops] alice: before",
        "[ops] alice: during one",
        "[ops] alice: during two",
        "[ops] alice: after",
    ] {
        assert_eq!(count(&alice.seen_out, l), 1, "{l}: {:#?}", alice.seen_out);
        assert!(count(&bob.seen_out, l) <= 1, "{l} twice: {:#?}", bob.seen_out);
    }
    assert_eq!(count(&bob.seen_out, "[ops] alice: before"), 1);
    assert_eq!(count(&bob.seen_out, "[ops] alice: after"), 1);
    assert!(
        !alice.seen_out.iter().any(|l| l.starts_with("! not delivered")),
        "{:#?}",
        alice.seen_out
    );
    alice.close_stdin();
    bob.close_stdin();
    assert_eq!(alice.exit_code().await, 0);
    assert_eq!(bob.exit_code().await, 0);
    h2.kill().await;
}

#[tokio::test]
async fn a_cut_link_comes_back_and_a_lost_ack_is_not_a_duplicate() {
    let (_host, addr, hid) = start_host().await;
    let proxy = Proxy::start(addr).await;
    let mut alice = Peer::trusting(&proxy.addr.to_string(), &hid);
    alice
        .cmd(Command::Connect {
            target: proxy.addr.to_string(),
            name: "alice".into(),
            net: Default::default(),
        })
        .await;
    alice.until(|e| matches!(e, Event::Connected { .. })).await;
    let mut bob = Peer::join(addr, &hid, "bob").await;
    alice.cmd(Command::CreateRoom { name: "ops".into() }).await;
    let Event::RoomJoined { room_id: ops, .. } = alice.until(|e| matches!(e, Event::RoomJoined { .. })).await else {
        unreachable!()
    };
    bob.cmd(Command::JoinRoom { room: "ops".into() }).await;
    alice.until(|e| matches!(e, Event::Joined { room: Some(_), .. })).await;
    alice
        .cmd(Command::Send {
            room_id: Some(ops),
            text: "a1".into(),
        })
        .await;
    bob.message("a1").await;

    // The host gets "a2" and delivers it, but its ack never reaches alice; then the
    // link is cut and refused for a while. Alice types "a3" meanwhile.
    proxy.mute.store(true, Ordering::SeqCst);
    alice
        .cmd(Command::Send {
            room_id: Some(ops),
            text: "a2".into(),
        })
        .await;
    bob.message("a2").await;
    proxy.open.store(false, Ordering::SeqCst);
    proxy.cut();
    alice.until(|e| matches!(e, Event::Reconnecting { .. })).await;
    alice
        .cmd(Command::Send {
            room_id: Some(ops),
            text: "a3".into(),
        })
        .await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    proxy.mute.store(false, Ordering::SeqCst);
    proxy.open.store(true, Ordering::SeqCst);

    alice.until(|e| matches!(e, Event::Reconnected { .. })).await;
    bob.message("a3").await;
    // Everything of alice's is acknowledged, nothing failed.
    let acked = |id| move |e: &Event| matches!(e, Event::Acked { id: i } if *i == id);
    for text in ["a2", "a3"] {
        let id = alice
            .log
            .iter()
            .find_map(|e| match e {
                Event::Queued { id, text: t, .. } if t == text => Some(*id),
                _ => None,
            })
            .unwrap();
        if !alice.saw(acked(id)) {
            alice.until(acked(id)).await;
        }
    }
    assert!(!alice.saw(|e| matches!(e, Event::Failed { .. })), "{:#?}", alice.log);
    // Bob (connected throughout) saw a2 once: the resend was recognised by its id.
    bob.cmd(Command::Send {
        room_id: Some(ops),
        text: "sentinel".into(),
    })
    .await;
    bob.message("sentinel").await;
    let seen = |t: &str| {
        bob.log
            .iter()
            .filter(|e| matches!(e, Event::Message { body, .. } if body == t))
            .count()
    };
    assert_eq!((seen("a1"), seen("a2"), seen("a3")), (1, 1, 1), "{:#?}", bob.log);
    // And alice is back in ops: bob's room message reaches her.
    alice.message("sentinel").await;
}

#[tokio::test]
async fn giving_up_reports_every_waiting_message_as_failed_with_its_text() {
    let (host, addr, hid) = start_host().await;
    let mut a = Peer::join(addr, &hid, "alice").await;
    host.shutdown();
    a.until(|e| matches!(e, Event::Reconnecting { .. })).await;
    a.cmd(Command::Send {
        room_id: None,
        text: "lost in the outbox".into(),
    })
    .await;
    a.until(|e| matches!(e, Event::Queued { .. })).await;
    a.cmd(Command::Disconnect).await;
    let e = a.until(|e| matches!(e, Event::Failed { .. })).await;
    assert!(
        matches!(e, Event::Failed { text: Some(ref t), .. } if t == "lost in the outbox"),
        "{e:?}"
    );
    a.until(|e| matches!(e, Event::Disconnected { reason: None })).await;
}

#[tokio::test]
async fn cancel_stops_a_connect_to_a_host_that_never_answers_at_once() {
    // A listener that takes the connection and never speaks: the handshake would wait
    // for its timeout (10 s), and the user could only wait with it.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap().to_string();
    let held = tokio::spawn(async move {
        let mut kept = vec![];
        while let Ok((tcp, _)) = silent.accept().await {
            kept.push(tcp);
        }
    });
    let (_host, host_addr, host_id) = start_host().await;
    let mut p = Peer::trusting(&host_addr.to_string(), &host_id);
    let connect = |target: String| Command::Connect {
        target,
        name: "alice".into(),
        net: Default::default(),
    };
    p.cmd(connect(silent_addr)).await;
    p.until(|e| matches!(e, Event::Connecting { .. })).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let asked = std::time::Instant::now();
    p.cmd(Command::Disconnect).await;
    p.until(|e| matches!(e, Event::Disconnected { reason: None })).await;
    assert!(asked.elapsed() < Duration::from_secs(3), "took {:?}", asked.elapsed());
    assert!(!p.saw(|e| matches!(e, Event::ConnectFailed { .. })));
    // The service is free at once: the real host is joined next.
    p.cmd(connect(host_addr.to_string())).await;
    p.until(|e| matches!(e, Event::Connected { .. })).await;
    held.abort();
}
