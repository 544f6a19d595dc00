//! The host's side of files: it relays sealed chunks from a transfer's sender to the
//! receivers who ask, with a bounded window per receiver and a small shared cache, so
//! it never holds a whole file. Chunks never enter the conversation logs.

use super::state::{State, encode};
use crate::crypto::chunks::chunk_count;
use crate::protocol::limits::{FILE_CACHE_BYTES, FILE_CHUNK, FILE_STALL, FILE_WINDOW_CHUNKS, MAX_OPEN_TRANSFERS};
use crate::protocol::units::human;
use crate::protocol::{Conv, Frames, HostPacket};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::time::Instant;
use uuid::Uuid;

/// What a receiver of a transfer that is gone is told.
pub const GONE: &str = "no longer available";

/// What a receiver asking past a transfer's end is told: the offer it has (end to end,
/// unseen by the host) promised more chunks than the sender opened, and the rest would
/// never come.
pub const SHORTER: &str = "the file is shorter than its offer said";

/// One open transfer.
#[derive(Debug)]
pub(crate) struct Transfer {
    /// The sender's member key.
    owner: String,
    conv: Conv,
    chunks: u32,
    /// Indices asked of the sender and not arrived yet, with when they were asked.
    asked: BTreeMap<u32, Instant>,
    /// Per receiver (member key), the indices it wants and has not got.
    wants: HashMap<String, BTreeSet<u32>>,
}

/// Every open transfer, and recent chunks (ciphertext) shared between receivers, kept
/// as the frames that carry them: encoded once, sent to every receiver as they are.
#[derive(Debug, Default)]
pub(crate) struct Transfers {
    open: HashMap<Uuid, Transfer>,
    cache: VecDeque<(Uuid, u32, Frames)>,
    cached_bytes: usize,
    /// Transfers that ended lately and why, for receivers who ask after the end.
    closed: VecDeque<(Uuid, String)>,
}

/// Ended transfers whose reason is kept for late askers.
pub const CLOSED_KEPT: usize = 256;

impl Transfers {
    fn remember(&mut self, t: Uuid, index: u32, frames: Frames) {
        self.cached_bytes += frames.len();
        self.cache.push_back((t, index, frames));
        while self.cached_bytes > FILE_CACHE_BYTES {
            let Some((_, _, old)) = self.cache.pop_front() else {
                break;
            };
            self.cached_bytes -= old.len();
        }
    }

    fn forget(&mut self, t: Uuid) {
        self.cache.retain(|(ct, _, _)| *ct != t);
        self.cached_bytes = self.cache.iter().map(|(_, _, f)| f.len()).sum();
    }
}

impl State {
    /// Member `me` opens `transfer` of `size` bytes in `chunks` chunks to `conv`.
    pub fn file_open(&mut self, me: &str, transfer: Uuid, conv: Conv, size: u64, chunks: u32) -> Result<(), String> {
        let max = self.opts.max_file;
        if size > max {
            return Err(format!(
                "refused: the file is {}, over the host's {} limit",
                human(size),
                human(max)
            ));
        }
        if u64::from(chunks) != chunk_count(size) {
            return Err(format!("{chunks} chunks do not make a file of {size} bytes"));
        }
        if let Some(t) = self.transfers.open.get(&transfer) {
            // Our own request again (its answer was lost with a link): as before.
            if t.owner == me && t.conv == conv && t.chunks == chunks {
                return Ok(());
            }
            return Err("that transfer is open already".into());
        }
        let mine = self.transfers.open.values().filter(|t| t.owner == me).count();
        if mine >= MAX_OPEN_TRANSFERS {
            return Err(format!(
                "at most {MAX_OPEN_TRANSFERS} files at once: wait for one to finish"
            ));
        }
        self.transfers.open.insert(
            transfer,
            Transfer {
                owner: me.to_string(),
                conv,
                chunks,
                asked: BTreeMap::new(),
                wants: HashMap::new(),
            },
        );
        Ok(())
    }

    /// Receiver `me` wants chunks `from .. from + count` of `transfer`.
    pub fn file_want(&mut self, me: &str, transfer: Uuid, from: u32, count: u32) {
        let Some(t) = self.transfers.open.get(&transfer) else {
            let reason = self
                .transfers
                .closed
                .iter()
                .find(|(t, _)| *t == transfer)
                .map(|(_, r)| r.clone());
            return self.file_gone_to(me, transfer, reason.as_deref().unwrap_or(GONE));
        };
        let allowed = t.owner != me && self.conv_members(&t.conv).iter().any(|m| m == me);
        if !allowed {
            return self.file_gone_to(me, transfer, GONE);
        }
        if from >= t.chunks {
            return self.file_gone_to(me, transfer, SHORTER);
        }
        let end = from.saturating_add(count.min(FILE_WINDOW_CHUNKS)).min(t.chunks);
        let mut ready = vec![];
        let mut ask = vec![];
        let now = Instant::now();
        {
            let Transfers { open, cache, .. } = &mut self.transfers;
            let Some(t) = open.get_mut(&transfer) else { return };
            let wanted = t.wants.entry(me.to_string()).or_default();
            for i in from..end {
                // A receiver never holds more than the window at the host.
                if wanted.len() >= FILE_WINDOW_CHUNKS as usize && !wanted.contains(&i) {
                    break;
                }
                match cache.iter().find(|(ct, ci, _)| *ct == transfer && *ci == i) {
                    Some((_, _, f)) => ready.push(f.clone()),
                    None => {
                        // Asked again by the same receiver: what went to the sender
                        // may be lost, so the sender is asked again too, but at most
                        // once per FILE_STALL (before, every repeat went on, and a
                        // receiver could fill the sender's queue and get it cut off).
                        let again = !wanted.insert(i);
                        let stale = t.asked.get(&i).is_some_and(|at| now.duration_since(*at) >= FILE_STALL);
                        if !t.asked.contains_key(&i) || again && stale {
                            t.asked.insert(i, now);
                            ask.push(i);
                        }
                    }
                }
            }
        }
        for frames in ready {
            self.send_frames(me, frames);
        }
        self.ask_owner(transfer, ask);
    }

    /// Asks the sender of `transfer` for `indices` (if it is online; else when back).
    fn ask_owner(&mut self, transfer: Uuid, indices: Vec<u32>) {
        if indices.is_empty() {
            return;
        }
        let Some(owner) = self.transfers.open.get(&transfer).map(|t| t.owner.clone()) else {
            return;
        };
        self.send(&owner, &HostPacket::FileWanted { transfer, indices });
    }

    /// Sender `me` delivers chunk `index` of `transfer`: to every receiver waiting for
    /// it, and into the cache.
    pub fn file_chunk(&mut self, me: &str, transfer: Uuid, index: u32, data: Vec<u8>) -> Result<(), String> {
        let Some(t) = self.transfers.open.get_mut(&transfer) else {
            return Err(GONE.into());
        };
        if t.owner != me || index >= t.chunks {
            return Err("not a chunk of yours".into());
        }
        if data.len() > FILE_CHUNK + crate::crypto::chunks::CHUNK_TAG_LEN {
            return Err(format!("a chunk of {} bytes is over the limit", data.len()));
        }
        if t.asked.remove(&index).is_none() {
            // Nobody asked (a resend after a reconnect): nothing to do.
            return Ok(());
        }
        let to: Vec<String> = t
            .wants
            .iter_mut()
            .filter_map(|(k, w)| w.remove(&index).then(|| k.clone()))
            .collect();
        // Encoded once: the same frames go to every receiver and into the cache.
        let Some(frames) = encode(&HostPacket::FileChunk { transfer, index, data }) else {
            return Ok(());
        };
        self.transfers.remember(transfer, index, frames.clone());
        for k in to {
            self.send_frames(&k, frames.clone());
        }
        Ok(())
    }

    fn file_gone_to(&mut self, to: &str, transfer: Uuid, reason: &str) {
        let reason = reason.to_string();
        self.send(to, &HostPacket::FileGone { transfer, reason });
    }

    /// Ends `transfer` (its sender closed it or left): receivers waiting are told.
    pub fn file_close(&mut self, transfer: Uuid, reason: &str) {
        let Some(t) = self.transfers.open.remove(&transfer) else {
            return;
        };
        self.transfers.forget(transfer);
        self.transfers.closed.push_back((transfer, reason.to_string()));
        if self.transfers.closed.len() > CLOSED_KEPT {
            self.transfers.closed.pop_front();
        }
        for k in t.wants.keys() {
            self.file_gone_to(k, transfer, reason);
        }
    }

    /// Sender `me` closes its own `transfer`.
    pub fn file_close_own(&mut self, me: &str, transfer: Uuid) -> Result<(), String> {
        match self.transfers.open.get(&transfer) {
            Some(t) if t.owner == me => {
                self.file_close(transfer, "no longer available: the sender cancelled it");
                Ok(())
            }
            _ => Err(GONE.into()),
        }
    }

    /// Member `k` left for good: its transfers end, its wants go.
    pub fn files_of_gone_member(&mut self, k: &str) {
        let owned: Vec<Uuid> = self
            .transfers
            .open
            .iter()
            .filter(|(_, t)| t.owner == k)
            .map(|(id, _)| *id)
            .collect();
        for t in owned {
            self.file_close(t, "no longer available: the sender left");
        }
        for t in self.transfers.open.values_mut() {
            t.wants.remove(k);
        }
    }

    /// Member `k` is back on a new link: ask it again for what its receivers still
    /// wait for (what was asked before may have been lost with the old link).
    pub fn files_of_returning_member(&mut self, k: &str) {
        let again: Vec<(Uuid, Vec<u32>)> = self
            .transfers
            .open
            .iter()
            .filter(|(_, t)| t.owner == k && !t.asked.is_empty())
            .map(|(id, t)| (*id, t.asked.keys().copied().collect()))
            .collect();
        for (t, indices) in again {
            self.send(k, &HostPacket::FileWanted { transfer: t, indices });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::HostOptions;
    use crate::host::member::{Member, MemberLink, Out};
    use std::sync::Arc;

    /// A receiver asking for the same chunk again and again: the sender is asked once
    /// per `FILE_STALL`, not once per repeat (which could fill its queue and cut it off).
    #[test]
    fn repeated_wants_reach_the_sender_once_per_stall() {
        let mut state = State::new(HostOptions::default(), crate::group::new_signature_key().unwrap());
        let mut queues = HashMap::new();
        for (i, name) in ["ana", "bob"].into_iter().enumerate() {
            let (out, rx) = tokio::sync::mpsc::channel(64);
            let link = MemberLink {
                conn: i as u64,
                out,
                notify: Arc::new(tokio::sync::Notify::new()),
                cancel: tokio_util::sync::CancellationToken::new(),
                close: Default::default(),
            };
            state
                .members
                .insert(name.into(), Member::new(name, [i as u8; 32], link, false));
            queues.insert(name, rx);
        }
        let transfer = Uuid::new_v4();
        let size = 10 * FILE_CHUNK as u64;
        state
            .file_open("ana", transfer, Conv::LOBBY, size, chunk_count(size) as u32)
            .unwrap();
        for _ in 0..20 {
            state.file_want("bob", transfer, 0, 1);
        }
        let ana = queues.get_mut("ana").unwrap();
        let mut wanted = 0;
        while let Ok(o) = ana.try_recv() {
            if let Out::Frames(Frames::One(f)) = o
                && matches!(crate::protocol::codec::decode(&f), Ok(HostPacket::FileWanted { .. }))
            {
                wanted += 1;
            }
        }
        assert_eq!(wanted, 1);
    }
}
