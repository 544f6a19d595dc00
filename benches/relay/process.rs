//! A `severus host` process of the build under test ($SEVERUS_BIN) on loopback, and
//! what it holds in memory: idle members, full logs.

use super::{Link, found_group};
use severus::crypto::Identity;
use severus::protocol::{ClientPacket, Conv, HostPacket};
use std::net::SocketAddr;
use std::time::Duration;
use uuid::Uuid;

/// RSS of a `severus host` process (default options) whose logs are filled to their
/// host-wide cap: 40 members each post 15 KiB messages in a room of their own.
pub async fn host_rss_full_logs() -> Option<f64> {
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
pub fn room_id(name: &str) -> Uuid {
    const NS: Uuid = Uuid::from_u128(0x5e7e_2a5e_0000_4000_8000_726f_6f6d_7321);
    Uuid::new_v5(&NS, name.to_lowercase().as_bytes())
}

/// A memory figure of a process from /proc/PID/status (VmRSS, VmHWM), in MiB.
pub fn status_mib(pid: u32, field: &str) -> Option<f64> {
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

pub fn rss_mib(pid: u32) -> Option<f64> {
    status_mib(pid, "VmRSS:")
}

/// A `severus host` process of the build under test ($SEVERUS_BIN) on loopback.
pub async fn host_process() -> Option<(tokio::process::Child, SocketAddr, String)> {
    host_process_with(&[]).await
}

/// `host_process` with more `host` arguments.
pub async fn host_process_with(extra: &[&str]) -> Option<(tokio::process::Child, SocketAddr, String)> {
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
pub async fn host_rss(n: usize) -> Option<f64> {
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

pub fn tempfile_dir() -> String {
    let d = std::env::temp_dir().join(format!("severus-bench-{}", Uuid::new_v4().simple()));
    d.to_string_lossy().into_owned()
}
