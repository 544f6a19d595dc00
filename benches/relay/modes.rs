//! The harness's partial runs, for profiles and experiments: one phase or one row on
//! fresh hosts (`BENCH_ONLY_…`, `--scale`), and the ratios-only summary.

use super::{clients, host_rss, our_host, plain_relay, replay};
use super::{files, floor, phases, rounds, scale};

/// Runs the partial run the environment or the arguments ask for; false if none.
pub async fn partial(args: &[String], lat_count: usize, connects: usize) -> bool {
    // Only the 64-member fan-out latency, on fresh hosts (for profiles and experiments).
    if std::env::var("BENCH_ONLY_LATENCY").is_ok() {
        let mut pool = rounds::Pooled::default();
        for k in 0..rounds::ROUNDS {
            let (_h, ours) = our_host().await;
            let addrs = [ours, floor::floor_relay().await, plain_relay().await];
            let l = phases::latency(addrs, 64, lat_count, &format!("x{k}")).await;
            for (p, v) in pool.iter_mut().zip(&l) {
                p.extend_from_slice(v);
            }
            let p = l.map(phases::percentiles);
            println!(
                "latency_64 p50 {:.2}/{:.2}/{:.2} ms, p99 {:.2}/{:.2}/{:.2} ms (ours/floor/baseline)",
                p[0].0, p[1].0, p[2].0, p[0].1, p[1].1, p[2].1
            );
        }
        let p = rounds::pooled_p99(&pool);
        println!(
            "pooled p99: ours/baseline {:.2}, floor/baseline {:.2}",
            p[0] / p[2],
            p[1] / p[2]
        );
        return true;
    }
    // Only the connect phase, on fresh hosts (for profiles and experiments).
    if std::env::var("BENCH_ONLY_CONNECT").is_ok() {
        for k in 0..rounds::ROUNDS {
            let (_h, ours) = our_host().await;
            let c = phases::connect(ours, floor::floor_relay().await, connects, &format!("x{k}")).await;
            println!(
                "connect p50 {:.2}/{:.2}/{:.2} ms (ours/floor/baseline): ratio {:.2}, floor {:.2}",
                c[0].0,
                c[1].0,
                c[2].0,
                c[0].0 / c[2].0,
                c[1].0 / c[2].0
            );
        }
        return true;
    }
    if std::env::var("BENCH_ONLY_REPLAY").is_ok() {
        let (_h, a) = our_host().await;
        println!("replay_ms={:.1}", replay(a, 1000).await);
        return true;
    }
    if std::env::var("BENCH_ONLY_FILES").is_ok() {
        if let Some(f) = files::file_rows().await {
            println!(
                "file_mib_s={:.1} tls_mib_s={:.1} file_ratio={:.2} spread={:.2} layers_mib_s={:.1} layers_ratio={:.2} crypto_floor_mib_s={:.1} crypto_floor_ratio={:.2} host_peak_rss_3_mib={:.1}",
                f.ours,
                f.base,
                f.ratio,
                f.spread,
                f.layers,
                f.layers_ratio,
                f.floor,
                f.floor / f.base,
                f.rss3
            );
        }
        return true;
    }
    if std::env::var("BENCH_ONLY_CLIENT_RSS").is_ok() {
        println!(
            "client_rss_64_mib={:.1}",
            clients::client_rss(64).await.unwrap_or(f64::NAN)
        );
        return true;
    }
    if std::env::var("BENCH_ONLY_RSS").is_ok() {
        println!("host_rss_100_mib={:.1}", host_rss(100).await.unwrap_or(f64::NAN));
        println!("host_rss_1000_mib={:.1}", host_rss(1000).await.unwrap_or(f64::NAN));
        return true;
    }
    if args.iter().any(|a| a == "--scale") {
        let mut points = Vec::new();
        for n in scale::sizes() {
            match scale::point(n).await {
                Some(p) => points.push(p),
                None => eprintln!("scale: {n} members not measured (set SEVERUS_BIN)"),
            }
        }
        print!("{}", scale::table(&points));
        if let Ok(path) = std::env::var("BENCH_SCALE_SVG")
            && let Err(e) = std::fs::write(&path, scale::chart(&points))
        {
            eprintln!("scale: cannot write {path}: {e}");
        }
        return true;
    }
    false
}

/// `BENCH_ONLY_RATIOS`: each ratio's median and spread over the rounds, ours and the floor.
pub fn print_ratios(rs: &[rounds::Round], pooled: phases::Per<f64>) {
    for (name, pick) in [
        (
            "relay",
            (|r: &rounds::Round| r.relay) as fn(&rounds::Round) -> phases::Per<f64>,
        ),
        ("latency_64 (median of rounds)", |r| r.lat64_99),
        ("latency_64_p50", |r| r.lat64_50),
        ("connect", |r| r.connect_50),
    ] {
        let m = rounds::summarize(rs, |r| (pick(r)[0], pick(r)[2]));
        let f = rounds::summarize(rs, |r| (pick(r)[1], pick(r)[2]));
        println!(
            "{name}: ratio {:.2} spread {:.2}; floor {:.2} spread {:.2}",
            m.ratio, m.spread, f.ratio, f.spread
        );
    }
    println!(
        "latency_64 pooled p99: ratio {:.2}; floor {:.2}",
        pooled[0] / pooled[2],
        pooled[1] / pooled[2]
    );
}
