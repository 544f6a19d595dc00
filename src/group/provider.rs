//! The openmls provider: RustCrypto plus an in-memory key-value storage that can be
//! turned into bytes and back (the client keeps it, encrypted, in its data dir).

use openmls_memory_storage::MemoryStorage;
use openmls_rust_crypto::RustCrypto;
use openmls_traits::OpenMlsProvider;
use std::collections::HashMap;
use std::sync::RwLock;

/// Crypto and storage for one member's groups.
#[derive(Default)]
pub(crate) struct Provider {
    crypto: RustCrypto,
    storage: MemoryStorage,
}

impl OpenMlsProvider for Provider {
    type CryptoProvider = RustCrypto;
    type RandProvider = RustCrypto;
    type StorageProvider = MemoryStorage;
    fn storage(&self) -> &MemoryStorage {
        &self.storage
    }
    fn crypto(&self) -> &RustCrypto {
        &self.crypto
    }
    fn rand(&self) -> &RustCrypto {
        &self.crypto
    }
}

impl Provider {
    /// A provider whose storage holds these entries.
    pub fn with_entries(entries: Vec<(Vec<u8>, Vec<u8>)>) -> Self {
        Provider {
            crypto: RustCrypto::default(),
            storage: MemoryStorage {
                values: RwLock::new(entries.into_iter().collect::<HashMap<_, _>>()),
            },
        }
    }

    /// Every storage entry (group state, key package private keys, epoch secrets).
    pub fn entries(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        let map = self.storage.values.read().unwrap_or_else(|p| p.into_inner());
        let mut v: Vec<_> = map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        v.sort();
        v
    }
}
