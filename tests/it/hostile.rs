//! Hostile load: while honest members chat, many hostile connections hit a real host
//! process at once. Every honest message arrives, the host stays up with bounded
//! memory, and every hostile connection is closed within its timeout.
//! `HOSTILE_CONNECTIONS` sets how many (default 300; see scripts/hostile.sh for 1000+).

use crate::cli::Proc;
use crate::common::Peer;
use futures_util::SinkExt;
use severus::crypto::{HostIdentity, Identity};
use severus::protocol::limits::{HANDSHAKE_TIMEOUT, MAX_CONNECTIONS};
use severus::protocol::{ClientPacket, HostPacket, encode};
use severus::service::{Command, Event};
use severus::session::{self, HostVerifier, TrustState, VerifierError};
use severus::transport::{tls, ws};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

/// Hostile clients trust whatever they reach (they attack; they are not attacked).
struct TrustAll;
impl HostVerifier for TrustAll {
    fn check(&self, _: &str, _: &HostIdentity) -> Result<TrustState, VerifierError> {
        Ok(TrustState::Trusted)
    }
    fn trust(&self, _: &str, _: &HostIdentity) -> Result<(), VerifierError> {
        Ok(())
    }
}

const KINDS: [&str; 8] = [
    "garbage",
    "tls-silence",
    "ws-stall",
    "oversize",
    "junk-after-handshake",
    "register-flood",
    "never-reads",
    "register-then-drop",
];

fn register(name: String) -> ClientPacket {
    ClientPacket::Register {
        secret: None,
        id: uuid::Uuid::new_v4(),
        name,
        resume: None,
    }
}

/// Reads until the host closes; returns how long that took.
async fn until_closed<S: tokio::io::AsyncRead + Unpin>(mut s: S, started: Instant) -> Duration {
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(30), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return started.elapsed(),
            Ok(Ok(_)) => {}
        }
    }
}

async fn tls_to(addr: std::net::SocketAddr) -> Option<tokio_rustls::client::TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await.ok()?;
    let name = rustls::pki_types::ServerName::try_from(tls::SERVER_NAME).ok()?;
    tokio_rustls::TlsConnector::from(tls::client_config().ok()?)
        .connect(name, tcp)
        .await
        .ok()
}

/// One hostile connection of the given kind; returns (kind, time until closed) for the
/// kinds the host must close by itself.
async fn hostile(kind: &'static str, addr: std::net::SocketAddr, n: usize) -> Option<(&'static str, Duration)> {
    let started = Instant::now();
    match kind {
        "garbage" => {
            let mut tcp = TcpStream::connect(addr).await.ok()?;
            let junk: Vec<u8> = (0..4096).map(|i| (i * 31 + n) as u8).collect();
            let _ = tcp.write_all(&junk).await;
            Some((kind, until_closed(tcp, started).await))
        }
        "tls-silence" => {
            let tls = tls_to(addr).await?;
            Some((kind, until_closed(tls, started).await))
        }
        "ws-stall" => {
            let tls = tls_to(addr).await?;
            let (ws, _) = tokio_tungstenite::client_async_with_config(ws::WS_URL, tls, Some(ws::config()))
                .await
                .ok()?;
            Some((kind, until_closed(ws.into_inner(), started).await))
        }
        "oversize" => {
            let tls = tls_to(addr).await?;
            let cfg = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default();
            let (mut ws, _) = tokio_tungstenite::client_async_with_config(ws::WS_URL, tls, Some(cfg))
                .await
                .ok()?;
            let _ = ws.send(Message::Binary(vec![0u8; 200_000].into())).await;
            Some((kind, until_closed(ws.into_inner(), started).await))
        }
        "junk-after-handshake" => {
            let tcp = TcpStream::connect(addr).await.ok()?;
            let s = session::connect(tcp, &Identity::generate().ok()?, "hostile", &TrustAll)
                .await
                .ok()?;
            let (mut r, mut w) = s.split();
            let _ = w.send_frame(b"\xff\xfe\xfd not a packet").await;
            let end = tokio::time::timeout(Duration::from_secs(30), async {
                while let Ok(Some(_)) = r.recv::<HostPacket>().await {}
            })
            .await;
            end.ok()?;
            Some((kind, started.elapsed()))
        }
        "register-flood" => {
            let tcp = TcpStream::connect(addr).await.ok()?;
            let s = session::connect(tcp, &Identity::generate().ok()?, "hostile", &TrustAll)
                .await
                .ok()?;
            let (mut r, mut w) = s.split();
            for i in 0..200 {
                let frame = encode(&register(format!("flood{n}x{i}")));
                if w.send_frame(&frame).await.is_err() {
                    break;
                }
            }
            // Hold the connection a little, reading what the host says, then leave.
            let _ = tokio::time::timeout(Duration::from_secs(3), async {
                while let Ok(Some(_)) = r.recv::<HostPacket>().await {}
            })
            .await;
            None
        }
        "register-then-drop" => {
            // Takes a place, then drops the link: it becomes away, and away places are
            // capped, so a stream of these cannot hold the host full.
            let tcp = TcpStream::connect(addr).await.ok()?;
            let s = session::connect(tcp, &Identity::generate().ok()?, "hostile", &TrustAll)
                .await
                .ok()?;
            let (mut r, mut w) = s.split();
            let _ = w.send(&register(format!("drop{n}"))).await;
            let _ = tokio::time::timeout(Duration::from_secs(3), r.recv::<HostPacket>()).await;
            None
        }
        _ => {
            // never-reads: registers, then never reads while honest traffic flows.
            let tcp = TcpStream::connect(addr).await.ok()?;
            let s = session::connect(tcp, &Identity::generate().ok()?, "hostile", &TrustAll)
                .await
                .ok()?;
            let (_r, mut w) = s.split();
            let _ = w.send(&register(format!("mute{n}"))).await;
            tokio::time::sleep(Duration::from_secs(8)).await;
            None
        }
    }
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn honest_members_chat_through_a_hostile_flood() {
    let total: usize = std::env::var("HOSTILE_CONNECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let tmp = tempfile::tempdir().unwrap();
    let mut h = Proc::spawn(tmp.path(), &["host", "--bind", "127.0.0.1", "--port", "0"]);
    let addr_line = h.line_where(|l| l.starts_with("listening: ")).await;
    let addr: std::net::SocketAddr = addr_line[11..].parse().unwrap();
    let pid = h.pid().unwrap();

    let mut honest = Vec::new();
    for i in 0..10 {
        honest.push(Peer::join_trusting(&addr.to_string(), &format!("honest{i}")).await);
    }
    let before = vm_hwm_kib(pid);

    // The flood: all kinds at once.
    let mut attacks = tokio::task::JoinSet::new();
    for n in 0..total {
        let kind = KINDS[n % KINDS.len()];
        attacks.spawn(hostile(kind, addr, n));
    }

    // Honest chat meanwhile: 10 members x 20 messages, at a human-ish pace.
    const EACH: usize = 20;
    for k in 0..EACH {
        for (i, p) in honest.iter().enumerate() {
            p.cmd(Command::Send {
                room_id: None,
                text: format!("h{i}-{k}"),
            })
            .await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for p in honest.iter_mut() {
        for i in 0..10 {
            let last = format!("h{i}-{}", EACH - 1);
            if !p.saw(|e| matches!(e, Event::Message { body, .. } if *body == last)) {
                p.message(&last).await;
            }
        }
        let got = p
            .log
            .iter()
            .filter(|e| matches!(e, Event::Message { body, .. } if body.starts_with('h')))
            .count();
        assert_eq!(
            got,
            10 * EACH,
            "every honest message reaches every honest member exactly once"
        );
        assert!(
            !p.saw(|e| matches!(e, Event::Failed { .. } | Event::Reconnecting { .. })),
            "{:#?}",
            p.log
        );
    }

    // Every hostile connection the host must close was closed within its timeout. Past
    // MAX_CONNECTIONS, connections wait in the kernel's accept queue for a slot first:
    // each full wave ahead of them adds one handshake timeout.
    let waves = total.div_ceil(MAX_CONNECTIONS) as u32;
    let limit = HANDSHAKE_TIMEOUT * waves + Duration::from_secs(5);
    let mut closed = std::collections::BTreeMap::<&str, (usize, Duration)>::new();
    while let Some(r) = attacks.join_next().await {
        if let Some((kind, took)) = r.unwrap() {
            assert!(took <= limit, "{kind} connection stayed open {took:?}");
            let e = closed.entry(kind).or_default();
            e.0 += 1;
            e.1 = e.1.max(took);
        }
    }
    let peak = vm_hwm_kib(pid).unwrap_or(0);
    eprintln!("hostile load: {total} connections; closed by the host (count, slowest): {closed:?}");
    eprintln!(
        "hostile load: host peak RSS {} MiB (before the flood {} MiB)",
        peak / 1024,
        before.unwrap_or(0) / 1024
    );
    assert!(closed.values().map(|c| c.0).sum::<usize>() >= total / 2, "{closed:?}");
    assert!(peak < 300 * 1024, "host peak RSS {peak} KiB");

    // The register-then-drop connections left away places behind, capped: a newcomer
    // still gets in.
    let late = Peer::join_trusting(&addr.to_string(), "latecomer").await;
    drop(late);

    // The host is alive and never panicked.
    assert!(h.alive(), "the host process died");
    h.kill().await;
    let err = h.drain_err();
    assert!(!err.iter().any(|l| l.contains("panicked")), "{err:#?}");
}
