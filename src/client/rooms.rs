//! The lobby's and rooms' MLS groups on the client: on a welcome or a room sync, use
//! the group we have, tell the host ours (a new conversation, a restarted host), or
//! join the host's by external commit; commit the host's removal proposals; rejoin
//! when we can no longer follow.

use super::chat::{ChatState, Pending};
use super::event::Event;
use crate::group::framing::{Framing, framing};
use crate::protocol::{ClientPacket, Conv, GroupState};
use uuid::Uuid;

/// Tries to join a conversation's group before giving up with an error line.
pub const MAX_JOIN_ATTEMPTS: u32 = 5;

/// Lost races (the host took another member's commit first: many joining at once, as
/// when a group arrives through one invite) that cost as much as one try: they are
/// normal, where a host that keeps refusing is not. Counted in `join_attempts` as
/// tenths of a try.
pub const RACES_PER_ATTEMPT: u32 = 10;

impl ChatState {
    /// The host told us `conv`'s group (None: it knows none).
    pub(super) fn sync_group(&mut self, conv: &Conv, state: Option<GroupState>) {
        let Some(g) = self.groups.as_ref() else { return };
        let (local, epoch) = (g.group_id(conv), g.epoch(conv));
        match state {
            None if local.is_some() => self.claim(conv, false),
            None => self.claim(conv, true),
            Some(h)
                if local.as_deref() == Some(&h.group_id[..]) && epoch.is_some_and(|e| h.base <= e && e <= h.epoch) =>
            {
                // Ours: missed commits, if any, come with the log's replay.
                self.set_ready(conv);
            }
            Some(_) => self.rejoin(conv),
        }
    }

    fn set_ready(&mut self, conv: &Conv) {
        self.ready.insert(conv.clone());
        self.was_ready.insert(conv.clone());
        self.join_attempts.remove(conv);
        self.flush_waiting(conv);
        self.resend_stale(conv);
        self.announce(conv);
    }

    /// The first time a welcome's lobby, or a joined room, has its group: say so.
    fn announce(&mut self, conv: &Conv) {
        match conv {
            Conv::Lobby {} => {
                if let (Some(_), Some(me)) = (self.awaiting_ready.take(), self.me.clone()) {
                    self.ready_events.push(Event::Connected {
                        me,
                        host: String::new(),
                    });
                }
            }
            Conv::Room { id } => {
                if let Some(r) = self.joined.get(id)
                    && self.announced.insert(*id)
                {
                    self.ready_events.push(Event::RoomJoined {
                        room_id: *id,
                        name: r.name.clone(),
                        members: r.members.clone(),
                    });
                }
            }
            Conv::Dm { .. } => {}
        }
    }

    /// A group we cannot join: still say connected (or joined), with the reason.
    fn give_up_joining(&mut self, conv: &Conv, reason: &str) {
        let label = self.conv_label(conv);
        self.ready_events.push(Event::Error {
            message: format!("could not join the encrypted group of {label}: {reason}"),
        });
        self.announce(conv);
    }

    /// Tells the host our group of `conv` (made now if `new`).
    fn claim(&mut self, conv: &Conv, new: bool) {
        let host_key = self.host_key.clone();
        let Some(g) = self.groups.as_mut() else { return };
        let info = if new {
            g.create(conv, &host_key)
        } else {
            g.group_info(conv)
        };
        match info {
            Ok(info) => {
                self.must_save = true;
                self.join_epoch.insert(conv.clone(), g.epoch(conv).unwrap_or(0));
                self.request(Pending::Claim {
                    conv: conv.clone(),
                    info,
                });
            }
            Err(e) => self.give_up_joining(conv, &e.to_string()),
        }
    }

    /// Joins the host's group of `conv` by external commit (first its GroupInfo).
    pub(super) fn rejoin(&mut self, conv: &Conv) {
        // Back into a group we were in: what was said while we rejoin, we cannot read,
        // and that is a gap to show, not something to drop quietly.
        if self.ready.contains(conv)
            || self.was_ready.contains(conv)
            || self.groups.as_ref().is_some_and(|g| g.has(conv))
        {
            self.returning.insert(conv.clone());
        }
        self.ready.remove(conv);
        let busy = self.joining(conv);
        let attempts = self.join_attempts.entry(conv.clone()).or_default();
        if busy {
            return;
        }
        if *attempts >= MAX_JOIN_ATTEMPTS * RACES_PER_ATTEMPT {
            self.give_up_joining(conv, "the host kept refusing");
            return;
        }
        *attempts += RACES_PER_ATTEMPT;
        self.request(Pending::FetchGroupInfo { conv: conv.clone() });
    }

    /// True while our claim of `conv`'s group, or our way into it, waits for the host.
    fn joining(&self, conv: &Conv) -> bool {
        self.pending.values().any(|p| match p {
            Pending::FetchGroupInfo { conv: c }
            | Pending::ExternalJoin { conv: c, .. }
            | Pending::Claim { conv: c, .. } => c == conv,
            _ => false,
        })
    }

    /// Tracks a request of ours and queues its packet.
    pub(super) fn request(&mut self, p: Pending) {
        let id = Uuid::new_v4();
        if let Some(packet) = self.packet_for(id, &p) {
            self.outbox.push(packet);
        }
        self.pending.insert(id, p);
        self.order.push(id);
    }

    /// The host's GroupInfo of `conv` arrived: our external commit into it.
    pub(super) fn group_info_arrived(&mut self, id: Uuid, info: &[u8]) -> Vec<Event> {
        let Some(Pending::FetchGroupInfo { conv }) = self.settle(id) else {
            return vec![];
        };
        let Some(g) = self.groups.as_mut() else { return vec![] };
        match g.external_join(&conv, info) {
            Ok((message, info)) => {
                self.must_save = true;
                self.join_epoch.insert(conv.clone(), g.epoch(&conv).unwrap_or(0));
                self.request(Pending::ExternalJoin { conv, message, info });
                vec![]
            }
            Err(e) => {
                self.give_up_joining(&conv, &e.to_string());
                vec![]
            }
        }
    }

    /// Our claim or external commit was ordered: the group is ready.
    pub(super) fn group_ordered(&mut self, conv: &Conv) {
        self.must_save = true;
        self.set_ready(conv);
        self.check_keys(conv);
    }

    /// Our claim, external commit or key fetch was refused.
    pub(super) fn group_refused(&mut self, p: Pending, reason: &str) -> Vec<Event> {
        match p {
            // Someone else's group came first, or the epoch moved on: join the host's.
            Pending::Claim { conv, .. } | Pending::ExternalJoin { conv, .. } => {
                if let Some(g) = self.groups.as_mut() {
                    g.discard(&conv);
                }
                if reason == crate::host::STALE
                    && let Some(a) = self.join_attempts.get_mut(&conv)
                {
                    // A race lost, not a refusal: it costs a tenth of a try.
                    *a = a.saturating_sub(RACES_PER_ATTEMPT - 1);
                }
                self.rejoin(&conv);
            }
            // No group yet: we make it.
            Pending::FetchGroupInfo { conv } => self.claim(&conv, true),
            _ => {}
        }
        vec![]
    }

    /// The host proposed a removal in `conv`: the named committer commits at once,
    /// the others after a while if nobody did (`commit_due`).
    pub(super) fn proposal(&mut self, conv: &Conv, committer: Option<&str>) {
        let me = self.me.clone().unwrap_or_default();
        if committer.is_some_and(|c| crate::protocol::name_key(c) == crate::protocol::name_key(&me)) {
            self.commit_proposals(conv);
        } else {
            self.proposals.insert(conv.clone());
        }
    }

    /// Conversations with a proposal nobody committed yet.
    pub fn has_proposals(&self) -> bool {
        !self.proposals.is_empty()
    }

    /// Nobody committed the waiting proposals in time: we do.
    pub fn commit_due(&mut self) {
        let convs: Vec<Conv> = std::mem::take(&mut self.proposals).into_iter().collect();
        for c in convs {
            self.commit_proposals(&c);
        }
    }

    fn commit_proposals(&mut self, conv: &Conv) {
        let Some(g) = self.groups.as_mut() else { return };
        match g.commit_proposals(conv) {
            Ok(Some((message, info))) => {
                self.must_save = true;
                self.request(Pending::Commit {
                    conv: conv.clone(),
                    message,
                    info,
                });
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(%e, "could not commit a proposal"),
        }
    }

    /// A commit was applied in `conv` (`removed_me`: we are out of its group).
    pub(super) fn committed(&mut self, conv: &Conv, removed_me: bool) {
        self.proposals.remove(conv);
        if removed_me {
            if let Some(g) = self.groups.as_mut() {
                g.discard(conv);
            }
            self.ready.remove(conv);
            // Still in the conversation (a mistake, or a race): back in by external commit.
            let still = match conv {
                Conv::Lobby {} => true,
                Conv::Room { id } => self.joined.contains_key(id),
                Conv::Dm { .. } => false,
            };
            if still {
                self.rejoin(conv);
            }
            return;
        }
        self.check_keys(conv);
        self.flush_waiting(conv);
        self.resend_stale(conv);
    }

    /// A lobby or room message we could not read: from before we joined (expected,
    /// nothing to show), or we fell out of step (rejoin, and say so).
    pub(super) fn unreadable(&mut self, conv: &Conv, message: &[u8], reason: String) -> Vec<Event> {
        let before_join = match framing(message) {
            Ok(Framing::Message { epoch, .. }) if epoch < self.join_epoch.get(conv).copied().unwrap_or(0) => true,
            // No group yet and our join on its way: the host ordered this before it.
            _ => self.groups.as_ref().is_some_and(|g| g.group_id(conv).is_none()) && self.joining(conv),
        };
        if before_join {
            // From before we (re)joined: a newcomer was not meant to read it; a member
            // coming back missed it.
            if !self.returning.contains(conv) {
                return vec![];
            }
            return vec![Event::Missed {
                label: self.conv_label(conv),
                conv: conv.clone(),
                count: 1,
            }];
        }
        self.rejoin(conv);
        vec![Event::Undecryptable {
            label: self.conv_label(conv),
            conv: conv.clone(),
            reason,
        }]
    }

    /// Sends `ClientPacket`s for a request kind (used by `packet_for`).
    pub(super) fn group_packet(id: Uuid, p: &Pending) -> Option<ClientPacket> {
        use serde_bytes::ByteBuf;
        Some(match p {
            Pending::Claim { conv, info } => ClientPacket::GroupInfo {
                id,
                conv: conv.clone(),
                info: ByteBuf::from(info.clone()),
            },
            Pending::FetchGroupInfo { conv } => ClientPacket::FetchGroupInfo { id, conv: conv.clone() },
            Pending::ExternalJoin { conv, message, info } => ClientPacket::Mls {
                id,
                conv: conv.clone(),
                message: message.clone(),
                group_info: Some(ByteBuf::from(info.clone())),
                replaces: None,
            },
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests;
