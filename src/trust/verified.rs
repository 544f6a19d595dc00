//! Members you verified (compared safety numbers with), per host fingerprint and
//! member name, with the keys you verified: `verified.json` in the data dir.

use super::files::{ensure_private_dir, lock_beside, write_atomic};
use crate::crypto::{Fingerprint, MemberKeys};
use crate::protocol::name_key;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// File name inside the data dir.
pub const VERIFIED_FILE: &str = "verified.json";

/// Largest verified file we read (thousands of members fit in it).
pub const MAX_VERIFIED_FILE: u64 = 1024 * 1024;

/// Why the verified list could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifiedError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path} is damaged ({reason}); move it away to start a new list")]
    Damaged { path: PathBuf, reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    noise: String,
    signature: String,
}

/// Host fingerprint (hex) -> lowercased member name -> keys.
type File = BTreeMap<String, BTreeMap<String, Entry>>;

/// The verified members of every host.
pub struct Verified {
    path: PathBuf,
}

impl Verified {
    pub fn new(data_dir: &Path) -> Self {
        Verified {
            path: data_dir.join(VERIFIED_FILE),
        }
    }

    fn read(&self) -> Result<File, VerifiedError> {
        let io = |source| VerifiedError::Io {
            path: self.path.clone(),
            source,
        };
        let damaged = |reason: String| VerifiedError::Damaged {
            path: self.path.clone(),
            reason,
        };
        match std::fs::metadata(&self.path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(File::new()),
            Err(e) => return Err(io(e)),
            Ok(m) if m.len() > MAX_VERIFIED_FILE => return Err(damaged(format!("over {MAX_VERIFIED_FILE} bytes"))),
            Ok(_) => {}
        }
        let bytes = std::fs::read(&self.path).map_err(io)?;
        serde_json::from_slice(&bytes).map_err(|e| damaged(e.to_string()))
    }

    /// The members verified on host `host`, with the keys they had then.
    pub fn of_host(&self, host: &Fingerprint) -> Result<BTreeMap<String, MemberKeys>, VerifiedError> {
        let file = self.read()?;
        let damaged = |reason: &str| VerifiedError::Damaged {
            path: self.path.clone(),
            reason: reason.to_string(),
        };
        let mut out = BTreeMap::new();
        for (name, e) in file.get(&hex::encode(host.0)).cloned().unwrap_or_default() {
            let noise = hex::decode(&e.noise)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| damaged("a Noise key is not 32 bytes of hex"))?;
            let signature = hex::decode(&e.signature).map_err(|_| damaged("a signature key is not hex"))?;
            out.insert(name, MemberKeys { noise, signature });
        }
        Ok(out)
    }

    /// Marks `name` on host `host` verified with `keys` (replacing what was there).
    pub fn mark(&self, host: &Fingerprint, name: &str, keys: &MemberKeys) -> Result<(), VerifiedError> {
        // Another process on this data directory may mark someone meanwhile.
        let _lock = lock_beside(&self.path).map_err(|source| VerifiedError::Io {
            path: self.path.clone(),
            source,
        })?;
        let mut file = self.read()?;
        file.entry(hex::encode(host.0)).or_default().insert(
            name_key(name),
            Entry {
                noise: hex::encode(keys.noise),
                signature: hex::encode(&keys.signature),
            },
        );
        let io = |source| VerifiedError::Io {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            ensure_private_dir(dir).map_err(io)?;
        }
        let bytes = serde_json::to_vec_pretty(&file).map_err(|e| io(std::io::Error::other(e)))?;
        write_atomic(&self.path, &bytes).map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_per_host_and_name_and_a_damaged_file_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let v = Verified::new(tmp.path());
        let (h1, h2) = (Fingerprint([1; 32]), Fingerprint([2; 32]));
        assert!(v.of_host(&h1).unwrap().is_empty());
        let k = MemberKeys {
            noise: [7; 32],
            signature: vec![8; 32],
        };
        v.mark(&h1, "Bob", &k).unwrap();
        assert_eq!(v.of_host(&h1).unwrap().get("bob"), Some(&k));
        assert!(v.of_host(&h2).unwrap().is_empty(), "per host");
        let k2 = MemberKeys {
            noise: [9; 32],
            signature: vec![8; 32],
        };
        v.mark(&h1, "bob", &k2).unwrap();
        assert_eq!(v.of_host(&h1).unwrap().get("bob"), Some(&k2), "marked again");
        std::fs::write(tmp.path().join(VERIFIED_FILE), b"{oops").unwrap();
        assert!(matches!(v.of_host(&h1), Err(VerifiedError::Damaged { .. })));
        assert!(v.mark(&h1, "bob", &k).is_err(), "never overwrites a damaged list");
    }
}
