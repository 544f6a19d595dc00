//! Whatever a user pastes into the address-or-ticket field.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = severus::transport::iroh::looks_like_ticket(s);
        let _ = severus::transport::iroh::parse_ticket(s);
        let _ = severus::transport::tcp::looks_like_address(s);
    }
});
