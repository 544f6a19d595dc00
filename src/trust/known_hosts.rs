//! `known_hosts.json`: per host (canonical `IP:port`, `[v6]:port`, `name:port` or iroh
//! endpoint id) the pinned certificate SHA-256 and Noise static key. Atomic, locked
//! writes; corrupt = error.

use super::files::{lock_beside, write_atomic};
use crate::crypto::{Fingerprint, HostIdentity};
use crate::session::verify::{HostVerifier, TrustState, VerifierError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// File name inside the data dir.
pub const KNOWN_HOSTS_FILE: &str = "known_hosts.json";

/// Largest known_hosts file we read (about 2000 hosts): a bigger one is not ours.
pub const MAX_KNOWN_HOSTS_BYTES: u64 = 1024 * 1024;

/// Why known_hosts could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    #[error("cannot read or write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is damaged ({reason}); fix or delete it (you will be asked to trust hosts again)")]
    Corrupt { path: PathBuf, reason: String },
    #[error("{host} is already pinned to another identity; forget it first")]
    AlreadyPinned { host: String },
}

/// One pinned host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    /// SHA-256 of the host's TLS certificate, hex.
    pub cert_sha256: String,
    /// The host's Noise static public key, hex.
    pub noise_static: String,
    /// The fingerprint shown when it was trusted (to show as "old" if it changes).
    pub fingerprint: String,
}

impl Pin {
    fn of(id: &HostIdentity) -> Self {
        Pin {
            cert_sha256: hex::encode(id.cert_sha256),
            noise_static: hex::encode(id.noise_static),
            fingerprint: id.fingerprint.to_string(),
        }
    }
}

/// The file's shape.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownHostsFile {
    pub version: u32,
    pub hosts: BTreeMap<String, Pin>,
}

/// Parses known_hosts bytes, validating every pin (also the fuzz entry point).
pub fn parse(bytes: &[u8]) -> Result<KnownHostsFile, String> {
    let file: KnownHostsFile = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if file.version != 1 {
        return Err(format!("unknown version {}", file.version));
    }
    for (host, pin) in &file.hosts {
        let ok = |h: &str| hex::decode(h).map(|b| b.len() == 32).unwrap_or(false);
        if !ok(&pin.cert_sha256) || !ok(&pin.noise_static) || Fingerprint::parse(&pin.fingerprint).is_none() {
            return Err(format!("bad pin for {host}"));
        }
    }
    Ok(file)
}

/// known_hosts in one data dir. Reads the file on every lookup (it is small), so two
/// processes sharing a data dir see each other's pins.
pub struct KnownHosts {
    path: PathBuf,
    /// Serializes read-modify-write within this process.
    write_lock: Mutex<()>,
}

impl KnownHosts {
    pub fn new(data_dir: &Path) -> Self {
        KnownHosts {
            path: data_dir.join(KNOWN_HOSTS_FILE),
            write_lock: Mutex::new(()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn load(&self) -> Result<KnownHostsFile, TrustError> {
        let io = |source| TrustError::Io {
            path: self.path.clone(),
            source,
        };
        match std::fs::metadata(&self.path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(KnownHostsFile {
                    version: 1,
                    hosts: BTreeMap::new(),
                });
            }
            Err(e) => return Err(io(e)),
            Ok(m) if m.len() > MAX_KNOWN_HOSTS_BYTES => {
                return Err(TrustError::Corrupt {
                    path: self.path.clone(),
                    reason: format!("larger than {MAX_KNOWN_HOSTS_BYTES} bytes"),
                });
            }
            Ok(_) => {}
        }
        let bytes = std::fs::read(&self.path).map_err(io)?;
        parse(&bytes).map_err(|reason| TrustError::Corrupt {
            path: self.path.clone(),
            reason,
        })
    }

    fn store(&self, file: &KnownHostsFile) -> Result<(), TrustError> {
        let bytes = serde_json::to_vec_pretty(file).map_err(|e| TrustError::Corrupt {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        write_atomic(&self.path, &bytes).map_err(|source| TrustError::Io {
            path: self.path.clone(),
            source,
        })
    }

    /// Unknown / Trusted / Changed for what `host` presented.
    pub fn lookup(&self, host: &str, presented: &HostIdentity) -> Result<TrustState, TrustError> {
        let file = self.load()?;
        Ok(match file.hosts.get(host) {
            None => TrustState::Unknown,
            Some(pin) if *pin == Pin::of(presented) => TrustState::Trusted,
            Some(pin) => TrustState::Changed {
                old: Fingerprint::parse(&pin.fingerprint).unwrap_or(Fingerprint([0; 32])),
                new: presented.fingerprint,
            },
        })
    }

    /// Held while a change is read, made and written: by this process's threads, then
    /// by other processes on the same data directory.
    fn lock(&self) -> Result<(std::sync::MutexGuard<'_, ()>, std::fs::File), TrustError> {
        let guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let file = lock_beside(&self.path).map_err(|source| TrustError::Io {
            path: self.path.clone(),
            source,
        })?;
        Ok((guard, file))
    }

    /// Pins `presented` for `host`; refuses to replace a different pin.
    pub fn add(&self, host: &str, presented: &HostIdentity) -> Result<(), TrustError> {
        let _lock = self.lock()?;
        let mut file = self.load()?;
        let pin = Pin::of(presented);
        match file.hosts.get(host) {
            Some(old) if *old == pin => return Ok(()),
            Some(_) => {
                return Err(TrustError::AlreadyPinned { host: host.to_string() });
            }
            None => {}
        }
        file.hosts.insert(host.to_string(), pin);
        self.store(&file)
    }

    /// Removes the pin for `host`; returns whether there was one.
    pub fn forget(&self, host: &str) -> Result<bool, TrustError> {
        if !self.path.exists() {
            // Nothing pinned: nothing to lock (the folder may be read-only).
            return Ok(false);
        }
        let _lock = self.lock()?;
        let mut file = self.load()?;
        let had = file.hosts.remove(host).is_some();
        if had {
            self.store(&file)?;
        }
        Ok(had)
    }
}

impl HostVerifier for KnownHosts {
    fn check(&self, host: &str, presented: &HostIdentity) -> Result<TrustState, VerifierError> {
        self.lookup(host, presented).map_err(|e| VerifierError(e.to_string()))
    }

    fn trust(&self, host: &str, presented: &HostIdentity) -> Result<(), VerifierError> {
        self.add(host, presented).map_err(|e| VerifierError(e.to_string()))
    }

    fn forget(&self, host: &str) -> Result<bool, VerifierError> {
        KnownHosts::forget(self, host).map_err(|e| VerifierError(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Identity;

    #[test]
    fn unknown_then_trusted_then_changed() {
        let tmp = tempfile::tempdir().unwrap();
        let kh = KnownHosts::new(tmp.path());
        let a = Identity::generate().unwrap().host_identity();
        let b = Identity::generate().unwrap().host_identity();
        assert_eq!(kh.lookup("127.0.0.1:3000", &a).unwrap(), TrustState::Unknown);
        kh.add("127.0.0.1:3000", &a).unwrap();
        assert_eq!(kh.lookup("127.0.0.1:3000", &a).unwrap(), TrustState::Trusted);
        assert_eq!(
            kh.lookup("127.0.0.1:3000", &b).unwrap(),
            TrustState::Changed {
                old: a.fingerprint,
                new: b.fingerprint
            }
        );
        assert!(matches!(
            kh.add("127.0.0.1:3000", &b),
            Err(TrustError::AlreadyPinned { .. })
        ));
        // Another process (a fresh handle) sees the same pins.
        assert_eq!(
            KnownHosts::new(tmp.path()).lookup("127.0.0.1:3000", &a).unwrap(),
            TrustState::Trusted
        );
        assert!(kh.forget("127.0.0.1:3000").unwrap());
        assert!(!kh.forget("127.0.0.1:3000").unwrap());
        assert_eq!(kh.lookup("127.0.0.1:3000", &b).unwrap(), TrustState::Unknown);
    }

    #[test]
    fn same_cert_new_noise_key_is_a_change() {
        let tmp = tempfile::tempdir().unwrap();
        let kh = KnownHosts::new(tmp.path());
        let id = Identity::generate().unwrap();
        let real = id.host_identity();
        let forged = HostIdentity::new(&id.tls_cert_der, [9u8; 32]);
        kh.add("[::1]:3000", &real).unwrap();
        assert!(matches!(
            kh.lookup("[::1]:3000", &forged).unwrap(),
            TrustState::Changed { .. }
        ));
    }

    #[test]
    fn corrupt_file_is_an_error_not_a_reset() {
        let tmp = tempfile::tempdir().unwrap();
        let kh = KnownHosts::new(tmp.path());
        std::fs::write(kh.path(), b"{ not json").unwrap();
        let a = Identity::generate().unwrap().host_identity();
        let err = kh.lookup("h", &a).unwrap_err();
        assert!(matches!(err, TrustError::Corrupt { .. }));
        assert!(matches!(kh.add("h", &a), Err(TrustError::Corrupt { .. })));
        assert_eq!(std::fs::read(kh.path()).unwrap(), b"{ not json");
        std::fs::write(
            kh.path(),
            br#"{"version":1,"hosts":{"h":{"cert_sha256":"00","noise_static":"00","fingerprint":"x"}}}"#,
        )
        .unwrap();
        assert!(matches!(kh.lookup("h", &a), Err(TrustError::Corrupt { .. })));
    }

    #[test]
    fn oversized_file_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let kh = KnownHosts::new(tmp.path());
        std::fs::write(kh.path(), vec![b' '; MAX_KNOWN_HOSTS_BYTES as usize + 1]).unwrap();
        let a = Identity::generate().unwrap().host_identity();
        assert!(matches!(kh.lookup("h", &a), Err(TrustError::Corrupt { .. })));
    }

    /// Two processes on one data directory pin hosts at once (two stores, as two
    /// processes have): no pin is lost. Before, each read the file, added its pin and
    /// wrote it back, and the later write dropped the other's pin.
    #[test]
    fn pins_made_at_once_by_two_stores_are_all_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let id = Identity::generate().unwrap().host_identity();
        const EACH: usize = 40;
        std::thread::scope(|s| {
            for who in 0..2 {
                let (dir, id) = (tmp.path(), &id);
                s.spawn(move || {
                    let kh = KnownHosts::new(dir);
                    for i in 0..EACH {
                        kh.add(&format!("10.0.{who}.{i}:7000"), id).unwrap();
                    }
                });
            }
        });
        let file = KnownHosts::new(tmp.path()).load().unwrap();
        assert_eq!(file.hosts.len(), 2 * EACH);
    }
}
