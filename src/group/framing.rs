//! What the host may read of a group message, and nothing more: its kind, group id,
//! epoch and content type (all in the clear in MLS framing), a GroupInfo's group id and
//! epoch, and whether a key package really is the uploading member's.

use super::credential::MemberId;
use super::error::GroupError;
use super::groups::{CIPHERSUITE, member_id};
use openmls::prelude::*;
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

/// Checks an uploaded key package: well formed, validly signed, our cipher suite, and
/// its credential names the uploading member with its Noise key.
pub fn check_key_package(bytes: &[u8], name: &str, noise: &[u8; 32]) -> Result<(), GroupError> {
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
    Ok(())
}
