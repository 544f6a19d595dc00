//! Whatever a user pastes as an invite: never a panic; a decoded invite encodes back
//! to itself.
#![no_main]
use libfuzzer_sys::fuzz_target;
use severus::protocol::Invite;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = severus::protocol::looks_like_invite(s);
        if let Ok(i) = Invite::decode(s) {
            assert_eq!(Invite::decode(&i.encode()), Ok(i));
        }
    }
});
