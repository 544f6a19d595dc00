//! The client's memory of each host between app runs (`sessions/` in the data dir):
//! one file per host and name, CBOR encrypted with ChaCha20-Poly1305 under the
//! identity's storage key, written atomically.

use super::files::{ensure_private_dir, write_atomic};
use crate::client::Memory;
use crate::protocol::{encode, name_key};
use std::path::{Path, PathBuf};

/// Folder inside the data dir.
pub const SESSIONS_DIR: &str = "sessions";

/// Largest session file we read (group state of a 256-member group is under 1 MiB).
pub const MAX_SESSION_BYTES: u64 = 16 * 1024 * 1024;

/// Bytes of the random nonce at the start of a session file.
const NONCE_LEN: usize = 12;

/// Where the memory of `host` (its known_hosts name) for `name` lives.
pub fn session_path(data_dir: &Path, host: &str, name: &str) -> PathBuf {
    let id = crate::crypto::sha256(format!("{host}\n{}", name_key(name)).as_bytes());
    data_dir
        .join(SESSIONS_DIR)
        .join(format!("{}.cbor", hex::encode(&id[..12])))
}

fn aead(key: &[u8; 32]) -> Option<ring::aead::LessSafeKey> {
    let k = ring::aead::UnboundKey::new(&ring::aead::CHACHA20_POLY1305, key).ok()?;
    Some(ring::aead::LessSafeKey::new(k))
}

/// Loads a memory; a missing file is an empty memory, a damaged one (or one made with
/// another key) is reported in the log and treated as empty: it only costs a resume,
/// and the gap is then shown.
pub fn load(path: &Path, key: &[u8; 32]) -> Memory {
    let read = std::fs::metadata(path)
        .ok()
        .filter(|m| m.len() <= MAX_SESSION_BYTES)
        .and_then(|_| std::fs::read(path).ok());
    let Some(bytes) = read else {
        return Memory::default();
    };
    match open(&bytes, key).and_then(|plain| {
        crate::protocol::codec::decode_capped::<Memory>(&plain, MAX_SESSION_BYTES as usize).map_err(|e| e.to_string())
    }) {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(path = %path.display(), %e, "session memory is damaged; starting without it");
            Memory::default()
        }
    }
}

fn open(bytes: &[u8], key: &[u8; 32]) -> Result<Vec<u8>, String> {
    let (nonce, sealed) = bytes.split_at_checked(NONCE_LEN).ok_or("too short")?;
    let nonce = ring::aead::Nonce::try_assume_unique_for_key(nonce).map_err(|_| "bad nonce")?;
    let mut buf = sealed.to_vec();
    let plain = aead(key)
        .ok_or("bad key")?
        .open_in_place(nonce, ring::aead::Aad::empty(), &mut buf)
        .map_err(|_| "not readable with this identity's key")?;
    Ok(plain.to_vec())
}

/// Saves a memory encrypted under `key`, atomically (0600 in a 0700 folder).
pub fn save(path: &Path, mem: &Memory, key: &[u8; 32]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        ensure_private_dir(dir)?;
    }
    let mut nonce = [0u8; NONCE_LEN];
    rand::Rng::fill(&mut rand::rng(), &mut nonce);
    let mut buf = encode(mem);
    let sealed = aead(key).and_then(|k| {
        k.seal_in_place_append_tag(
            ring::aead::Nonce::assume_unique_for_key(nonce),
            ring::aead::Aad::empty(),
            &mut buf,
        )
        .ok()
    });
    if sealed.is_none() {
        return Err(std::io::Error::other("could not encrypt the session memory"));
    }
    let mut out = nonce.to_vec();
    out.extend_from_slice(&buf);
    write_atomic(path, &out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Conv, Cursor};

    #[test]
    fn round_trip_and_damage() {
        let tmp = tempfile::tempdir().unwrap();
        let p = session_path(tmp.path(), "127.0.0.1:3000", "Ana");
        assert_eq!(p, session_path(tmp.path(), "127.0.0.1:3000", "ana"));
        assert_ne!(p, session_path(tmp.path(), "127.0.0.1:3001", "ana"));
        let key = [5u8; 32];
        assert_eq!(load(&p, &key), Memory::default());
        let m = Memory {
            incarnation: Some(uuid::Uuid::new_v4()),
            cursors: vec![Cursor {
                conv: Conv::LOBBY,
                seq: 7,
            }],
            rooms: vec![("ops".into(), uuid::Uuid::new_v4())],
            groups: Some(serde_bytes::ByteBuf::from(b"secret group state".to_vec())),
            keys: vec![],
        };
        save(&p, &m, &key).unwrap();
        assert_eq!(load(&p, &key), m);
        // Encrypted at rest: the file does not show what it holds.
        let raw = std::fs::read(&p).unwrap();
        assert!(!raw.windows(6).any(|w| w == b"secret"));
        // Another key, or damage: an empty memory (the gap is shown), never a panic.
        assert_eq!(load(&p, &[6u8; 32]), Memory::default());
        std::fs::write(&p, b"garbage").unwrap();
        assert_eq!(load(&p, &key), Memory::default());
    }
}
