//! Any bytes a peer sends as a frame, in either direction: decoding must never panic,
//! and what decodes must re-encode to a frame that decodes to the same packet. The
//! input is also cut into length-prefixed frames and fed to part reassembly.
#![no_main]
use libfuzzer_sys::fuzz_target;
use severus::protocol::{ClientPacket, HostPacket, Reassembly, decode, encode};

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = decode::<ClientPacket>(data) {
        assert_eq!(decode::<ClientPacket>(&encode(&p)).ok(), Some(p));
    }
    if let Ok(p) = decode::<HostPacket>(data) {
        assert_eq!(decode::<HostPacket>(&encode(&p)).ok(), Some(p));
    }
    // Frames: [len u16 BE][bytes] ... fed to one reassembly, until an error.
    let mut r = Reassembly::default();
    let mut rest = data;
    while let Some((len, tail)) = rest.split_first_chunk::<2>() {
        let len = u16::from_be_bytes(*len) as usize;
        let Some((frame, tail)) = tail.split_at_checked(len) else { break };
        if r.push::<HostPacket>(frame).is_err() {
            break;
        }
        rest = tail;
    }
});
