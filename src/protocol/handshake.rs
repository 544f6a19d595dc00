//! What the two sides agree on before any packet: the protocol version, carried in the
//! WebSocket subprotocol (`severus.N`) and in both encrypted Noise handshake payloads.

use serde::{Deserialize, Serialize};

/// The protocol version this build speaks. Both sides must speak the same one.
pub const PROTOCOL_VERSION: u16 = 2;

/// Prefix of the WebSocket subprotocol; the full name is `severus.<version>`.
pub const SUBPROTOCOL_PREFIX: &str = "severus.";

/// The WebSocket subprotocol for a version (`severus.2`).
pub fn subprotocol(version: u16) -> String {
    format!("{SUBPROTOCOL_PREFIX}{version}")
}

/// The highest Severus version among the subprotocols a client offered (a
/// comma-separated `Sec-WebSocket-Protocol` value). Version 1 offered none.
pub fn offered_version(header: Option<&str>) -> u16 {
    header
        .into_iter()
        .flat_map(|h| h.split(','))
        .filter_map(|p| p.trim().strip_prefix(SUBPROTOCOL_PREFIX)?.parse::<u16>().ok())
        .max()
        .unwrap_or(1)
}

/// What each side puts in its encrypted Noise handshake payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandshakePayload {
    /// Must equal the other side's [`PROTOCOL_VERSION`].
    pub version: u16,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offered_versions() {
        assert_eq!(subprotocol(2), "severus.2");
        assert_eq!(offered_version(None), 1);
        assert_eq!(offered_version(Some("chat, severus.2")), 2);
        assert_eq!(offered_version(Some("severus.3,severus.2")), 3);
        assert_eq!(offered_version(Some("severus.x")), 1);
    }
}
