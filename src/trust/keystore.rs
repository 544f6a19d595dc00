//! The installation's identity at rest: in the OS keychain when one answers (probed
//! once), else in `identity.key` (0600) inside the private (0700) data dir.

use super::files::{ensure_private_dir, write_atomic};
use crate::crypto::{Identity, IdentityError};
use crate::protocol::{decode, encode};
use std::path::{Path, PathBuf};

/// Environment variable choosing the store: `auto` (default), `keychain` or `file`.
pub const KEYSTORE_ENV: &str = "SEVERUS_KEYSTORE";

/// File holding the identity when no keychain is available.
pub const IDENTITY_FILE: &str = "identity.key";

/// File saying the identity is in the OS keychain (no secret in it): with it, a
/// keychain that does not answer is an error, never a new identity.
pub const KEYCHAIN_MARKER: &str = "identity.in-keychain";

/// Where the identity ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// The OS keychain (Secret Service, macOS Keychain, Windows Credential Manager).
    Keychain,
    /// `identity.key` in the data dir, mode 0600.
    File,
}

/// Why the identity could not be loaded or saved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyStoreError {
    #[error("cannot use the data directory {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the keychain refused: {0}")]
    Keychain(String),
    #[error("the stored identity in {place} is damaged ({reason}); move it away to start over with a new identity")]
    Corrupt { place: String, reason: String },
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error("{KEYSTORE_ENV} must be auto, keychain or file, not {0:?}")]
    BadChoice(String),
    #[error(
        "this installation's identity is in the OS keychain, which did not answer (locked, or no desktop session); unlock it and try again. A new identity would look like someone else to everyone who knows this one"
    )]
    KeychainGone,
}

/// Loads this installation's identity, creating and saving one on first run.
pub fn load_or_create_identity(data_dir: &Path) -> Result<(Identity, StoreKind), KeyStoreError> {
    ensure_private_dir(data_dir).map_err(|source| KeyStoreError::Io {
        path: data_dir.to_path_buf(),
        source,
    })?;
    let choice = std::env::var(KEYSTORE_ENV).unwrap_or_else(|_| "auto".into());
    load_or_create_with(data_dir, &choice, keychain::probe)
}

/// `load_or_create_identity` with the store chosen and the keychain probe given.
fn load_or_create_with(
    data_dir: &Path,
    choice: &str,
    probe: impl FnOnce() -> bool,
) -> Result<(Identity, StoreKind), KeyStoreError> {
    let marker = data_dir.join(KEYCHAIN_MARKER);
    let use_keychain = match choice {
        "file" => false,
        "keychain" => true,
        "auto" | "" => {
            let ok = probe();
            if !ok && marker.exists() && !data_dir.join(IDENTITY_FILE).exists() {
                // Over ssh, from cron, with the keyring locked: the identity is there,
                // only out of reach. Before, a new one was made and used.
                return Err(KeyStoreError::KeychainGone);
            }
            if !ok {
                tracing::warn!(
                    dir = %data_dir.display(),
                    "no OS keychain answered: keeping private keys in {IDENTITY_FILE} (mode 0600) in the data directory"
                );
            }
            ok
        }
        other => return Err(KeyStoreError::BadChoice(other.to_string())),
    };
    if use_keychain {
        let account = keychain::account_for(data_dir);
        let mark = || {
            write_atomic(&marker, b"the identity of this data directory is in the OS keychain\n").map_err(|source| {
                KeyStoreError::Io {
                    path: marker.clone(),
                    source,
                }
            })
        };
        if let Some(bytes) = keychain::load(&account)? {
            let mut id = parse(&bytes, "the keychain")?;
            if id.complete()? {
                keychain::save(&account, &encode(&id))?;
            }
            if !marker.exists() {
                mark()?;
            }
            return Ok((id, StoreKind::Keychain));
        }
        // An identity from an earlier file-only run stays the identity.
        if let Some(id) = load_file(data_dir)? {
            return Ok((id, StoreKind::File));
        }
        let id = Identity::generate()?;
        keychain::save(&account, &encode(&id))?;
        mark()?;
        return Ok((id, StoreKind::Keychain));
    }
    if let Some(id) = load_file(data_dir)? {
        return Ok((id, StoreKind::File));
    }
    let id = Identity::generate()?;
    let path = data_dir.join(IDENTITY_FILE);
    write_atomic(&path, &encode(&id)).map_err(|source| KeyStoreError::Io { path, source })?;
    Ok((id, StoreKind::File))
}

/// Reads `identity.key`; an identity saved by an older version gets its new keys and
/// is written back.
fn load_file(data_dir: &Path) -> Result<Option<Identity>, KeyStoreError> {
    let path = data_dir.join(IDENTITY_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => {
            let mut id = parse(&bytes, &path.display().to_string())?;
            if id.complete()? {
                write_atomic(&path, &encode(&id)).map_err(|source| KeyStoreError::Io { path, source })?;
            }
            Ok(Some(id))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(KeyStoreError::Io { path, source }),
    }
}

/// Parses a stored identity (also the fuzz entry for identity files).
pub fn parse(bytes: &[u8], place: &str) -> Result<Identity, KeyStoreError> {
    let id: Identity = decode(bytes).map_err(|e| KeyStoreError::Corrupt {
        place: place.to_string(),
        reason: e.to_string(),
    })?;
    id.validate().map_err(|e| KeyStoreError::Corrupt {
        place: place.to_string(),
        reason: e.to_string(),
    })?;
    Ok(id)
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
mod keychain {
    use super::KeyStoreError;
    use std::path::Path;
    use std::time::Duration;

    /// Service name of our keychain entries.
    const KEYCHAIN_SERVICE: &str = "dev.severus.app";

    /// How long the probe waits for a keychain (D-Bus can hang without a session bus).
    const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

    /// One account per data dir, so two instances on one machine keep two identities.
    pub fn account_for(data_dir: &Path) -> String {
        let abs = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
        let h = crate::crypto::sha256(abs.to_string_lossy().as_bytes());
        format!("identity-{}", hex::encode(&h[..8]))
    }

    /// Sets, reads back and deletes a throwaway entry, in a thread with a timeout.
    pub fn probe() -> bool {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let ok = (|| {
                let name = format!("probe-{}", uuid::Uuid::new_v4().simple());
                let e = keyring::Entry::new(KEYCHAIN_SERVICE, &name).ok()?;
                e.set_password("probe").ok()?;
                let back = e.get_password().ok()?;
                e.delete_credential().ok()?;
                (back == "probe").then_some(())
            })()
            .is_some();
            let _ = tx.send(ok);
        });
        rx.recv_timeout(PROBE_TIMEOUT).unwrap_or(false)
    }

    pub fn load(account: &str) -> Result<Option<Vec<u8>>, KeyStoreError> {
        let e = keyring::Entry::new(KEYCHAIN_SERVICE, account).map_err(|e| KeyStoreError::Keychain(e.to_string()))?;
        match e.get_secret() {
            Ok(bytes) => Ok(Some(bytes)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(KeyStoreError::Keychain(err.to_string())),
        }
    }

    pub fn save(account: &str, bytes: &[u8]) -> Result<(), KeyStoreError> {
        keyring::Entry::new(KEYCHAIN_SERVICE, account)
            .and_then(|e| e.set_secret(bytes))
            .map_err(|e| KeyStoreError::Keychain(e.to_string()))
    }
}

/// Platforms without a keyring backend (Android): private app files only.
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
mod keychain {
    use super::KeyStoreError;
    use std::path::Path;

    pub fn account_for(_: &Path) -> String {
        String::new()
    }
    pub fn probe() -> bool {
        false
    }
    pub fn load(_: &str) -> Result<Option<Vec<u8>>, KeyStoreError> {
        Ok(None)
    }
    pub fn save(_: &str, _: &[u8]) -> Result<(), KeyStoreError> {
        Err(KeyStoreError::Keychain("no keychain on this platform".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // These tests run with SEVERUS_KEYSTORE unset or "file"; the file path is what CI
    // machines use (no D-Bus session), and is what we check here directly.
    fn file_identity(dir: &Path) -> Identity {
        if let Some(id) = load_file(dir).unwrap() {
            return id;
        }
        ensure_private_dir(dir).unwrap();
        let id = Identity::generate().unwrap();
        write_atomic(&dir.join(IDENTITY_FILE), &encode(&id)).unwrap();
        id
    }

    #[test]
    fn a_keychain_out_of_reach_is_an_error_not_a_new_identity() {
        let tmp = tempfile::tempdir().unwrap();
        // No keychain, nothing marked: a file identity, made once and kept.
        let (a, kind) = load_or_create_with(tmp.path(), "auto", || false).unwrap();
        assert_eq!(kind, StoreKind::File);
        let (b, _) = load_or_create_with(tmp.path(), "auto", || false).unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        // An identity kept in the keychain (marked) whose keychain does not answer.
        let kept = tempfile::tempdir().unwrap();
        std::fs::write(kept.path().join(KEYCHAIN_MARKER), b"x").unwrap();
        let e = load_or_create_with(kept.path(), "auto", || false).unwrap_err();
        assert!(matches!(e, KeyStoreError::KeychainGone), "{e}");
        assert!(!kept.path().join(IDENTITY_FILE).exists(), "no new identity was made");
        // Told to use files, the user gets them.
        assert!(load_or_create_with(kept.path(), "file", || false).is_ok());
    }

    #[test]
    fn file_identity_is_created_once_and_reused() {
        let tmp = tempfile::tempdir().unwrap();
        let a = file_identity(tmp.path());
        let b = load_file(tmp.path()).unwrap().unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.iroh_secret, b.iroh_secret);
    }

    #[test]
    fn an_identity_from_before_group_keys_gets_them_once() {
        #[derive(serde::Serialize)]
        struct Old {
            noise_private: [u8; 32],
            noise_public: [u8; 32],
            tls_key_pem: String,
            #[serde(with = "serde_bytes")]
            tls_cert_der: Vec<u8>,
            iroh_secret: [u8; 32],
        }
        let tmp = tempfile::tempdir().unwrap();
        let new = Identity::generate().unwrap();
        let old = Old {
            noise_private: new.noise_private,
            noise_public: new.noise_public,
            tls_key_pem: new.tls_key_pem.clone(),
            tls_cert_der: new.tls_cert_der.clone(),
            iroh_secret: new.iroh_secret,
        };
        std::fs::write(tmp.path().join(IDENTITY_FILE), encode(&old)).unwrap();
        let a = load_file(tmp.path()).unwrap().unwrap();
        assert_eq!(a.fingerprint(), new.fingerprint(), "the same identity");
        assert!(!a.mls_signature.is_empty() && a.storage_key != [0; 32]);
        let b = load_file(tmp.path()).unwrap().unwrap();
        assert_eq!(
            (a.mls_signature, a.storage_key),
            (b.mls_signature, b.storage_key),
            "saved once"
        );
    }

    #[test]
    fn corrupt_identity_file_is_a_clear_error() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join(IDENTITY_FILE), b"not cbor").unwrap();
        let err = load_file(tmp.path()).unwrap_err();
        assert!(matches!(err, KeyStoreError::Corrupt { .. }));
        assert!(err.to_string().contains("damaged"));
        // Nothing was overwritten.
        assert_eq!(std::fs::read(tmp.path().join(IDENTITY_FILE)).unwrap(), b"not cbor");
    }
}
