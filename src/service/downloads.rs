//! Receiving files: chunks pulled through the host a window at a time, opened with the
//! offer's key, written into `.NAME.part`, hashed as it fills in and checked against
//! the offer's SHA-256, then renamed to a name that overwrites nothing. A failure
//! leaves nothing behind.

use super::files::{Download, failed};
use super::runner::Runner;
use crate::client::Event;
use crate::client::filename::{free_name, part_name, safe_name};
use crate::crypto::chunks::{CHUNK_LEN, chunk_count, open_chunk_vec};
use crate::protocol::ClientPacket;
use crate::protocol::limits::{FILE_STALL, FILE_WINDOW_CHUNKS, MAX_DOWNLOADS};
use std::collections::BTreeSet;
use std::io::{Read, Seek, SeekFrom, Write};
use uuid::Uuid;

/// Ask for more once this many chunks of the window came in: small, so the window
/// stays nearly full (a refill costs one small request; a half-empty window costs a
/// round trip through the host and the sender with nothing moving).
const REFILL: u32 = 2;
const _: () = assert!(REFILL >= 1 && REFILL < FILE_WINDOW_CHUNKS);

impl Runner {
    /// `Command::Download`: fetch an offered file (or queue it behind the others).
    pub(super) async fn download(&mut self, transfer: Uuid) {
        if self.files.downloads.contains_key(&transfer) || self.files.queue.contains(&transfer) {
            return;
        }
        if self.files.downloads.len() >= MAX_DOWNLOADS {
            self.files.queue.push_back(transfer);
            return;
        }
        let Some((offer, from)) = self.files.offers.get(&transfer).cloned() else {
            let reason = "this file is not offered here (any more)";
            return self.emit(failed(transfer, "", reason, false)).await;
        };
        let name = safe_name(&offer.name);
        let fail = |reason: String| failed(transfer, &name, reason, false);
        let max = self.chat.limits.as_ref().map_or(u64::MAX, |l| l.max_file);
        let (Ok(key), true, true) = (
            <[u8; 32]>::try_from(offer.key.as_slice()),
            offer.sha256.len() == 32,
            offer.size <= max,
        ) else {
            return self
                .emit(fail("the offer is malformed or over the host's limit".into()))
                .await;
        };
        let dir = self.files.dir.clone();
        if let Err(e) = crate::trust::files::ensure_private_dir(&dir) {
            return self.emit(fail(format!("cannot use {}: {e}", dir.display()))).await;
        }
        let part = dir.join(free_name(&part_name(&name), |n| dir.join(n).exists()));
        let file = match std::fs::OpenOptions::new()
            .create_new(true)
            .read(true)
            .write(true)
            .open(&part)
        {
            Ok(f) => f,
            Err(e) => return self.emit(fail(format!("cannot write {}: {e}", part.display()))).await,
        };
        self.files
            .downloads
            .insert(transfer, Download::new(offer, key, from, part, file));
        if self.file_check_at.is_none() {
            self.file_check_at = Some(tokio::time::Instant::now() + FILE_STALL);
        }
        self.ask_more(transfer);
    }

    /// Asks for chunks up to a full window, in contiguous runs.
    fn ask_more(&mut self, transfer: Uuid) {
        let Some(d) = self.files.downloads.get_mut(&transfer) else {
            return;
        };
        let room = FILE_WINDOW_CHUNKS as usize - d.in_flight.len().min(FILE_WINDOW_CHUNKS as usize);
        // Every chunk before `hashed` is in.
        let next: Vec<u32> = (d.hashed..d.chunks)
            .filter(|i| !d.have[*i as usize] && !d.in_flight.contains(i))
            .take(room)
            .collect();
        d.in_flight.extend(next.iter().copied());
        for (from, count) in runs(&next) {
            self.send_raw(ClientPacket::FileWant { transfer, from, count });
        }
    }

    /// After a reconnect: what was asked and not received is asked again.
    pub(super) fn downloads_resume(&mut self) {
        let all: Vec<Uuid> = self.files.downloads.keys().copied().collect();
        self.ask_again(all);
    }

    fn ask_again(&mut self, transfers: Vec<Uuid>) {
        for t in transfers {
            if let Some(d) = self.files.downloads.get_mut(&t) {
                d.in_flight.clear();
                d.last_chunk = tokio::time::Instant::now();
            }
            self.ask_more(t);
        }
    }

    /// Downloads that waited `FILE_STALL` with nothing coming ask again; when to look
    /// next (None: no download runs, no timer).
    pub(super) fn downloads_check(&mut self) -> Option<tokio::time::Instant> {
        let now = tokio::time::Instant::now();
        let stalled: Vec<Uuid> = self
            .files
            .downloads
            .iter()
            .filter(|(_, d)| now >= d.last_chunk + FILE_STALL)
            .map(|(t, _)| *t)
            .collect();
        self.ask_again(stalled);
        self.files.downloads.values().map(|d| d.last_chunk + FILE_STALL).min()
    }

    /// Chunk `index` of `transfer` arrived.
    pub(super) async fn file_chunk(&mut self, transfer: Uuid, index: u32, data: Vec<u8>) {
        let Some(d) = self.files.downloads.get_mut(&transfer) else {
            return;
        };
        if !d.in_flight.remove(&index) || d.have[index as usize] {
            return;
        }
        let last = index + 1 == d.chunks;
        let at = u64::from(index) * CHUNK_LEN as u64;
        let want = d.offer.size.saturating_sub(at).min(CHUNK_LEN as u64) as usize;
        let plain = match open_chunk_vec(&d.key, transfer.as_bytes(), index, last, data) {
            Ok(p) if p.len() == want => p,
            Ok(_) => {
                return self
                    .download_failed(transfer, "a chunk of the wrong size came".into())
                    .await;
            }
            Err(e) => return self.download_failed(transfer, e.to_string()).await,
        };
        if let Err(e) = d.file.seek(SeekFrom::Start(at)).and_then(|_| d.file.write_all(&plain)) {
            return self.download_failed(transfer, format!("cannot write: {e}")).await;
        }
        d.have[index as usize] = true;
        d.have_count += 1;
        if let Err(e) = d.hash_in(index, &plain) {
            return self.download_failed(transfer, format!("cannot read back: {e}")).await;
        }
        d.last_chunk = tokio::time::Instant::now();
        d.done += plain.len() as u64;
        if d.have_count == d.chunks {
            return self.download_done(transfer).await;
        }
        let refill = (d.in_flight.len() as u32) <= FILE_WINDOW_CHUNKS - REFILL;
        let progress = d.progress(transfer);
        if refill {
            self.ask_more(transfer);
        }
        if let Some(e) = progress {
            self.emit(e).await;
        }
    }

    /// Every chunk is in: check the whole file, then give it its name.
    async fn download_done(&mut self, transfer: Uuid) {
        let Some(mut d) = self.files.downloads.remove(&transfer) else {
            return;
        };
        let ok = d.file.flush().is_ok() && d.hashed == d.chunks && {
            use sha2::Digest;
            d.hash.finalize().as_slice() == d.offer.sha256.as_slice()
        };
        drop(d.file);
        let name = safe_name(&d.offer.name);
        if !ok {
            let _ = std::fs::remove_file(&d.part);
            let reason = "the file that came is not the one offered (damaged or altered)";
            self.emit(failed(transfer, &name, reason, false)).await;
            return self.next_download().await;
        }
        let dir = self.files.dir.clone();
        let final_name = free_name(&name, |n| dir.join(n).exists());
        let path = dir.join(&final_name);
        let e = match std::fs::rename(&d.part, &path) {
            Ok(()) => Event::FileSaved {
                transfer,
                from: d.from,
                name: final_name,
                path,
            },
            Err(e) => {
                let _ = std::fs::remove_file(&d.part);
                failed(transfer, &name, format!("cannot save: {e}"), false)
            }
        };
        self.emit(e).await;
        self.next_download().await;
    }

    /// A download fails: its partial file goes, the reason is told.
    pub(super) async fn download_failed(&mut self, transfer: Uuid, reason: String) {
        if let Some(d) = self.files.downloads.remove(&transfer) {
            drop(d.file);
            let _ = std::fs::remove_file(&d.part);
            let name = safe_name(&d.offer.name);
            self.emit(failed(transfer, &name, reason, false)).await;
        }
        self.files.queue.retain(|t| *t != transfer);
        self.next_download().await;
    }

    async fn next_download(&mut self) {
        if self.files.downloads.len() < MAX_DOWNLOADS
            && let Some(t) = self.files.queue.pop_front()
        {
            Box::pin(self.download(t)).await;
        }
    }
}

/// Sorted indices as (start, length) runs.
fn runs(indices: &[u32]) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = vec![];
    for &i in indices {
        match out.last_mut() {
            Some((s, n)) if *s + *n == i => *n += 1,
            _ => out.push((i, 1)),
        }
    }
    out
}

impl Download {
    /// A download of `offer` from `from`, nothing in yet, written into `file` at `part`.
    fn new(
        offer: crate::group::FileOffer,
        key: crate::crypto::chunks::FileKey,
        from: String,
        part: std::path::PathBuf,
        file: std::fs::File,
    ) -> Download {
        let chunks = chunk_count(offer.size) as u32;
        Download {
            offer,
            key,
            from,
            part,
            file,
            chunks,
            have: vec![false; chunks as usize],
            have_count: 0,
            in_flight: BTreeSet::new(),
            done: 0,
            hash: sha2::Sha256::default(),
            hashed: 0,
            reported: None,
            last_chunk: tokio::time::Instant::now(),
        }
    }

    /// Chunk `index` (`plain`) is written: the hash moves over it if it is next, and
    /// over the chunks after it that came early (read back from the file).
    fn hash_in(&mut self, index: u32, plain: &[u8]) -> std::io::Result<()> {
        use sha2::Digest;
        if index != self.hashed {
            return Ok(());
        }
        self.hash.update(plain);
        self.hashed += 1;
        let mut buf = vec![];
        while self.hashed < self.chunks && self.have[self.hashed as usize] {
            let at = u64::from(self.hashed) * CHUNK_LEN as u64;
            let len = self.offer.size.saturating_sub(at).min(CHUNK_LEN as u64) as usize;
            buf.resize(len, 0);
            self.file.seek(SeekFrom::Start(at))?;
            self.file.read_exact(&mut buf)?;
            self.hash.update(&buf);
            self.hashed += 1;
        }
        Ok(())
    }

    fn progress(&mut self, transfer: Uuid) -> Option<Event> {
        let now = tokio::time::Instant::now();
        if self.reported.is_some_and(|t| now < t + super::uploads::PROGRESS_EVERY) {
            return None;
        }
        self.reported = Some(now);
        Some(Event::FileProgress {
            transfer,
            name: safe_name(&self.offer.name),
            done: self.done,
            total: self.offer.size,
            sending: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    fn download(file: std::fs::File, size: u64) -> Download {
        let offer = crate::group::FileOffer {
            transfer: Uuid::nil(),
            name: "f".into(),
            size,
            media_type: String::new(),
            sha256: vec![],
            key: vec![],
        };
        Download::new(offer, [0; 32], "a".into(), "unused".into(), file)
    }

    /// Chunks that come out of order are hashed in file order all the same.
    #[test]
    fn the_hash_follows_the_file_whatever_the_order() {
        let size = 3 * CHUNK_LEN as u64 + 100;
        let data: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
        let dir = tempfile::tempdir().expect("dir");
        let file = std::fs::OpenOptions::new()
            .create_new(true)
            .read(true)
            .write(true)
            .open(dir.path().join("p"))
            .expect("file");
        let mut d = download(file, size);
        for index in [2u32, 3, 0, 1] {
            let at = index as usize * CHUNK_LEN;
            let plain = &data[at..(at + CHUNK_LEN).min(data.len())];
            d.file.seek(SeekFrom::Start(at as u64)).expect("seek");
            d.file.write_all(plain).expect("write");
            d.have[index as usize] = true;
            d.hash_in(index, plain).expect("hash");
            assert_eq!(
                d.hashed,
                if index == 1 {
                    4
                } else if index == 0 {
                    1
                } else {
                    0
                }
            );
        }
        assert_eq!(d.hash.finalize().as_slice(), sha2::Sha256::digest(&data).as_slice());
    }

    #[test]
    fn runs_of_indices() {
        assert_eq!(super::runs(&[0, 1, 2, 5, 6, 9]), vec![(0, 3), (5, 2), (9, 1)]);
        assert!(super::runs(&[]).is_empty());
    }
}
