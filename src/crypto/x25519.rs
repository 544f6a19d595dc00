//! Noise's X25519, faster: every Diffie-Hellman by libcrux's formally verified HACL*
//! ladder (~1.3x curve25519-dalek's here), public keys by curve25519-dalek's base tables.

use curve25519_dalek::montgomery::MontgomeryPoint;
use snow::params::{CipherChoice, DHChoice, HashChoice};
use snow::resolvers::{CryptoResolver, DefaultResolver, FallbackResolver, RingResolver};
use snow::types::{Cipher, Dh, Hash, Random};
use zeroize::Zeroize;

/// Length of an X25519 key and of its shared secret.
const KEY_LEN: usize = 32;

/// Our X25519 first, then snow's own: ring for ChaChaPoly and SHA-256 (what
/// `snow::Builder::new` picks with `ring-accelerated`), its defaults for the rest.
pub fn resolver() -> snow::resolvers::BoxedCryptoResolver {
    let snows = FallbackResolver::new(Box::new(RingResolver), Box::new(DefaultResolver));
    Box::new(FallbackResolver::new(Box::new(FastDh), Box::new(snows)))
}

/// Resolves Curve25519 only; everything else falls through.
struct FastDh;

impl CryptoResolver for FastDh {
    fn resolve_rng(&self) -> Option<Box<dyn Random>> {
        None
    }

    fn resolve_dh(&self, choice: &DHChoice) -> Option<Box<dyn Dh>> {
        matches!(choice, DHChoice::Curve25519).then(|| Box::new(X25519::default()) as Box<dyn Dh>)
    }

    fn resolve_hash(&self, _: &HashChoice) -> Option<Box<dyn Hash>> {
        None
    }

    fn resolve_cipher(&self, _: &CipherChoice) -> Option<Box<dyn Cipher>> {
        None
    }
}

/// One X25519 key pair, its private half wiped on drop. `valid` is false until a key
/// of the right length was set or generated: every Diffie-Hellman fails until then.
#[derive(Default)]
struct X25519 {
    private: [u8; KEY_LEN],
    public: [u8; KEY_LEN],
    valid: bool,
}

impl X25519 {
    fn derive_public(&mut self) {
        self.public = MontgomeryPoint::mul_base_clamped(self.private).to_bytes();
    }
}

impl Drop for X25519 {
    fn drop(&mut self) {
        self.private.zeroize();
    }
}

impl Dh for X25519 {
    fn name(&self) -> &'static str {
        "25519"
    }

    fn pub_len(&self) -> usize {
        KEY_LEN
    }

    fn priv_len(&self) -> usize {
        KEY_LEN
    }

    fn set(&mut self, private: &[u8]) {
        // `set` cannot fail, and snow does not check the length: a key of another
        // length is refused by making every Diffie-Hellman with it fail (a zero or
        // padded key would be a weak identity that still completed handshakes).
        self.valid = private.len() == KEY_LEN;
        if self.valid {
            self.private.copy_from_slice(private);
            self.derive_public();
        } else {
            self.private.zeroize();
            self.public = [0; KEY_LEN];
        }
    }

    fn generate(&mut self, rng: &mut dyn Random) -> Result<(), snow::Error> {
        rng.try_fill_bytes(&mut self.private)?;
        self.derive_public();
        self.valid = true;
        Ok(())
    }

    fn pubkey(&self) -> &[u8] {
        &self.public
    }

    fn privkey(&self) -> &[u8] {
        &self.private
    }

    /// Refuses a peer key of the wrong length and one of low order (an all-zero
    /// shared secret), which the Noise spec allows and dalek's ladder did not do.
    fn dh(&self, public: &[u8], out: &mut [u8]) -> Result<(), snow::Error> {
        if !self.valid {
            return Err(snow::Error::Dh);
        }
        let public: &[u8; KEY_LEN] = public
            .get(..KEY_LEN)
            .and_then(|p| p.try_into().ok())
            .ok_or(snow::Error::Dh)?;
        let out = out.get_mut(..KEY_LEN).ok_or(snow::Error::Dh)?;
        let mut shared = [0u8; KEY_LEN];
        let result = libcrux_curve25519::ecdh(&mut shared, public, &self.private).map_err(|_| snow::Error::Dh);
        out.copy_from_slice(&shared);
        shared.zeroize();
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex32(s: &str) -> [u8; 32] {
        let v: Vec<u8> = (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect();
        v.try_into().expect("32 bytes")
    }

    fn pair(private: &[u8]) -> X25519 {
        let mut k = X25519::default();
        k.set(private);
        k
    }

    #[test]
    fn rfc7748_alice_and_bob() {
        // RFC 7748, section 6.1.
        let alice = pair(&hex32(
            "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
        ));
        let bob = pair(&hex32(
            "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
        ));
        assert_eq!(
            alice.pubkey(),
            hex32("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        );
        assert_eq!(
            bob.pubkey(),
            hex32("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        );
        let shared = hex32("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
        let (mut a, mut b) = ([0u8; 56], [0u8; 56]);
        alice.dh(bob.pubkey(), &mut a).expect("dh");
        bob.dh(alice.pubkey(), &mut b).expect("dh");
        assert_eq!(a[..32], shared);
        assert_eq!(b[..32], shared);
    }

    #[test]
    fn agrees_with_dalek_on_unclamped_keys() {
        // What snow computed before: dalek's ladder, which clamps the scalar itself.
        for seed in 0u8..32 {
            let private: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ seed.wrapping_mul(101) | 0x87);
            let peer = MontgomeryPoint::mul_base_clamped([seed.wrapping_add(9); 32]);
            let mut ours = [0u8; 32];
            pair(&private).dh(peer.as_bytes(), &mut ours).expect("dh");
            assert_eq!(ours, peer.mul_clamped(private).to_bytes(), "seed {seed}");
        }
    }

    #[test]
    fn refuses_low_order_and_short_keys() {
        let k = pair(&[7; 32]);
        let mut out = [0u8; 32];
        assert!(
            k.dh(&[0; 32], &mut out).is_err(),
            "the zero point gives an all-zero secret"
        );
        let mut one = [0u8; 32];
        one[0] = 1;
        assert!(k.dh(&one, &mut out).is_err(), "u = 1 has order 4");
        assert!(k.dh(&[9; 31], &mut out).is_err());
        assert!(k.dh(&[9; 32], &mut [0u8; 16]).is_err());
    }

    #[test]
    fn a_key_of_another_length_makes_no_handshake() {
        let peer = pair(&[5; 32]).public;
        let mut out = [0u8; 32];
        for len in [0usize, 16, 31, 33, 64] {
            let k = pair(&vec![7u8; len]);
            assert!(k.dh(&peer, &mut out).is_err(), "length {len}");
        }
        let unset = X25519::default();
        assert!(unset.dh(&peer, &mut out).is_err(), "no key set");
        assert!(pair(&[7; 32]).dh(&peer, &mut out).is_ok());
    }

    #[test]
    fn a_handshake_with_snows_own_x25519_interoperates() {
        // An older peer (snow's default X25519) and ours complete XX and talk, as
        // either side.
        handshake_with(false);
        handshake_with(true);
    }

    fn handshake_with(ours_initiates: bool) {
        let params: snow::params::NoiseParams = super::super::noise::NOISE_PARAMS.parse().expect("params");
        let builder = |ours: bool| {
            if ours {
                snow::Builder::with_resolver(params.clone(), resolver())
            } else {
                snow::Builder::new(params.clone())
            }
        };
        let (a, b) = ([3u8; 32], [4u8; 32]);
        let mut init = builder(ours_initiates)
            .local_private_key(&a)
            .and_then(|x| x.build_initiator())
            .expect("initiator");
        let mut resp = builder(!ours_initiates)
            .local_private_key(&b)
            .and_then(|x| x.build_responder())
            .expect("responder");
        let (mut m, mut p) = (vec![0u8; 1024], vec![0u8; 1024]);
        let n = init.write_message(&[], &mut m).expect("1");
        resp.read_message(&m[..n], &mut p).expect("1");
        let n = resp.write_message(&[], &mut m).expect("2");
        init.read_message(&m[..n], &mut p).expect("2");
        let n = init.write_message(&[], &mut m).expect("3");
        resp.read_message(&m[..n], &mut p).expect("3");
        assert_eq!(resp.get_remote_static(), Some(&pair(&a).public[..]));
        let mut init = init.into_transport_mode().expect("transport");
        let mut resp = resp.into_transport_mode().expect("transport");
        let n = init.write_message(b"hello", &mut m).expect("enc");
        let k = resp.read_message(&m[..n], &mut p).expect("dec");
        assert_eq!(&p[..k], b"hello");
    }
}
