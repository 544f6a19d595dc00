//! The Noise_XX_25519_ChaChaPoly_SHA256 handshake as a pure state machine (bytes in,
//! bytes out), and the transport cipher the session uses afterwards.

use crate::protocol::limits::NOISE_MAX_MESSAGE;
use crate::protocol::{HandshakePayload, PROTOCOL_VERSION, decode, encode};

/// The one Noise protocol we speak.
pub const NOISE_PARAMS: &str = "Noise_XX_25519_ChaChaPoly_SHA256";

/// Start of every prologue: names the protocol so no other use of these keys matches.
/// It is the same in every protocol version (the version is in the payloads), so a
/// peer of another version fails with a version error, not a decryption error.
const PROLOGUE_LABEL: &[u8] = b"severus/1 noise-in-tls";

/// Why the Noise handshake failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NoiseError {
    #[error("encryption handshake failed: {0}")]
    Snow(#[from] snow::Error),
    #[error("the other side speaks protocol version {theirs}, we speak {ours}")]
    Version { ours: u16, theirs: u16 },
    #[error("malformed handshake payload: {0}")]
    Payload(String),
    #[error("the other side sent no static key")]
    NoRemoteStatic,
}

/// The prologue both sides mix into the handshake: it binds Noise to the TLS session
/// under it (the host's certificate hash and a TLS exporter value). A proxy that
/// terminates TLS with another certificate or session makes the Noise handshake fail.
pub fn prologue(cert_sha256: &[u8; 32], tls_exporter: &[u8; 32]) -> Vec<u8> {
    let mut p = Vec::with_capacity(PROLOGUE_LABEL.len() + 64);
    p.extend_from_slice(PROLOGUE_LABEL);
    p.extend_from_slice(cert_sha256);
    p.extend_from_slice(tls_exporter);
    p
}

fn builder<'a>(local_private: &'a [u8; 32], prologue: &'a [u8]) -> Result<snow::Builder<'a>, NoiseError> {
    let params = NOISE_PARAMS.parse()?;
    Ok(snow::Builder::with_resolver(params, super::x25519::resolver())
        .local_private_key(local_private)?
        .prologue(prologue)?)
}

fn payload(version: u16) -> Vec<u8> {
    encode(&HandshakePayload { version })
}

fn check_payload(bytes: &[u8], ours: u16) -> Result<(), NoiseError> {
    let payload: HandshakePayload = decode(bytes).map_err(|e| NoiseError::Payload(e.to_string()))?;
    if payload.version != ours {
        return Err(NoiseError::Version {
            ours,
            theirs: payload.version,
        });
    }
    Ok(())
}

fn remote_static(hs: &snow::HandshakeState) -> Result<[u8; 32], NoiseError> {
    hs.get_remote_static()
        .and_then(|k| k.try_into().ok())
        .ok_or(NoiseError::NoRemoteStatic)
}

/// The client's side: `-> e`, `<- e, ee, s, es`, `-> s, se`.
pub struct Initiator {
    hs: snow::HandshakeState,
    version: u16,
}

impl Initiator {
    pub fn new(local_private: &[u8; 32], prologue: &[u8]) -> Result<Self, NoiseError> {
        Self::with_version(local_private, prologue, PROTOCOL_VERSION)
    }

    /// An initiator that speaks `version` (tests use it to play an older client).
    pub fn with_version(local_private: &[u8; 32], prologue: &[u8], version: u16) -> Result<Self, NoiseError> {
        Ok(Initiator {
            hs: builder(local_private, prologue)?.build_initiator()?,
            version,
        })
    }

    /// Message 1 (our ephemeral key).
    pub fn write_first(&mut self) -> Result<Vec<u8>, NoiseError> {
        let mut buf = vec![0u8; NOISE_MAX_MESSAGE];
        let n = self.hs.write_message(&[], &mut buf)?;
        buf.truncate(n);
        Ok(buf)
    }

    /// Reads message 2 and returns the host's static key, checked against nothing yet:
    /// the caller decides trust before calling [`Initiator::write_third`].
    pub fn read_second(&mut self, msg: &[u8]) -> Result<[u8; 32], NoiseError> {
        let mut buf = vec![0u8; NOISE_MAX_MESSAGE];
        let n = self.hs.read_message(msg, &mut buf)?;
        check_payload(&buf[..n], self.version)?;
        remote_static(&self.hs)
    }

    /// Message 3 (our static key), and the transport cipher.
    pub fn write_third(mut self) -> Result<(Vec<u8>, Transport), NoiseError> {
        let mut buf = vec![0u8; NOISE_MAX_MESSAGE];
        let n = self.hs.write_message(&payload(self.version), &mut buf)?;
        buf.truncate(n);
        Ok((buf, Transport::new(self.hs)?))
    }
}

/// The host's side of the same handshake.
pub struct Responder {
    hs: snow::HandshakeState,
    version: u16,
}

impl Responder {
    pub fn new(local_private: &[u8; 32], prologue: &[u8]) -> Result<Self, NoiseError> {
        Self::with_version(local_private, prologue, PROTOCOL_VERSION)
    }

    /// A responder that speaks `version` (tests use it to play an older host).
    pub fn with_version(local_private: &[u8; 32], prologue: &[u8], version: u16) -> Result<Self, NoiseError> {
        Ok(Responder {
            hs: builder(local_private, prologue)?.build_responder()?,
            version,
        })
    }

    /// Reads message 1 (the client's ephemeral key).
    pub fn read_first(&mut self, msg: &[u8]) -> Result<(), NoiseError> {
        let mut buf = vec![0u8; NOISE_MAX_MESSAGE];
        self.hs.read_message(msg, &mut buf)?;
        Ok(())
    }

    /// Message 2 (our static key and version).
    pub fn write_second(&mut self) -> Result<Vec<u8>, NoiseError> {
        self.write_second_with(&payload(self.version))
    }

    fn write_second_with(&mut self, payload: &[u8]) -> Result<Vec<u8>, NoiseError> {
        let mut buf = vec![0u8; NOISE_MAX_MESSAGE];
        let n = self.hs.write_message(payload, &mut buf)?;
        buf.truncate(n);
        Ok(buf)
    }

    /// Reads message 3; returns the client's static key and the transport cipher.
    pub fn read_third(mut self, msg: &[u8]) -> Result<([u8; 32], Transport), NoiseError> {
        let mut buf = vec![0u8; NOISE_MAX_MESSAGE];
        let n = self.hs.read_message(msg, &mut buf)?;
        check_payload(&buf[..n], self.version)?;
        let key = remote_static(&self.hs)?;
        Ok((key, Transport::new(self.hs)?))
    }
}

/// Transport-mode cipher with explicit nonces, so a reader and a writer task can each
/// own one direction (each keeps its own counter; messages arrive in order).
pub struct Transport {
    state: snow::StatelessTransportState,
}

impl Transport {
    fn new(hs: snow::HandshakeState) -> Result<Self, NoiseError> {
        Ok(Transport {
            state: hs.into_stateless_transport_mode()?,
        })
    }

    /// Encrypts `plaintext` (at most 65519 bytes) with the given send nonce.
    pub fn encrypt(&self, nonce: u64, plaintext: &[u8]) -> Result<Vec<u8>, NoiseError> {
        let mut buf = vec![0u8; plaintext.len() + 16];
        let n = self.state.write_message(nonce, plaintext, &mut buf)?;
        buf.truncate(n);
        Ok(buf)
    }

    /// Decrypts one message with the given receive nonce.
    pub fn decrypt(&self, nonce: u64, ciphertext: &[u8]) -> Result<Vec<u8>, NoiseError> {
        let mut buf = vec![0u8; ciphertext.len()];
        let n = self.state.read_message(nonce, ciphertext, &mut buf)?;
        buf.truncate(n);
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Identity;

    fn pair(p_client: &[u8], p_host: &[u8]) -> (Initiator, Responder, [u8; 32], [u8; 32]) {
        let c = Identity::generate().unwrap();
        let h = Identity::generate().unwrap();
        (
            Initiator::new(&c.noise_private, p_client).unwrap(),
            Responder::new(&h.noise_private, p_host).unwrap(),
            c.noise_public,
            h.noise_public,
        )
    }

    #[test]
    fn full_handshake_in_memory() {
        let (mut i, mut r, c_pub, h_pub) = pair(b"p", b"p");
        let m1 = i.write_first().unwrap();
        r.read_first(&m1).unwrap();
        let m2 = r.write_second().unwrap();
        assert_eq!(i.read_second(&m2).unwrap(), h_pub);
        let (m3, ti) = i.write_third().unwrap();
        let (client_key, tr) = r.read_third(&m3).unwrap();
        assert_eq!(client_key, c_pub);
        let ct = ti.encrypt(0, b"hello").unwrap();
        assert_eq!(tr.decrypt(0, &ct).unwrap(), b"hello");
        // A replayed or reordered message fails to decrypt.
        assert!(tr.decrypt(1, &ct).is_err());
    }

    #[test]
    fn version_mismatch_names_both_versions() {
        let (mut i, mut r, _, _) = pair(b"p", b"p");
        r.read_first(&i.write_first().unwrap()).unwrap();
        let m2 = r
            .write_second_with(&encode(&HandshakePayload {
                version: PROTOCOL_VERSION + 1,
            }))
            .unwrap();
        match i.read_second(&m2) {
            Err(NoiseError::Version { ours, theirs }) => {
                assert_eq!((ours, theirs), (PROTOCOL_VERSION, PROTOCOL_VERSION + 1));
            }
            other => panic!("expected a version error, got {:?}", other.map(|_| ())),
        }
        let (mut i, mut r, _, _) = pair(b"p", b"p");
        r.read_first(&i.write_first().unwrap()).unwrap();
        let m2 = r.write_second_with(b"\xff\x00junk").unwrap();
        assert!(matches!(i.read_second(&m2), Err(NoiseError::Payload(_))));
    }

    #[test]
    fn different_prologues_fail() {
        let (mut i, mut r, _, _) = pair(b"tls session A", b"tls session B");
        let m1 = i.write_first().unwrap();
        r.read_first(&m1).unwrap();
        let m2 = r.write_second().unwrap();
        assert!(matches!(i.read_second(&m2), Err(NoiseError::Snow(_))));
    }

    #[test]
    fn altered_message_two_fails() {
        let (mut i, mut r, _, _) = pair(b"p", b"p");
        r.read_first(&i.write_first().unwrap()).unwrap();
        let mut m2 = r.write_second().unwrap();
        let last = m2.len() - 1;
        m2[last] ^= 1;
        assert!(i.read_second(&m2).is_err());
    }

    #[test]
    fn garbage_never_panics() {
        let (mut _i, mut r, _, _) = pair(b"p", b"p");
        assert!(r.read_first(&[]).is_err() || r.write_second().is_ok());
        let (mut i, _, _, _) = pair(b"p", b"p");
        i.write_first().unwrap();
        assert!(i.read_second(&[0u8; 10]).is_err());
        assert!(i.read_second(&vec![1u8; 70_000]).is_err());
    }
}
