//! One member's MLS groups, one per conversation: key packages, creating a group with
//! another member, joining from a Welcome, encrypting and opening messages, and the
//! state as bytes (to keep across app restarts). Library calls on plain data, no I/O.

use super::content::Content;
use super::credential::{MemberId, Rostered};
use super::error::{GroupError, mls};
use super::provider::Provider;
use crate::protocol::{Conv, encode};
use openmls::prelude::*;
use openmls_basic_credential::SignatureKeyPair;
use openmls_traits::OpenMlsProvider;
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use std::collections::BTreeMap;

/// The one cipher suite: X25519, ChaCha20-Poly1305, SHA-256, Ed25519.
pub const CIPHERSUITE: Ciphersuite = Ciphersuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519;

/// Epochs whose secrets are kept after a commit, so a message ordered just before a
/// commit still opens after it (openmls keeps none by default).
pub const MAX_PAST_EPOCHS: usize = 3;

/// Generations of one sender that may arrive after a later one of the same epoch and
/// still open (openmls's default is 5). Receipts and typing notes are MLS messages of
/// the same group that the host relays at once, while logged messages wait their turn
/// in each receiver's log: a receiver that is behind (a slow link, a busy phone) sees a
/// sender's signals overtake that sender's logged messages. At most a signal a second
/// per sender and conversation, so this covers a minute behind; the cost is up to this
/// many kept secrets per sender, for that window only.
pub const OUT_OF_ORDER_TOLERANCE: u32 = 64;

/// Generations a message may skip ahead (openmls's default).
pub const MAX_FORWARD_DISTANCE: u32 = 1000;

/// A new group and what the host needs to order it.
#[derive(Debug, Clone)]
pub struct Created {
    /// For the invited member (goes into the conversation's log).
    pub welcome: Vec<u8>,
    /// For the host: the group's id and epoch, and what a later joiner starts from.
    pub group_info: Vec<u8>,
}

/// What an incoming group message turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// An application message, from the member its credential names.
    Message {
        from: MemberId,
        signature_key: Vec<u8>,
        content: Content,
    },
    /// A commit was applied. `removed_me`: we are no longer in the group.
    Commit { removed: Vec<MemberId>, removed_me: bool },
    /// We joined the group from a Welcome.
    Joined,
    /// A proposal was stored (it waits for a commit).
    Proposal,
    /// Our own message came back (nothing to do).
    Own,
}

/// What is kept on disk: the storage entries and which conversation uses which group.
#[derive(Serialize, Deserialize)]
struct Saved {
    entries: Vec<(ByteBuf, ByteBuf)>,
    convs: Vec<(Conv, ByteBuf)>,
    /// Our last-resort key package's hash reference (state saved before it had none).
    #[serde(default)]
    last_resort: Option<ByteBuf>,
}

/// A member's groups and keys.
pub struct Groups {
    provider: Provider,
    signer: SignatureKeyPair,
    cwk: CredentialWithKey,
    me: MemberId,
    groups: BTreeMap<Conv, MlsGroup>,
    /// The hash reference of our current last-resort key package.
    last_resort: Option<Vec<u8>>,
}

mod commits;
mod config;
mod packages;
pub(crate) use config::member_id;
pub use config::{CommitOut, HOST_CREDENTIAL, new_signature_key, signature_public};
use config::{create_config, join_config, wire};

impl Groups {
    /// A member `me` with its stored signature key and no groups yet.
    pub fn new(signature: &[u8], me: MemberId) -> Result<Self, GroupError> {
        Self::with_provider(signature, me, Provider::default())
    }

    fn with_provider(signature: &[u8], me: MemberId, provider: Provider) -> Result<Self, GroupError> {
        let signer = SignatureKeyPair::tls_deserialize_exact_bytes(signature)
            .map_err(|e| GroupError::Corrupt(format!("signature key: {e:?}")))?;
        let cwk = CredentialWithKey {
            credential: BasicCredential::new(me.to_bytes()).into(),
            signature_key: signer.public().into(),
        };
        Ok(Groups {
            provider,
            signer,
            cwk,
            me,
            groups: BTreeMap::new(),
            last_resort: None,
        })
    }

    /// Restores groups from `snapshot()` bytes.
    pub fn restore(signature: &[u8], me: MemberId, state: &[u8]) -> Result<Self, GroupError> {
        let saved: Saved = decode_state(state)?;
        let entries = saved
            .entries
            .into_iter()
            .map(|(k, v)| (k.into_vec(), v.into_vec()))
            .collect();
        let mut g = Self::with_provider(signature, me, Provider::with_entries(entries))?;
        g.last_resort = saved.last_resort.map(ByteBuf::into_vec);
        for (conv, id) in saved.convs {
            let gid = GroupId::from_slice(&id);
            if let Some(mut group) = MlsGroup::load(g.provider.storage(), &gid).map_err(mls)? {
                // Groups saved by an older version get today's configuration.
                group
                    .set_configuration(g.provider.storage(), &join_config())
                    .map_err(mls)?;
                g.groups.insert(conv, group);
            }
        }
        Ok(g)
    }

    /// Everything needed to restore these groups (secrets inside: encrypt it at rest).
    pub fn snapshot(&self) -> Vec<u8> {
        let saved = Saved {
            entries: self
                .provider
                .entries()
                .into_iter()
                .map(|(k, v)| (ByteBuf::from(k), ByteBuf::from(v)))
                .collect(),
            convs: self
                .groups
                .iter()
                .map(|(c, g)| (c.clone(), ByteBuf::from(g.group_id().as_slice().to_vec())))
                .collect(),
            last_resort: self.last_resort.clone().map(ByteBuf::from),
        };
        encode(&saved)
    }

    /// Our public signature key.
    pub fn signature_key(&self) -> Vec<u8> {
        self.signer.to_public_vec()
    }

    pub fn has(&self, conv: &Conv) -> bool {
        self.groups.get(conv).is_some_and(|g| g.is_active())
    }

    pub fn group_id(&self, conv: &Conv) -> Option<Vec<u8>> {
        self.groups.get(conv).map(|g| g.group_id().as_slice().to_vec())
    }

    /// A group we created for `conv` (a DM's) whose first add the host has not been
    /// seen to order yet.
    pub fn created_unconfirmed(&self, conv: &Conv) -> bool {
        self.groups
            .get(conv)
            .is_some_and(|g| g.epoch().as_u64() == 0 && g.pending_commit().is_some())
    }

    pub fn epoch(&self, conv: &Conv) -> Option<u64> {
        self.groups.get(conv).map(|g| g.epoch().as_u64())
    }

    /// A new group for `conv` with us and the member whose key package this is (it
    /// must be `partner`'s). Our add stays pending until `confirm` (the host ordered it).
    pub fn create_with(&mut self, conv: &Conv, key_package: &[u8], partner: &str) -> Result<Created, GroupError> {
        let kp = KeyPackageIn::tls_deserialize_exact_bytes(key_package)
            .map_err(|e| GroupError::BadKeyPackage(format!("{e:?}")))?
            .validate(self.provider.crypto(), ProtocolVersion::Mls10)
            .map_err(|e| GroupError::BadKeyPackage(format!("{e:?}")))?;
        let who = member_id(kp.leaf_node().credential())?;
        if !who.is(partner) {
            return Err(GroupError::BadKeyPackage(format!(
                "it is {}'s, not {partner}'s",
                who.name
            )));
        }
        if kp.ciphersuite() != CIPHERSUITE {
            return Err(GroupError::BadKeyPackage("another cipher suite".into()));
        }
        self.discard(conv);
        let gid = GroupId::from_slice(uuid::Uuid::new_v4().as_bytes());
        let mut group = MlsGroup::new_with_group_id(
            &self.provider,
            &self.signer,
            &create_config(None)?,
            gid,
            self.cwk.clone(),
        )
        .map_err(mls)?;
        let (_commit, welcome, info) = group.add_members(&self.provider, &self.signer, &[kp]).map_err(mls)?;
        let info = info.ok_or_else(|| GroupError::Mls("no group info".into()))?;
        let created = Created {
            welcome: wire(&welcome)?,
            group_info: wire(&MlsMessageOut::from(info))?,
        };
        self.groups.insert(conv.clone(), group);
        Ok(created)
    }

    /// A new group for `conv` with only us, the host as external sender: its GroupInfo.
    pub fn create(&mut self, conv: &Conv, host_key: &[u8]) -> Result<Vec<u8>, GroupError> {
        self.discard(conv);
        let gid = GroupId::from_slice(uuid::Uuid::new_v4().as_bytes());
        let group = MlsGroup::new_with_group_id(
            &self.provider,
            &self.signer,
            &create_config(Some(host_key))?,
            gid,
            self.cwk.clone(),
        )
        .map_err(mls)?;
        self.groups.insert(conv.clone(), group);
        self.group_info(conv)
    }

    /// `conv`'s current GroupInfo (with the ratchet tree: what a joiner starts from).
    pub fn group_info(&self, conv: &Conv) -> Result<Vec<u8>, GroupError> {
        let g = self.groups.get(conv).ok_or(GroupError::NoGroup)?;
        let info = g
            .export_group_info(self.provider.crypto(), &self.signer, true)
            .map_err(mls)?;
        wire(&info)
    }

    /// Forgets our group of `conv` (the host chose another, or it was refused).
    pub fn discard(&mut self, conv: &Conv) {
        if let Some(mut g) = self.groups.remove(conv) {
            let _ = g.delete(self.provider.storage());
        }
    }

    /// Joins `conv`'s group from a Welcome (replacing any group we had for it). A
    /// Welcome not meant for us is an error (nothing changes).
    fn join(&mut self, conv: &Conv, welcome: Welcome) -> Result<Incoming, GroupError> {
        let staged = StagedWelcome::build_from_welcome(&self.provider, &join_config(), welcome)
            .map_err(mls)?
            .replace_old_group()
            .build()
            .map_err(mls)?;
        let group = staged.into_group(&self.provider).map_err(mls)?;
        if let Some(old) = self.groups.get(conv)
            && old.group_id() != group.group_id()
        {
            self.discard(conv);
        }
        self.groups.insert(conv.clone(), group);
        Ok(Incoming::Joined)
    }

    /// Encrypts `content` for everyone in `conv`'s group.
    pub fn encrypt(&mut self, conv: &Conv, content: &Content) -> Result<Vec<u8>, GroupError> {
        self.encrypt_bytes(conv, &content.to_bytes())
    }

    /// An application message of any bytes (tests send what another version would).
    pub(crate) fn encrypt_bytes(&mut self, conv: &Conv, bytes: &[u8]) -> Result<Vec<u8>, GroupError> {
        let g = self.groups.get_mut(conv).ok_or(GroupError::NoGroup)?;
        let m = g.create_message(&self.provider, &self.signer, bytes).map_err(mls)?;
        wire(&m)
    }

    /// Opens one group message of `conv` (application message, commit, proposal or
    /// Welcome), applying commits as they come.
    pub fn process(&mut self, conv: &Conv, bytes: &[u8]) -> Result<Incoming, GroupError> {
        let msg =
            MlsMessageIn::tls_deserialize_exact_bytes(bytes).map_err(|e| GroupError::Malformed(format!("{e:?}")))?;
        if msg.wire_format() == WireFormat::Welcome {
            return match msg.extract() {
                MlsMessageBodyIn::Welcome(w) => self.join(conv, w),
                _ => Err(GroupError::Malformed("not a welcome".into())),
            };
        }
        let protocol = msg
            .try_into_protocol_message()
            .map_err(|e| GroupError::Malformed(format!("{e:?}")))?;
        let g = self.groups.get_mut(conv).ok_or(GroupError::NoGroup)?;
        if protocol.group_id() != g.group_id() || protocol.epoch() > g.epoch() {
            return Err(GroupError::OutOfSync);
        }
        let processed = g.process_message(&self.provider, protocol).map_err(|e| {
            let text = format!("{e:?}");
            if text.contains("SecretReuse") {
                GroupError::Duplicate
            } else if text.contains("TooDistantInThePast") || text.contains("TooDistantInTheFuture") {
                GroupError::OutOfOrder
            } else if text.contains("WrongEpoch") {
                GroupError::OutOfSync
            } else {
                GroupError::Mls(text)
            }
        })?;
        let leaf = match processed.sender() {
            Sender::Member(i) => Some(*i),
            _ => None,
        };
        let credential = processed.credential().clone();
        match processed.into_content() {
            ProcessedMessageContent::ApplicationMessage(a) => {
                let from = member_id(&credential)?;
                let signature_key = leaf
                    .and_then(|i| g.members().find(|m| m.index == i))
                    .map(|m| m.signature_key)
                    .unwrap_or_default();
                let content = Content::from_bytes(&a.into_bytes()).ok_or(GroupError::UnknownContent)?;
                Ok(Incoming::Message {
                    from,
                    signature_key,
                    content,
                })
            }
            ProcessedMessageContent::ProposalMessage(p) => {
                g.store_pending_proposal(self.provider.storage(), *p).map_err(mls)?;
                Ok(Incoming::Proposal)
            }
            ProcessedMessageContent::StagedCommitMessage(sc) => {
                let removed_me = sc.self_removed();
                let removed = sc
                    .remove_proposals()
                    .filter_map(|r| {
                        let leaf = r.remove_proposal().removed();
                        g.members()
                            .find(|m| m.index == leaf)
                            .and_then(|m| member_id(&m.credential).ok())
                    })
                    .collect();
                g.merge_staged_commit(&self.provider, *sc).map_err(mls)?;
                Ok(Incoming::Commit { removed, removed_me })
            }
            ProcessedMessageContent::ExternalJoinProposalMessage(_) => Ok(Incoming::Proposal),
            _ => Ok(Incoming::Own),
        }
    }

    /// Who is in `conv`'s group, by leaf.
    pub fn roster(&self, conv: &Conv) -> Vec<Rostered> {
        let Some(g) = self.groups.get(conv) else { return vec![] };
        g.members()
            .filter_map(|m| {
                Some(Rostered {
                    id: member_id(&m.credential).ok()?,
                    signature_key: m.signature_key,
                    leaf: m.index.u32(),
                })
            })
            .collect()
    }

    /// Who we are in our credentials.
    pub fn me(&self) -> &MemberId {
        &self.me
    }
}

impl std::fmt::Debug for Groups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Groups")
            .field("me", &self.me.name)
            .field("convs", &self.groups.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

fn decode_state(state: &[u8]) -> Result<Saved, GroupError> {
    // Group state may exceed one frame: decode under its own cap.
    crate::protocol::codec::decode_capped(state, super::MAX_STATE_BYTES).map_err(|e| GroupError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests;
