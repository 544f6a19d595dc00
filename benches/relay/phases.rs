//! The timed phases of the relay harness, ours, the floor and the baseline interleaved
//! in small blocks, so that what the machine does meanwhile (another process, a noisy
//! neighbour) falls on all sides alike: throughput, fan-out latency, connect time.

use super::{Link, Seen, Side, WINDOW, body, floor, members, now_ns};
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

/// The sides of every phase, in the order of their figures: ours, the floor relay
/// (our layers, nothing above them), the plaintext baseline.
pub const SIDES: [Side; 3] = [Side::Ours, Side::Floor, Side::Plain];

/// One figure per side, in the order of `SIDES`.
pub type Per<T> = [T; 3];

/// The order the sides take their turns in, block by block: every order once, so no
/// side always follows the same one (the one before may leave work behind).
const ORDERS: [[usize; 3]; 6] = [[0, 1, 2], [2, 1, 0], [1, 2, 0], [0, 2, 1], [2, 0, 1], [1, 0, 2]];

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
    async fn new(side: Side, addr: SocketAddr, n: usize, prefix: &str) -> Swarm {
        let received = Arc::new(AtomicUsize::new(0));
        let progress = Arc::new(Notify::new());
        let mut senders = Vec::new();
        for (mut rx, tx) in members(side, addr, n, prefix).await {
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

/// Messages accepted and fanned out per second on each side: `n` members each,
/// `per_sender` messages each, sent in BLOCKS blocks per side, taking turns in
/// `ORDERS`.
pub async fn throughput(addrs: Per<SocketAddr>, n: usize, per_sender: usize, tag: &str) -> Per<f64> {
    let mut swarms = Vec::new();
    for (side, addr) in SIDES.into_iter().zip(addrs) {
        swarms.push(Swarm::new(side, addr, n, &format!("t{tag}")).await);
    }
    let rounds = per_sender.div_ceil(WINDOW).div_ceil(BLOCKS).max(1);
    // One block each to warm up (connections, allocations, the host's caches).
    for s in swarms.iter_mut() {
        let _ = s.block(1).await;
    }
    let mut taken = [0.0; 3];
    for k in 0..BLOCKS {
        for i in ORDERS[k % ORDERS.len()] {
            let Some(t) = swarms[i].block(rounds).await else {
                return [f64::NAN; 3];
            };
            taken[i] += t;
        }
    }
    let msgs = (n * rounds * WINDOW * BLOCKS) as f64;
    taken.map(|t| msgs / t)
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

async fn gather(tasks: Vec<tokio::task::JoinHandle<Vec<f64>>>) -> Vec<f64> {
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap_or_default());
    }
    all
}

/// One sender, `n` members per relay: every send-to-receive time (ms) over all
/// receivers, per side; `count` messages each side, sent 5 ms apart in blocks that
/// take turns.
pub async fn latency(addrs: Per<SocketAddr>, n: usize, count: usize, tag: &str) -> Per<Vec<f64>> {
    let t0 = Instant::now();
    let mut sides = Vec::new();
    for (side, addr) in SIDES.into_iter().zip(addrs) {
        sides.push(receivers(members(side, addr, n, &format!("l{tag}")).await, t0, count));
    }
    let per_block = count.div_ceil(BLOCKS);
    let mut sent = [0usize; 3];
    let turns = (0..BLOCKS).flat_map(|k| ORDERS[k % ORDERS.len()]);
    for side in turns {
        for _ in 0..per_block {
            if sent[side] < count {
                let _ = sides[side].0.send(body(0, sent[side], now_ns(t0)));
                sent[side] += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    }
    let mut out: Per<Vec<f64>> = Default::default();
    for (i, (_, tasks)) in sides.into_iter().enumerate() {
        out[i] = gather(tasks).await;
    }
    out
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

/// Connect p50/p99 in ms per side, one of each in turn: ours is the full TCP + TLS +
/// WebSocket + Noise + register until `Welcome`, the floor the same layers until the
/// floor relay's first frame (no register), the baseline a bare TCP + TLS 1.3.
pub async fn connect(ours: SocketAddr, floor_addr: SocketAddr, count: usize, tag: &str) -> Per<(f64, f64)> {
    let tls_addr = tls_server().await;
    let client = tokio_rustls::TlsConnector::from(tls::client_config().expect("tls"));
    let mut times: Per<Vec<f64>> = Default::default();
    for i in 0..count {
        let t = Instant::now();
        let l = Link::ours(ours, &format!("c{tag}x{i}")).await;
        times[0].push(t.elapsed().as_secs_f64() * 1e3);
        // Then it quits as the app does (outside the timing), so the host stays idle:
        // a dropped link would stay as an away member in every later newcomer's list.
        l.quit().await;
        let t = Instant::now();
        let f = floor::connect(floor_addr).await;
        times[1].push(t.elapsed().as_secs_f64() * 1e3);
        drop(f);
        let t = Instant::now();
        let tcp = TcpStream::connect(tls_addr).await.expect("connect");
        tcp.set_nodelay(true).ok();
        let name = rustls::pki_types::ServerName::try_from(tls::SERVER_NAME).expect("name");
        let s = client.connect(name, tcp).await.expect("tls");
        times[2].push(t.elapsed().as_secs_f64() * 1e3);
        drop(s);
    }
    times.map(percentiles)
}
