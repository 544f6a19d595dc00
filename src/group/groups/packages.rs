//! Our key packages: the ordinary ones, each good for one Welcome, and the one
//! last-resort package (RFC 9420's `last_resort` extension) the host falls back on.

use super::{CIPHERSUITE, Groups};
use crate::group::error::{GroupError, mls};
use openmls::prelude::tls_codec::{DeserializeBytes as _, Serialize as _};
use openmls::prelude::*;
use openmls_traits::OpenMlsProvider;
use openmls_traits::storage::StorageProvider as _;

impl Groups {
    /// `n` new key packages, for others to add us to groups (each one once).
    pub fn key_packages(&self, n: usize) -> Result<Vec<Vec<u8>>, GroupError> {
        (0..n)
            .map(|_| {
                let kp = KeyPackage::builder()
                    .build(CIPHERSUITE, &self.provider, &self.signer, self.cwk.clone())
                    .map_err(mls)?;
                kp.key_package().tls_serialize_detached().map_err(mls)
            })
            .collect()
    }

    /// A new last-resort key package: the host hands it out when our others are used
    /// up (we were away, or lost races), and it stays good for every Welcome made from
    /// it. The one made before is forgotten: call this only when the host holds none
    /// of ours (a new registration), so no Welcome can still come from the old one.
    pub fn last_resort_package(&mut self) -> Result<Vec<u8>, GroupError> {
        // A key package's extensions must be among its leaf's capabilities.
        let capabilities = Capabilities::new(None, None, Some(&[ExtensionType::LastResort]), None, None);
        let kp = KeyPackage::builder()
            .mark_as_last_resort()
            .leaf_node_capabilities(capabilities)
            .build(CIPHERSUITE, &self.provider, &self.signer, self.cwk.clone())
            .map_err(mls)?;
        let new_ref = kp.key_package().hash_ref(self.provider.crypto()).map_err(mls)?;
        let new_ref = new_ref.tls_serialize_detached().map_err(mls)?;
        if let Some(old) = self.last_resort.replace(new_ref) {
            let forgotten = KeyPackageRef::tls_deserialize_exact_bytes(&old)
                .map_err(|e| GroupError::Corrupt(format!("last-resort reference: {e:?}")))
                .and_then(|r| self.provider.storage().delete_key_package(&r).map_err(mls));
            if let Err(e) = forgotten {
                tracing::warn!(%e, "could not forget the old last-resort key package");
            }
        }
        kp.key_package().tls_serialize_detached().map_err(mls)
    }

    /// Whether we made a last-resort package (state from before they existed has none).
    pub fn has_last_resort(&self) -> bool {
        self.last_resort.is_some()
    }

    /// How many key packages' private keys we keep (for tests and diagnostics).
    #[cfg(test)]
    pub(crate) fn stored_key_packages(&self) -> usize {
        // A key package bundle is stored under its label.
        self.provider
            .entries()
            .iter()
            .filter(|(k, _)| k.starts_with(b"KeyPackage"))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::framing::check_key_package;
    use crate::group::{Content, GroupError, Incoming, MemberId, new_signature_key};
    use crate::protocol::Conv;
    use uuid::Uuid;

    fn member(name: &str, sig: &[u8]) -> Groups {
        let me = MemberId {
            name: name.into(),
            noise: [name.len() as u8; 32],
        };
        Groups::new(sig, me).unwrap()
    }

    /// `from` starts a DM group with `zed` from `package`; zed joins it, and a message
    /// goes each way.
    fn dm_from(from: &str, zed: &mut Groups, package: &[u8]) -> Result<(), GroupError> {
        let mut p = member(from, &new_signature_key().unwrap());
        let conv = Conv::dm(from, "zed");
        let created = p.create_with(&conv, package, "zed")?;
        p.confirm(&conv)?;
        assert_eq!(zed.process(&conv, &created.welcome)?, Incoming::Joined);
        let hi = p.encrypt(&conv, &Content::text(Uuid::new_v4(), "hi".into()))?;
        assert!(matches!(zed.process(&conv, &hi)?, Incoming::Message { .. }));
        let back = zed.encrypt(&conv, &Content::text(Uuid::new_v4(), "hi back".into()))?;
        assert!(matches!(p.process(&conv, &back)?, Incoming::Message { .. }));
        Ok(())
    }

    #[test]
    fn a_last_resort_package_starts_many_groups_until_a_new_one_replaces_it() {
        let sig = new_signature_key().unwrap();
        let mut zed = member("zed", &sig);
        let ordinary = zed.key_packages(1).unwrap().remove(0);
        let last = zed.last_resort_package().unwrap();
        // The host tells them apart.
        assert_eq!(check_key_package(&ordinary, "zed", &[3; 32]), Ok(false));
        assert_eq!(check_key_package(&last, "zed", &[3; 32]), Ok(true));

        dm_from("ana", &mut zed, &ordinary).unwrap();
        // An ordinary package is good for one Welcome only.
        assert!(dm_from("bo", &mut zed, &ordinary).is_err());
        for name in ["cy", "dee", "eve"] {
            dm_from(name, &mut zed, &last).unwrap();
        }
        let stored = zed.stored_key_packages();
        assert_eq!(stored, 1, "the last-resort one stays, the used ordinary one is gone");

        // Kept across an app restart, and forgotten when the next one is made.
        let mut zed = Groups::restore(&sig, zed.me().clone(), &zed.snapshot()).unwrap();
        dm_from("fay", &mut zed, &last).unwrap();
        let next = zed.last_resort_package().unwrap();
        assert_eq!(zed.stored_key_packages(), 1);
        assert!(dm_from("gus", &mut zed, &last).is_err(), "the old one is forgotten");
        dm_from("hal", &mut zed, &next).unwrap();
    }
}
