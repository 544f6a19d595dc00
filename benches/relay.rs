//! The load harness: the real host on loopback with real clients (TLS + WebSocket +
//! Noise), against baselines measured in the same run: a plaintext tokio-tungstenite
//! broadcast relay with the same clients and messages, and a bare TCP + TLS connect.
//! Prints a markdown table and one summary line. `scripts/bench.sh [--quick]` runs it.

#[path = "relay/clients.rs"]
mod clients;
#[path = "relay/files.rs"]
mod files;
#[path = "relay/files_floor.rs"]
mod files_floor;
#[path = "relay/floor.rs"]
mod floor;
#[path = "relay/modes.rs"]
mod modes;
#[path = "relay/phases.rs"]
mod phases;
#[path = "relay/report.rs"]
mod report;
#[path = "relay/rounds.rs"]
mod rounds;
#[path = "relay/scale.rs"]
mod scale;

use futures_util::{SinkExt, StreamExt};
use severus::crypto::{HostIdentity, Identity};
use severus::host::{Host, HostOptions};
use severus::protocol::{ClientPacket, Conv, EntryBody, HostPacket, Resume, decode, encode};
use severus::session::{self, HostVerifier, SessionReader, SessionWriter, TrustState, VerifierError};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, mpsc};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

/// Bytes of every benchmark message body.
const BODY: usize = 1024;
/// Messages a sender may have in flight before it waits for its own echo.
const WINDOW: usize = 16;

struct TrustAll;
impl HostVerifier for TrustAll {
    fn check(&self, _: &str, _: &HostIdentity) -> Result<TrustState, VerifierError> {
        Ok(TrustState::Trusted)
    }
    fn trust(&self, _: &str, _: &HostIdentity) -> Result<(), VerifierError> {
        Ok(())
    }
}

fn now_ns(t0: Instant) -> u64 {
    t0.elapsed().as_nanos() as u64
}

/// A body that says who sent it, its sequence number and when: "S:N:T:xxxx…".
fn body(sender: usize, seq: usize, t: u64) -> String {
    let mut b = format!("{sender}:{seq}:{t}:");
    b.extend(std::iter::repeat_n('x', BODY.saturating_sub(b.len())));
    b
}

/// What a receiver keeps of a message: its sender, sequence number and send time (the
/// harness hands on no more, so neither side pays for copying bodies it ignores).
pub type Seen = (usize, usize, u64);

/// The header of a plaintext body, read from its bytes.
fn parse_bytes(b: &[u8]) -> Option<Seen> {
    let end = b.iter().enumerate().filter(|(_, c)| **c == b':').nth(2)?.0;
    parse(std::str::from_utf8(&b[..=end]).ok()?)
}

fn parse(body: &str) -> Option<(usize, usize, u64)> {
    let mut it = body.splitn(4, ':');
    Some((
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
    ))
}

/// A message's sender, sequence number and send time, carried in its request id (the
/// host relays MLS ciphertext the harness does not decrypt).
fn id_of(sender: usize, seq: usize, t: u64) -> Uuid {
    Uuid::from_u128(
        ((sender as u128) << 112) | (((seq as u128) & 0xffff_ffff) << 80) | (u128::from(t) & ((1 << 80) - 1)),
    )
}

fn from_id(id: Uuid) -> (usize, usize, u64) {
    let v = id.as_u128();
    (
        (v >> 112) as usize,
        ((v >> 80) & 0xffff_ffff) as usize,
        (v & ((1 << 80) - 1)) as u64,
    )
}

/// One real MLS application message of a 1 KiB body in each bench host's lobby group:
/// every member posts these bytes (the host checks their framing, group and epoch;
/// the MLS costs themselves are in the micro-benchmarks).
static LOBBY_MESSAGE: std::sync::Mutex<Vec<(SocketAddr, Arc<Vec<u8>>)>> = std::sync::Mutex::new(Vec::new());

/// Makes `conv`'s group on the host through an open link (registered as `name` with
/// `me`), and returns one message of `len` bytes of text encrypted in it.
async fn found_group(
    r: &mut SessionReader,
    w: &mut SessionWriter,
    me: &Identity,
    name: &str,
    conv: Conv,
    len: usize,
) -> Vec<u8> {
    // The Welcome (read by `ours_as`) held the host's key.
    let host_key = HOST_KEY.lock().expect("lock").clone();
    let id = severus::group::MemberId {
        name: name.into(),
        noise: me.noise_public,
    };
    let mut g = severus::group::Groups::new(&me.mls_signature, id).expect("group");
    let info = g.create(&conv, &host_key).expect("create");
    let claim = ClientPacket::GroupInfo {
        id: Uuid::new_v4(),
        conv: conv.clone(),
        info: serde_bytes::ByteBuf::from(info),
    };
    w.send(&claim).await.expect("claim");
    while let Ok(Some(p)) = r.recv::<HostPacket>().await {
        match p {
            HostPacket::Ack { .. } => break,
            HostPacket::Refused { reason, .. } => panic!("claim refused: {reason}"),
            _ => {}
        }
    }
    let content = severus::group::Content::text(Uuid::nil(), "x".repeat(len));
    g.encrypt(&conv, &content).expect("encrypt")
}

/// Bytes of each frame the floor relay carries: those of ours' entry (the MLS message
/// and the entry around it), so both sides encrypt and move the same bytes.
pub static FLOOR_FRAME: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(BODY);

/// The encoded size of an entry carrying an MLS message of `message_len` bytes.
fn entry_len(message_len: usize) -> usize {
    encode(&HostPacket::Entry {
        conv: Conv::LOBBY,
        seq: 1000,
        at: 1_700_000_000_000,
        from: Some("t0 8x1".into()),
        id: Some(Uuid::from_u128(u128::MAX)),
        body: EntryBody::Mls {
            message: vec![0; message_len],
            committer: None,
        },
    })
    .len()
}

static HOST_KEY: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

/// The lobby message of the bench host at `addr` (its group made on first use).
async fn lobby_message(addr: SocketAddr) -> Arc<Vec<u8>> {
    if let Some((_, m)) = LOBBY_MESSAGE.lock().expect("lock").iter().find(|(a, _)| *a == addr) {
        return m.clone();
    }
    let me = Identity::generate().expect("id");
    let (link, _) = Link::ours_as(addr, "founder", &me, None).await;
    let Link::Ours(mut r, mut w, _) = link else {
        unreachable!()
    };
    let m = Arc::new(found_group(&mut r, &mut w, &me, "founder", Conv::LOBBY, BODY).await);
    FLOOR_FRAME.store(entry_len(m.len()), std::sync::atomic::Ordering::Relaxed);
    // The founder stays (its leaf in the group is a member's, not a leaver's).
    tokio::spawn(async move {
        let _keep = w;
        while let Ok(Some(_)) = r.recv::<HostPacket>().await {}
    });
    LOBBY_MESSAGE.lock().expect("lock").push((addr, m.clone()));
    m
}

/// Which relay a member talks to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The real host: TLS, WebSocket, Noise, packets, logs, MLS checks.
    Ours,
    /// The same layers with nothing above them (`floor`).
    Floor,
    /// Plaintext WebSocket.
    Plain,
}

/// One member's two halves, for any relay.
enum Link {
    Ours(SessionReader, SessionWriter, Arc<Vec<u8>>),
    Floor(SessionReader, SessionWriter),
    Plain(
        futures_util::stream::SplitStream<tokio_tungstenite::WebSocketStream<TcpStream>>,
        futures_util::stream::SplitSink<tokio_tungstenite::WebSocketStream<TcpStream>, Message>,
    ),
}

impl Link {
    async fn ours(addr: SocketAddr, name: &str) -> Link {
        // A user's identity exists before they connect: made once, outside the timing.
        static ME: std::sync::OnceLock<Identity> = std::sync::OnceLock::new();
        let me = ME.get_or_init(|| Identity::generate().expect("id"));
        let message = lobby_message(addr).await;
        match Link::ours_as(addr, name, me, None).await.0 {
            Link::Ours(r, w, _) => Link::Ours(r, w, message),
            other => other,
        }
    }

    /// Connects and registers as `name` with `me`, resuming if asked; returns the link
    /// and what the host said in `Welcome` (incarnation, cursors).
    async fn ours_as(addr: SocketAddr, name: &str, me: &Identity, resume: Option<Resume>) -> (Link, Resume) {
        let tcp = TcpStream::connect(addr).await.expect("connect");
        tcp.set_nodelay(true).ok();
        let s = session::connect(tcp, me, "bench", &TrustAll).await.expect("handshake");
        let (mut r, mut w) = s.split();
        let register = ClientPacket::Register {
            secret: None,
            id: Uuid::new_v4(),
            name: name.into(),
            resume,
        };
        w.send(&register).await.expect("register");
        let mut welcome = Resume {
            incarnation: Uuid::nil(),
            cursors: vec![],
        };
        while let Ok(Some(p)) = r.recv::<HostPacket>().await {
            if let HostPacket::Welcome {
                incarnation,
                cursors,
                host_key,
                ..
            } = p
            {
                *HOST_KEY.lock().expect("lock") = host_key;
                welcome = Resume { incarnation, cursors };
                break;
            }
        }
        (Link::Ours(r, w, Arc::new(vec![])), welcome)
    }

    /// Leaves as the app does when the user quits: `Bye`, and its answer.
    async fn quit(self) {
        if let Link::Ours(mut r, mut w, _) = self {
            let id = Uuid::new_v4();
            if w.send(&ClientPacket::Bye { id }).await.is_ok() {
                let acked = async {
                    while let Ok(Some(p)) = r.recv::<HostPacket>().await {
                        if matches!(p, HostPacket::Ack { id: a, .. } if a == id) {
                            break;
                        }
                    }
                };
                let _ = tokio::time::timeout(Duration::from_secs(2), acked).await;
            }
        }
    }

    async fn plain(addr: SocketAddr) -> Link {
        let tcp = TcpStream::connect(addr).await.expect("connect");
        tcp.set_nodelay(true).ok();
        let (ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/"), tcp)
            .await
            .expect("ws");
        let (w, r) = ws.split();
        Link::Plain(r, w)
    }

    /// Splits into a receiver of bodies and a sender of bodies (tasks own the halves).
    fn spawn(self) -> (mpsc::UnboundedReceiver<Seen>, mpsc::UnboundedSender<String>) {
        let (in_tx, in_rx) = mpsc::unbounded_channel();
        let (out_tx, mut out_rx) = mpsc::unbounded_channel::<String>();
        match self {
            Link::Ours(mut r, mut w, message) => {
                tokio::spawn(async move {
                    loop {
                        let p = match r.recv::<HostPacket>().await {
                            Ok(Some(p)) => p,
                            Ok(None) => break,
                            Err(e) => {
                                eprintln!("member link ended: {e}");
                                break;
                            }
                        };
                        if let HostPacket::Entry {
                            body: EntryBody::Mls { .. },
                            id: Some(id),
                            ..
                        } = p
                            && in_tx.send(from_id(id)).is_err()
                        {
                            break;
                        }
                    }
                });
                tokio::spawn(async move {
                    while let Some(b) = out_rx.recv().await {
                        let Some((i, s, t)) = parse(&b) else { continue };
                        let p = ClientPacket::Mls {
                            id: id_of(i, s, t),
                            conv: Conv::LOBBY,
                            message: message.to_vec(),
                            group_info: None,
                            replaces: None,
                        };
                        if w.send(&p).await.is_err() {
                            break;
                        }
                    }
                });
            }
            Link::Floor(r, w) => return (in_rx, floor::spawn(r, w, in_tx)),
            Link::Plain(mut r, mut w) => {
                tokio::spawn(async move {
                    while let Some(Ok(m)) = r.next().await {
                        if let Message::Binary(b) = m
                            && let Some(seen) = parse_bytes(&b)
                            && in_tx.send(seen).is_err()
                        {
                            break;
                        }
                    }
                });
                tokio::spawn(async move {
                    while let Some(b) = out_rx.recv().await {
                        if w.send(Message::Binary(b.into_bytes().into())).await.is_err() {
                            break;
                        }
                    }
                });
            }
        }
        (in_rx, out_tx)
    }
}

/// The plaintext baseline: every binary message goes to every client (sender too).
async fn plain_relay() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, _) = broadcast::channel::<tokio_tungstenite::tungstenite::Bytes>(65536);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tcp.set_nodelay(true).ok();
            let tx = tx.clone();
            tokio::spawn(async move {
                let Ok(ws) = tokio_tungstenite::accept_async(tcp).await else {
                    return;
                };
                let (mut sink, mut stream) = ws.split();
                let mut rx = tx.subscribe();
                tokio::spawn(async move {
                    while let Ok(m) = rx.recv().await {
                        if sink.send(Message::Binary(m)).await.is_err() {
                            break;
                        }
                    }
                });
                while let Some(Ok(m)) = stream.next().await {
                    if let Message::Binary(b) = m {
                        let _ = tx.send(b);
                    }
                }
            });
        }
    });
    addr
}

async fn our_host() -> (Host, SocketAddr) {
    let opts = HostOptions {
        rate_per_sec: u32::MAX,
        rate_burst: u32::MAX,
        ..HostOptions::default()
    };
    let mut host = Host::with_options(Arc::new(Identity::generate().expect("id")), opts);
    let addr = host
        .listen_tcp("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("listen");
    (host, addr)
}

async fn members(
    side: Side,
    addr: SocketAddr,
    n: usize,
    prefix: &str,
) -> Vec<(mpsc::UnboundedReceiver<Seen>, mpsc::UnboundedSender<String>)> {
    let mut v = Vec::new();
    for i in 0..n {
        // Names are bound to keys for the host's life: every phase uses fresh names.
        let l = match side {
            Side::Ours => Link::ours(addr, &format!("{prefix}{n}x{i}")).await,
            Side::Floor => {
                let (r, w) = floor::connect(addr).await;
                Link::Floor(r, w)
            }
            Side::Plain => Link::plain(addr).await,
        };
        v.push(l.spawn());
    }
    // Let join notices settle.
    tokio::time::sleep(Duration::from_millis(200)).await;
    v
}

/// A member away while `missed` lobby messages are posted comes back: ms from its
/// registration to the last of them (everything replayed, in order, from the log).
async fn replay(addr: SocketAddr, missed: usize) -> f64 {
    let me = Identity::generate().expect("id");
    let (away, mut at) = Link::ours_as(addr, "returning", &me, None).await;
    drop(away);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (mut echo, tx) = Link::ours(addr, "talker").await.spawn();
    for i in 0..missed {
        let _ = tx.send(body(1, i, 0));
    }
    // Wait until the host has stored them all (the talker's own entries come back).
    let last: Seen = (1, missed - 1, 0);
    while let Ok(Some(b)) = tokio::time::timeout(Duration::from_secs(20), echo.recv()).await {
        if b == last {
            break;
        }
    }
    at.cursors.retain(|c| c.conv == Conv::LOBBY);
    let t = Instant::now();
    let (link, _) = Link::ours_as(addr, "returning", &me, Some(at)).await;
    let (mut rx, _tx) = link.spawn();
    let mut got = 0;
    while let Ok(Some(b)) = tokio::time::timeout(Duration::from_secs(20), rx.recv()).await {
        got += 1;
        if b == last {
            return t.elapsed().as_secs_f64() * 1e3;
        }
    }
    eprintln!("replay: got {got} of {missed}");
    f64::NAN
}

/// RSS of a `severus host` process (default options) whose logs are filled to their
/// host-wide cap: 40 members each post 15 KiB messages in a room of their own.
async fn host_rss_full_logs() -> Option<f64> {
    let (mut child, addr, dir) = host_process().await?;
    let mut tasks = tokio::task::JoinSet::new();
    for m in 0..40 {
        tasks.spawn(async move {
            let me = Identity::generate().expect("id");
            let name = format!("filler{m}");
            let Link::Ours(mut r, mut w, _) = Link::ours_as(addr, &name, &me, None).await.0 else {
                return;
            };
            let join = ClientPacket::RoomJoin {
                id: Uuid::new_v4(),
                room: format!("fill{m}"),
                create: true,
                since: None,
            };
            let _ = w.send(&join).await;
            let room = Conv::Room {
                id: room_id(&format!("fill{m}")),
            };
            let message = found_group(&mut r, &mut w, &me, &name, room.clone(), 15 * 1024).await;
            // 110 x 15 KiB per room (under the 1000-entry cap), 40 rooms: past 64 MiB.
            // Paced under the default rate limit (20/s, bursts of 50).
            for _ in 0..110 {
                let p = ClientPacket::Mls {
                    id: Uuid::new_v4(),
                    conv: room.clone(),
                    message: message.clone(),
                    group_info: None,
                    replaces: None,
                };
                if w.send(&p).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(55)).await;
            }
            // Read what comes back so the host never waits on us.
            let _ = tokio::time::timeout(Duration::from_secs(2), async {
                while let Ok(Some(_)) = r.recv::<HostPacket>().await {}
            })
            .await;
        });
    }
    while tasks.join_next().await.is_some() {}
    let rss = rss_mib(child.id()?);
    let _ = child.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
    rss
}

/// A room's id as the host makes it (UUIDv5 of the lowercased name).
fn room_id(name: &str) -> Uuid {
    const NS: Uuid = Uuid::from_u128(0x5e7e_2a5e_0000_4000_8000_726f_6f6d_7321);
    Uuid::new_v5(&NS, name.to_lowercase().as_bytes())
}

/// A memory figure of a process from /proc/PID/status (VmRSS, VmHWM), in MiB.
fn status_mib(pid: u32, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

fn rss_mib(pid: u32) -> Option<f64> {
    status_mib(pid, "VmRSS:")
}

/// A `severus host` process of the build under test ($SEVERUS_BIN) on loopback.
async fn host_process() -> Option<(tokio::process::Child, SocketAddr, String)> {
    host_process_with(&[]).await
}

/// `host_process` with more `host` arguments.
async fn host_process_with(extra: &[&str]) -> Option<(tokio::process::Child, SocketAddr, String)> {
    let exe = std::env::var("SEVERUS_BIN").ok()?;
    let dir = tempfile_dir();
    let mut child = tokio::process::Command::new(exe)
        .args(["--data-dir", &dir, "host", "--bind", "127.0.0.1", "--port", "0"])
        .args(extra)
        .env("SEVERUS_KEYSTORE", "file")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .ok()?;
    let out = child.stdout.take()?;
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(out));
    let first = lines.next_line().await.ok()??;
    let addr: SocketAddr = first.strip_prefix("listening: ")?.parse().ok()?;
    Some((child, addr, dir))
}

/// RSS of a `severus host` process with `n` idle members, in MiB.
async fn host_rss(n: usize) -> Option<f64> {
    let cap = (n + 16).max(severus::protocol::limits::MAX_MEMBERS).to_string();
    let (mut child, addr, dir) = host_process_with(&["--max-members", &cap]).await?;
    // A pause before the members come, to attach a heap profiler to the host
    // (`heaptrack -p PID`); see BENCHMARKS.md.
    if let Some(s) = std::env::var("BENCH_RSS_PAUSE").ok().and_then(|v| v.parse().ok()) {
        eprintln!("host pid {:?}: {s} s before the members connect", child.id());
        tokio::time::sleep(Duration::from_secs(s)).await;
    }
    let mut keep = Vec::new();
    for i in 0..n {
        keep.push(Link::ours(addr, &format!("idle{i}")).await);
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let rss = rss_mib(child.id()?);
    drop(keep);
    let _ = child.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
    rss
}

fn tempfile_dir() -> String {
    let d = std::env::temp_dir().join(format!("severus-bench-{}", Uuid::new_v4().simple()));
    d.to_string_lossy().into_owned()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick") || std::env::var("BENCH_QUICK").is_ok();
    // `cargo bench` passes --bench; under `cargo test` this is a smoke run that only
    // checks the harness still works end to end.
    let smoke = !args.iter().any(|a| a == "--bench");
    let (per_sender, lat_count, connects) = match (smoke, quick) {
        (true, _) => (32, 10, 5),
        (false, true) => (300, 60, 50),
        // 1800 latency samples a side: with 300, the 64-member p99 ratio moved 14%
        // between full runs, with 900 12.5% (a p99 is set by a few messages).
        (false, false) => (2000, 1800, 200),
    };
    // The encoded size of a 1 KiB message, for the record.
    let sample = encode(&HostPacket::Entry {
        conv: Conv::LOBBY,
        seq: 1,
        at: 0,
        from: Some("m1".into()),
        id: Some(Uuid::nil()),
        body: EntryBody::Mls {
            message: vec![0; BODY + 200],
            committer: None,
        },
    });
    assert!(decode::<HostPacket>(&sample).is_ok());

    if modes::partial(&args, lat_count, connects).await {
        return;
    }
    let n_rounds = if smoke || quick { 1 } else { rounds::ROUNDS };
    let (rs, pool) = rounds::measure(n_rounds, per_sender, lat_count, connects).await;
    let pooled = rounds::pooled_p99(&pool);
    if std::env::var("BENCH_ONLY_RATIOS").is_ok() {
        return modes::print_ratios(&rs, pooled);
    }
    let (_host, ours_addr) = our_host().await;
    let rss = if smoke { None } else { host_rss(100).await };
    let rss_1000 = if smoke { None } else { host_rss(1000).await };
    let replay_ms = replay(ours_addr, if smoke { 50 } else { 1000 }).await;
    let rss_full = if smoke { None } else { host_rss_full_logs().await };
    let client_rss = if smoke { None } else { clients::client_rss(64).await };
    let file_rows = if smoke { None } else { files::file_rows().await };

    let extras = report::Extras {
        rss,
        rss_1000,
        replay_ms,
        rss_full,
        client_rss,
        file_rows,
    };
    report::print(&rs, pooled, n_rounds, &extras);
}
