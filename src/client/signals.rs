//! Receipts and typing: ephemeral, end-to-end encrypted notes between members (never
//! in the host's log). One cumulative "delivered / read up to seq N" per conversation,
//! sent at most every 2 s; in groups only up to 32 members; all of it can be off.

use super::chat::ChatState;
use super::event::{Event, Seen};
use crate::group::{Content, ContentBody, Incoming};
use crate::protocol::{ClientPacket, Conv, name_key};
use std::collections::{BTreeMap, VecDeque};
use uuid::Uuid;

/// Groups larger than this get no read receipts (too many to be meaningful).
pub const MAX_RECEIPT_GROUP: usize = 32;

/// Our own messages per conversation whose receipts we still track.
pub const OWN_TRACKED: usize = 256;

/// What one other member told us of a conversation: delivered and read up to.
type Marks = (u64, u64);

/// The receipt and typing state of one member's view.
#[derive(Debug, Default)]
pub struct Signals {
    /// Receipts are sent and shown (the setting; off hides them both ways).
    pub off: bool,
    /// Whatever arrives is read (the command line shows all of it).
    pub read_on_arrival: bool,
    /// How far we read each conversation (what the user saw).
    read: BTreeMap<Conv, u64>,
    /// What we last told each conversation.
    told: BTreeMap<Conv, Marks>,
    /// What others told us, per conversation and member (lowercased).
    theirs: BTreeMap<Conv, BTreeMap<String, Marks>>,
    /// Our own messages: (seq, id, what we showed already).
    own: BTreeMap<Conv, VecDeque<(u64, Uuid, Option<Seen>)>>,
}

impl ChatState {
    /// Turns receipts on or off (off: none sent, none shown).
    pub fn set_receipts(&mut self, on: bool) {
        self.signals.off = !on;
    }

    /// True if `conv` is small enough for receipts.
    fn receipts_here(&self, conv: &Conv) -> bool {
        !self.signals.off && self.others(conv).len() <= MAX_RECEIPT_GROUP
    }

    /// The other members of `conv` (lowercased names).
    fn others(&self, conv: &Conv) -> Vec<String> {
        let me = self.me.as_deref().map(name_key).unwrap_or_default();
        let all: Vec<String> = match conv {
            Conv::Lobby {} => self.users.iter().map(|u| name_key(&u.name)).collect(),
            Conv::Room { id } => self
                .joined
                .get(id)
                .map(|r| r.members.iter().map(|m| name_key(m)).collect())
                .unwrap_or_default(),
            Conv::Dm { .. } => conv.partner(&me).map(|p| vec![p.to_string()]).unwrap_or_default(),
        };
        all.into_iter().filter(|n| *n != me).collect()
    }

    /// Our message `id` was stored as `seq` in `conv`.
    pub(super) fn own_stored(&mut self, conv: &Conv, seq: Option<u64>, id: Uuid) {
        let Some(seq) = seq else { return };
        let q = self.signals.own.entry(conv.clone()).or_default();
        q.push_back((seq, id, None));
        if q.len() > OWN_TRACKED {
            q.pop_front();
        }
    }

    /// From now on, what arrives counts as read.
    pub fn read_on_arrival(&mut self) {
        self.signals.read_on_arrival = true;
    }

    /// An entry `seq` of `conv` arrived.
    pub(super) fn arrived(&mut self, conv: &Conv, seq: u64) {
        if self.signals.read_on_arrival {
            self.signals.read.insert(conv.clone(), seq);
        }
    }

    /// The user has seen everything in `conv` so far.
    pub fn mark_read(&mut self, conv: &Conv) {
        let upto = self.cursors.get(conv).copied().unwrap_or(0);
        self.signals.read.insert(conv.clone(), upto);
    }

    /// Receipts that are due: one per conversation whose marks moved.
    pub fn take_receipts(&mut self) -> Vec<ClientPacket> {
        let convs: Vec<Conv> = self.cursors.keys().cloned().collect();
        let mut out = vec![];
        for conv in convs {
            if !self.receipts_here(&conv) || !self.ready_for_signals(&conv) {
                continue;
            }
            let delivered = self.cursors.get(&conv).copied().unwrap_or(0);
            let read = self.signals.read.get(&conv).copied().unwrap_or(0).min(delivered);
            if self.signals.told.get(&conv) == Some(&(delivered, read)) {
                continue;
            }
            if let Some(p) = self.seal_signal(&conv, ContentBody::Receipt { delivered, read }) {
                self.signals.told.insert(conv, (delivered, read));
                out.push(p);
            }
        }
        out
    }

    /// True if receipts may be due somewhere (the runner's 2 s timer looks then).
    pub fn receipts_due(&self) -> bool {
        !self.signals.off
            && self.cursors.iter().any(|(c, d)| {
                let read = self.signals.read.get(c).copied().unwrap_or(0).min(*d);
                self.signals.told.get(c) != Some(&(*d, read))
            })
    }

    /// A typing note for `conv` (on: typing; off: stopped).
    pub fn typing(&mut self, conv: &Conv, on: bool) -> Option<ClientPacket> {
        if !self.ready_for_signals(conv) {
            return None;
        }
        self.seal_signal(conv, ContentBody::Typing { on })
    }

    fn ready_for_signals(&self, conv: &Conv) -> bool {
        match conv {
            Conv::Dm { .. } => self.groups.as_ref().is_some_and(|g| g.has(conv)),
            _ => self.ready.contains(conv),
        }
    }

    fn seal_signal(&mut self, conv: &Conv, body: ContentBody) -> Option<ClientPacket> {
        let g = self.groups.as_mut()?;
        let content = Content {
            id: Uuid::new_v4(),
            body,
        };
        let message = g.encrypt(conv, &content).ok()?;
        self.must_save = true;
        Some(ClientPacket::Signal {
            conv: conv.clone(),
            message,
        })
    }

    /// Someone's signal in `conv`: what it says (a receipt or typing), if it opens.
    pub(super) fn on_signal(&mut self, conv: &Conv, message: &[u8]) -> Vec<Event> {
        let Some(g) = self.groups.as_mut() else { return vec![] };
        let Ok(Incoming::Message { from, content, .. }) = g.process(conv, message) else {
            return vec![];
        };
        self.must_save = true;
        match content.body {
            ContentBody::Typing { on } => vec![Event::Typing {
                conv: conv.clone(),
                label: self.conv_label(conv),
                from: from.name,
                on,
            }],
            ContentBody::Receipt { delivered, read } if self.receipts_here(conv) => {
                let who = name_key(&from.name);
                let marks = self
                    .signals
                    .theirs
                    .entry(conv.clone())
                    .or_default()
                    .entry(who)
                    .or_default();
                *marks = (marks.0.max(delivered), marks.1.max(read));
                self.statuses(conv)
            }
            _ => vec![],
        }
    }

    /// Our messages in `conv` whose state moved: delivered to (read by) every other
    /// member.
    fn statuses(&mut self, conv: &Conv) -> Vec<Event> {
        let others = self.others(conv);
        if others.is_empty() {
            return vec![];
        }
        let theirs = self.signals.theirs.get(conv).cloned().unwrap_or_default();
        let least = |pick: fn(&Marks) -> u64| -> u64 {
            others.iter().map(|o| theirs.get(o).map_or(0, pick)).min().unwrap_or(0)
        };
        let (delivered, read) = (least(|m| m.0), least(|m| m.1));
        let mut out = vec![];
        for (seq, id, shown) in self.signals.own.get_mut(conv).into_iter().flatten() {
            let now = if *seq <= read {
                Some(Seen::Read)
            } else if *seq <= delivered {
                Some(Seen::Delivered)
            } else {
                None
            };
            if now > *shown {
                *shown = now;
                if let Some(seen) = now {
                    out.push(Event::Seen { id: *id, seen });
                }
            }
        }
        out
    }
}
