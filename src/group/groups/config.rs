//! How our MLS groups are set up: the signature keys, the join and create
//! configurations (ratchet tree in the messages, past epochs kept, the host as external
//! sender), and the credential checks.

use super::super::credential::MemberId;
use super::super::error::{GroupError, mls};
use super::CIPHERSUITE;
use super::{MAX_FORWARD_DISTANCE, MAX_PAST_EPOCHS, OUT_OF_ORDER_TOLERANCE};
use openmls::prelude::tls_codec::Serialize as _;
use openmls::prelude::*;
use openmls_basic_credential::SignatureKeyPair;

/// A fresh MLS signature key, as the bytes the key store keeps (private key inside).
pub fn new_signature_key() -> Result<Vec<u8>, GroupError> {
    let kp = SignatureKeyPair::new(SignatureScheme::ED25519).map_err(mls)?;
    kp.tls_serialize_detached().map_err(mls)
}

/// The public half of a stored signature key.
pub fn signature_public(stored: &[u8]) -> Option<Vec<u8>> {
    SignatureKeyPair::tls_deserialize_exact_bytes(stored)
        .ok()
        .map(|k| k.to_public_vec())
}

fn ratchet() -> SenderRatchetConfiguration {
    SenderRatchetConfiguration::new(OUT_OF_ORDER_TOLERANCE, MAX_FORWARD_DISTANCE)
}

pub(super) fn join_config() -> MlsGroupJoinConfig {
    MlsGroupJoinConfig::builder()
        .use_ratchet_tree_extension(true)
        .max_past_epochs(MAX_PAST_EPOCHS)
        .sender_ratchet_configuration(ratchet())
        .wire_format_policy(PURE_CIPHERTEXT_WIRE_FORMAT_POLICY)
        .build()
}

pub(super) fn create_config(host_key: Option<&[u8]>) -> Result<MlsGroupCreateConfig, GroupError> {
    let mut b = MlsGroupCreateConfig::builder()
        .ciphersuite(CIPHERSUITE)
        .use_ratchet_tree_extension(true)
        .max_past_epochs(MAX_PAST_EPOCHS)
        .sender_ratchet_configuration(ratchet())
        .wire_format_policy(PURE_CIPHERTEXT_WIRE_FORMAT_POLICY);
    if let Some(key) = host_key {
        // The host may propose removals (members who left), as an external sender.
        let sender = ExternalSender::new(
            key.to_vec().into(),
            BasicCredential::new(HOST_CREDENTIAL.to_vec()).into(),
        );
        let ext = Extensions::single(Extension::ExternalSenders(vec![sender])).map_err(mls)?;
        b = b.with_group_context_extensions(ext);
    }
    Ok(b.build())
}

/// A commit as it goes to the host, with what goes with it (the next GroupInfo, or
/// a Welcome), both in MLS wire form.
pub type CommitOut = (Vec<u8>, Vec<u8>);

/// The identity in the host's external-sender credential.
pub const HOST_CREDENTIAL: &[u8] = b"severus host";

/// Who a credential says it is.
pub(crate) fn member_id(c: &Credential) -> Result<MemberId, GroupError> {
    let basic = BasicCredential::try_from(c.clone()).map_err(|_| GroupError::BadCredential)?;
    MemberId::from_bytes(basic.identity()).ok_or(GroupError::BadCredential)
}

pub(super) fn wire(m: &MlsMessageOut) -> Result<Vec<u8>, GroupError> {
    m.tls_serialize_detached().map_err(mls)
}
