//! What the host may read of a group message, and nothing more: its kind, group id,
//! epoch and content type (all in the clear in MLS framing), a GroupInfo's group id and
//! epoch, and whether a key package really is the uploading member's.

use super::credential::MemberId;
use super::error::GroupError;
use super::groups::{CIPHERSUITE, member_id};
use openmls::prelude::*;
use openmls::treesync::Node;
use openmls_rust_crypto::RustCrypto;

/// What a group message is, as far as the host can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Framing {
    /// A Welcome: its group is named by the GroupInfo that comes with it.
    Welcome,
    /// A message of a group at an epoch.
    Message {
        group_id: Vec<u8>,
        epoch: u64,
        kind: Kind,
        /// Sent by someone outside the group (a new member's external commit).
        external: bool,
    },
}

/// The content type of a group message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Application,
    Proposal,
    Commit,
}

/// Reads the framing of a group message (never its content).
pub fn framing(bytes: &[u8]) -> Result<Framing, GroupError> {
    let msg = MlsMessageIn::tls_deserialize_exact_bytes(bytes).map_err(|e| GroupError::Malformed(format!("{e:?}")))?;
    match msg.wire_format() {
        WireFormat::Welcome => return Ok(Framing::Welcome),
        WireFormat::PublicMessage | WireFormat::PrivateMessage => {}
        other => return Err(GroupError::Malformed(format!("a {other:?} is not a group message"))),
    }
    let p = msg
        .try_into_protocol_message()
        .map_err(|e| GroupError::Malformed(format!("{e:?}")))?;
    let kind = match p.content_type() {
        ContentType::Application => Kind::Application,
        ContentType::Proposal => Kind::Proposal,
        ContentType::Commit => Kind::Commit,
    };
    Ok(Framing::Message {
        group_id: p.group_id().as_slice().to_vec(),
        epoch: p.epoch().as_u64(),
        kind,
        external: p.is_external(),
    })
}

/// A GroupInfo's group id and epoch.
pub fn group_info(bytes: &[u8]) -> Result<(Vec<u8>, u64), GroupError> {
    let msg = MlsMessageIn::tls_deserialize_exact_bytes(bytes).map_err(|e| GroupError::Malformed(format!("{e:?}")))?;
    match msg.extract() {
        MlsMessageBodyIn::GroupInfo(v) => Ok((v.group_id().as_slice().to_vec(), v.epoch().as_u64())),
        _ => Err(GroupError::Malformed("not a group info".into())),
    }
}

/// The members of a group as its GroupInfo's ratchet tree shows them: (leaf index,
/// who its credential says it is), checked (the tree's signatures and hashes).
pub fn roster(info: &[u8]) -> Result<Vec<(u32, MemberId)>, GroupError> {
    let msg = MlsMessageIn::tls_deserialize_exact_bytes(info).map_err(|e| GroupError::Malformed(format!("{e:?}")))?;
    let MlsMessageBodyIn::GroupInfo(v) = msg.extract() else {
        return Err(GroupError::Malformed("not a group info".into()));
    };
    let tree = v
        .extensions()
        .ratchet_tree()
        .ok_or_else(|| GroupError::Malformed("no ratchet tree".into()))?
        .ratchet_tree()
        .clone()
        .into_verified(CIPHERSUITE, &RustCrypto::default(), v.group_id())
        .map_err(|e| GroupError::Malformed(format!("{e:?}")))?;
    // The verified tree keeps node positions private; its serde form is the node list
    // (leaves at even positions).
    let nodes: Vec<Option<Node>> =
        crate::protocol::codec::decode_capped(&crate::protocol::encode(&tree), super::MAX_STATE_BYTES)
            .map_err(|e| GroupError::Malformed(e.to_string()))?;
    Ok(nodes
        .iter()
        .enumerate()
        .filter_map(|(i, n)| match n {
            Some(Node::LeafNode(l)) if i % 2 == 0 => member_id(l.credential()).ok().map(|m| ((i / 2) as u32, m)),
            _ => None,
        })
        .collect())
}

/// The host's proposal (as the groups' external sender, index 0) to remove `leaf` from
/// group `group_id` at `epoch`, signed with the host's MLS signature key.
pub fn remove_proposal(signature: &[u8], group_id: &[u8], epoch: u64, leaf: u32) -> Result<Vec<u8>, GroupError> {
    use openmls::prelude::tls_codec::Serialize as _;
    let signer = openmls_basic_credential::SignatureKeyPair::tls_deserialize_exact_bytes(signature)
        .map_err(|e| GroupError::Corrupt(format!("{e:?}")))?;
    let msg = ExternalProposal::new_remove::<super::provider::Provider>(
        LeafNodeIndex::new(leaf),
        GroupId::from_slice(group_id),
        GroupEpoch::from(epoch),
        &signer,
        SenderExtensionIndex::new(0),
    )
    .map_err(super::error::mls)?;
    msg.tls_serialize_detached().map_err(super::error::mls)
}

/// Who a key package says it is, and its signature key (what a member compares with
/// the keys it saw under that name before).
pub fn key_package_keys(bytes: &[u8]) -> Result<(MemberId, Vec<u8>), GroupError> {
    let kp = KeyPackageIn::tls_deserialize_exact_bytes(bytes)
        .map_err(|e| GroupError::BadKeyPackage(format!("{e:?}")))?
        .validate(&RustCrypto::default(), ProtocolVersion::Mls10)
        .map_err(|e| GroupError::BadKeyPackage(format!("{e:?}")))?;
    let leaf = kp.leaf_node();
    Ok((member_id(leaf.credential())?, leaf.signature_key().as_slice().to_vec()))
}

/// Checks an uploaded key package: well formed, validly signed, our cipher suite, and
/// its credential names the uploading member with its Noise key. `Ok(true)`: it is a
/// last-resort package (good for many Welcomes).
pub fn check_key_package(bytes: &[u8], name: &str, noise: &[u8; 32]) -> Result<bool, GroupError> {
    let kp = KeyPackageIn::tls_deserialize_exact_bytes(bytes)
        .map_err(|e| GroupError::BadKeyPackage(format!("{e:?}")))?
        .validate(&RustCrypto::default(), ProtocolVersion::Mls10)
        .map_err(|e| GroupError::BadKeyPackage(format!("{e:?}")))?;
    if kp.ciphersuite() != CIPHERSUITE {
        return Err(GroupError::BadKeyPackage("another cipher suite".into()));
    }
    let id: MemberId = member_id(kp.leaf_node().credential())?;
    if !id.is(name) || id.noise != *noise {
        return Err(GroupError::BadKeyPackage("it names someone else".into()));
    }
    Ok(kp.last_resort())
}
