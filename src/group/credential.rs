//! What a member's MLS credential says: its name and its Noise static key, bound by
//! the member's MLS signature key. A host that substitutes a key shows up as a
//! different signature key (or Noise key) under the name.

use crate::protocol::{decode, encode, name_key};
use serde::{Deserialize, Serialize};

/// The identity inside a member's basic credential (CBOR).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberId {
    pub name: String,
    #[serde(with = "serde_bytes")]
    pub noise: [u8; 32],
}

impl MemberId {
    pub fn to_bytes(&self) -> Vec<u8> {
        encode(self)
    }

    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        decode(b).ok()
    }

    /// True if this is the member with that name (any case).
    pub fn is(&self, name: &str) -> bool {
        name_key(&self.name) == name_key(name)
    }
}

/// A member as a group's roster shows it: who it says it is, and the key that signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rostered {
    pub id: MemberId,
    pub signature_key: Vec<u8>,
    pub leaf: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_garbage() {
        let m = MemberId {
            name: "Ana".into(),
            noise: [7; 32],
        };
        assert_eq!(MemberId::from_bytes(&m.to_bytes()), Some(m.clone()));
        assert!(m.is("ANA") && !m.is("bo"));
        assert_eq!(MemberId::from_bytes(b"nope"), None);
    }
}
