//! Invites: one copy-paste token with how to reach a host (direct addresses, an iroh
//! ticket) and its full fingerprint, so first contact is verified without a prompt.
//!
//! Form: `sev1` + lowercase unpadded base32 (RFC 4648, a-z 2-7) of the CBOR array
//! `[version, fingerprint (32 bytes), [addresses], ticket or null, join secret or
//! null]` followed by the first 4 bytes of SHA-256 over `"sev1"` and that CBOR.

use super::codec::{decode_capped, encode};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;

/// What every invite starts with; anything that does is parsed only as an invite.
pub const INVITE_PREFIX: &str = "sev1";

/// The invite format version inside the CBOR array.
pub const INVITE_VERSION: u8 = 1;

/// Longest invite we read, in characters: a dozen addresses and a ticket fit in a
/// third of it; past it, it is not an invite.
pub const MAX_INVITE_LEN: usize = 4096;

/// Most direct addresses in one invite (a host with many interfaces lists them all).
pub const MAX_INVITE_ADDRESSES: usize = 16;

/// Longest ticket inside an invite, in bytes.
pub const MAX_TICKET_LEN: usize = 1024;

/// Length of a join secret, in bytes (128 random bits).
pub const JOIN_SECRET_LEN: usize = 16;

/// Bytes of checksum at the end.
const CHECKSUM_LEN: usize = 4;

/// Why a token is not a usable invite. Shown to people as "damaged or altered".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InviteError {
    #[error("it does not start with {INVITE_PREFIX}")]
    NotAnInvite,
    #[error("it is longer than {MAX_INVITE_LEN} characters")]
    TooLong,
    #[error("it holds a character that is not base32 (a-z, 2-7)")]
    BadBase32,
    #[error("its checksum does not match")]
    BadChecksum,
    #[error("it cannot be read: {0}")]
    Malformed(String),
    #[error("it is of invite version {0}; this app reads version {INVITE_VERSION}")]
    Version(u8),
    #[error("it says neither an address nor a ticket")]
    Unreachable,
}

/// A decoded invite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    /// The host's fingerprint (SHA-256 over its certificate DER and Noise key).
    pub fingerprint: [u8; 32],
    /// Direct addresses to try, in order.
    pub addresses: Vec<SocketAddr>,
    /// The host's iroh ticket, if it serves iroh.
    pub ticket: Option<String>,
    /// The secret an invite-only host wants at registration.
    pub secret: Option<[u8; JOIN_SECRET_LEN]>,
}

/// The CBOR array, as serde sees it.
#[derive(Serialize, Deserialize)]
struct Wire(u8, ByteBuf, Vec<String>, Option<String>, Option<ByteBuf>);

fn checksum(cbor: &[u8]) -> [u8; CHECKSUM_LEN] {
    let d = Sha256::new().chain_update(INVITE_PREFIX).chain_update(cbor).finalize();
    let mut out = [0u8; CHECKSUM_LEN];
    out.copy_from_slice(&d[..CHECKSUM_LEN]);
    out
}

/// The link form of an invite, `severus://sev1…`, which the app opens where the
/// platform lets it register the scheme.
pub const INVITE_SCHEME: &str = "severus:";

/// `s` without surrounding space and without the `severus://` (or `severus:`) scheme.
fn bare(s: &str) -> &str {
    let s = s.trim();
    match s.get(..INVITE_SCHEME.len()) {
        Some(p) if p.eq_ignore_ascii_case(INVITE_SCHEME) => s[INVITE_SCHEME.len()..].trim_start_matches('/'),
        _ => s,
    }
}

/// True if `s` is meant as an invite (then it is parsed as nothing else).
pub fn looks_like_invite(s: &str) -> bool {
    let s = bare(s);
    s.get(..INVITE_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(INVITE_PREFIX))
}

impl Invite {
    /// The token.
    pub fn encode(&self) -> String {
        let wire = Wire(
            INVITE_VERSION,
            ByteBuf::from(self.fingerprint.to_vec()),
            self.addresses.iter().map(ToString::to_string).collect(),
            self.ticket.clone(),
            self.secret.map(|s| ByteBuf::from(s.to_vec())),
        );
        let mut bytes = encode(&wire);
        let sum = checksum(&bytes);
        bytes.extend_from_slice(&sum);
        let mut out = String::from(INVITE_PREFIX);
        out.push_str(&data_encoding::BASE32_NOPAD.encode(&bytes).to_ascii_lowercase());
        out
    }

    /// The invite as a link (`severus://sev1…`).
    pub fn link(&self) -> String {
        format!("{INVITE_SCHEME}//{}", self.encode())
    }

    /// Reads a token or its link form (surrounding spaces and letter case do not
    /// matter).
    pub fn decode(token: &str) -> Result<Invite, InviteError> {
        let token = bare(token);
        if token.len() > MAX_INVITE_LEN {
            return Err(InviteError::TooLong);
        }
        let lower = token.to_ascii_lowercase();
        let body = lower.strip_prefix(INVITE_PREFIX).ok_or(InviteError::NotAnInvite)?;
        let bytes = data_encoding::BASE32_NOPAD
            .decode(body.to_ascii_uppercase().as_bytes())
            .map_err(|_| InviteError::BadBase32)?;
        let split = bytes.len().checked_sub(CHECKSUM_LEN).ok_or(InviteError::BadChecksum)?;
        let (cbor, sum) = bytes.split_at(split);
        if checksum(cbor) != sum {
            return Err(InviteError::BadChecksum);
        }
        let Wire(version, fp, addresses, ticket, secret) =
            decode_capped(cbor, MAX_INVITE_LEN).map_err(|e| InviteError::Malformed(e.to_string()))?;
        if version != INVITE_VERSION {
            return Err(InviteError::Version(version));
        }
        let fingerprint: [u8; 32] = fp
            .as_slice()
            .try_into()
            .map_err(|_| InviteError::Malformed(format!("a fingerprint of {} bytes", fp.len())))?;
        if addresses.len() > MAX_INVITE_ADDRESSES {
            return Err(InviteError::Malformed(format!("{} addresses", addresses.len())));
        }
        let addresses = addresses
            .iter()
            .map(|a| match a.parse::<SocketAddr>() {
                Ok(s) if !s.ip().is_unspecified() && s.port() != 0 => Ok(s),
                _ => Err(InviteError::Malformed(format!("'{}' is not an address", short(a)))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        if ticket
            .as_ref()
            .is_some_and(|t| t.len() > MAX_TICKET_LEN || t.trim().is_empty())
        {
            return Err(InviteError::Malformed("a ticket of the wrong size".into()));
        }
        let secret = match secret {
            None => None,
            Some(s) => Some(
                <[u8; JOIN_SECRET_LEN]>::try_from(s.as_slice())
                    .map_err(|_| InviteError::Malformed(format!("a join secret of {} bytes", s.len())))?,
            ),
        };
        if addresses.is_empty() && ticket.is_none() {
            return Err(InviteError::Unreachable);
        }
        Ok(Invite {
            fingerprint,
            addresses,
            ticket,
            secret,
        })
    }
}

fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests;
