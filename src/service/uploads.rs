//! Sending files: a transfer opened with the host (refused over its cap before any
//! chunk moves), then the offer, end-to-end encrypted, to the conversation; chunks are
//! read from the file and sealed only when receivers ask for them.

use super::files::{FileTarget, Upload, failed};
use super::runner::Runner;
use crate::client::Event;
use crate::crypto::chunks::{CHUNK_LEN, CHUNK_TAG_LEN, chunk_count, new_file_key, seal_chunk_vec};
use crate::group::FileOffer;
use crate::protocol::limits::MAX_OPEN_TRANSFERS;
use crate::protocol::units::human;
use crate::protocol::{ClientPacket, Conv};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// How often the sender reports progress, at most.
pub const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// SHA-256 and size of a file, read in 1 MiB steps (a blocking task).
async fn digest(path: &Path) -> std::io::Result<(Vec<u8>, u64)> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        use sha2::Digest;
        let mut f = std::fs::File::open(&path)?;
        let mut h = sha2::Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut size = 0u64;
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            size += n as u64;
            h.update(&buf[..n]);
        }
        Ok((h.finalize().to_vec(), size))
    })
    .await
    .map_err(std::io::Error::other)?
}

/// What a file is, from its first bytes (receivers sniff for themselves too).
pub fn media_type(head: &[u8]) -> &'static str {
    match head {
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [0xff, 0xd8, 0xff, ..] => "image/jpeg",
        [b'G', b'I', b'F', b'8', ..] => "image/gif",
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => "image/webp",
        [b'%', b'P', b'D', b'F', ..] => "application/pdf",
        h if std::str::from_utf8(h).is_ok() => "text/plain",
        _ => "application/octet-stream",
    }
}

impl Runner {
    /// `Command::SendFile`: checks the file and the host's cap, then opens the transfer.
    pub(super) async fn send_file(&mut self, to: FileTarget, path: PathBuf) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        let fail = |reason: String| failed(Uuid::nil(), &name, reason, true);
        let (sha256, size) = match digest(&path).await {
            Ok(d) => d,
            Err(e) => return self.emit(fail(format!("cannot read {}: {e}", path.display()))).await,
        };
        let max = self.chat.limits.as_ref().map_or(u64::MAX, |l| l.max_file);
        if size > max {
            let reason = format!(
                "refused: the file is {}, over the host's {} limit",
                human(size),
                human(max)
            );
            return self.emit(fail(reason)).await;
        }
        let Some(conv) = self.conv_of(&to) else {
            return self
                .emit(fail(format!("you are not in a conversation with {to}")))
                .await;
        };
        let mut head = vec![0u8; 512];
        let n = std::fs::File::open(&path)
            .and_then(|mut f| f.read(&mut head))
            .unwrap_or(0);
        head.truncate(n);
        // A new transfer past the host's cap: our least recently asked one closes.
        if self.files.uploads.len() >= MAX_OPEN_TRANSFERS
            && let Some(old) = self.files.oldest_upload()
        {
            self.close_upload(old).await;
        }
        let transfer = Uuid::new_v4();
        let chunks = chunk_count(size) as u32;
        let offer = FileOffer {
            transfer,
            name: name.clone(),
            size,
            media_type: media_type(&head).to_string(),
            sha256,
            key: new_file_key().to_vec(),
        };
        let id = Uuid::new_v4();
        self.files.opening.insert(id, (to, offer, path));
        self.send_raw(ClientPacket::FileOpen {
            id,
            transfer,
            conv,
            size,
            chunks,
        });
    }

    pub(super) fn conv_of(&self, to: &FileTarget) -> Option<Conv> {
        match to {
            FileTarget::Room(None) => Some(Conv::LOBBY),
            FileTarget::Room(Some(id)) => self.chat.in_room(Some(*id)).then_some(Conv::Room { id: *id }),
            FileTarget::Dm(name) => {
                let me = self.chat.me.clone()?;
                Some(Conv::dm(&me, name))
            }
        }
    }

    /// A typing note, at most every `TYPING_EVERY` while typing (a stop goes at once).
    pub(super) async fn typing(&mut self, to: FileTarget, on: bool) {
        let Some(conv) = self.conv_of(&to) else { return };
        let now = tokio::time::Instant::now();
        if on
            && self
                .typed
                .get(&conv)
                .is_some_and(|t| now < *t + super::runner::TYPING_EVERY)
        {
            return;
        }
        if on {
            self.typed.insert(conv.clone(), now);
        } else if self.typed.remove(&conv).is_none() {
            return;
        }
        if let Some(p) = self.chat.typing(&conv, on) {
            // Through the outbox: the memory is saved before a secret is used.
            self.chat.queue(p);
            self.flush_outbox().await;
        }
    }

    /// The host answered our `FileOpen` `id`: on `Ok`, the offer goes out.
    pub(super) async fn file_opened(&mut self, id: Uuid, refused: Option<String>) {
        let Some((to, offer, path)) = self.files.opening.remove(&id) else {
            return;
        };
        if let Some(reason) = refused {
            return self.emit(failed(offer.transfer, &offer.name, reason, true)).await;
        }
        let Ok(key) = <[u8; 32]>::try_from(offer.key.as_slice()) else {
            return;
        };
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) => {
                let reason = format!("cannot read {}: {e}", path.display());
                return self.emit(failed(offer.transfer, &offer.name, reason, true)).await;
            }
        };
        let chunks = chunk_count(offer.size) as u32;
        self.files.uploads.insert(
            offer.transfer,
            Upload {
                file,
                key,
                size: offer.size,
                chunks,
                name: offer.name.clone(),
                served: 0,
                last_asked: tokio::time::Instant::now(),
                reported: None,
            },
        );
        let sent = match &to {
            FileTarget::Room(room) => Some(self.chat.offer(*room, offer)),
            FileTarget::Dm(name) => self.chat.dm_offer(name, offer),
        };
        if let Some((id, packets)) = sent {
            for p in packets {
                let pid = p.request_id().unwrap_or(id);
                self.transmit(pid, p).await;
            }
        }
        self.flush_outbox().await;
    }

    /// Receivers want chunks of our `transfer`: read, seal and send them.
    pub(super) async fn file_wanted(&mut self, transfer: Uuid, indices: Vec<u32>) {
        let Some(u) = self.files.uploads.get_mut(&transfer) else {
            // Not ours any more (the app restarted): the host should stop asking.
            self.send_raw(ClientPacket::FileClose {
                id: Uuid::new_v4(),
                transfer,
            });
            return;
        };
        u.last_asked = tokio::time::Instant::now();
        let mut out = vec![];
        for index in indices.into_iter().filter(|i| *i < u.chunks) {
            let at = u64::from(index) * CHUNK_LEN as u64;
            let len = (u.size.saturating_sub(at)).min(CHUNK_LEN as u64) as usize;
            // Room for the tag too: the chunk is sealed in this buffer.
            let mut plain = Vec::with_capacity(len + CHUNK_TAG_LEN);
            plain.resize(len, 0);
            let read = u
                .file
                .seek(SeekFrom::Start(at))
                .and_then(|_| u.file.read_exact(&mut plain));
            if let Err(e) = read {
                tracing::warn!(%e, "cannot read a chunk of {}", u.name);
                continue;
            }
            let last = index + 1 == u.chunks;
            match seal_chunk_vec(&u.key, transfer.as_bytes(), index, last, plain) {
                Ok(data) => {
                    u.served += len as u64;
                    out.push(ClientPacket::FileChunk { transfer, index, data });
                }
                Err(e) => tracing::warn!(%e, "cannot seal a chunk"),
            }
        }
        let progress = u.progress(transfer);
        for p in out {
            self.send_raw(p);
        }
        if let Some(e) = progress {
            self.emit(e).await;
        }
    }

    /// Ends one of our transfers (receivers still downloading are told).
    pub(super) async fn close_upload(&mut self, transfer: Uuid) {
        if self.files.uploads.remove(&transfer).is_some() {
            self.send_raw(ClientPacket::FileClose {
                id: Uuid::new_v4(),
                transfer,
            });
        }
    }
}

impl Upload {
    /// A progress event, if one is due.
    fn progress(&mut self, transfer: Uuid) -> Option<Event> {
        let now = tokio::time::Instant::now();
        if self.reported.is_some_and(|t| now < t + PROGRESS_EVERY) {
            return None;
        }
        self.reported = Some(now);
        Some(Event::FileProgress {
            transfer,
            name: self.name.clone(),
            done: self.served,
            total: self.size,
            sending: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_are_sniffed() {
        assert_eq!(media_type(b"\x89PNG\r\n\x1a\n"), "image/png");
        assert_eq!(media_type(b"\xff\xd8\xff\xe0"), "image/jpeg");
        assert_eq!(media_type(b"GIF89a"), "image/gif");
        assert_eq!(media_type(b"RIFF\0\0\0\0WEBPVP8 "), "image/webp");
        assert_eq!(media_type(b"hello"), "text/plain");
        assert_eq!(media_type(&[0xff, 0x00, 0xfe]), "application/octet-stream");
    }
}
