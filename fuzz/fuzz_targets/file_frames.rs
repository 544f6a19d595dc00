//! What a receiver gets of a file from others: the offer (decrypted content), sealed
//! chunks, and the file name. Never a panic; a name that comes out is always safe.
#![no_main]
use libfuzzer_sys::fuzz_target;
use severus::client::filename::{MAX_FILE_NAME_BYTES, safe_name};
use severus::crypto::chunks::open_chunk;
use severus::group::{Content, ContentBody};

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else { return };
    match kind % 3 {
        0 => {
            if let Some(Content {
                body: ContentBody::File(offer),
                ..
            }) = Content::from_bytes(rest)
            {
                check(&safe_name(&offer.name));
            }
        }
        1 => {
            let index = rest.first().copied().unwrap_or(0) as u32;
            let _ = open_chunk(&[7; 32], &[9; 16], index, kind & 0x80 != 0, rest);
        }
        _ => check(&safe_name(&String::from_utf8_lossy(rest))),
    }
});

fn check(name: &str) {
    assert!(!name.is_empty() && name.len() <= MAX_FILE_NAME_BYTES);
    assert!(!name.contains(['/', '\\', '\0']) && !name.starts_with('.') && name != "..");
}
