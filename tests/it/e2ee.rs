//! End-to-end encryption with real processes: a host without a participant routes a
//! DM, a lobby and a room message it cannot read (its memory is searched afterwards),
//! DMs survive host and app restarts, a DM the host calls stale is encrypted again and
//! delivered once, and a member away during group changes reads everything after.

use crate::cli::Proc;
use crate::common::{Peer, start_host};
use crate::proxy::Proxy;
use severus::service::{Command, Event};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// True if `needle` is anywhere in the readable memory of process `pid` (read as root
/// through /proc/PID/mem, region by region).
pub fn in_memory(pid: u32, needle: &[u8]) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(maps) = std::fs::read_to_string(format!("/proc/{pid}/maps")) else {
        return false;
    };
    let Ok(mut mem) = std::fs::File::open(format!("/proc/{pid}/mem")) else {
        return false;
    };
    for line in maps.lines() {
        let mut parts = line.split_whitespace();
        let (Some(range), Some(perms)) = (parts.next(), parts.next()) else {
            continue;
        };
        if !perms.starts_with('r') {
            continue;
        }
        let Some((a, b)) = range.split_once('-') else { continue };
        let (Ok(a), Ok(b)) = (u64::from_str_radix(a, 16), u64::from_str_radix(b, 16)) else {
            continue;
        };
        if b - a > (1 << 30) || mem.seek(SeekFrom::Start(a)).is_err() {
            continue;
        }
        let mut buf = vec![0u8; (b - a) as usize];
        if mem.read_exact(&mut buf).is_ok() && buf.windows(needle.len()).any(|w| w == needle) {
            return true;
        }
    }
    false
}

/// Checks that reading another process's memory works here at all.
pub fn can_read_memory(pid: u32) -> bool {
    std::fs::File::open(format!("/proc/{pid}/mem")).is_ok()
}

pub async fn bare_host(dir: &Path, port: u16) -> (Proc, SocketAddr) {
    bare_host_with(dir, port, &[]).await
}

/// A host with more options (`extra`) after the bind and port.
async fn bare_host_with(dir: &Path, port: u16, extra: &[&str]) -> (Proc, SocketAddr) {
    let port = port.to_string();
    let mut args = vec!["host", "--bind", "127.0.0.1", "--port", &port];
    args.extend(extra);
    let mut h = Proc::spawn(dir, &args);
    let l = h.line_where(|l| l.starts_with("listening: ")).await;
    (h, l["listening: ".len()..].parse().unwrap())
}

pub fn member(dir: &Path, target: SocketAddr, name: &str, trust: bool) -> Proc {
    let t = target.to_string();
    let mut args = vec!["join", &t, "--name", name];
    if trust {
        args.push("--trust");
    }
    Proc::spawn(dir, &args)
}

/// gina and hugo, trusting the host on first use, both in (gina saw hugo join).
pub async fn gina_and_hugo(dir: &Path, addr: SocketAddr) -> (Proc, Proc) {
    let mut gina = member(&dir.join("gina"), addr, "gina", true);
    connected(&mut gina).await;
    let mut hugo = member(&dir.join("hugo"), addr, "hugo", true);
    connected(&mut hugo).await;
    gina.line("* hugo joined").await;
    (gina, hugo)
}

pub async fn connected(p: &mut Proc) {
    p.err_line(|l| l.starts_with("connected to ")).await;
}

#[tokio::test]
async fn a_host_without_a_participant_routes_a_dm_a_lobby_and_a_room_message_it_cannot_read() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (mut host, addr) = bare_host(&d("host"), 0).await;
    let pid = host.pid().unwrap();
    assert!(
        can_read_memory(pid),
        "this test reads the host's memory: run it as root"
    );
    let (mut gina, mut hugo) = gina_and_hugo(tmp.path(), addr).await;
    let secret = format!("the eagle lands at dawn {}", uuid::Uuid::new_v4().simple());
    gina.say(&format!("/dm hugo {secret}")).await;
    hugo.line(&format!("[dm from gina] {secret}")).await;
    gina.line(&format!("[dm to hugo] {secret}")).await;
    hugo.say("/dm gina roger").await;
    gina.line("[dm from hugo] roger").await;
    // A lobby message and a room message: end-to-end encrypted too.
    let lobby = format!("lobby text {}", uuid::Uuid::new_v4().simple());
    gina.say(&lobby).await;
    hugo.line(&format!("[lobby] gina: {lobby}")).await;
    hugo.say("/create hideout").await;
    hugo.say("ready").await;
    hugo.line("[hideout] hugo: ready").await;
    gina.say("/join hideout").await;
    hugo.line("* gina joined hideout").await;
    let room = format!("room text {}", uuid::Uuid::new_v4().simple());
    gina.say(&room).await;
    hugo.line(&format!("[hideout] gina: {room}")).await;
    // What the host routes by is found by the search (names, the room's name)...
    assert!(in_memory(pid, b"hugo"), "the memory search finds what is there");
    assert!(in_memory(pid, b"hideout"), "the memory search finds the room's name");
    // ... and no text is anywhere in it.
    for (what, text) in [("DM", &secret), ("lobby message", &lobby), ("room message", &room)] {
        assert!(!in_memory(pid, text.as_bytes()), "the host holds the {what}'s text");
    }
    assert!(
        !in_memory(pid, b"the eagle lands"),
        "the host holds part of the DM's text"
    );
    host.kill().await;
}

#[tokio::test]
async fn dms_survive_a_host_restart_and_app_restarts_without_a_prompt() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (mut host, addr) = bare_host(&d("host"), 0).await;
    let (mut gina, mut hugo) = gina_and_hugo(tmp.path(), addr).await;
    gina.say("/dm hugo one").await;
    hugo.line("[dm from gina] one").await;

    // kill -9 the host and start it again: the DM group lives on in the members.
    host.kill().await;
    gina.line("* reconnecting").await;
    let (mut host2, _) = bare_host(&d("host"), addr.port()).await;
    gina.line("* reconnected").await;
    hugo.line("* reconnected").await;
    gina.say("/dm hugo two").await;
    hugo.line("[dm from gina] two").await;
    hugo.say("/dm gina back").await;
    gina.line("[dm from hugo] back").await;

    // hugo's app restarts (no --trust: the host is pinned, so no prompt).
    tokio::time::sleep(Duration::from_secs(1)).await;
    hugo.kill().await;
    gina.say("/dm hugo three").await;
    gina.line("[dm to hugo] three").await;
    let mut hugo = member(&d("hugo"), addr, "hugo", false);
    hugo.line("[dm from gina] three").await;
    hugo.say("/dm gina four").await;
    gina.line("[dm from hugo] four").await;
    // And gina's.
    tokio::time::sleep(Duration::from_secs(1)).await;
    gina.kill().await;
    let mut gina = member(&d("gina"), addr, "gina", false);
    connected(&mut gina).await;
    gina.say("/dm hugo five").await;
    hugo.line("[dm from gina] five").await;
    for p in [&mut gina, &mut hugo] {
        assert!(
            !p.drain_err().iter().any(|l| l.contains("Trust this host")),
            "no trust prompt"
        );
        assert!(!p.seen_out.iter().any(|l| l.starts_with("! ")), "{:#?}", p.seen_out);
    }
    host2.kill().await;
}

#[tokio::test]
async fn a_stale_dm_is_encrypted_again_and_delivered_once() {
    let (_host, addr, hid) = start_host().await;
    let mut ana = Peer::join(addr, &hid, "ana").await;
    let proxy = Proxy::start(addr).await;
    let mut bob = Peer::trusting(&proxy.addr.to_string(), &hid);
    bob.cmd(Command::Connect {
        target: proxy.addr.to_string(),
        name: "bob".into(),
        net: Default::default(),
    })
    .await;
    bob.until(|e| matches!(e, Event::Connected { .. })).await;
    ana.until(|e| matches!(e, Event::Joined { name, .. } if name == "bob"))
        .await;
    ana.cmd(Command::Dm {
        to: "bob".into(),
        text: "hi".into(),
    })
    .await;
    bob.until(|e| matches!(e, Event::Dm { body, .. } if body == "hi")).await;

    // bob hears nothing for a moment: ana refreshes her keys (a commit), and bob
    // answers in the epoch he knows, which the host then calls stale.
    proxy.hold.store(true, Ordering::SeqCst);
    ana.cmd(Command::UpdateKeys { to: "bob".into() }).await;
    ana.until(|e| matches!(e, Event::Acked { .. })).await;
    bob.cmd(Command::Dm {
        to: "ana".into(),
        text: "answer".into(),
    })
    .await;
    // Not delivered meanwhile: the host refused it as stale (it would reach ana, who
    // is not behind the proxy, at once otherwise).
    ana.drain_for(Duration::from_millis(500)).await;
    assert!(!ana.saw(|e| matches!(e, Event::Dm { body, .. } if body == "answer")));
    proxy.hold.store(false, Ordering::SeqCst);

    ana.until(|e| matches!(e, Event::Dm { body, .. } if body == "answer"))
        .await;
    bob.until(|e| matches!(e, Event::DmSent { body, .. } if body == "answer"))
        .await;
    ana.cmd(Command::Dm {
        to: "bob".into(),
        text: "sentinel".into(),
    })
    .await;
    bob.until(|e| matches!(e, Event::Dm { body, .. } if body == "sentinel"))
        .await;
    ana.cmd(Command::Dm {
        to: "bob".into(),
        text: "sentinel 2".into(),
    })
    .await;
    bob.until(|e| matches!(e, Event::Dm { body, .. } if body == "sentinel 2"))
        .await;
    let answers = ana
        .log
        .iter()
        .filter(|e| matches!(e, Event::Dm { body, .. } if body == "answer"))
        .count();
    assert_eq!(answers, 1, "delivered once");
    assert!(!bob.saw(|e| matches!(e, Event::Failed { .. })));
    assert!(!ana.saw(|e| matches!(e, Event::Undecryptable { .. })));
}

/// A member away while two others join the lobby and one of them leaves again (three
/// commits of the lobby's group) comes back and reads everything, in order.
#[tokio::test]
async fn away_during_two_joins_and_a_leave_comes_back_and_reads_everything() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (_host, addr) = bare_host(&d("host"), 0).await;
    let proxy = Proxy::start(addr).await;
    let mut ana = member(&d("ana"), addr, "ana", true);
    connected(&mut ana).await;
    let mut bob = member(&d("bob"), proxy.addr, "bob", true);
    connected(&mut bob).await;
    ana.line("* bob joined").await;

    proxy.down();
    bob.line("* reconnecting").await;
    ana.say("one").await;
    ana.line("[lobby] ana: one").await;
    let mut cy = member(&d("cy"), addr, "cy", true);
    connected(&mut cy).await;
    ana.line("* cy joined").await;
    ana.say("two").await;
    cy.line("[lobby] ana: two").await;
    let mut dan = member(&d("dan"), addr, "dan", true);
    connected(&mut dan).await;
    ana.line("* dan joined").await;
    dan.say("three").await;
    ana.line("[lobby] dan: three").await;
    cy.say("/quit").await;
    ana.line("* cy left").await;
    // The host proposes cy's removal and a member commits it; then more is said.
    tokio::time::sleep(Duration::from_millis(500)).await;
    ana.say("four").await;
    dan.line("[lobby] ana: four").await;
    proxy.restore();

    bob.line("* reconnected").await;
    for want in [
        "[lobby] ana: one",
        "* cy joined",
        "[lobby] ana: two",
        "* dan joined",
        "[lobby] dan: three",
        "* cy left",
        "[lobby] ana: four",
    ] {
        bob.line(want).await;
    }
    // And live traffic after it, both ways.
    dan.say("five").await;
    bob.line("[lobby] dan: five").await;
    bob.say("six").await;
    ana.line("[lobby] bob: six").await;
    assert!(!bob.seen_out.iter().any(|l| l.starts_with("! ")), "{:#?}", bob.seen_out);
}

/// A member whose app dies while in a room comes back with the same data dir, types
/// `/join` for the room and talks in it: killed and back within the grace period (the
/// resume puts it back into the room first), and stopped by SIGTERM and back after it
/// (the host let it go; its old leaf is still in the room's group). Before, the join of a room it was already in was answered but
/// never said "joined", so the CLI held its lines for JOIN_WAIT, then sent them to the
/// lobby.
async fn back_from_a_crash_rejoins_a_room(grace: Option<u64>) {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let grace_s = grace.map(|g| g.to_string());
    let extra: Vec<&str> = grace_s.iter().flat_map(|g| ["--grace", g.as_str()]).collect();
    let (_host, addr) = bare_host_with(&d("host"), 0, &extra).await;
    let mut ana = member(&d("ana"), addr, "ana", true);
    connected(&mut ana).await;
    let mut bob = member(&d("bob"), addr, "bob", true);
    connected(&mut bob).await;
    ana.say("/create ops").await;
    ana.say("first").await;
    ana.line("[ops] ana: first").await;
    bob.say("/join ops").await;
    ana.line("* bob joined ops").await;
    bob.say("before").await;
    ana.line("[ops] bob: before").await;

    tokio::time::sleep(Duration::from_secs(1)).await;
    if grace.is_some() {
        // Closed by a signal this time, as a terminal closing does.
        let pid = bob.pid().unwrap().to_string();
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        bob.exit_code().await;
        ana.line("* bob left").await;
    } else {
        bob.kill().await;
    }
    let mut bob = member(&d("bob"), addr, "bob", false);
    connected(&mut bob).await;
    // What the reconnection does by itself comes first, as for a user who takes a
    // moment to type.
    tokio::time::sleep(Duration::from_millis(500)).await;
    bob.say("/join ops").await;
    bob.say("after").await;
    ana.line("[ops] bob: after").await;
    ana.say("welcome back").await;
    bob.line("[ops] ana: welcome back").await;
    for p in [&ana, &bob] {
        assert!(!p.seen_out.iter().any(|l| l.starts_with("! ")), "{:#?}", p.seen_out);
    }
}

#[tokio::test]
async fn a_member_back_from_a_crash_rejoins_a_room_it_was_in() {
    back_from_a_crash_rejoins_a_room(None).await;
}

#[tokio::test]
async fn a_member_back_after_the_grace_period_rejoins_a_room_it_was_in() {
    back_from_a_crash_rejoins_a_room(Some(2)).await;
}
