//! Safety numbers: what two members compare (in person, by phone, or by scanning a QR
//! code) to know that no one, the host included, sits between their keys.

use super::fingerprint::Fingerprint;
use sha2::{Digest, Sha256};

/// Domain label of the hash, so a safety number can never equal a host fingerprint.
const LABEL: &[u8] = b"severus safety number v1";

/// A member's long-term public keys as the others see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberKeys {
    /// Its Noise static public key (bound to its name on the host).
    pub noise: [u8; 32],
    /// Its MLS signature public key (signs its credential and messages).
    pub signature: Vec<u8>,
}

impl MemberKeys {
    fn bytes(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(32 + 4 + self.signature.len());
        b.extend_from_slice(&self.noise);
        b.extend_from_slice(&(self.signature.len() as u32).to_be_bytes());
        b.extend_from_slice(&self.signature);
        b
    }
}

/// The safety number of two members: SHA-256 over the label and both members' keys in
/// canonical (byte) order, so both sides compute the same one. Written like a host
/// fingerprint: 16 groups of 4 lowercase hex digits.
pub fn safety_number(a: &MemberKeys, b: &MemberKeys) -> Fingerprint {
    let (a, b) = (a.bytes(), b.bytes());
    let (first, second) = if a <= b { (a, b) } else { (b, a) };
    let mut h = Sha256::new();
    h.update(LABEL);
    for k in [&first, &second] {
        h.update((k.len() as u32).to_be_bytes());
        h.update(k);
    }
    Fingerprint(h.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: u8, s: u8) -> MemberKeys {
        MemberKeys {
            noise: [n; 32],
            signature: vec![s; 32],
        }
    }

    #[test]
    fn symmetric_and_changes_with_any_key() {
        let (a, b) = (keys(1, 2), keys(3, 4));
        let n = safety_number(&a, &b);
        assert_eq!(n, safety_number(&b, &a));
        assert_eq!(n.groups().len(), 16);
        assert_ne!(n, safety_number(&keys(9, 2), &b), "a's Noise key");
        assert_ne!(n, safety_number(&keys(1, 9), &b), "a's signature key");
        assert_ne!(n, safety_number(&a, &keys(9, 4)), "b's Noise key");
        assert_ne!(n, safety_number(&a, &keys(3, 9)), "b's signature key");
        // Moving bytes between the two keys is not the same number.
        let shifted = MemberKeys {
            noise: [1; 32],
            signature: vec![2; 31],
        };
        assert_ne!(n, safety_number(&shifted, &b));
    }
}
