//! The running host: the TCP and iroh accept loops (bounded connections and
//! handshakes), the presence task (away notices, grace expiry), and the host user's
//! own in-process member. Stops on `shutdown`.

use super::conn::{LocalSink, REPLY_HEADROOM, new_link, serve_remote, write_loop};
use super::handle::{Conn, handle};
use super::options::HostOptions;
use super::state::State;
use super::stats::Stats;
use crate::crypto::{Fingerprint, Identity};
use crate::protocol::limits::{
    HANDSHAKE_TIMEOUT, MAX_CONNECTIONS, MAX_MEMBERS, MAX_PENDING_HANDSHAKES, OUTBOUND_QUEUE, SOCKET_SEND_BUFFER,
};
use crate::session::Link;
use crate::transport::Duplex;
use crate::transport::iroh::{self as iroh_transport, IrohError, IrohOptions};
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

/// What every connection task shares.
pub(crate) struct Inner {
    pub state: Mutex<State>,
    pub stats: Stats,
    pub identity: Arc<Identity>,
    /// Bounds connections in the handshake at once (CPU and memory of handshakes).
    pub handshakes: Arc<Semaphore>,
    /// Bounds open connections of any kind (file descriptors).
    connections: Arc<Semaphore>,
    /// Numbers links, so a member's current link is told apart from an older one.
    pub next_conn: AtomicU64,
    pub cancel: CancellationToken,
}

impl Inner {
    pub fn bucket(&self) -> super::rate::TokenBucket {
        let s = self.state();
        super::rate::TokenBucket::new(s.opts.rate_per_sec, s.opts.rate_burst)
    }

    pub fn state(&self) -> std::sync::MutexGuard<'_, State> {
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
    /// The shared state behind this host (unit tests drive its tasks directly).
    #[cfg(test)]
    pub(crate) fn inner_for_tests(&self) -> Arc<Inner> {
        self.inner.clone()
    }

    /// Starts a host with the default options and no listener yet (add transports
    /// with `listen_tcp`/`listen_iroh`/`serve`). Needs a tokio runtime.
    pub fn new(identity: Arc<Identity>) -> Self {
        Self::with_options(identity, HostOptions::default())
    }

    /// Starts a host with these options.
    pub fn with_options(identity: Arc<Identity>, opts: HostOptions) -> Self {
        // Connection slots follow the member cap (members plus as many handshaking).
        let slots = opts.max_members.max(MAX_MEMBERS) * 2;
        let inner = Arc::new(Inner {
            state: Mutex::new(State::new(opts, identity.mls_signature.clone())),
            stats: Stats::default(),
            identity,
            handshakes: Arc::new(Semaphore::new(MAX_PENDING_HANDSHAKES)),
            connections: Arc::new(Semaphore::new(slots.max(MAX_CONNECTIONS))),
            next_conn: AtomicU64::new(1),
            cancel: CancellationToken::new(),
        });
        tokio::spawn(presence(inner.clone()));
        Host {
            inner,
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
        let (to_user, from_host) = mpsc::channel(OUTBOUND_QUEUE);
        let inner = self.inner.clone();
        let (link, out_rx) = new_link(&inner);
        let sink = LocalSink {
            tx: to_user,
            parts: Default::default(),
        };
        let cancel = link.cancel.clone();
        tokio::spawn(write_loop(
            sink,
            out_rx,
            link.notify.clone(),
            (cancel.clone(), link.close.clone()),
            inner.clone(),
            false,
        ));
        tokio::spawn(async move {
            let mut conn = Conn {
                key: inner.identity.noise_public,
                link,
                member: None,
                rate: inner.bucket(),
                file_rate: super::rate::TokenBucket::file_budget(),
                pause: std::time::Duration::ZERO,
            };
            loop {
                let room = conn.link.out.reserve_many(REPLY_HEADROOM);
                tokio::select! {
                    _ = cancel.cancelled() => break,
                    r = room => if r.is_err() { break },
                }
                tokio::select! {
                    _ = cancel.cancelled() => break,
                    p = from_user.recv() => match p {
                        Some(p) => handle(&mut inner.state(), &mut conn, p, 1),
                        None => break,
                    },
                }
            }
            if let Some(k) = &conn.member {
                inner.state().link_closed(k, conn.link.conn);
            }
        });
        Link::from_channels(to_host, from_host)
    }

    /// Counters for the monitoring panel.
    pub fn stats(&self) -> super::stats::StatsSnapshot {
        let members = self.inner.state().members.len();
        self.inner.stats.snapshot(members)
    }

    /// Bytes held in the conversation logs (for benchmarks and the panel).
    pub fn log_bytes(&self) -> usize {
        self.inner.state().logs.total_bytes()
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

/// Sleeps until the next away notice or grace expiry, or until a member goes away.
async fn presence(inner: Arc<Inner>) {
    let wake = inner.state().timers.clone();
    loop {
        let next = inner.state().tick(tokio::time::Instant::now());
        let sleep = async {
            match next {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = inner.cancel.cancelled() => break,
            _ = wake.notified() => {}
            _ = sleep => {}
        }
    }
}

async fn iroh_accept_loop(ep: iroh::Endpoint, host: Host) {
    loop {
        // A connection slot first, as for TCP: QUIC connections beyond the cap wait
        // in the endpoint, not as tasks of ours (before, any number of them could).
        let slot = tokio::select! {
            _ = host.inner.cancel.cancelled() => break,
            p = host.inner.connections.clone().acquire_owned() => p,
        };
        let incoming = tokio::select! {
            _ = host.inner.cancel.cancelled() => break,
            i = ep.accept() => i,
        };
        let Some(incoming) = incoming else { break };
        let inner = host.inner.clone();
        tokio::spawn(async move {
            let stream = tokio::time::timeout(HANDSHAKE_TIMEOUT, async {
                let conn = incoming.await.map_err(|e| IrohError::Stream(e.to_string()))?;
                iroh_transport::accept_stream(conn).await
            })
            .await;
            match stream {
                Ok(Ok(s)) => serve_remote(inner, Box::new(s), slot.ok()).await,
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
