//! iroh mode on loopback with relays disabled: tickets, mixed iroh and direct members
//! in one room, stable endpoint ids, and identity checks that are ours, not iroh's.

use crate::cli::{Proc, host, join_args};
use crate::common::Peer;
use severus::crypto::Identity;
use severus::host::Host;
use severus::service::{Command, Event};
use severus::transport::iroh::{IrohOptions, RelayChoice, parse_ticket};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

fn net() -> IrohOptions {
    IrohOptions {
        relay: RelayChoice::Disabled,
        bind: Some("127.0.0.1".parse().unwrap()),
        port: None,
    }
}

/// A host serving direct and iroh on loopback; returns it, its TCP address and ticket.
async fn iroh_host(id: &Identity) -> (Host, SocketAddr, String) {
    let mut host = Host::new(Arc::new(id.clone()));
    let addr = host.listen_tcp("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let (ticket, warning) = host.listen_iroh(&net()).await.unwrap();
    assert_eq!(warning, None, "relays are disabled: nothing to wait for");
    (host, addr, ticket)
}

async fn iroh_peer(ticket: &str, host_id: &Identity, name: &str) -> Peer {
    let key = parse_ticket(ticket).unwrap().id.to_string();
    let mut p = Peer::trusting(&key, host_id);
    p.cmd(Command::Connect {
        target: ticket.into(),
        name: name.into(),
        net: net(),
    })
    .await;
    p.until(|e| matches!(e, Event::Path { .. })).await;
    p.until(|e| matches!(e, Event::Connected { .. })).await;
    p
}

#[tokio::test]
async fn iroh_and_direct_members_share_one_room() {
    let hid = Identity::generate().unwrap();
    let (host, addr, ticket) = iroh_host(&hid).await;
    let mut a = iroh_peer(&ticket, &hid, "alice").await;
    let mut b = iroh_peer(&ticket, &hid, "bob").await;
    let mut c = Peer::join(addr, &hid, "carol").await;
    a.until(|e| matches!(e, Event::Users { users } if users.len() == 3))
        .await;

    a.cmd(Command::Send {
        room_id: None,
        text: "over quic".into(),
    })
    .await;
    b.message("over quic").await;
    c.message("over quic").await;
    c.cmd(Command::Send {
        room_id: None,
        text: "over tcp".into(),
    })
    .await;
    a.message("over tcp").await;
    b.message("over tcp").await;

    c.cmd(Command::Dm {
        to: "alice".into(),
        text: "tcp to quic".into(),
    })
    .await;
    a.until(|e| matches!(e, Event::Dm { body, .. } if body == "tcp to quic"))
        .await;
    b.cmd(Command::Dm {
        to: "carol".into(),
        text: "quic to tcp".into(),
    })
    .await;
    c.until(|e| matches!(e, Event::Dm { body, .. } if body == "quic to tcp"))
        .await;
    assert!(a.saw(|e| matches!(e, Event::Path { .. })));
    host.close().await;
}

#[tokio::test]
async fn same_iroh_key_with_new_tls_and_noise_keys_is_identity_changed() {
    let real = Identity::generate().unwrap();
    let (host, _, ticket) = iroh_host(&real).await;
    let key = parse_ticket(&ticket).unwrap().id.to_string();
    // Pinned to the real identity...
    iroh_peer(&ticket, &real, "alice").await;
    host.close().await;

    // ...then the same endpoint id serves other TLS and Noise keys.
    let mut forged = Identity::generate().unwrap();
    forged.iroh_secret = real.iroh_secret;
    let (host2, _, ticket2) = iroh_host(&forged).await;
    assert_eq!(parse_ticket(&ticket2).unwrap().id.to_string(), key, "same endpoint id");
    let mut p = Peer::trusting(&key, &real);
    p.cmd(Command::Connect {
        target: ticket2,
        name: "alice".into(),
        net: net(),
    })
    .await;
    let e = p
        .until(|e| matches!(e, Event::IdentityChanged { .. } | Event::Connected { .. }))
        .await;
    assert!(
        matches!(e, Event::IdentityChanged { ref old, ref new, .. } if *old == real.fingerprint() && *new == forged.fingerprint()),
        "{e:?}"
    );
    host2.close().await;
}

#[tokio::test]
async fn malformed_and_truncated_tickets_are_clear_errors() {
    let hid = Identity::generate().unwrap();
    let (host, _, ticket) = iroh_host(&hid).await;
    let truncated = &ticket[..ticket.len() - 7];
    for bad in [truncated, "endpoint", "endpoint###", "endpointaaaa"] {
        let mut p = Peer::trusting("x", &hid);
        p.cmd(Command::Connect {
            target: bad.into(),
            name: "x".into(),
            net: net(),
        })
        .await;
        let e = p.until(|e| matches!(e, Event::ConnectFailed { .. })).await;
        assert!(
            matches!(&e, Event::ConnectFailed { reason } if reason.contains("not a valid ticket")),
            "{e:?}"
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut args = vec!["join", truncated, "--name", "x"];
    args.extend(join_args(crate::cli::Mode::Iroh));
    let mut cli = Proc::spawn(tmp.path(), &args);
    cli.line_where(|l| l.starts_with("! could not connect") && l.contains("not a valid ticket"))
        .await;
    assert_eq!(cli.exit_code().await, 1);
    host.close().await;
}

#[tokio::test]
async fn restarted_host_keeps_its_ticket_and_clients_reconnect_without_a_prompt() {
    let tmp = tempfile::tempdir().unwrap();
    let hdir = tmp.path().join("host");
    // A free UDP port for --iroh-port.
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let port_s = port.to_string();
    let args = [
        "host",
        "--bind",
        "127.0.0.1",
        "--port",
        "0",
        "--name",
        "hostie",
        "--iroh",
        "--no-direct",
        "--relay",
        "disabled",
        "--iroh-port",
        &port_s,
    ];
    let start = |_: ()| Proc::spawn(&hdir, &args);
    let mut h1 = start(());
    let t1 = h1.line_where(|l| l.starts_with("ticket: ")).await;
    let mut alice = Proc::spawn(
        &tmp.path().join("alice"),
        &[
            "join",
            &t1[8..],
            "--name",
            "alice",
            "--trust",
            "--relay",
            "disabled",
            "--bind",
            "127.0.0.1",
        ],
    );
    h1.line("* alice joined").await;
    alice.close_stdin();
    assert_eq!(alice.exit_code().await, 0);
    h1.kill().await;

    let mut h2 = start(());
    let t2 = h2.line_where(|l| l.starts_with("ticket: ")).await;
    assert_eq!(t1, t2, "same data dir and --iroh-port: the same ticket");
    // No --trust: a prompt would block on stdin; joining proves there was none.
    let mut again = Proc::spawn(
        &tmp.path().join("alice"),
        &[
            "join",
            &t2[8..],
            "--name",
            "alice",
            "--relay",
            "disabled",
            "--bind",
            "127.0.0.1",
        ],
    );
    h2.line("* alice joined").await;
    again.err_line(|l| l.starts_with("iroh path: ")).await;
    // The host restarts under a running client: it reconnects by itself and says which
    // path the new link took (before, only the first connect said so).
    h2.kill().await;
    let mut h2b = start(());
    // A killed QUIC peer sends nothing: the client finds out at QUIC's idle timeout
    // (30 s), then reconnects.
    let t0 = std::time::Instant::now();
    while h2b.count("* alice joined") == 0 {
        assert!(t0.elapsed() < Duration::from_secs(75), "{:?}", h2b.seen_out);
        h2b.collect_for(Duration::from_secs(1)).await;
    }
    again.err_line(|l| l.starts_with("iroh path: ")).await;
    again.close_stdin();
    assert_eq!(again.exit_code().await, 0);
    assert!(!again.seen_err.iter().any(|l| l.contains("Trust this host")));
    h2b.kill().await;

    // Without --iroh-port the port may change, but the endpoint id may not.
    let (mut h3, t3, _) = host(&hdir, 0, crate::cli::Mode::Iroh).await;
    assert_eq!(parse_ticket(&t3).unwrap().id, parse_ticket(&t1[8..]).unwrap().id);
    h3.kill().await;
}

#[tokio::test]
async fn an_unreachable_relay_never_hangs_the_host() {
    // A relay URL on loopback where nothing listens: the host waits at most RELAY_WAIT,
    // then prints the ticket with its direct addresses and says so.
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "host",
        "--bind",
        "127.0.0.1",
        "--port",
        "0",
        "--iroh",
        "--no-direct",
        "--relay",
        "http://127.0.0.1:9",
    ];
    let started = std::time::Instant::now();
    let mut h = Proc::spawn(tmp.path(), &args);
    let t = h.line_where(|l| l.starts_with("ticket: ")).await;
    h.line("! no relay reachable: ticket holds direct addresses only").await;
    let waited = started.elapsed();
    assert!(waited < severus::transport::iroh::RELAY_WAIT * 3, "{waited:?}");
    assert!(!parse_ticket(&t[8..]).unwrap().ip_addrs().collect::<Vec<_>>().is_empty());
    h.kill().await;
}
