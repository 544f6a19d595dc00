//! Sending files: a transfer opened with the host (refused over its cap before any
//! chunk moves), then the offer, end-to-end encrypted, to the conversation; chunks are
//! read from the file and sealed only when receivers ask for them.

use super::files::{FileTarget, MAX_WAITING_UPLOADS, Upload, failed};
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

/// SHA-256 and size of a file, read in 1 MiB steps (a blocking task); reading stops
/// once past `limit` bytes (a device or a growing file is not read for ever), and the
/// size then says only that it is over.
async fn digest(path: &Path, limit: u64) -> std::io::Result<(Vec<u8>, u64)> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        use sha2::Digest;
        let mut f = std::fs::File::open(&path)?;
        let mut h = sha2::Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut size = 0u64;
        while size <= limit {
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

/// The request to open `transfer` of `size` bytes to `conv`.
/// The name a file of ours goes by in offers and messages: its last component.
fn shown_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into())
}

fn file_open(id: Uuid, transfer: Uuid, conv: Conv, size: u64) -> ClientPacket {
    ClientPacket::FileOpen {
        id,
        transfer,
        conv,
        size,
        chunks: chunk_count(size) as u32,
    }
}

impl Runner {
    /// `Command::SendFile`: the file waits its turn (every transfer slot may be taken),
    /// then goes as soon as there is one.
    pub(super) async fn send_file(&mut self, to: FileTarget, path: PathBuf) {
        if self.files.waiting.len() >= MAX_WAITING_UPLOADS {
            let reason = format!("{MAX_WAITING_UPLOADS} files are already waiting to be sent: send this one later");
            return self.emit(failed(Uuid::nil(), &shown_name(&path), reason, true)).await;
        }
        self.files.waiting.push_back((to, path));
        self.send_waiting().await;
    }

    /// Opens waiting files while the host allows us another transfer. When all are
    /// taken, the upload asked for least recently closes once it has been quiet for
    /// `UPLOAD_QUIET` (receivers who were there have had it); until then, and while
    /// our requests to open are unanswered, the rest wait (`upload_check_at`). Before,
    /// the fifth of five files chosen at once was refused by the host.
    pub(super) async fn send_waiting(&mut self) {
        self.upload_check_at = None;
        while !self.files.waiting.is_empty() {
            if self.files.open_transfers() >= MAX_OPEN_TRANSFERS {
                match self.files.oldest_upload() {
                    Some((old, quiet)) if quiet <= tokio::time::Instant::now() => self.close_upload(old).await,
                    // Opened ones answer soon; an asked-for one is looked at again later.
                    quiet => {
                        self.upload_check_at = quiet.map(|(_, at)| at);
                        return;
                    }
                }
                continue;
            }
            let Some((to, path)) = self.files.waiting.pop_front() else {
                break;
            };
            self.open_upload(to, path).await;
        }
    }

    /// Checks the file and the host's cap, then asks the host to open the transfer.
    async fn open_upload(&mut self, to: FileTarget, path: PathBuf) {
        let name = shown_name(&path);
        let fail = |reason: String| failed(Uuid::nil(), &name, reason, true);
        let max = self.chat.limits.as_ref().map_or(u64::MAX, |l| l.max_file);
        // What the file system says first: a folder, or a file over the cap, is not read.
        let listed = match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => return self.emit(fail(format!("{} is a folder", path.display()))).await,
            Ok(m) => m.len(),
            Err(e) => return self.emit(fail(format!("cannot read {}: {e}", path.display()))).await,
        };
        if listed > max {
            let reason = format!(
                "refused: the file is {}, over the host's {} limit",
                human(listed),
                human(max)
            );
            return self.emit(fail(reason)).await;
        }
        let (sha256, size) = match digest(&path, max).await {
            Ok(d) => d,
            Err(e) => return self.emit(fail(format!("cannot read {}: {e}", path.display()))).await,
        };
        if size > max {
            // Longer than it said (a device, a file that grows): how much more is unknown.
            let reason = format!("refused: it is over the host's {} limit", human(max));
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
        let transfer = Uuid::new_v4();
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
        self.send_raw(file_open(id, transfer, conv, size));
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

    /// The host answered our `FileOpen` `id`: on `Ok`, the offer goes out; a file that
    /// waited for the slot goes next.
    pub(super) async fn file_opened(&mut self, id: Uuid, refused: Option<String>) {
        self.offer_opened(id, refused).await;
        self.send_waiting().await;
    }

    async fn offer_opened(&mut self, id: Uuid, refused: Option<String>) {
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
        let mut unreadable = None;
        let mut ended = false;
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
                // Changed or cut short since it was offered: receivers cannot get it
                // whole, so the transfer ends (they are told) instead of stalling.
                tracing::warn!(%e, "cannot read a chunk of {}", u.name);
                unreadable = Some((u.name.clone(), e));
                break;
            }
            let last = index + 1 == u.chunks;
            ended |= last;
            match seal_chunk_vec(&u.key, transfer.as_bytes(), index, last, plain) {
                Ok(data) => {
                    u.served += len as u64;
                    out.push(ClientPacket::FileChunk { transfer, index, data });
                }
                Err(e) => tracing::warn!(%e, "cannot seal a chunk"),
            }
        }
        let progress = u.progress(transfer, ended);
        for p in out {
            self.send_raw(p);
        }
        if let Some((name, e)) = unreadable {
            self.close_upload(transfer).await;
            let why = match e.kind() {
                std::io::ErrorKind::UnexpectedEof => "it is shorter than when it was sent".to_string(),
                _ => e.to_string(),
            };
            let reason = format!("stopped: the file cannot be read any more ({why})");
            return self.emit(failed(transfer, &name, reason, true)).await;
        }
        if let Some(e) = progress {
            self.emit(e).await;
        }
    }

    /// Ends one of our transfers (receivers still downloading are told).
    pub(super) async fn close_upload(&mut self, transfer: Uuid) {
        if self.files.uploads.remove(&transfer).is_some() {
            self.send_close(transfer);
        }
    }

    /// Tells the host a transfer of ours ended; without a link, after the next welcome.
    fn send_close(&mut self, transfer: Uuid) {
        let id = Uuid::new_v4();
        if !self.send_raw(ClientPacket::FileClose { id, transfer }) {
            self.files.unsent_closes.push(transfer);
        }
    }

    /// After a welcome, what the host may not have of ours goes again: closes, then
    /// our requests to open (one the host already has is answered as the first was).
    /// A file whose conversation we are no longer in fails.
    pub(super) async fn uploads_resume(&mut self) {
        for transfer in std::mem::take(&mut self.files.unsent_closes) {
            self.send_close(transfer);
        }
        let opening: Vec<(Uuid, Option<Conv>, u64, Uuid)> = self
            .files
            .opening
            .iter()
            .map(|(id, (to, offer, _))| (*id, self.conv_of(to), offer.size, offer.transfer))
            .collect();
        for (id, conv, size, transfer) in opening {
            match conv {
                Some(conv) => {
                    self.send_raw(file_open(id, transfer, conv, size));
                }
                None => {
                    let reason = "you are no longer in that conversation".to_string();
                    self.offer_opened(id, Some(reason)).await;
                }
            }
        }
        self.send_waiting().await;
    }

    /// The link is gone for good: files not sent yet fail with `reason`.
    pub(super) async fn uploads_fail(&mut self, reason: &str) {
        let ids: Vec<Uuid> = self.files.opening.keys().copied().collect();
        for id in ids {
            self.offer_opened(id, Some(reason.to_string())).await;
        }
        for (_, path) in std::mem::take(&mut self.files.waiting) {
            self.emit(failed(Uuid::nil(), &shown_name(&path), reason, true)).await;
        }
        self.upload_check_at = None;
    }
}

impl Upload {
    /// A progress event, if one is due; always when the last chunk went (`ended`):
    /// before, that report could fall between two due ones, and the window's card
    /// said "sending 90%" for good.
    fn progress(&mut self, transfer: Uuid, ended: bool) -> Option<Event> {
        let now = tokio::time::Instant::now();
        if !ended && self.reported.is_some_and(|t| now < t + PROGRESS_EVERY) {
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
