//! The ratio phases of the relay harness, repeated: each round measures ours and the
//! baseline interleaved (see `phases`) on fresh hosts; reported are medians of rounds.

use super::phases::{Per, connect, latency, percentiles, throughput};
use super::{floor, our_host, plain_relay};

/// Rounds of a full run (one round alone spread 13-41% between runs, BENCHMARKS.md).
pub const ROUNDS: usize = 5;

/// One round's figures, per side (ours, floor, baseline; see `phases::SIDES`).
#[derive(Clone, Copy, Default)]
pub struct Round {
    pub relay: Per<f64>,
    pub lat8_50: Per<f64>,
    pub lat8_99: Per<f64>,
    pub lat64_50: Per<f64>,
    pub lat64_99: Per<f64>,
    pub connect_50: Per<f64>,
    pub connect_99: Per<f64>,
}

/// Every 64-member fan-out sample of a run, per side: the p99 is taken over all of
/// them (9000 messages a side in a full run, not 1800 a round).
pub type Pooled = Per<Vec<f64>>;

async fn round(k: usize, per_sender: usize, lat_count: usize, connects: usize, pool: &mut Pooled) -> Round {
    let tag = k.to_string();
    let (_host, ours) = our_host().await;
    let addrs = [ours, floor::floor_relay().await, plain_relay().await];
    let relay = throughput(addrs, 8, per_sender, &tag).await;
    // The 8-member latency is no goal's figure: half the samples (time for the 64's).
    let l8 = latency(addrs, 8, lat_count.div_ceil(2), &tag).await.map(percentiles);
    let l64 = latency(addrs, 64, lat_count, &tag).await;
    for (p, v) in pool.iter_mut().zip(&l64) {
        p.extend_from_slice(v);
    }
    let l64 = l64.map(percentiles);
    // Connect time on an idle host of its own.
    let (_idle, idle) = our_host().await;
    let c = connect(idle, floor::floor_relay().await, connects, &tag).await;
    Round {
        relay,
        lat8_50: l8.map(|p| p.0),
        lat8_99: l8.map(|p| p.1),
        lat64_50: l64.map(|p| p.0),
        lat64_99: l64.map(|p| p.1),
        connect_50: c.map(|p| p.0),
        connect_99: c.map(|p| p.1),
    }
}

/// The p99 of each side's pooled samples.
pub fn pooled_p99(pool: &Pooled) -> Per<f64> {
    [0, 1, 2].map(|i| percentiles(pool[i].clone()).1)
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Medians over rounds of one measure: ours, baseline, the ratio (median of the
/// rounds' ratios) and its spread ((max - min) / median).
pub struct Summary {
    pub ours: f64,
    pub base: f64,
    pub ratio: f64,
    pub spread: f64,
}

pub fn summarize(rounds: &[Round], pick: impl Fn(&Round) -> (f64, f64)) -> Summary {
    let pairs: Vec<(f64, f64)> = rounds.iter().map(pick).collect();
    let ratios: Vec<f64> = pairs.iter().map(|(o, b)| o / b).collect();
    let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let ratio = median(ratios);
    Summary {
        ours: median(pairs.iter().map(|p| p.0).collect()),
        base: median(pairs.iter().map(|p| p.1).collect()),
        ratio,
        spread: (hi - lo) / ratio,
    }
}

/// `rounds` rounds, each printed to stderr as it ends, and the pooled samples.
pub async fn measure(rounds: usize, per_sender: usize, lat_count: usize, connects: usize) -> (Vec<Round>, Pooled) {
    let mut out = Vec::new();
    let mut pool = Pooled::default();
    for k in 0..rounds {
        let r = round(k, per_sender, lat_count, connects, &mut pool).await;
        let ratios = |v: Per<f64>| format!("{:.2} / {:.2}", v[0] / v[2], v[1] / v[2]);
        eprintln!(
            "round {}: relay {} ({:.0}/{:.0}/{:.0} msg/s) latency_64 p99 {} ({:.2}/{:.2}/{:.2} ms) connect {} (ours / floor against the baseline)",
            k + 1,
            ratios(r.relay),
            r.relay[0],
            r.relay[1],
            r.relay[2],
            ratios(r.lat64_99),
            r.lat64_99[0],
            r.lat64_99[1],
            r.lat64_99[2],
            ratios(r.connect_50),
        );
        out.push(r);
    }
    (out, pool)
}
