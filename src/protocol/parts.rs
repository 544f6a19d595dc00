//! Packets larger than one frame travel as consecutive `Part` packets: the encoded
//! packet cut into pieces of `PART_PAYLOAD` bytes. Encoding to frames, and reassembly.

use super::codec::{DecodeError, decode, decode_capped, encode_with_capacity};
use super::limits::{MAX_FRAME_LEN, MAX_PACKET_LEN, MAX_PARTS, PART_PAYLOAD};
use super::{ClientPacket, HostPacket};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// A packet kind that can travel in parts (both directions have a `Part` variant).
pub trait Wire: Serialize + DeserializeOwned {
    fn part(index: u32, total: u32, bytes: Vec<u8>) -> Self;
    /// The part's fields, or the packet itself if it is not a part.
    fn into_part(self) -> Result<(u32, u32, Vec<u8>), Self>;
    /// About how many bytes the packet encodes to, when it carries a large payload
    /// (so encoding a 48 KiB chunk does not grow its buffer ten times).
    fn size_hint(&self) -> usize;
}

/// What an encoded packet adds to its largest field, about.
const ENVELOPE: usize = 256;

impl Wire for ClientPacket {
    fn part(index: u32, total: u32, bytes: Vec<u8>) -> Self {
        ClientPacket::Part { index, total, bytes }
    }
    fn into_part(self) -> Result<(u32, u32, Vec<u8>), Self> {
        match self {
            ClientPacket::Part { index, total, bytes } => Ok((index, total, bytes)),
            other => Err(other),
        }
    }
    fn size_hint(&self) -> usize {
        ENVELOPE
            + match self {
                ClientPacket::FileChunk { data, .. } => data.len(),
                ClientPacket::Part { bytes, .. } => bytes.len(),
                ClientPacket::Mls { message, .. } | ClientPacket::Signal { message, .. } => message.len(),
                _ => 0,
            }
    }
}

impl Wire for HostPacket {
    fn part(index: u32, total: u32, bytes: Vec<u8>) -> Self {
        HostPacket::Part { index, total, bytes }
    }
    fn into_part(self) -> Result<(u32, u32, Vec<u8>), Self> {
        match self {
            HostPacket::Part { index, total, bytes } => Ok((index, total, bytes)),
            other => Err(other),
        }
    }
    fn size_hint(&self) -> usize {
        ENVELOPE
            + match self {
                HostPacket::FileChunk { data, .. } => data.len(),
                HostPacket::Part { bytes, .. } => bytes.len(),
                HostPacket::Signal { message, .. } => message.len(),
                HostPacket::Entry {
                    body: super::EntryBody::Mls { message, .. },
                    ..
                } => message.len(),
                _ => 0,
            }
    }
}

/// One encoded packet as the frames that carry it (one, or its parts), cheap to clone:
/// a host encodes a packet once and hands the same frames to every recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frames {
    One(Bytes),
    Many(Arc<[Bytes]>),
}

impl Frames {
    pub fn iter(&self) -> impl Iterator<Item = &Bytes> {
        let (one, many): (Option<&Bytes>, &[Bytes]) = match self {
            Frames::One(b) => (Some(b), &[]),
            Frames::Many(v) => (None, v),
        };
        one.into_iter().chain(many.iter())
    }

    /// Total encoded size in bytes.
    pub fn len(&self) -> usize {
        self.iter().map(Bytes::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why a packet could not be encoded for sending.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("packet of {len} bytes is over the {max}-byte limit")]
pub struct TooLarge {
    pub len: usize,
    pub max: usize,
}

/// Encodes a packet into the frames that carry it: one frame, or parts.
pub fn to_frames<T: Wire>(packet: &T) -> Result<Frames, TooLarge> {
    let encoded = encode_with_capacity(packet, packet.size_hint());
    if encoded.len() <= MAX_FRAME_LEN {
        return Ok(Frames::One(Bytes::from(encoded)));
    }
    if encoded.len() > MAX_PACKET_LEN {
        return Err(TooLarge {
            len: encoded.len(),
            max: MAX_PACKET_LEN,
        });
    }
    let total = encoded.len().div_ceil(PART_PAYLOAD) as u32;
    let frames: Vec<Bytes> = encoded
        .chunks(PART_PAYLOAD)
        .enumerate()
        .map(|(i, c)| {
            let part = T::part(i as u32, total, c.to_vec());
            Bytes::from(encode_with_capacity(&part, part.size_hint()))
        })
        .collect();
    Ok(Frames::Many(frames.into()))
}

/// Reassembles parts on the receiving side: parts of one packet arrive consecutively,
/// in order, with nothing between them.
#[derive(Debug, Default)]
pub struct Reassembly {
    buf: Vec<u8>,
    next: u32,
    total: u32,
}

impl Reassembly {
    /// Feeds one frame; returns a whole packet when one is complete.
    pub fn push<T: Wire>(&mut self, frame: &[u8]) -> Result<Option<T>, DecodeError> {
        let (index, total, bytes) = match decode::<T>(frame)?.into_part() {
            Ok(part) => part,
            Err(_) if self.total != 0 => return Err(DecodeError::BadPart("a packet between the parts of another")),
            Err(packet) => return Ok(Some(packet)),
        };
        if !(2..=MAX_PARTS as u32).contains(&total) {
            return Err(DecodeError::BadPart("part count out of range"));
        }
        if index != self.next || (self.total != 0 && total != self.total) {
            return Err(DecodeError::BadPart("parts out of order"));
        }
        if bytes.is_empty() || bytes.len() > PART_PAYLOAD {
            return Err(DecodeError::BadPart("part size out of range"));
        }
        if self.buf.len() + bytes.len() > MAX_PACKET_LEN {
            return Err(DecodeError::TooLarge {
                len: self.buf.len() + bytes.len(),
                max: MAX_PACKET_LEN,
            });
        }
        self.buf.extend_from_slice(&bytes);
        self.total = total;
        self.next += 1;
        if self.next < total {
            return Ok(None);
        }
        let whole = std::mem::take(&mut self.buf);
        *self = Reassembly::default();
        match decode_capped::<T>(&whole, MAX_PACKET_LEN)?.into_part() {
            Ok(_) => Err(DecodeError::BadPart("a part inside a part")),
            Err(packet) => Ok(Some(packet)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::codec::encode;
    use super::*;
    use crate::protocol::{Conv, EntryBody};

    fn entry(len: usize) -> HostPacket {
        HostPacket::Entry {
            conv: Conv::LOBBY,
            seq: 1,
            at: 0,
            from: Some("ana".into()),
            id: None,
            body: EntryBody::Mls {
                message: vec![b'z'; len],
                committer: None,
            },
        }
    }

    fn receive(frames: &Frames) -> Result<Option<HostPacket>, DecodeError> {
        let mut r = Reassembly::default();
        let mut out = None;
        for f in frames.iter() {
            out = r.push::<HostPacket>(f)?;
        }
        Ok(out)
    }

    /// Large payloads are encoded into a buffer made big enough at once.
    #[test]
    fn large_packets_encode_without_growing_their_buffer() {
        use crate::protocol::limits::FILE_CHUNK;
        let chunk = vec![7u8; FILE_CHUNK + 16];
        let host = HostPacket::FileChunk {
            transfer: uuid::Uuid::new_v4(),
            index: u32::MAX,
            data: chunk.clone(),
        };
        let client = ClientPacket::FileChunk {
            transfer: uuid::Uuid::new_v4(),
            index: u32::MAX,
            data: chunk,
        };
        let entry = HostPacket::Entry {
            conv: Conv::Room {
                id: uuid::Uuid::new_v4(),
            },
            seq: u64::MAX,
            at: u64::MAX,
            from: Some("a-rather-long-member-name".into()),
            id: Some(uuid::Uuid::new_v4()),
            body: EntryBody::Mls {
                message: vec![1; 1224],
                committer: Some("another-rather-long-name".into()),
            },
        };
        for (len, hint) in [
            (encode(&host).len(), host.size_hint()),
            (encode(&client).len(), client.size_hint()),
            (encode(&entry).len(), entry.size_hint()),
        ] {
            assert!(len <= hint, "{len} bytes encoded, {hint} foreseen");
        }
    }

    #[test]
    fn small_packets_are_one_frame_and_large_ones_parts() {
        let small = entry(10);
        let f = to_frames(&small).unwrap();
        assert!(matches!(f, Frames::One(_)));
        assert_eq!(receive(&f), Ok(Some(small)));
        let big = entry(200_000);
        let f = to_frames(&big).unwrap();
        assert!(matches!(&f, Frames::Many(v) if v.len() == 4));
        assert!(f.iter().all(|b| b.len() <= MAX_FRAME_LEN));
        assert_eq!(receive(&f), Ok(Some(big)));
    }

    #[test]
    fn the_packet_limit_holds_both_ways() {
        let over = entry(MAX_PACKET_LEN);
        assert!(matches!(to_frames(&over), Err(TooLarge { .. })));
        // A sender that cuts an oversized packet anyway is stopped at the limit.
        let encoded = encode(&over);
        let total = encoded.len().div_ceil(PART_PAYLOAD) as u32;
        let mut r = Reassembly::default();
        let mut result = Ok(None);
        for (i, c) in encoded.chunks(PART_PAYLOAD).enumerate() {
            result = r.push::<HostPacket>(&encode(&HostPacket::part(
                i as u32,
                total.min(MAX_PARTS as u32),
                c.to_vec(),
            )));
            if result.is_err() {
                break;
            }
        }
        assert!(result.is_err());
    }

    #[test]
    fn bad_part_sequences_are_refused() {
        let part = |i, t, n: usize| encode(&HostPacket::part(i, t, vec![0xa0; n]));
        let ping = encode(&HostPacket::Ping { timestamp: 1 });
        let cases: Vec<Vec<Vec<u8>>> = vec![
            vec![part(1, 2, 10)],                 // starts in the middle
            vec![part(0, 1, 10)],                 // a single part
            vec![part(0, 3, 10), part(2, 3, 10)], // skips one
            vec![part(0, 3, 10), part(1, 4, 10)], // total changes
            vec![part(0, 3, 10), ping.clone()],   // interleaved
            vec![part(0, 2, 0)],                  // empty
            vec![part(0, 2, PART_PAYLOAD + 1)],   // too big
            vec![part(0, (MAX_PARTS + 1) as u32, 10)],
        ];
        for (i, frames) in cases.into_iter().enumerate() {
            let mut r = Reassembly::default();
            let results: Vec<_> = frames.iter().map(|f| r.push::<HostPacket>(f)).collect();
            assert!(results.iter().any(Result::is_err), "case {i}: {results:?}");
        }
        // Parts whose whole is a part again, or garbage.
        let inner = encode(&HostPacket::part(0, 2, vec![1]));
        let mut r = Reassembly::default();
        assert_eq!(r.push::<HostPacket>(&part(0, 2, 1)).ok(), Some(None));
        let last = encode(&HostPacket::part(1, 2, inner));
        assert!(r.push::<HostPacket>(&last).is_err());
    }
}
