//! Changes to a group that the host orders: our fresh keys, our external commit into a
//! group from its GroupInfo, commits of waiting proposals, and their outcome (applied
//! or dropped). Library calls on plain data, no I/O.

use super::config::{join_config, wire};
use super::{CommitOut, Groups};
use crate::group::error::{GroupError, mls};
use crate::protocol::Conv;
use openmls::prelude::*;
use openmls_traits::OpenMlsProvider;

impl Groups {
    /// Fresh keys of ours in `conv`'s group (a commit, pending until the host orders it):
    /// the commit and the group's next GroupInfo.
    pub fn update(&mut self, conv: &Conv) -> Result<CommitOut, GroupError> {
        let g = self.groups.get_mut(conv).ok_or(GroupError::NoGroup)?;
        let bundle = g
            .self_update(&self.provider, &self.signer, LeafNodeParameters::default())
            .map_err(mls)?;
        let (commit, _welcome, info) = bundle.into_contents();
        let info = info.ok_or_else(|| GroupError::Mls("no group info".into()))?;
        Ok((wire(&commit)?, wire(&MlsMessageOut::from(info))?))
    }

    /// Joins `conv`'s group from its GroupInfo by an external commit (with our old
    /// leaf, if we had one, replaced). Applied at once on our side: if the host refuses
    /// the commit, `discard` and try again. Returns the commit and the next GroupInfo.
    pub fn external_join(&mut self, conv: &Conv, info: &[u8]) -> Result<CommitOut, GroupError> {
        let msg =
            MlsMessageIn::tls_deserialize_exact_bytes(info).map_err(|e| GroupError::Malformed(format!("{e:?}")))?;
        let MlsMessageBodyIn::GroupInfo(vgi) = msg.extract() else {
            return Err(GroupError::Malformed("not a group info".into()));
        };
        self.discard(conv);
        let (group, bundle) = MlsGroup::external_commit_builder()
            .with_config(join_config())
            .build_group(&self.provider, vgi, self.cwk.clone())
            .map_err(mls)?
            .load_psks(self.provider.storage())
            .map_err(mls)?
            .build(self.provider.rand(), self.provider.crypto(), &self.signer, |_| true)
            .map_err(mls)?
            .finalize(&self.provider)
            .map_err(mls)?;
        let commit = wire(bundle.commit())?;
        self.groups.insert(conv.clone(), group);
        Ok((commit, self.group_info(conv)?))
    }

    /// True if a proposal waits in `conv`'s group (messages wait until it is committed).
    pub fn has_proposal(&self, conv: &Conv) -> bool {
        self.groups
            .get(conv)
            .is_some_and(|g| g.pending_proposals().next().is_some())
    }

    /// Commits the proposals waiting in `conv`'s group (pending until ordered): the
    /// commit and the next GroupInfo, or None if nothing waits.
    pub fn commit_proposals(&mut self, conv: &Conv) -> Result<Option<CommitOut>, GroupError> {
        let g = self.groups.get_mut(conv).ok_or(GroupError::NoGroup)?;
        if g.pending_proposals().next().is_none() || g.pending_commit().is_some() {
            return Ok(None);
        }
        let (commit, _welcome, info) = g
            .commit_to_pending_proposals(&self.provider, &self.signer)
            .map_err(mls)?;
        let info = info.ok_or_else(|| GroupError::Mls("no group info".into()))?;
        Ok(Some((wire(&commit)?, wire(&MlsMessageOut::from(info))?)))
    }

    /// Adds members from their key packages in one commit, applied at once (builds
    /// big groups in tests and benchmarks): the commit and the Welcome.
    pub fn add_now(&mut self, conv: &Conv, key_packages: &[Vec<u8>]) -> Result<(Vec<u8>, Vec<u8>), GroupError> {
        let kps = key_packages
            .iter()
            .map(|b| {
                KeyPackageIn::tls_deserialize_exact_bytes(b)
                    .map_err(|e| GroupError::BadKeyPackage(format!("{e:?}")))?
                    .validate(self.provider.crypto(), ProtocolVersion::Mls10)
                    .map_err(|e| GroupError::BadKeyPackage(format!("{e:?}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let g = self.groups.get_mut(conv).ok_or(GroupError::NoGroup)?;
        let (commit, welcome, _) = g.add_members(&self.provider, &self.signer, &kps).map_err(mls)?;
        g.merge_pending_commit(&self.provider).map_err(mls)?;
        Ok((wire(&commit)?, wire(&welcome)?))
    }

    /// The host refused our pending commit (another came first): drop it.
    pub fn abandon(&mut self, conv: &Conv) {
        if let Some(g) = self.groups.get_mut(conv) {
            let _ = g.clear_pending_commit(self.provider.storage());
        }
    }

    /// The host ordered our pending commit: apply it.
    pub fn confirm(&mut self, conv: &Conv) -> Result<(), GroupError> {
        let g = self.groups.get_mut(conv).ok_or(GroupError::NoGroup)?;
        if g.pending_commit().is_some() {
            g.merge_pending_commit(&self.provider).map_err(mls)?;
        }
        Ok(())
    }
}
