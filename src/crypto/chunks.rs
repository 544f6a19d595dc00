//! File chunks: each chunk of a file is sealed with the file's own random key
//! (ChaCha20-Poly1305 from ring), bound to the transfer, its index and whether it is
//! the last, so a dropped, reordered, swapped or truncated chunk does not open.

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};

/// Largest plaintext of one chunk: 48 KiB, so a sealed chunk and its envelope fit in
/// one frame (60 KiB) with room to spare.
pub const CHUNK_LEN: usize = 48 * 1024;

/// What sealing adds to a chunk (the Poly1305 tag).
pub const CHUNK_TAG_LEN: usize = 16;

/// A file's key: 256 random bits, sent to the receivers inside the (end-to-end
/// encrypted) offer, never to the host.
pub type FileKey = [u8; 32];

/// Why a chunk did not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChunkError {
    #[error("a chunk of the file was damaged or does not belong where it was put")]
    Damaged,
    #[error("a chunk is {0} bytes, over the limit")]
    TooLarge(usize),
}

/// How many chunks a file of `size` bytes has (an empty file has one, empty).
pub fn chunk_count(size: u64) -> u64 {
    size.div_ceil(CHUNK_LEN as u64).max(1)
}

/// A fresh random file key.
pub fn new_file_key() -> FileKey {
    rand::random()
}

fn key(k: &FileKey) -> Option<LessSafeKey> {
    UnboundKey::new(&CHACHA20_POLY1305, k).ok().map(LessSafeKey::new)
}

/// The nonce: the index (big endian) and the last-chunk flag. Each key seals one file,
/// so (index, last) never repeats under a key.
fn nonce(index: u32, last: bool) -> Nonce {
    let mut n = [0u8; 12];
    n[..4].copy_from_slice(&index.to_be_bytes());
    n[4] = u8::from(last);
    Nonce::assume_unique_for_key(n)
}

/// What each chunk is bound to beyond its nonce: the transfer it belongs to.
fn aad(transfer: &[u8; 16], index: u32, last: bool) -> [u8; 21] {
    let mut a = [0u8; 21];
    a[..16].copy_from_slice(transfer);
    a[16..20].copy_from_slice(&index.to_be_bytes());
    a[20] = u8::from(last);
    a
}

/// Seals chunk `index` of a file (`last` for its final chunk).
pub fn seal_chunk(
    k: &FileKey,
    transfer: &[u8; 16],
    index: u32,
    last: bool,
    plain: &[u8],
) -> Result<Vec<u8>, ChunkError> {
    if plain.len() > CHUNK_LEN {
        return Err(ChunkError::TooLarge(plain.len()));
    }
    let mut buf = Vec::with_capacity(plain.len() + CHUNK_TAG_LEN);
    buf.extend_from_slice(plain);
    seal_chunk_vec(k, transfer, index, last, buf)
}

/// [`seal_chunk`] in place: `buf` holds the plaintext (best with room for the tag) and
/// comes back sealed, with no copy.
pub fn seal_chunk_vec(
    k: &FileKey,
    transfer: &[u8; 16],
    index: u32,
    last: bool,
    mut buf: Vec<u8>,
) -> Result<Vec<u8>, ChunkError> {
    if buf.len() > CHUNK_LEN {
        return Err(ChunkError::TooLarge(buf.len()));
    }
    let key = key(k).ok_or(ChunkError::Damaged)?;
    key.seal_in_place_append_tag(nonce(index, last), Aad::from(aad(transfer, index, last)), &mut buf)
        .map_err(|_| ChunkError::Damaged)?;
    Ok(buf)
}

/// Opens chunk `index` (`last` if the receiver expects it to be the final one).
pub fn open_chunk(
    k: &FileKey,
    transfer: &[u8; 16],
    index: u32,
    last: bool,
    sealed: &[u8],
) -> Result<Vec<u8>, ChunkError> {
    if sealed.len() > CHUNK_LEN + CHUNK_TAG_LEN {
        return Err(ChunkError::TooLarge(sealed.len()));
    }
    open_chunk_vec(k, transfer, index, last, sealed.to_vec())
}

/// [`open_chunk`] in place: the sealed bytes become the plaintext, with no copy.
pub fn open_chunk_vec(
    k: &FileKey,
    transfer: &[u8; 16],
    index: u32,
    last: bool,
    mut buf: Vec<u8>,
) -> Result<Vec<u8>, ChunkError> {
    if buf.len() > CHUNK_LEN + CHUNK_TAG_LEN {
        return Err(ChunkError::TooLarge(buf.len()));
    }
    let key = key(k).ok_or(ChunkError::Damaged)?;
    let plain = key
        .open_in_place(nonce(index, last), Aad::from(aad(transfer, index, last)), &mut buf)
        .map_err(|_| ChunkError::Damaged)?;
    let n = plain.len();
    buf.truncate(n);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_open_only_where_they_were_sealed() {
        let (k, t) = (new_file_key(), [7u8; 16]);
        let c0 = seal_chunk(&k, &t, 0, false, b"first").unwrap();
        let c1 = seal_chunk(&k, &t, 1, true, b"last").unwrap();
        assert_eq!(open_chunk(&k, &t, 0, false, &c0).unwrap(), b"first");
        assert_eq!(open_chunk(&k, &t, 1, true, &c1).unwrap(), b"last");
        // Reordered, truncated (the last marker missing), another transfer, another key,
        // a flipped bit: none opens.
        assert_eq!(open_chunk(&k, &t, 1, true, &c0), Err(ChunkError::Damaged));
        assert_eq!(open_chunk(&k, &t, 0, true, &c0), Err(ChunkError::Damaged));
        assert_eq!(
            open_chunk(&k, &t, 1, false, &c1),
            Err(ChunkError::Damaged),
            "not the last after all"
        );
        assert_eq!(open_chunk(&k, &[8; 16], 0, false, &c0), Err(ChunkError::Damaged));
        assert_eq!(open_chunk(&new_file_key(), &t, 0, false, &c0), Err(ChunkError::Damaged));
        let mut bad = c0.clone();
        bad[0] ^= 1;
        assert_eq!(open_chunk(&k, &t, 0, false, &bad), Err(ChunkError::Damaged));
        // Sizes: a full chunk passes, one byte over does not.
        let full = seal_chunk(&k, &t, 2, false, &vec![1; CHUNK_LEN]).unwrap();
        assert_eq!(full.len(), CHUNK_LEN + CHUNK_TAG_LEN);
        assert_eq!(
            seal_chunk(&k, &t, 3, false, &vec![1; CHUNK_LEN + 1]),
            Err(ChunkError::TooLarge(CHUNK_LEN + 1))
        );
        assert!(matches!(
            open_chunk(&k, &t, 2, false, &vec![0; CHUNK_LEN + CHUNK_TAG_LEN + 1]),
            Err(ChunkError::TooLarge(_))
        ));
    }
}
