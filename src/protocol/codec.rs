//! Packet <-> bytes in CBOR (ciborium). Decoding checks the size before parsing,
//! limits nesting, rejects trailing bytes and never panics.

use super::limits::{MAX_DECODE_DEPTH, MAX_FRAME_LEN};
use super::packet::Packet;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a frame could not be decoded. The connection that sent it is closed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    #[error("frame of {len} bytes is over the {max}-byte limit")]
    TooLarge { len: usize, max: usize },
    #[error("empty frame")]
    Empty,
    #[error("malformed frame: {0}")]
    Malformed(String),
    #[error("{0} unexpected bytes after the packet")]
    TrailingBytes(usize),
}

/// Encodes a packet as CBOR. Callers that send check the length against
/// [`MAX_FRAME_LEN`] (the session does), since a body can be made arbitrarily long.
pub fn encode(packet: &Packet) -> Vec<u8> {
    encode_value(packet)
}

/// Decodes one frame into a packet; see [`DecodeError`] for what is refused.
pub fn decode(frame: &[u8]) -> Result<Packet, DecodeError> {
    decode_value(frame)
}

/// CBOR-encodes any serializable value (handshake payloads use it too).
pub(crate) fn encode_value<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    // Writing into a Vec cannot fail with I/O, and our types have no serializer that
    // errors; should one ever appear the empty frame decodes to `DecodeError::Empty`.
    if let Err(err) = ciborium::into_writer(value, &mut out) {
        tracing::error!(%err, "CBOR encoding failed");
        out.clear();
    }
    out
}

/// CBOR-decodes any value under the frame cap, depth limit and no-trailing-bytes rule.
pub(crate) fn decode_value<T: DeserializeOwned>(frame: &[u8]) -> Result<T, DecodeError> {
    if frame.len() > MAX_FRAME_LEN {
        return Err(DecodeError::TooLarge {
            len: frame.len(),
            max: MAX_FRAME_LEN,
        });
    }
    if frame.is_empty() {
        return Err(DecodeError::Empty);
    }
    let mut rest = frame;
    let value = ciborium::de::from_reader_with_recursion_limit(&mut rest, MAX_DECODE_DEPTH)
        .map_err(|err: ciborium::de::Error<std::io::Error>| DecodeError::Malformed(err.to_string()))?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes(rest.len()));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::limits::MAX_BODY_LEN;
    use uuid::Uuid;

    fn message(body: String) -> Packet {
        Packet::Message {
            id: Uuid::new_v4(),
            from_id: Uuid::new_v4(),
            from_username: "alice".into(),
            body,
            room_id: None,
        }
    }

    #[test]
    fn round_trip_message() {
        let p = message("hello".into());
        assert_eq!(decode(&encode(&p)), Ok(p));
    }

    #[test]
    fn max_body_fits_in_a_frame() {
        let p = message("x".repeat(MAX_BODY_LEN));
        let bytes = encode(&p);
        assert!(bytes.len() <= MAX_FRAME_LEN);
        assert_eq!(decode(&bytes), Ok(p));
    }

    #[test]
    fn frame_at_cap_is_parsed_and_one_over_is_refused_before_parsing() {
        // A body sized so that the whole frame is exactly MAX_FRAME_LEN bytes.
        let overhead = encode(&message(String::new())).len();
        let mut body_len = MAX_FRAME_LEN - overhead;
        let mut bytes = encode(&message("y".repeat(body_len)));
        while bytes.len() > MAX_FRAME_LEN {
            body_len -= 1;
            bytes = encode(&message("y".repeat(body_len)));
        }
        assert_eq!(bytes.len(), MAX_FRAME_LEN);
        assert!(decode(&bytes).is_ok());
        let mut over = bytes.clone();
        over.push(0);
        assert_eq!(
            decode(&over),
            Err(DecodeError::TooLarge {
                len: MAX_FRAME_LEN + 1,
                max: MAX_FRAME_LEN
            })
        );
    }

    #[test]
    fn trailing_bytes_are_refused() {
        let mut bytes = encode(&Packet::RoomList);
        bytes.extend_from_slice(&[1, 2, 3]);
        assert_eq!(decode(&bytes), Err(DecodeError::TrailingBytes(3)));
    }

    #[test]
    fn empty_frame_is_refused() {
        assert_eq!(decode(&[]), Err(DecodeError::Empty));
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        // 100k nested arrays: would overflow the stack without the depth limit.
        let bytes = vec![0x81u8; 100_000.min(MAX_FRAME_LEN)];
        assert!(matches!(decode(&bytes), Err(DecodeError::Malformed(_))));
        let nested = vec![0x81u8; MAX_DECODE_DEPTH + 2];
        assert!(matches!(decode(&nested), Err(DecodeError::Malformed(_))));
    }

    #[test]
    fn huge_declared_length_fails_without_allocating_it() {
        // A byte string claiming 2^63 bytes, followed by nothing.
        let bytes = [0x5b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert!(matches!(decode(&bytes), Err(DecodeError::Malformed(_))));
    }
}
