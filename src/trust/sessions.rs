//! The client's memory of each host between app runs (`sessions/` in the data dir):
//! small CBOR files written atomically, one per host and name.

use super::files::{ensure_private_dir, write_atomic};
use crate::client::Memory;
use crate::protocol::{decode, encode, name_key};
use std::path::{Path, PathBuf};

/// Folder inside the data dir.
pub const SESSIONS_DIR: &str = "sessions";

/// Largest session file we read: a bigger one is not ours.
pub const MAX_SESSION_BYTES: u64 = 64 * 1024;

/// Where the memory of `host` (its known_hosts name) for `name` lives.
pub fn session_path(data_dir: &Path, host: &str, name: &str) -> PathBuf {
    let id = crate::crypto::sha256(format!("{host}\n{}", name_key(name)).as_bytes());
    data_dir
        .join(SESSIONS_DIR)
        .join(format!("{}.cbor", hex::encode(&id[..12])))
}

/// Loads a memory; a missing file is an empty memory, a damaged one is reported in the
/// log and treated as empty (it only costs a resume: the gap is then shown).
pub fn load(path: &Path) -> Memory {
    let read = std::fs::metadata(path)
        .ok()
        .filter(|m| m.len() <= MAX_SESSION_BYTES)
        .and_then(|_| std::fs::read(path).ok());
    match read.map(|b| decode::<Memory>(&b)) {
        Some(Ok(m)) => m,
        Some(Err(e)) => {
            tracing::warn!(path = %path.display(), %e, "session memory is damaged; starting without it");
            Memory::default()
        }
        None => Memory::default(),
    }
}

/// Saves a memory atomically (0600 in a 0700 folder).
pub fn save(path: &Path, mem: &Memory) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        ensure_private_dir(dir)?;
    }
    write_atomic(path, &encode(mem))
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
        assert_eq!(load(&p), Memory::default());
        let m = Memory {
            incarnation: Some(uuid::Uuid::new_v4()),
            cursors: vec![Cursor {
                conv: Conv::LOBBY,
                seq: 7,
            }],
            rooms: vec![("ops".into(), uuid::Uuid::new_v4())],
        };
        save(&p, &m).unwrap();
        assert_eq!(load(&p), m);
        std::fs::write(&p, b"garbage").unwrap();
        assert_eq!(load(&p), Memory::default());
    }
}
