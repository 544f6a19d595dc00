//! A damaged or hostile known_hosts.json (or identity file): an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = severus::trust::known_hosts::parse(data);
    let _ = severus::trust::keystore::parse(data, "fuzz");
});
