//! Nothing sent while you were away is lost: real host and member processes, links cut
//! by a proxy, logs too small on purpose, the host killed and restarted, grace expiry,
//! clean quits and app restarts. Every message is printed once, or a gap is shown.

use crate::cli::Proc;
use crate::proxy::Proxy;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

/// A host process without a participant of its own; returns it and its address.
async fn bare_host(dir: &Path, extra: &[&str]) -> (Proc, SocketAddr) {
    bare_host_on(dir, 0, extra).await
}

async fn bare_host_on(dir: &Path, port: u16, extra: &[&str]) -> (Proc, SocketAddr) {
    let port = port.to_string();
    let mut args = vec!["host", "--bind", "127.0.0.1", "--port", &port];
    args.extend(extra);
    let mut h = Proc::spawn(dir, &args);
    let l = h.line_where(|l| l.starts_with("listening: ")).await;
    (h, l["listening: ".len()..].parse().unwrap())
}

fn member(dir: &Path, target: SocketAddr, name: &str) -> Proc {
    Proc::spawn(dir, &["join", &target.to_string(), "--name", name, "--trust"])
}

/// Asks for the room list until it reads `want` (lists change as the host answers).
async fn rooms_until(p: &mut Proc, want: &str) {
    for _ in 0..50 {
        p.say("/rooms").await;
        if p.line_where(|l| l.starts_with("* rooms:")).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never saw {want}: {:#?}", p.seen_out);
}

/// Waits until `p` is registered (its own stderr line says so).
async fn connected(p: &mut Proc) {
    p.err_line(|l| l.starts_with("connected to ")).await;
}

#[tokio::test]
async fn a_two_second_cut_loses_nothing_and_nobody_sees_a_leave() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (mut host, addr) = bare_host(&d("host"), &[]).await;
    let proxy = Proxy::start(addr).await;
    let mut gina = member(&d("gina"), addr, "gina");
    connected(&mut gina).await;
    let mut hugo = member(&d("hugo"), proxy.addr, "hugo");
    connected(&mut hugo).await;
    gina.line("* hugo joined").await;
    hugo.say("/create ops").await;
    hugo.say("mine").await;
    hugo.line("[ops] hugo: mine").await;
    gina.say("/join ops").await;
    hugo.line("* gina joined ops").await;

    // Hugo's link is cut for two seconds while gina sends 5 lobby messages, a room
    // message and a DM.
    proxy.down();
    hugo.line("* reconnecting").await;
    gina.say("in the room").await;
    gina.line("[ops] gina: in the room").await;
    gina.say("/leave").await;
    for i in 1..=5 {
        gina.say(&format!("lobby {i}")).await;
        gina.line(&format!("[lobby] gina: lobby {i}")).await;
    }
    gina.say("/dm hugo secret").await;
    gina.line("[dm to hugo] secret").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    proxy.restore();

    hugo.line("* reconnected").await;
    let want = [
        "[ops] gina: in the room",
        "* gina left ops",
        "[lobby] gina: lobby 1",
        "[lobby] gina: lobby 2",
        "[lobby] gina: lobby 3",
        "[lobby] gina: lobby 4",
        "[lobby] gina: lobby 5",
        "[dm from gina] secret",
    ];
    for w in want {
        hugo.line(w).await;
    }
    // Live traffic after the replay, then nothing twice and in order.
    gina.say("after").await;
    hugo.line("[lobby] gina: after").await;
    let got: Vec<&String> = hugo.seen_out.iter().filter(|l| want.contains(&l.as_str())).collect();
    assert_eq!(got, want, "{:#?}", hugo.seen_out);
    for w in want {
        assert_eq!(hugo.count(w), 1, "{w}: {:#?}", hugo.seen_out);
    }
    // Gina never saw hugo leave or join again.
    gina.collect_for(Duration::from_millis(300)).await;
    assert_eq!(gina.count("* hugo left"), 0, "{:#?}", gina.seen_out);
    assert_eq!(gina.count("* hugo joined"), 1, "{:#?}", gina.seen_out);
    host.kill().await;
}

#[tokio::test]
async fn away_longer_than_the_log_holds_shows_the_gap_then_live_traffic() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (mut host, addr) = bare_host(&d("host"), &["--log-entries", "3"]).await;
    let proxy = Proxy::start(addr).await;
    let mut gina = member(&d("gina"), addr, "gina");
    connected(&mut gina).await;
    let mut hugo = member(&d("hugo"), proxy.addr, "hugo");
    connected(&mut hugo).await;
    gina.line("* hugo joined").await;

    proxy.down();
    hugo.line("* reconnecting").await;
    for i in 1..=8 {
        gina.say(&format!("m{i}")).await;
        gina.line(&format!("[lobby] gina: m{i}")).await;
    }
    // Away for longer than the notice delay: the others are told, then told it is back.
    gina.line("* hugo away").await;
    proxy.restore();
    gina.line("* hugo back").await;
    hugo.line("* missed 5 messages in lobby").await;
    for i in 6..=8 {
        hugo.line(&format!("[lobby] gina: m{i}")).await;
    }
    gina.say("live").await;
    hugo.line("[lobby] gina: live").await;
    for i in 1..=5 {
        assert_eq!(hugo.count(&format!("[lobby] gina: m{i}")), 0);
    }
    let gap = hugo.seen_out.iter().position(|l| l.starts_with("* missed")).unwrap();
    let m6 = hugo.seen_out.iter().position(|l| l == "[lobby] gina: m6").unwrap();
    assert!(gap < m6, "the marker stands where the gap is: {:#?}", hugo.seen_out);
    host.kill().await;
}

#[tokio::test]
async fn a_host_killed_and_restarted_delivers_everything_once_whatever_the_order_of_return() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (mut host, addr) = bare_host(&d("host"), &[]).await;
    let port = addr.port();
    // Carol comes back through a proxy that stays shut a while after the restart.
    let late = Proxy::start(addr).await;
    let mut alice = member(&d("alice"), addr, "alice");
    connected(&mut alice).await;
    let mut bob = member(&d("bob"), addr, "bob");
    connected(&mut bob).await;
    let mut carol = member(&d("carol"), late.addr, "carol");
    connected(&mut carol).await;
    alice.say("before").await;
    for p in [&mut alice, &mut bob, &mut carol] {
        p.line("[lobby] alice: before").await;
    }

    // kill -9, and messages typed during the outage.
    host.kill().await;
    late.down();
    for p in [&mut alice, &mut bob, &mut carol] {
        p.line("* reconnecting").await;
    }
    alice.say("during a").await;
    bob.say("during b").await;
    carol.say("during c").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (mut host2, addr2) = bare_host_on(&d("host"), port, &[]).await;
    assert_eq!(addr2, addr);
    for p in [&mut alice, &mut bob] {
        p.line("* reconnected").await;
    }
    alice.say("after a").await;
    bob.line("[lobby] alice: after a").await;
    // Carol returns last: everything of the new incarnation is in the new log.
    tokio::time::sleep(Duration::from_secs(1)).await;
    late.restore();
    carol.line("* reconnected").await;
    carol.say("after c").await;
    let all = [
        "[lobby] alice: before",
        "[lobby] alice: during a",
        "[lobby] bob: during b",
        "[lobby] carol: during c",
        "[lobby] alice: after a",
        "[lobby] carol: after c",
    ];
    for p in [&mut alice, &mut bob, &mut carol] {
        for w in all {
            if p.count(w) == 0 {
                p.line(w).await;
            }
        }
        p.collect_for(Duration::from_millis(300)).await;
        for w in all {
            assert_eq!(p.count(w), 1, "{w}: {:#?}", p.seen_out);
        }
        assert!(
            p.seen_out
                .iter()
                .any(|l| l.starts_with("* the host restarted; messages sent to it before ")),
            "{:#?}",
            p.seen_out
        );
        assert!(
            !p.seen_out.iter().any(|l| l.starts_with("! not delivered")),
            "{:#?}",
            p.seen_out
        );
    }
    host2.kill().await;
}

#[tokio::test]
async fn grace_expiry_frees_the_name_and_the_rooms() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (mut host, addr) = bare_host(&d("host"), &["--grace", "2"]).await;
    let proxy = Proxy::start(addr).await;
    let mut gina = member(&d("gina"), addr, "gina");
    connected(&mut gina).await;
    let mut hugo = member(&d("hugo"), proxy.addr, "hugo");
    connected(&mut hugo).await;
    hugo.say("/create ops").await;
    hugo.say("mine").await;
    hugo.line("[ops] hugo: mine").await;
    gina.say("/join ops").await;
    hugo.line("* gina joined ops").await;
    gina.say("/leave").await;
    rooms_until(&mut gina, "* rooms: ops (1)").await;

    // Hugo's link goes for good: after the grace, he has left, and so has his room.
    proxy.down();
    gina.line("* hugo left").await;
    rooms_until(&mut gina, "* rooms: ").await;
    // The name is free again: someone else (another key) can take it.
    let mut other = member(&d("other"), addr, "hugo");
    connected(&mut other).await;
    gina.line("* hugo joined").await;
    host.kill().await;
}

#[tokio::test]
async fn a_clean_quit_leaves_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (mut host, addr) = bare_host(&d("host"), &[]).await;
    let mut gina = member(&d("gina"), addr, "gina");
    connected(&mut gina).await;
    let mut hugo = member(&d("hugo"), addr, "hugo");
    connected(&mut hugo).await;
    gina.line("* hugo joined").await;
    let started = std::time::Instant::now();
    hugo.say("/quit").await;
    gina.line("* hugo left").await;
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert_eq!(hugo.exit_code().await, 0);
    // End of input is a clean quit too.
    let mut ivan = member(&d("ivan"), addr, "ivan");
    connected(&mut ivan).await;
    gina.line("* ivan joined").await;
    ivan.close_stdin();
    gina.line("* ivan left").await;
    assert_eq!(ivan.exit_code().await, 0);
    host.kill().await;
}

#[tokio::test]
async fn an_app_restart_within_the_grace_resumes_like_a_reconnect() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (mut host, addr) = bare_host(&d("host"), &[]).await;
    let mut gina = member(&d("gina"), addr, "gina");
    connected(&mut gina).await;
    let mut hugo = member(&d("hugo"), addr, "hugo");
    connected(&mut hugo).await;
    gina.line("* hugo joined").await;
    gina.say("seen before").await;
    hugo.line("[lobby] gina: seen before").await;
    // Give the client time to write down where it stopped, then kill it.
    tokio::time::sleep(Duration::from_secs(1)).await;
    hugo.kill().await;
    gina.say("while hugo restarts").await;
    gina.line("[lobby] gina: while hugo restarts").await;
    let mut hugo2 = member(&d("hugo"), addr, "hugo");
    hugo2.line("[lobby] gina: while hugo restarts").await;
    gina.say("after").await;
    hugo2.line("[lobby] gina: after").await;
    assert_eq!(hugo2.count("[lobby] gina: seen before"), 0, "{:#?}", hugo2.seen_out);
    gina.collect_for(Duration::from_millis(300)).await;
    assert_eq!(gina.count("* hugo left"), 0, "{:#?}", gina.seen_out);
    assert_eq!(gina.count("* hugo joined"), 1, "{:#?}", gina.seen_out);
    host.kill().await;
}
