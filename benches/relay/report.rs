//! The full run's report: the markdown table (ours, the floor, the baseline and the
//! ratios, then the memory, replay, file and client rows) and the summary lines.

use super::files::FileRows;
use super::phases::Per;
use super::rounds::{self, Round};

/// The rows measured once per run, outside the rounds (None: not measured).
pub struct Extras {
    pub rss: Option<f64>,
    pub rss_1000: Option<f64>,
    pub replay_ms: f64,
    pub rss_full: Option<f64>,
    pub client_rss: Option<f64>,
    pub file_rows: Option<FileRows>,
}

/// A table row: ours, the floor and the baseline, then ours and the floor against it.
fn row(name: &str, v: Per<f64>, unit: &str, ratio: [f64; 2]) {
    println!(
        "| {name} | {:.2} {unit} | {:.2} {unit} | {:.2} {unit} | {:.2} | {:.2} |",
        v[0], v[1], v[2], ratio[0], ratio[1]
    );
}

/// A row with no floor: ours against a baseline.
fn row2(name: &str, ours: f64, base: f64, unit: &str, ratio: f64) {
    println!("| {name} | {ours:.2} {unit} | - | {base:.2} {unit} | {ratio:.2} | - |");
}

/// Prints the table and the summary lines of a full run.
pub fn print(rs: &[Round], pooled: Per<f64>, n_rounds: usize, x: &Extras) {
    println!("| Measure | Severus | Floor (our layers only) | Baseline | Ratio | Floor ratio |");
    println!("|---|---|---|---|---|---|");
    let sum = |pick: fn(&Round) -> Per<f64>| {
        (
            rounds::summarize(rs, |r| (pick(r)[0], pick(r)[2])),
            rounds::summarize(rs, |r| (pick(r)[1], pick(r)[2])),
        )
    };
    let (relay, relay_floor) = sum(|r| r.relay);
    let (lat64_rounds, _) = sum(|r| r.lat64_99);
    let (connect, connect_floor) = sum(|r| r.connect_50);
    let measures: [(&str, &str, (rounds::Summary, rounds::Summary)); 7] = [
        (
            "Relay throughput, 8 members, 1 KiB (msgs/s in)",
            "msg/s",
            sum(|r| r.relay),
        ),
        ("Fan-out latency p50, 8 members", "ms", sum(|r| r.lat8_50)),
        ("Fan-out latency p99, 8 members", "ms", sum(|r| r.lat8_99)),
        ("Fan-out latency p50, 64 members", "ms", sum(|r| r.lat64_50)),
        ("Fan-out latency p99, 64 members", "ms", sum(|r| r.lat64_99)),
        (
            "Connect p50 (ours: TCP+TLS+WS+Noise+register; floor: until its first frame; base: TCP+TLS)",
            "ms",
            sum(|r| r.connect_50),
        ),
        ("Connect p99", "ms", sum(|r| r.connect_99)),
    ];
    for (name, unit, (m, f)) in &measures {
        let name = format!(
            "{name}, median of {n_rounds} (ratio spread {:.0}%, floor {:.0}%)",
            m.spread * 100.0,
            f.spread * 100.0
        );
        row(&name, [m.ours, f.ours, m.base], unit, [m.ratio, f.ratio]);
    }
    let lat64 = pooled[0] / pooled[2];
    row(
        &format!("Fan-out latency p99, 64 members, all {n_rounds} rounds' samples pooled"),
        pooled,
        "ms",
        [lat64, pooled[1] / pooled[2]],
    );
    match x.rss {
        Some(m) => println!("| Host RSS, 100 idle members (own process) | {m:.1} MiB | - | - | - | - |"),
        None => println!("| Host RSS, 100 idle members | not measured (set SEVERUS_BIN) | - | - | - | - |"),
    }
    if let Some(m) = x.rss_1000 {
        println!("| Host RSS, 1000 idle members (own process) | {m:.1} MiB | - | - | - | - |");
    }
    println!(
        "| Replay of 1000 missed messages to one returning member | {:.0} ms | - | - | - | - |",
        x.replay_ms
    );
    match x.rss_full {
        Some(m) => println!("| Host RSS, logs full at the default 64 MiB cap | {m:.1} MiB | - | - | - | - |"),
        None => println!("| Host RSS, logs full | not measured (set SEVERUS_BIN) | - | - | - | - |"),
    }
    match &x.file_rows {
        Some(f) => {
            row(
                "One 100 MiB file through the host (ours; floor: our layers only) vs a raw TLS copy (MiB/s, medians of 3)",
                [f.ours, f.layers, f.base],
                "MiB/s",
                [f.ratio, f.layers_ratio],
            );
            row2(
                "Files: the crypto floor (hash, chunk, Noise and TLS passes on 2 cores) vs the TLS copy",
                f.floor,
                f.base,
                "MiB/s",
                f.floor / f.base,
            );
            println!(
                "| Host peak RSS, three members pull one 100 MiB file at once | {:.1} MiB | - | - | - | - |",
                f.rss3
            );
        }
        None => println!("| Files | not measured (set SEVERUS_BIN) | - | - | - | - |"),
    }
    match x.client_rss {
        Some(m) => println!("| Client RSS, one member process in a 64-member lobby | {m:.1} MiB | - | - | - | - |"),
        None => println!("| Client RSS, 64-member lobby | not measured (set SEVERUS_BIN) | - | - | - | - |"),
    }
    println!();
    println!(
        "relay_ratio={:.2} latency_ratio_64={:.2} connect_ratio={:.2} host_rss_100_mib={} host_rss_1000_mib={}",
        relay.ratio,
        lat64,
        connect.ratio,
        x.rss.map(|m| format!("{m:.1}")).unwrap_or_else(|| "NA".into()),
        x.rss_1000.map(|m| format!("{m:.1}")).unwrap_or_else(|| "NA".into())
    );
    println!(
        "spread_relay={:.2} spread_latency_64={:.2} spread_connect={:.2} rounds={n_rounds}",
        relay.spread, lat64_rounds.spread, connect.spread
    );
    println!(
        "floor: relay_ratio={:.2} latency_ratio_64={:.2} connect_ratio={:.2}",
        relay_floor.ratio,
        pooled[1] / pooled[2],
        connect_floor.ratio
    );
}
