//! The running host: the TCP accept loop (bounded handshakes), one task pair per
//! connection, and the host user's own in-process member. Stops on `shutdown`.

use super::handle::{Conn, handle};
use super::state::State;
use super::stats::Stats;
use crate::crypto::{Fingerprint, Identity};
use crate::protocol::limits::{
    HANDSHAKE_TIMEOUT, IDLE_TIMEOUT, MAX_CONNECTIONS, MAX_PENDING_HANDSHAKES, OUTBOUND_QUEUE, PING_INTERVAL,
    RATE_BURST, RATE_PER_SEC, SOCKET_SEND_BUFFER,
};
use crate::protocol::{Packet, decode};
use crate::session::{Link, SessionWriter, accept};
use crate::transport::Duplex;
use crate::transport::iroh::{self as iroh_transport, IrohError, IrohOptions};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

/// Longest a single write to a member may take before the member is dropped.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Packets written to one member before a flush, when more are waiting.
pub const WRITE_BATCH: usize = 32;

/// What every connection task shares.
pub(crate) struct Inner {
    pub state: Mutex<State>,
    pub stats: Stats,
    pub identity: Arc<Identity>,
    /// Bounds connections in the handshake at once (CPU and memory of handshakes).
    handshakes: Arc<Semaphore>,
    /// Bounds open connections of any kind (file descriptors).
    connections: Arc<Semaphore>,
    /// Packets per second and burst per member.
    rate: (u32, u32),
    cancel: CancellationToken,
}

impl Inner {
    fn bucket(&self) -> super::rate::TokenBucket {
        super::rate::TokenBucket::new(self.rate.0, self.rate.1)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running host. Cloning shares it; `shutdown` stops every task.
#[derive(Clone)]
pub struct Host {
    inner: Arc<Inner>,
    direct_addr: Option<SocketAddr>,
    /// The iroh endpoint, when serving iroh mode.
    endpoint: Option<iroh::Endpoint>,
}

impl Host {
    /// Starts a host with no listener yet (add transports with `listen_tcp`/`serve`).
    pub fn new(identity: Arc<Identity>) -> Self {
        Self::with_rate(identity, RATE_PER_SEC, RATE_BURST)
    }

    /// A host whose members may send `per_sec` packets per second in bursts of `burst`
    /// (benchmarks measure relay capacity with `u32::MAX`; users get [`Host::new`]).
    pub fn with_rate(identity: Arc<Identity>, per_sec: u32, burst: u32) -> Self {
        Host {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                stats: Stats::default(),
                identity,
                handshakes: Arc::new(Semaphore::new(MAX_PENDING_HANDSHAKES)),
                connections: Arc::new(Semaphore::new(MAX_CONNECTIONS)),
                cancel: CancellationToken::new(),
                rate: (per_sec, burst),
            }),
            direct_addr: None,
            endpoint: None,
        }
    }

    /// Binds TCP on `bind` (port 0 picks one) and accepts direct-mode clients.
    pub async fn listen_tcp(&mut self, bind: SocketAddr) -> std::io::Result<SocketAddr> {
        let listener = TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        self.direct_addr = Some(addr);
        tokio::spawn(accept_loop(listener, self.inner.clone()));
        Ok(addr)
    }

    /// Serves iroh mode on an endpoint with the identity's persisted Ed25519 key (so the
    /// endpoint id survives restarts). Returns the ticket and, when no relay answered,
    /// a warning for the user.
    pub async fn listen_iroh(&mut self, opts: &IrohOptions) -> Result<(String, Option<String>), IrohError> {
        let ep = iroh_transport::bind(&self.inner.identity.iroh_secret, opts, true).await?;
        let ticket = iroh_transport::ticket(&ep, &opts.relay).await;
        self.endpoint = Some(ep.clone());
        tokio::spawn(iroh_accept_loop(ep, self.clone()));
        Ok(ticket)
    }

    /// The bound direct-mode address, if listening on TCP.
    pub fn direct_addr(&self) -> Option<SocketAddr> {
        self.direct_addr
    }

    pub fn fingerprint(&self) -> Fingerprint {
        self.inner.identity.fingerprint()
    }

    pub fn identity(&self) -> &Arc<Identity> {
        &self.inner.identity
    }

    /// Runs the session handshake on any byte stream and serves it as a member
    /// connection (iroh streams come in here). Waits for a connection slot first.
    pub fn serve<S: Duplex>(&self, io: S) {
        let inner = self.inner.clone();
        tokio::spawn(async move {
            let slot = tokio::select! {
                _ = inner.cancel.cancelled() => return,
                p = inner.connections.clone().acquire_owned() => p,
            };
            serve_remote(inner, Box::new(io), slot.ok()).await;
        });
    }

    /// The host user's own member: an in-process link with the host's Noise key.
    pub fn connect_local(&self) -> Link {
        let (to_host, mut from_user) = mpsc::channel(OUTBOUND_QUEUE);
        let (out_tx, out_rx) = mpsc::channel(OUTBOUND_QUEUE);
        let inner = self.inner.clone();
        tokio::spawn(async move {
            let mut conn = Conn::new(inner.identity.noise_public, out_tx, inner.bucket());
            loop {
                tokio::select! {
                    _ = inner.cancel.cancelled() => break,
                    _ = kicked(&mut conn) => break,
                    p = from_user.recv() => match p {
                        Some(p) => handle(&mut inner.state(), &mut conn, p),
                        None => break,
                    },
                }
            }
            if let Some(id) = conn.member {
                inner.state().remove(id);
            }
        });
        Link::from_channels(to_host, out_rx)
    }

    /// Counters for the monitoring panel.
    pub fn stats(&self) -> super::stats::StatsSnapshot {
        let members = self.inner.state().members.len();
        self.inner.stats.snapshot(members)
    }

    /// Stops accepting and closes every connection.
    pub fn shutdown(&self) {
        self.inner.cancel.cancel();
    }

    /// Like `shutdown`, and waits for the iroh endpoint to close gracefully.
    pub async fn close(&self) {
        self.shutdown();
        if let Some(ep) = &self.endpoint {
            ep.close().await;
        }
    }
}

async fn iroh_accept_loop(ep: iroh::Endpoint, host: Host) {
    loop {
        let incoming = tokio::select! {
            _ = host.inner.cancel.cancelled() => break,
            i = ep.accept() => i,
        };
        let Some(incoming) = incoming else { break };
        let host = host.clone();
        tokio::spawn(async move {
            let stream = tokio::time::timeout(HANDSHAKE_TIMEOUT, async {
                let conn = incoming.await.map_err(|e| IrohError::Stream(e.to_string()))?;
                iroh_transport::accept_stream(conn).await
            })
            .await;
            match stream {
                Ok(Ok(s)) => host.serve(s),
                Ok(Err(e)) => tracing::debug!(%e, "iroh connection failed"),
                Err(_) => tracing::debug!("iroh connection timed out"),
            }
        });
    }
    ep.close().await;
}

async fn accept_loop(listener: TcpListener, inner: Arc<Inner>) {
    loop {
        // A connection slot first: this bounds open sockets (file descriptors).
        let slot = tokio::select! {
            _ = inner.cancel.cancelled() => return,
            p = inner.connections.clone().acquire_owned() => p,
        };
        let accepted = tokio::select! {
            _ = inner.cancel.cancelled() => return,
            a = listener.accept() => a,
        };
        match accepted {
            Ok((tcp, peer)) => {
                let _ = tcp.set_nodelay(true);
                let _ = socket2::SockRef::from(&tcp).set_send_buffer_size(SOCKET_SEND_BUFFER);
                tracing::debug!(%peer, "connection");
                tokio::spawn(serve_remote(inner.clone(), Box::new(tcp), slot.ok()));
            }
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!(%e, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Resolves when the router kicks this connection's member; never otherwise.
async fn kicked(conn: &mut Conn) -> String {
    match conn.kicked.as_mut() {
        Some(rx) => match rx.await {
            Ok(reason) => reason,
            Err(_) => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

/// Serves one connection for its whole life; `_slot` is its connection permit.
async fn serve_remote(
    inner: Arc<Inner>,
    io: crate::transport::BoxedIo,
    _slot: Option<tokio::sync::OwnedSemaphorePermit>,
) {
    // The handshake deadline runs from accept, including any wait for a handshake
    // slot: a connection is never held open longer than HANDSHAKE_TIMEOUT unregistered.
    let deadline = tokio::time::Instant::now() + HANDSHAKE_TIMEOUT;
    let handshake = tokio::time::timeout_at(deadline, async {
        let _permit = inner.handshakes.clone().acquire_owned().await;
        accept(io, &inner.identity).await
    });
    let session = match handshake.await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            tracing::debug!(%e, "handshake failed");
            return;
        }
        Err(_) => {
            tracing::debug!("handshake timed out");
            return;
        }
    };
    let key = session.peer_static();
    let (mut reader, writer) = session.split();
    let (out_tx, out_rx) = mpsc::channel(OUTBOUND_QUEUE);
    let cancel = inner.cancel.child_token();
    tokio::spawn(write_loop(writer, out_rx, cancel.clone(), inner.clone()));
    let mut conn = Conn::new(key, out_tx, inner.bucket());
    let register_by = tokio::time::Instant::now() + HANDSHAKE_TIMEOUT;
    loop {
        let deadline = match conn.member {
            None => register_by,
            Some(_) => tokio::time::Instant::now() + IDLE_TIMEOUT,
        };
        let frame = tokio::select! {
            _ = cancel.cancelled() => break,
            reason = kicked(&mut conn) => {
                if conn.out.try_send(Packet::Error { message: reason }).is_err() {
                    cancel.cancel();
                }
                conn.member = None;
                break;
            }
            r = tokio::time::timeout_at(deadline, reader.recv_frame()) => r,
        };
        let frame = match frame {
            Err(_) => {
                let why = if conn.member.is_none() {
                    "register within the handshake time"
                } else {
                    "idle for too long"
                };
                let _ = conn.out.try_send(Packet::Error {
                    message: format!("disconnected: {why}"),
                });
                break;
            }
            Ok(Ok(Some(f))) => f,
            Ok(Ok(None)) => break,
            Ok(Err(e)) => {
                tracing::debug!(%e, "session error");
                break;
            }
        };
        inner.stats.received(frame.len());
        match decode(&frame) {
            Ok(p) => handle(&mut inner.state(), &mut conn, p),
            Err(e) => {
                let _ = conn.out.try_send(Packet::Error {
                    message: format!("malformed packet: {e}"),
                });
                break;
            }
        }
    }
    if let Some(id) = conn.member {
        inner.state().remove(id);
    }
    // Dropping `conn` drops the last queue sender: the writer drains what is queued
    // (e.g. the error above) and closes.
}

async fn write_loop(
    mut w: SessionWriter,
    mut rx: mpsc::Receiver<Packet>,
    cancel: CancellationToken,
    inner: Arc<Inner>,
) {
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_INTERVAL, PING_INTERVAL);
    loop {
        let p = tokio::select! {
            _ = cancel.cancelled() => break,
            p = rx.recv() => match p { Some(p) => p, None => break },
            _ = ping.tick() => Packet::Ping { timestamp: crate::session::now_ms() },
        };
        // Feed this packet and whatever else is already waiting, then flush once: under
        // load one TLS record and one write carry many packets.
        let batch = async {
            let mut n = w.feed(&p).await?;
            inner.stats.sent(n);
            for _ in 1..WRITE_BATCH {
                let Ok(more) = rx.try_recv() else { break };
                n = w.feed(&more).await?;
                inner.stats.sent(n);
            }
            w.flush().await
        };
        match tokio::time::timeout(WRITE_TIMEOUT, batch).await {
            Ok(Ok(())) => {}
            _ => break,
        }
    }
    cancel.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(1), w.close()).await;
}
