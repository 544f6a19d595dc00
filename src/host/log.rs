//! The conversation logs: per conversation, gap-free sequence numbers and a bounded
//! window of recent entries, kept as encoded frames (opaque to the log). Bounded per
//! conversation by count and host-wide by encoded size, largest conversation first.

use crate::protocol::limits::LOG_ENTRY_OVERHEAD;
use crate::protocol::{Conv, Frames};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

/// One stored entry: its sequence number, its place in the host-wide order (so a
/// member catching up gets several conversations in the order things happened), and
/// the frames that carry it to a member.
#[derive(Debug)]
pub(crate) struct Logged {
    pub seq: u64,
    pub order: u64,
    pub frames: Frames,
}

impl Logged {
    fn cost(&self) -> usize {
        self.frames.len() + LOG_ENTRY_OVERHEAD
    }
}

struct ConvLog {
    /// A small number standing for the conversation in the size index.
    key: u64,
    entries: VecDeque<Arc<Logged>>,
    /// The sequence number the next entry gets (the first is 1).
    next: u64,
    bytes: usize,
}

impl ConvLog {
    fn first(&self) -> u64 {
        self.entries.front().map_or(self.next, |e| e.seq)
    }
}

/// Every conversation's log, under one host-wide byte cap.
pub(crate) struct Logs {
    convs: HashMap<Conv, ConvLog>,
    /// (bytes, key) of every conversation: the largest is the last.
    by_size: BTreeSet<(usize, u64)>,
    keys: HashMap<u64, Conv>,
    next_key: u64,
    /// Host-wide append counter.
    next_order: u64,
    total: usize,
    max_entries: usize,
    max_bytes: usize,
    /// Where the logs of dropped conversations stopped (their next sequence number), so
    /// one opened again under the same id goes on from there: a member who still holds
    /// its place in the old log (a DM partner who left and came back, a room emptied and
    /// made again) reads the new entries instead of dropping them as seen.
    ended: HashMap<Conv, u64>,
    ended_order: VecDeque<Conv>,
}

/// Dropped conversations whose place is remembered (the oldest are forgotten first).
pub const ENDED_LOGS_KEPT: usize = 4096;

impl Logs {
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        Logs {
            convs: HashMap::new(),
            by_size: BTreeSet::new(),
            keys: HashMap::new(),
            next_key: 0,
            next_order: 0,
            total: 0,
            max_entries: max_entries.max(1),
            max_bytes,
            ended: HashMap::new(),
            ended_order: VecDeque::new(),
        }
    }

    /// Appends an entry; `frames_for` encodes it given its sequence number.
    pub fn append(&mut self, conv: &Conv, frames_for: impl FnOnce(u64) -> Frames) -> u64 {
        if !self.convs.contains_key(conv) {
            let key = self.next_key;
            self.next_key += 1;
            self.keys.insert(key, conv.clone());
            self.by_size.insert((0, key));
            let next = self.ended.remove(conv).unwrap_or(1);
            if next > 1 {
                self.ended_order.retain(|c| c != conv);
            }
            let log = ConvLog {
                key,
                entries: VecDeque::new(),
                next,
                bytes: 0,
            };
            self.convs.insert(conv.clone(), log);
        }
        let Some(log) = self.convs.get_mut(conv) else { return 0 };
        let seq = log.next;
        log.next += 1;
        self.next_order += 1;
        let entry = Arc::new(Logged {
            seq,
            order: self.next_order,
            frames: frames_for(seq),
        });
        let (key, before) = (log.key, log.bytes);
        log.bytes += entry.cost();
        self.total += entry.cost();
        log.entries.push_back(entry);
        while log.entries.len() > self.max_entries {
            if let Some(old) = log.entries.pop_front() {
                log.bytes -= old.cost();
                self.total -= old.cost();
            }
        }
        let after = log.bytes;
        self.resize(key, before, after);
        self.enforce_total();
        seq
    }

    fn resize(&mut self, key: u64, before: usize, after: usize) {
        self.by_size.remove(&(before, key));
        self.by_size.insert((after, key));
    }

    /// Drops the oldest entries of the largest conversation until under the byte cap.
    fn enforce_total(&mut self) {
        while self.total > self.max_bytes {
            let Some(&(bytes, key)) = self.by_size.last() else {
                return;
            };
            let Some(log) = self.keys.get(&key).and_then(|c| self.convs.get_mut(c)) else {
                return;
            };
            let Some(old) = log.entries.pop_front() else { return };
            log.bytes -= old.cost();
            self.total -= old.cost();
            let after = log.bytes;
            self.resize(key, bytes, after);
        }
    }

    /// The last sequence number given out in `conv` (0 if none), by this log or by the
    /// dropped one it goes on from.
    pub fn head(&self, conv: &Conv) -> u64 {
        match self.convs.get(conv) {
            Some(l) => l.next - 1,
            None => self.ended.get(conv).map_or(0, |next| next - 1),
        }
    }

    /// If the log lost entries right after `cursor`: (how many, the cursor past them).
    pub fn gap(&self, conv: &Conv, cursor: u64) -> Option<(u64, u64)> {
        let log = self.convs.get(conv)?;
        let head = log.next - 1;
        let first = log.first();
        (cursor < head && cursor + 1 < first).then(|| (first - cursor - 1, first - 1))
    }

    /// The entry right after `cursor`, if the log still holds it.
    pub fn next_after(&self, conv: &Conv, cursor: u64) -> Option<&Arc<Logged>> {
        let log = self.convs.get(conv)?;
        let first = log.first();
        let i = cursor.checked_add(1)?.checked_sub(first)?;
        log.entries.get(usize::try_from(i).ok()?)
    }

    /// Forgets a conversation (a removed room, a DM whose member left).
    pub fn drop_conv(&mut self, conv: &Conv) {
        if let Some(log) = self.convs.remove(conv) {
            self.by_size.remove(&(log.bytes, log.key));
            self.keys.remove(&log.key);
            self.total -= log.bytes;
            if self.ended.insert(conv.clone(), log.next).is_none() {
                self.ended_order.push_back(conv.clone());
            }
            while self.ended_order.len() > ENDED_LOGS_KEPT {
                if let Some(old) = self.ended_order.pop_front() {
                    self.ended.remove(&old);
                }
            }
        }
    }

    /// Encoded bytes held in every log together (entry bookkeeping included).
    pub fn total_bytes(&self) -> usize {
        self.total
    }

    /// Entries held for `conv`.
    #[cfg(test)]
    pub fn len(&self, conv: &Conv) -> usize {
        self.convs.get(conv).map_or(0, |l| l.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use uuid::Uuid;

    fn frames(n: usize) -> Frames {
        Frames::One(Bytes::from(vec![0u8; n]))
    }

    fn room(n: u128) -> Conv {
        Conv::Room { id: Uuid::from_u128(n) }
    }

    /// What a reader at `cursor` gets: the gap it is told about, then the entries.
    fn read(l: &Logs, conv: &Conv, cursor: u64) -> (Option<u64>, Vec<u64>) {
        let (missed, mut at) = match l.gap(conv, cursor) {
            Some((n, c)) => (Some(n), c),
            None => (None, cursor),
        };
        let mut seqs = vec![];
        while let Some(e) = l.next_after(conv, at) {
            seqs.push(e.seq);
            at = e.seq;
        }
        (missed, seqs)
    }

    #[test]
    fn sequence_numbers_are_gap_free_per_conversation() {
        let mut l = Logs::new(10, 1 << 20);
        assert_eq!(l.append(&Conv::LOBBY, |_| frames(1)), 1);
        assert_eq!(l.append(&Conv::LOBBY, |_| frames(1)), 2);
        assert_eq!(l.append(&room(1), |_| frames(1)), 1);
        assert_eq!(l.head(&Conv::LOBBY), 2);
        assert_eq!(l.head(&room(2)), 0);
        assert_eq!(read(&l, &Conv::LOBBY, 0), (None, vec![1, 2]));
        assert_eq!(read(&l, &Conv::LOBBY, 2), (None, vec![]));
        assert_eq!(l.next_after(&Conv::LOBBY, 1).map(|e| e.seq), Some(2));
        assert!(l.next_after(&Conv::LOBBY, 2).is_none());
        // The host-wide order follows the appends across conversations.
        let (a, b) = (
            l.next_after(&Conv::LOBBY, 1).unwrap(),
            l.next_after(&room(1), 0).unwrap(),
        );
        assert!(a.order < b.order);
    }

    #[test]
    fn the_entry_cap_drops_the_oldest_and_readers_see_the_gap() {
        let mut l = Logs::new(3, 1 << 20);
        for _ in 0..5 {
            l.append(&Conv::LOBBY, |_| frames(1));
        }
        assert_eq!(l.len(&Conv::LOBBY), 3);
        assert_eq!(read(&l, &Conv::LOBBY, 0), (Some(2), vec![3, 4, 5]));
        assert_eq!(read(&l, &Conv::LOBBY, 3), (None, vec![4, 5]));
    }

    #[test]
    fn the_byte_cap_takes_from_the_largest_conversation_first() {
        let cost = 100 + LOG_ENTRY_OVERHEAD;
        let mut l = Logs::new(1000, cost * 10);
        let dm = Conv::dm("a", "b");
        for _ in 0..2 {
            l.append(&dm, |_| frames(100));
        }
        // A flood in one room: the DM keeps its two entries.
        for _ in 0..50 {
            l.append(&room(1), |_| frames(100));
            assert!(l.total_bytes() <= cost * 10);
        }
        assert_eq!(l.len(&dm), 2);
        assert_eq!(l.len(&room(1)), 8);
        assert_eq!(l.head(&room(1)), 50);
        // A reader far behind in the room is told how much it missed.
        assert_eq!(read(&l, &room(1), 0).0, Some(42));
        l.drop_conv(&room(1));
        assert_eq!(l.total_bytes(), 2 * cost);
        assert_eq!(l.head(&room(1)), 50, "its place is remembered");
    }

    #[test]
    fn a_dropped_conversation_opened_again_goes_on_from_where_it_ended() {
        let mut l = Logs::new(100, 1 << 20);
        let dm = Conv::dm("a", "b");
        for _ in 0..4 {
            l.append(&dm, |_| frames(1));
        }
        // b left (the DM is dropped), came back, and the DM starts again.
        l.drop_conv(&dm);
        assert_eq!((l.len(&dm), l.head(&dm)), (0, 4));
        assert_eq!(l.append(&dm, |_| frames(1)), 5);
        // A reader still at the old log's end reads on without a gap; one further back
        // is told what it missed of the old log.
        assert_eq!(read(&l, &dm, 4), (None, vec![5]));
        assert_eq!(read(&l, &dm, 2), (Some(2), vec![5]));
        // Dropped again, and again: it still goes on.
        l.drop_conv(&dm);
        assert_eq!(l.append(&dm, |_| frames(1)), 6);
    }

    #[test]
    fn the_places_of_dropped_conversations_are_bounded() {
        let mut l = Logs::new(10, 1 << 20);
        for n in 0..=ENDED_LOGS_KEPT as u128 {
            l.append(&room(n), |_| frames(1));
            l.drop_conv(&room(n));
        }
        assert_eq!((l.ended.len(), l.ended_order.len()), (ENDED_LOGS_KEPT, ENDED_LOGS_KEPT));
        assert_eq!(l.head(&room(0)), 0, "the oldest is forgotten");
        assert_eq!(l.head(&room(ENDED_LOGS_KEPT as u128)), 1);
        // One opened again leaves the list, which then has room for another.
        l.append(&room(1), |_| frames(1));
        assert_eq!(l.ended_order.len(), ENDED_LOGS_KEPT - 1);
    }

    #[test]
    fn a_reader_whose_whole_gap_was_dropped_moves_to_the_head() {
        // A cap below one entry's size: the entry is dropped as soon as it is stored.
        let mut l = Logs::new(1000, 5);
        l.append(&room(1), |_| frames(10));
        assert_eq!((l.len(&room(1)), l.total_bytes()), (0, 0));
        assert_eq!(read(&l, &room(1), 0), (Some(1), vec![]));
        assert_eq!(l.gap(&room(1), 0), Some((1, 1)), "the cursor moves to the head");
    }
}
