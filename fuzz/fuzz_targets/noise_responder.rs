//! The host's side of the Noise handshake fed arbitrary messages 1 and 3.
#![no_main]
use libfuzzer_sys::fuzz_target;
use severus::crypto::noise::Responder;
use std::sync::OnceLock;

static KEY: OnceLock<[u8; 32]> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let key = KEY.get_or_init(|| [7u8; 32]);
    let split = data.first().copied().unwrap_or(0) as usize;
    let rest = data.get(1..).unwrap_or(&[]);
    let (m1, m3) = rest.split_at(split.min(rest.len()));
    let Ok(mut r) = Responder::new(key, b"fuzz") else { return };
    if r.read_first(m1).is_err() {
        return;
    }
    if r.write_second().is_err() {
        return;
    }
    let _ = r.read_third(m3);
});
