//! Packets <-> bytes in CBOR (ciborium), under one decoding rule: the frame is capped
//! before parsing, must be one well-formed item with definite lengths, no tags and at
//! most `MAX_DECODE_DEPTH` levels, with no trailing bytes; then it must match the
//! schema exactly (unknown fields and unknown kinds are errors). Never panics.

use super::limits::{MAX_DECODE_DEPTH, MAX_FRAME_LEN};
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
    #[error("truncated CBOR item")]
    Truncated,
    #[error("CBOR tags are not part of the protocol")]
    Tag,
    #[error("indefinite-length CBOR items are not part of the protocol")]
    Indefinite,
    #[error("CBOR nested deeper than {max} levels")]
    TooDeep { max: usize },
    #[error("invalid CBOR: {0}")]
    Invalid(&'static str),
    #[error("malformed packet: {0}")]
    Malformed(String),
    #[error("{0} unexpected bytes after the packet")]
    TrailingBytes(usize),
    #[error("bad packet part: {0}")]
    BadPart(&'static str),
}

/// CBOR-encodes a value. Writing into a Vec cannot fail with I/O, and our types have
/// no serializer that errors; should one ever appear, the empty frame decodes to
/// `DecodeError::Empty` on the other side.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    encode_with_capacity(value, 128)
}

/// [`encode`] into a buffer made with room for `capacity` bytes.
pub fn encode_with_capacity<T: Serialize>(value: &T, capacity: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity);
    if let Err(err) = ciborium::into_writer(value, &mut out) {
        tracing::error!(%err, "CBOR encoding failed");
        out.clear();
    }
    out
}

/// Decodes one frame into a value; see [`DecodeError`] for what is refused.
pub fn decode<T: DeserializeOwned>(frame: &[u8]) -> Result<T, DecodeError> {
    decode_capped(frame, MAX_FRAME_LEN)
}

/// Like [`decode`] with another size cap (reassembled parts may exceed one frame).
pub fn decode_capped<T: DeserializeOwned>(bytes: &[u8], max: usize) -> Result<T, DecodeError> {
    if bytes.len() > max {
        return Err(DecodeError::TooLarge { len: bytes.len(), max });
    }
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    let used = check_item(bytes, MAX_DECODE_DEPTH)?;
    if used < bytes.len() {
        return Err(DecodeError::TrailingBytes(bytes.len() - used));
    }
    ciborium::de::from_reader_with_recursion_limit(bytes, MAX_DECODE_DEPTH + 1)
        .map_err(|err: ciborium::de::Error<std::io::Error>| DecodeError::Malformed(err.to_string()))
}

/// Walks one CBOR item structurally and returns its length in bytes. Refuses tags,
/// indefinite lengths, reserved encodings and nesting deeper than `max_depth`.
pub fn check_item(bytes: &[u8], max_depth: usize) -> Result<usize, DecodeError> {
    let mut pos = 0usize;
    // Items still to read at each open level (arrays: n, maps: 2n).
    let mut stack: Vec<u64> = Vec::new();
    let mut pending: u64 = 1;
    loop {
        if pending == 0 {
            match stack.pop() {
                Some(p) => {
                    pending = p;
                    continue;
                }
                None => return Ok(pos),
            }
        }
        pending -= 1;
        let (major, arg) = header(bytes, &mut pos)?;
        match major {
            0 | 1 => {}
            2 | 3 => {
                let len = usize::try_from(arg).map_err(|_| DecodeError::Truncated)?;
                pos = pos
                    .checked_add(len)
                    .filter(|end| *end <= bytes.len())
                    .ok_or(DecodeError::Truncated)?;
                if major == 3 {
                    std::str::from_utf8(&bytes[pos - len..pos])
                        .map_err(|_| DecodeError::Invalid("text is not UTF-8"))?;
                }
            }
            4 | 5 => {
                let n = if major == 4 { Some(arg) } else { arg.checked_mul(2) };
                let n = n.ok_or(DecodeError::Truncated)?;
                // Each item takes at least one byte: a larger count cannot be real.
                if n > (bytes.len() - pos) as u64 {
                    return Err(DecodeError::Truncated);
                }
                if stack.len() + 1 > max_depth {
                    return Err(DecodeError::TooDeep { max: max_depth });
                }
                stack.push(pending);
                pending = n;
            }
            6 => return Err(DecodeError::Tag),
            _ => {} // simple values and floats: the argument was the whole value
        }
    }
}

/// Reads one initial byte and its argument; returns (major type, argument).
fn header(bytes: &[u8], pos: &mut usize) -> Result<(u8, u64), DecodeError> {
    let b = *bytes.get(*pos).ok_or(DecodeError::Truncated)?;
    *pos += 1;
    let (major, info) = (b >> 5, b & 0x1f);
    let width = match info {
        0..=23 => return Ok((major, u64::from(info))),
        24 => 1,
        25 => 2,
        26 => 4,
        27 => 8,
        31 => return Err(DecodeError::Indefinite),
        _ => return Err(DecodeError::Invalid("reserved additional information")),
    };
    let end = pos
        .checked_add(width)
        .filter(|e| *e <= bytes.len())
        .ok_or(DecodeError::Truncated)?;
    let arg = bytes[*pos..end].iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    *pos = end;
    Ok((major, arg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{ClientPacket, Conv, HostPacket};
    use uuid::Uuid;

    fn post(body: String) -> ClientPacket {
        ClientPacket::Mls {
            id: Uuid::new_v4(),
            conv: Conv::LOBBY,
            message: body.into_bytes(),
            group_info: None,
            replaces: None,
        }
    }

    #[test]
    fn round_trip() {
        let p = post("hello".into());
        assert_eq!(decode::<ClientPacket>(&encode(&p)), Ok(p));
    }

    #[test]
    fn frame_at_cap_is_parsed_and_one_over_is_refused_before_parsing() {
        let overhead = encode(&post(String::new())).len();
        let mut body_len = MAX_FRAME_LEN - overhead;
        let mut bytes = encode(&post("y".repeat(body_len)));
        while bytes.len() > MAX_FRAME_LEN {
            body_len -= 1;
            bytes = encode(&post("y".repeat(body_len)));
        }
        assert_eq!(bytes.len(), MAX_FRAME_LEN);
        assert!(decode::<ClientPacket>(&bytes).is_ok());
        let mut over = bytes.clone();
        over.push(0);
        assert_eq!(
            decode::<ClientPacket>(&over),
            Err(DecodeError::TooLarge {
                len: MAX_FRAME_LEN + 1,
                max: MAX_FRAME_LEN
            })
        );
    }

    #[test]
    fn trailing_and_empty_are_refused() {
        let mut bytes = encode(&ClientPacket::RoomList { id: Uuid::nil() });
        bytes.extend_from_slice(&[1, 2, 3]);
        assert_eq!(decode::<ClientPacket>(&bytes), Err(DecodeError::TrailingBytes(3)));
        assert_eq!(decode::<ClientPacket>(&[]), Err(DecodeError::Empty));
    }

    #[test]
    fn tags_are_refused_anywhere() {
        // tag 1 (epoch time) around the whole packet, and around a field value.
        let inner = encode(&ClientPacket::Ping { timestamp: 5 });
        let mut tagged = vec![0xc1];
        tagged.extend_from_slice(&inner);
        assert_eq!(decode::<ClientPacket>(&tagged), Err(DecodeError::Tag));
        // {"ping": {"timestamp": 1(5)}}
        let mut field = inner.clone();
        let last = field.len() - 1;
        field.insert(last, 0xc1);
        assert_eq!(decode::<ClientPacket>(&field), Err(DecodeError::Tag));
    }

    #[test]
    fn indefinite_lengths_are_refused() {
        // {_ "ping": {"timestamp": 5}} with an indefinite-length outer map.
        let mut bytes = encode(&ClientPacket::Ping { timestamp: 5 });
        bytes[0] = 0xbf;
        bytes.push(0xff);
        assert_eq!(decode::<ClientPacket>(&bytes), Err(DecodeError::Indefinite));
    }

    #[test]
    fn unknown_fields_and_kinds_are_refused() {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "snake_case")]
        enum Extra {
            Ping { timestamp: u64, extra: bool },
            Teleport { timestamp: u64 },
        }
        let e = decode::<ClientPacket>(&encode(&Extra::Ping {
            timestamp: 1,
            extra: true,
        }));
        assert!(
            matches!(&e, Err(DecodeError::Malformed(m)) if m.contains("extra")),
            "{e:?}"
        );
        let e = decode::<ClientPacket>(&encode(&Extra::Teleport { timestamp: 1 }));
        assert!(matches!(e, Err(DecodeError::Malformed(m)) if m.contains("teleport")));
        // The bare-string form of a kind is refused too (every kind is a map).
        assert!(decode::<ClientPacket>(&encode(&"room_list")).is_err());
    }

    #[test]
    fn absent_optional_fields_read_as_null() {
        #[derive(serde::Serialize)]
        struct Register {
            #[serde(with = "serde_bytes")]
            id: [u8; 16],
            name: &'static str,
        }
        #[derive(serde::Serialize)]
        #[serde(rename_all = "snake_case")]
        enum P {
            Register(Register),
        }
        let id = Uuid::nil();
        let p: ClientPacket = decode(&encode(&P::Register(Register {
            id: *id.as_bytes(),
            name: "ana",
        })))
        .unwrap();
        assert_eq!(
            p,
            ClientPacket::Register {
                id,
                name: "ana".into(),
                resume: None,
                secret: None,
            }
        );
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let bytes = vec![0x81u8; 50_000];
        assert_eq!(
            decode::<HostPacket>(&bytes),
            Err(DecodeError::TooDeep { max: MAX_DECODE_DEPTH })
        );
    }

    #[test]
    fn huge_declared_lengths_fail_without_allocating() {
        for bytes in [
            &[0x5b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff][..],
            &[0x9b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            &[0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        ] {
            assert_eq!(decode::<HostPacket>(bytes), Err(DecodeError::Truncated));
        }
        assert_eq!(
            decode::<HostPacket>(&[0x7c]),
            Err(DecodeError::Invalid("reserved additional information"))
        );
        assert_eq!(
            decode::<HostPacket>(&[0x62, 0xff, 0xfe]),
            Err(DecodeError::Invalid("text is not UTF-8"))
        );
    }
}
