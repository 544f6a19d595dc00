//! The ratio phases of the relay harness, repeated: each round measures ours and the
//! baseline interleaved (see `phases`) on fresh hosts; reported are medians of rounds.

use super::phases::{connect, latency, throughput};
use super::{our_host, plain_relay};

/// Rounds of a full run (one round alone spread 13-41% between runs, BENCHMARKS.md).
pub const ROUNDS: usize = 5;

/// One round's figures: (ours, baseline) pairs.
#[derive(Clone, Copy, Default)]
pub struct Round {
    pub relay: (f64, f64),
    pub lat8_50: (f64, f64),
    pub lat8_99: (f64, f64),
    pub lat64_50: (f64, f64),
    pub lat64_99: (f64, f64),
    pub connect_50: (f64, f64),
    pub connect_99: (f64, f64),
}

async fn round(k: usize, per_sender: usize, lat_count: usize, connects: usize) -> Round {
    let tag = k.to_string();
    let (_host, ours) = our_host().await;
    let plain = plain_relay().await;
    let relay = throughput(ours, plain, 8, per_sender, &tag).await;
    let (o8, p8) = latency(ours, plain, 8, lat_count, &tag).await;
    let (o64, p64) = latency(ours, plain, 64, lat_count, &tag).await;
    // Connect time on an idle host of its own.
    let (_idle, idle) = our_host().await;
    let (c, t) = connect(idle, connects, &tag).await;
    Round {
        relay,
        lat8_50: (o8.0, p8.0),
        lat8_99: (o8.1, p8.1),
        lat64_50: (o64.0, p64.0),
        lat64_99: (o64.1, p64.1),
        connect_50: (c.0, t.0),
        connect_99: (c.1, t.1),
    }
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

/// `rounds` rounds, each printed to stderr as it ends.
pub async fn measure(rounds: usize, per_sender: usize, lat_count: usize, connects: usize) -> Vec<Round> {
    let mut out = Vec::new();
    for k in 0..rounds {
        let r = round(k, per_sender, lat_count, connects).await;
        eprintln!(
            "round {}: relay {:.2} ({:.0}/{:.0} msg/s) latency_64 {:.2} ({:.2}/{:.2} ms) connect {:.2} ({:.2}/{:.2} ms)",
            k + 1,
            r.relay.0 / r.relay.1,
            r.relay.0,
            r.relay.1,
            r.lat64_99.0 / r.lat64_99.1,
            r.lat64_99.0,
            r.lat64_99.1,
            r.connect_50.0 / r.connect_50.1,
            r.connect_50.0,
            r.connect_50.1,
        );
        out.push(r);
    }
    out
}
