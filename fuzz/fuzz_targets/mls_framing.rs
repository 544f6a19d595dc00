//! The host's MLS framing parser: any bytes as a group message, a GroupInfo or an
//! uploaded key package. Reading the framing never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use severus::group::framing::{check_key_package, framing, group_info};

fuzz_target!(|data: &[u8]| {
    let _ = framing(data);
    let _ = group_info(data);
    let _ = check_key_package(data, "ana", &[3u8; 32]);
});
