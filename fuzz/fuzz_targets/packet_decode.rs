//! Any bytes a peer sends as a frame: decoding must never panic, and what decodes
//! must re-encode to a frame that decodes to the same packet.
#![no_main]
use libfuzzer_sys::fuzz_target;
use severus::protocol::{decode, encode};

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = decode(data) {
        assert_eq!(decode(&encode(&p)).ok(), Some(p));
    }
});
