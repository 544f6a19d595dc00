//! The client's side of the Noise handshake fed an arbitrary message 2.
#![no_main]
use libfuzzer_sys::fuzz_target;
use severus::crypto::noise::Initiator;

fuzz_target!(|data: &[u8]| {
    let Ok(mut i) = Initiator::new(&[9u8; 32], b"fuzz") else { return };
    if i.write_first().is_err() {
        return;
    }
    if i.read_second(data).is_ok() {
        let _ = i.write_third();
    }
});
