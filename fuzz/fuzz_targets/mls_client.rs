//! The client's MLS input path: any bytes as a group message (application message,
//! commit, proposal or Welcome) of a DM whose group the member has. Never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use severus::group::{Groups, MemberId, new_signature_key};
use severus::protocol::Conv;
use std::sync::OnceLock;

/// A member "bo" in a DM group with "ana": its signature key and saved state.
static STATE: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();

fn id(name: &str) -> MemberId {
    MemberId {
        name: name.into(),
        noise: [name.len() as u8; 32],
    }
}

fn setup() -> (Vec<u8>, Vec<u8>) {
    let (sa, sb) = (new_signature_key().unwrap(), new_signature_key().unwrap());
    let mut ana = Groups::new(&sa, id("ana")).unwrap();
    let mut bo = Groups::new(&sb, id("bo")).unwrap();
    let conv = Conv::dm("ana", "bo");
    let kp = bo.key_packages(1).unwrap().remove(0);
    let created = ana.create_with(&conv, &kp, "bo").unwrap();
    ana.confirm(&conv).unwrap();
    bo.process(&conv, &created.welcome).unwrap();
    (sb, bo.snapshot())
}

fuzz_target!(|data: &[u8]| {
    let (sig, state) = STATE.get_or_init(setup);
    let Ok(mut bo) = Groups::restore(sig, id("bo"), state) else { return };
    let _ = bo.process(&Conv::dm("ana", "bo"), data);
});
