//! The timed phases of the relay harness, ours and the baseline interleaved in small
//! blocks, so that what the machine does meanwhile (another process, a noisy
//! neighbour) falls on both sides alike: throughput, fan-out latency, connect time.

use super::{Link, Seen, WINDOW, body, members, now_ns};
use severus::crypto::Identity;
use severus::transport::tls;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc};

/// Blocks each side of a throughput or latency phase is cut into.
pub const BLOCKS: usize = 8;

/// `n` members of one relay that all send and all receive.
struct Swarm {
    n: usize,
    senders: Vec<mpsc::UnboundedSender<String>>,
    received: Arc<AtomicUsize>,
    progress: Arc<Notify>,
    target: usize,
    sent_rounds: usize,
}

impl Swarm {
    async fn new(ours: bool, addr: SocketAddr, n: usize, prefix: &str) -> Swarm {
        let received = Arc::new(AtomicUsize::new(0));
        let progress = Arc::new(Notify::new());
        let mut senders = Vec::new();
        for (mut rx, tx) in members(ours, addr, n, prefix).await {
            senders.push(tx);
            let (received, progress) = (received.clone(), progress.clone());
            tokio::spawn(async move {
                while rx.recv().await.is_some() {
                    received.fetch_add(1, Ordering::Relaxed);
                    progress.notify_one();
                }
            });
        }
        Swarm {
            n,
            senders,
            received,
            progress,
            target: 0,
            sent_rounds: 0,
        }
    }

    /// Every member sends `rounds` x WINDOW messages; a round ends when every member
    /// has every message of it (no queue grows past one round, for either relay).
    /// Seconds taken, or None if it stalled.
    async fn block(&mut self, rounds: usize) -> Option<f64> {
        let t0 = Instant::now();
        for _ in 0..rounds {
            let round = self.sent_rounds;
            self.sent_rounds += 1;
            for (i, tx) in self.senders.iter().enumerate() {
                for k in 0..WINDOW {
                    let _ = tx.send(body(i, round * WINDOW + k, 0));
                }
            }
            self.target += self.n * self.n * WINDOW;
            while self.received.load(Ordering::Relaxed) < self.target {
                if tokio::time::timeout(Duration::from_secs(20), self.progress.notified())
                    .await
                    .is_err()
                {
                    eprintln!(
                        "throughput: stalled at {} of {}",
                        self.received.load(Ordering::Relaxed),
                        self.target
                    );
                    return None;
                }
            }
        }
        Some(t0.elapsed().as_secs_f64())
    }
}

/// Messages accepted and fanned out per second, (ours, baseline): `n` members each,
/// `per_sender` messages each, sent in BLOCKS alternating blocks per side.
pub async fn throughput(ours: SocketAddr, plain: SocketAddr, n: usize, per_sender: usize, tag: &str) -> (f64, f64) {
    let mut a = Swarm::new(true, ours, n, &format!("t{tag}")).await;
    let mut b = Swarm::new(false, plain, n, "").await;
    let rounds = per_sender.div_ceil(WINDOW).div_ceil(BLOCKS).max(1);
    // One block each to warm up (connections, allocations, the host's caches).
    let _ = (a.block(1).await, b.block(1).await);
    let (mut ta, mut tb) = (0.0, 0.0);
    for k in 0..BLOCKS {
        let (x, y) = if k % 2 == 0 {
            let x = a.block(rounds).await;
            (x, b.block(rounds).await)
        } else {
            let y = b.block(rounds).await;
            (a.block(rounds).await, y)
        };
        let (Some(x), Some(y)) = (x, y) else {
            return (f64::NAN, f64::NAN);
        };
        ta += x;
        tb += y;
    }
    let msgs = (n * rounds * WINDOW * BLOCKS) as f64;
    (msgs / ta, msgs / tb)
}

/// Collects send-to-receive times of every member of one relay.
fn receivers(
    ms: Vec<(mpsc::UnboundedReceiver<Seen>, mpsc::UnboundedSender<String>)>,
    t0: Instant,
    count: usize,
) -> (mpsc::UnboundedSender<String>, Vec<tokio::task::JoinHandle<Vec<f64>>>) {
    let sender = ms[0].1.clone();
    let tasks = ms
        .into_iter()
        .map(|(mut rx, _)| {
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(count);
                while lat.len() < count {
                    let Ok(Some((_, _, t))) = tokio::time::timeout(Duration::from_secs(20), rx.recv()).await else {
                        break;
                    };
                    lat.push((now_ns(t0).saturating_sub(t)) as f64 / 1e6);
                }
                lat
            })
        })
        .collect();
    (sender, tasks)
}

async fn gather(tasks: Vec<tokio::task::JoinHandle<Vec<f64>>>) -> (f64, f64) {
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap_or_default());
    }
    percentiles(all)
}

/// One sender, `n` members per relay: p50 and p99 of send-to-receive time over all
/// receivers, ((ours), (baseline)); `count` messages each side, sent 5 ms apart in
/// alternating blocks.
pub async fn latency(
    ours: SocketAddr,
    plain: SocketAddr,
    n: usize,
    count: usize,
    tag: &str,
) -> ((f64, f64), (f64, f64)) {
    let t0 = Instant::now();
    let (sa, ta) = receivers(members(true, ours, n, &format!("l{tag}")).await, t0, count);
    let (sb, tb) = receivers(members(false, plain, n, "").await, t0, count);
    let per_block = count.div_ceil(BLOCKS);
    let mut sent = [0usize; 2];
    for k in 0..BLOCKS * 2 {
        let (side, tx) = if k % 2 == 0 { (0, &sa) } else { (1, &sb) };
        for _ in 0..per_block {
            if sent[side] < count {
                let _ = tx.send(body(0, sent[side], now_ns(t0)));
                sent[side] += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    }
    (gather(ta).await, gather(tb).await)
}

pub fn percentiles(mut v: Vec<f64>) -> (f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.99))
}

/// A TLS server with the same certificate type as ours, that takes every connection.
async fn tls_server() -> SocketAddr {
    let id = Identity::generate().expect("id");
    let cfg = tls::server_config(&id).expect("tls");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acc = tokio_rustls::TlsAcceptor::from(cfg.clone());
            tokio::spawn(async move {
                if let Ok(mut s) = acc.accept(tcp).await {
                    use tokio::io::AsyncReadExt;
                    let mut b = [0u8; 1];
                    let _ = s.read(&mut b).await;
                }
            });
        }
    });
    addr
}

/// Connect p50/p99 in ms, ((ours), (baseline)), alternating one of each: ours is the
/// full TCP + TLS + WebSocket + Noise + register, the baseline a bare TCP + TLS 1.3.
pub async fn connect(ours: SocketAddr, count: usize, tag: &str) -> ((f64, f64), (f64, f64)) {
    let tls_addr = tls_server().await;
    let client = tokio_rustls::TlsConnector::from(tls::client_config().expect("tls"));
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for i in 0..count {
        let t = Instant::now();
        let l = Link::ours(ours, &format!("c{tag}x{i}")).await;
        a.push(t.elapsed().as_secs_f64() * 1e3);
        // Then it quits as the app does (outside the timing), so the host stays idle:
        // a dropped link would stay as an away member in every later newcomer's list.
        l.quit().await;
        let t = Instant::now();
        let tcp = TcpStream::connect(tls_addr).await.expect("connect");
        tcp.set_nodelay(true).ok();
        let name = rustls::pki_types::ServerName::try_from(tls::SERVER_NAME).expect("name");
        let s = client.connect(name, tcp).await.expect("tls");
        b.push(t.elapsed().as_secs_f64() * 1e3);
        drop(s);
    }
    (percentiles(a), percentiles(b))
}
