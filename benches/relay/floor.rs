//! The floor relay: our layers (TCP, TLS 1.3, WebSocket, Noise) with nothing of the
//! host above them (no packets, logs, group checks): what any relay with these layers pays.

use super::{FLOOR_FRAME, Seen, TrustAll, parse_bytes};
use severus::crypto::Identity;
use severus::session::{self, SessionReader, SessionWriter};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, mpsc};
use tokio_tungstenite::tungstenite::Bytes;

/// No pings here: a phase's members may sit idle longer than the protocol allows.
const IDLE: Duration = Duration::from_secs(3600);

/// Every frame a member sends goes to every member (sender too), as in the baseline,
/// each through its own Noise session, WebSocket and TLS. Members send frames of
/// ours' entry size (`FLOOR_FRAME`): the floor moves the bytes ours moves.
pub async fn floor_relay() -> SocketAddr {
    let id = Arc::new(Identity::generate().expect("id"));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, _) = broadcast::channel::<Bytes>(65536);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tcp.set_nodelay(true).ok();
            let (tx, id) = (tx.clone(), id.clone());
            tokio::spawn(async move {
                let Ok(s) = session::accept(tcp, &id).await else {
                    return;
                };
                let (mut r, mut w) = s.split();
                r.set_idle_timeout(IDLE);
                let mut rx = tx.subscribe();
                // A first word, as any relay says it let a member in (ours: Welcome).
                if w.send_frame(GREETING).await.is_err() {
                    return;
                }
                let writer = tokio::spawn(async move {
                    while let Ok(m) = rx.recv().await {
                        if w.send_frame(&m).await.is_err() {
                            break;
                        }
                    }
                });
                while let Ok(Some(f)) = r.recv_frame().await {
                    let _ = tx.send(Bytes::from(f));
                }
                // The member left: its writer (and socket) go too.
                writer.abort();
            });
        }
    });
    addr
}

/// What the floor relay sends each member once its handshake is done: without it a
/// client's connect would end when it sends Noise message 3, before the relay has even
/// read it, and the floor's connect would miss a round trip every real client waits for.
const GREETING: &[u8] = b"in";

/// A member of the floor relay: the full handshake of ours (TLS, WebSocket, Noise),
/// until the relay's first word.
pub async fn connect(addr: SocketAddr) -> (SessionReader, SessionWriter) {
    static ME: std::sync::OnceLock<Identity> = std::sync::OnceLock::new();
    let me = ME.get_or_init(|| Identity::generate().expect("id"));
    let tcp = TcpStream::connect(addr).await.expect("connect");
    tcp.set_nodelay(true).ok();
    let s = session::connect(tcp, me, "floor", &TrustAll).await.expect("handshake");
    let (mut r, w) = s.split();
    r.set_idle_timeout(IDLE);
    let first = r.recv_frame().await.expect("greeting");
    assert_eq!(first.as_deref(), Some(GREETING), "the floor relay greets first");
    (r, w)
}

/// Tasks that own a floor member's halves: the bodies it receives, the bodies to send.
pub fn spawn(
    mut r: SessionReader,
    mut w: SessionWriter,
    in_tx: mpsc::UnboundedSender<Seen>,
) -> mpsc::UnboundedSender<String> {
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        while let Ok(Some(f)) = r.recv_frame().await {
            if let Some(seen) = parse_bytes(&f)
                && in_tx.send(seen).is_err()
            {
                break;
            }
        }
    });
    tokio::spawn(async move {
        while let Some(b) = out_rx.recv().await {
            let mut f = b.into_bytes();
            f.resize(FLOOR_FRAME.load(Ordering::Relaxed).max(f.len()), b'x');
            if w.send_frame(&f).await.is_err() {
                break;
            }
        }
    });
    out_tx
}
