//! The ceiling of one host: a `severus host` process ($SEVERUS_BIN) with 8 to 1024
//! members, its throughput, fan-out latency, CPU and memory at each size, and a chart.

use super::phases::percentiles;
use super::{Link, WINDOW, body, host_process_with, now_ns, rss_mib};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Member counts of the scale run.
pub const SIZES: [usize; 4] = [8, 64, 256, 1024];

/// Members that send in the throughput phase (all members receive).
const SENDERS: usize = 8;

/// Messages per sender in the throughput phase (BENCH_SCALE_PER_SENDER overrides it:
/// the profile script runs longer).
const PER_SENDER: usize = 160;

/// The sizes to run: SIZES, or BENCH_SCALE_SIZES ("8,64").
pub fn sizes() -> Vec<usize> {
    std::env::var("BENCH_SCALE_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| SIZES.to_vec())
}

fn per_sender() -> usize {
    std::env::var("BENCH_SCALE_PER_SENDER")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(PER_SENDER)
        .max(WINDOW)
}

/// Messages of the latency phase, and the gap between them (a light, steady load).
const LAT_COUNT: usize = 100;
const LAT_GAP: Duration = Duration::from_millis(50);

/// What one size measured.
pub struct Point {
    pub members: usize,
    /// Messages accepted per second, and deliveries (messages x receivers) per second.
    pub msgs_s: f64,
    pub deliveries_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Host CPU during the throughput phase, in cores (1.0 = one core busy).
    pub host_cpu: f64,
    pub idle_rss_mib: f64,
    pub peak_rss_mib: f64,
}

/// CPU seconds (user + system) a process has used so far.
pub fn cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn hwm_mib(pid: u32) -> Option<f64> {
    super::status_mib(pid, "VmHWM:")
}

/// One size: a fresh host process, `n` members, then the two phases.
pub async fn point(n: usize) -> Option<Point> {
    let cap = (n + 16).to_string();
    let (mut child, addr, dir) = host_process_with(&["--max-members", &cap, "--rate", "1000000"]).await?;
    let pid = child.id()?;
    let mut links = Vec::with_capacity(n);
    for i in 0..n {
        links.push(Link::ours(addr, &format!("s{n}x{i}")).await.spawn());
    }
    // Join notices settle, then every member is idle.
    tokio::time::sleep(Duration::from_millis(500 + n as u64 * 2)).await;
    let idle_rss_mib = rss_mib(pid)?;

    // Every member counts what it receives; a message with a send time (the latency
    // phase) also gives its send-to-receive time.
    let received = Arc::new(AtomicUsize::new(0));
    let progress = Arc::new(tokio::sync::Notify::new());
    let lat = Arc::new(Mutex::new(Vec::with_capacity(n * LAT_COUNT)));
    let t0 = Instant::now();
    let mut senders = Vec::new();
    let mut tasks = Vec::new();
    for (mut rx, tx) in links {
        while rx.try_recv().is_ok() {}
        senders.push(tx);
        let (received, progress, lat) = (received.clone(), progress.clone(), lat.clone());
        tasks.push(tokio::spawn(async move {
            while let Some((_, _, t)) = rx.recv().await {
                if t > 0 {
                    let ms = now_ns(t0).saturating_sub(t) as f64 / 1e6;
                    lat.lock().unwrap_or_else(|p| p.into_inner()).push(ms);
                }
                received.fetch_add(1, Ordering::Relaxed);
                progress.notify_one();
            }
        }));
    }

    // Throughput: SENDERS members send in rounds of WINDOW; a round ends when every
    // member has every message of it.
    let cpu0 = cpu_secs(pid)?;
    let start = Instant::now();
    let senders_n = SENDERS.min(n);
    let mut target = 0;
    for round in 0..per_sender() / WINDOW {
        for (i, tx) in senders.iter().take(senders_n).enumerate() {
            for k in 0..WINDOW {
                let _ = tx.send(body(i, round * WINDOW + k, 0));
            }
        }
        target += n * senders_n * WINDOW;
        if !reached(&received, &progress, target).await {
            eprintln!("scale {n}: stalled at {} of {target}", received.load(Ordering::Relaxed));
            return None;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let host_cpu = (cpu_secs(pid)? - cpu0) / secs;
    let msgs = (senders_n * (per_sender() / WINDOW) * WINDOW) as f64;
    let peak_rss_mib = hwm_mib(pid)?;

    // Latency: one sender, a light steady load.
    for s in 0..LAT_COUNT {
        let _ = senders[0].send(body(0, s, now_ns(t0).max(1)));
        tokio::time::sleep(LAT_GAP).await;
    }
    target += n * LAT_COUNT;
    let _ = reached(&received, &progress, target).await;
    let (p50_ms, p99_ms) = percentiles(std::mem::take(&mut *lat.lock().unwrap_or_else(|p| p.into_inner())));
    for t in tasks {
        t.abort();
    }
    drop(senders);
    let _ = child.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
    Some(Point {
        members: n,
        msgs_s: msgs / secs,
        deliveries_s: msgs * n as f64 / secs,
        p50_ms,
        p99_ms,
        host_cpu,
        idle_rss_mib,
        peak_rss_mib,
    })
}

/// Waits until `received` reaches `target`; false if nothing moved for 30 s.
async fn reached(received: &AtomicUsize, progress: &tokio::sync::Notify, target: usize) -> bool {
    while received.load(Ordering::Relaxed) < target {
        if tokio::time::timeout(Duration::from_secs(30), progress.notified())
            .await
            .is_err()
        {
            return false;
        }
    }
    true
}

/// The markdown table of a scale run.
pub fn table(points: &[Point]) -> String {
    let mut s = String::from(
        "| Members | Msgs/s in | Deliveries/s | Fan-out p50 | Fan-out p99 | Host CPU (cores) | Host CPU per delivery | Host RSS idle | Host RSS peak |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for p in points {
        s += &format!(
            "| {} | {:.0} | {:.0} | {:.2} ms | {:.2} ms | {:.2} | {:.1} µs | {:.1} MiB | {:.1} MiB |\n",
            p.members,
            p.msgs_s,
            p.deliveries_s,
            p.p50_ms,
            p.p99_ms,
            p.host_cpu,
            p.host_cpu / p.deliveries_s * 1e6,
            p.idle_rss_mib,
            p.peak_rss_mib
        );
    }
    s
}

/// An SVG chart of deliveries per second and p99 latency against members (log scale).
pub fn chart(points: &[Point]) -> String {
    let (w, h, left, right, top, bottom) = (800.0, 480.0, 80.0, 720.0, 40.0, 400.0);
    let xs: Vec<f64> = points.iter().map(|p| (p.members as f64).log2()).collect();
    let (x0, x1) = (
        xs.iter().cloned().fold(f64::MAX, f64::min),
        xs.iter().cloned().fold(f64::MIN, f64::max),
    );
    let x = |v: f64| left + (v - x0) / (x1 - x0).max(1e-9) * (right - left);
    let dmax = points.iter().map(|p| p.deliveries_s).fold(1.0, f64::max) * 1.1;
    let lmax = points.iter().map(|p| p.p99_ms).fold(1.0, f64::max) * 1.1;
    let yd = |v: f64| bottom - v / dmax * (bottom - top);
    let yl = |v: f64| bottom - v / lmax * (bottom - top);
    // Separate segments, not a polyline (some SVG renderers close a polyline).
    let line = |f: &dyn Fn(&Point) -> f64, y: &dyn Fn(f64) -> f64, colour: &str| {
        let pts: Vec<(f64, f64)> = points.iter().zip(&xs).map(|(p, &v)| (x(v), y(f(p)))).collect();
        pts.windows(2)
            .map(|w| {
                format!(
                    "<line x1='{:.1}' y1='{:.1}' x2='{:.1}' y2='{:.1}' stroke='{colour}' stroke-width='3'/>",
                    w[0].0, w[0].1, w[1].0, w[1].1
                )
            })
            .collect::<String>()
    };
    let mut s = format!(
        "<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' font-family='sans-serif' font-size='14'>\
         <rect width='100%' height='100%' fill='white'/>\
         <text x='{left}' y='24' font-size='16'>One host on this machine: deliveries/s (purple, left) and fan-out p99 (orange, right)</text>\
         <line x1='{left}' y1='{bottom}' x2='{right}' y2='{bottom}' stroke='black'/>\
         <line x1='{left}' y1='{top}' x2='{left}' y2='{bottom}' stroke='black'/>\
         <line x1='{right}' y1='{top}' x2='{right}' y2='{bottom}' stroke='black'/>\
         {}{}",
        line(&|p| p.deliveries_s, &yd, "#6d28d9"),
        line(&|p| p.p99_ms, &yl, "#ea580c")
    );
    for (p, &v) in points.iter().zip(&xs) {
        s += &format!(
            "<text x='{:.1}' y='{}' text-anchor='middle'>{}</text>",
            x(v),
            bottom + 22.0,
            p.members
        );
    }
    for i in 0..=4 {
        let f = f64::from(i) / 4.0;
        let y = bottom - f * (bottom - top);
        s += &format!(
            "<text x='{}' y='{y:.1}' text-anchor='end'>{:.0}k</text><text x='{}' y='{y:.1}'>{:.1} ms</text>",
            left - 6.0,
            f * dmax / 1000.0,
            right + 6.0,
            f * lmax
        );
    }
    s += &format!(
        "<text x='{}' y='{}' text-anchor='middle'>members (log scale)</text></svg>",
        (left + right) / 2.0,
        bottom + 50.0
    );
    s
}
