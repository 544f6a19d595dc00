//! Storage of keys and trust: the data dir, the key store (OS keychain or 0600 files)
//! and `known_hosts.json`, which implements the session's `HostVerifier`.

pub mod datadir;
pub mod files;
pub mod keystore;
pub mod known_hosts;
pub mod prefs;
pub mod sessions;
pub mod verified;

pub use datadir::{DATA_DIR_ENV, data_dir};
pub use keystore::{KeyStoreError, StoreKind, load_or_create_identity};
pub use known_hosts::{KnownHosts, TrustError};
pub use verified::{Verified, VerifiedError};
