//! The host's state: members by name, rooms, conversation logs. Appending to a log
//! wakes the members of that conversation, whose writers pull what they have not had;
//! other packets go straight into a member's bounded queue. One std mutex guards it.

use super::log::Logs;
use super::member::{Member, MemberLink, Out};
use super::options::HostOptions;
use super::rooms::Rooms;
use crate::protocol::limits::OUTBOUND_QUEUE;
use crate::protocol::{Conv, EntryBody, Frames, HostPacket, UserInfo, to_frames};
use crate::transport::ws::CLOSE_POLICY;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{Notify, mpsc};
use tokio::time::Instant;
use uuid::Uuid;

/// Everything the host knows. Guarded by one std mutex, never held across `.await`.
pub(crate) struct State {
    /// Members by lowercased name (online and away).
    pub members: HashMap<String, Member>,
    pub rooms: Rooms,
    pub logs: Logs,
    /// Chosen at start: tells a returning client whether its cursors still mean anything.
    pub incarnation: Uuid,
    /// When this incarnation started, ms since the epoch.
    pub started_at: u64,
    pub opts: HostOptions,
    /// Wakes the presence task when a member goes away (a new deadline).
    pub timers: Arc<Notify>,
    /// Each conversation's MLS group as the Delivery Service orders it.
    pub groups: HashMap<Conv, super::ds::GroupRecord>,
    /// The host's MLS signature key (private): signs removal proposals.
    pub host_signature: Vec<u8>,
    /// Its public half, named as external sender in every lobby and room group.
    pub host_key: Vec<u8>,
    /// Per lobby or room, the members who left it during this incarnation (their
    /// leaves are removed from its group at once; others get the restart's grace).
    pub departed: HashMap<Conv, std::collections::HashSet<String>>,
    /// When this incarnation started (names not back within the grace may be removed
    /// from groups).
    pub started: Instant,
    /// The one sweep of groups after a restart's grace period was done.
    pub swept: bool,
    /// Files being relayed (chunks are never logged).
    pub transfers: super::transfers::Transfers,
    /// Members in a lobby or room whose `Joined` waits until they are in its group.
    pub pending_joins: HashMap<Conv, std::collections::HashSet<String>>,
}

/// Encodes a host packet; our own packets always fit (a failure is logged and dropped).
pub(crate) fn encode(p: &HostPacket) -> Option<Frames> {
    match to_frames(p) {
        Ok(f) => Some(f),
        Err(e) => {
            tracing::error!(%e, "host packet too large, not sent");
            None
        }
    }
}

impl State {
    pub fn new(opts: HostOptions, host_signature: Vec<u8>) -> Self {
        let host_key = crate::group::signature_public(&host_signature).unwrap_or_default();
        State {
            members: HashMap::new(),
            rooms: Rooms::default(),
            logs: Logs::new(opts.log_entries, opts.log_bytes),
            incarnation: Uuid::new_v4(),
            started_at: crate::session::now_ms(),
            opts,
            timers: Arc::new(Notify::new()),
            groups: HashMap::new(),
            host_signature,
            host_key,
            departed: HashMap::new(),
            started: Instant::now(),
            swept: false,
            pending_joins: HashMap::new(),
            transfers: Default::default(),
        }
    }

    /// Queues a packet for member `key` (dropped while it is away). A full queue means
    /// it reads too slowly: its link is closed and it becomes away.
    pub fn send(&mut self, key: &str, p: &HostPacket) {
        if let Some(f) = encode(p) {
            self.send_frames(key, f);
        }
    }

    pub fn send_frames(&mut self, key: &str, frames: Frames) {
        let full = match self.members.get(key).and_then(|m| m.link.as_ref()) {
            Some(l) => matches!(
                l.out.try_send(Out::Frames(frames)),
                Err(mpsc::error::TrySendError::Full(_))
            ),
            None => false,
        };
        if full {
            tracing::info!(member = key, "member too slow, closing its link");
            self.kick(
                key,
                &format!("disconnected: you did not read your messages (more than {OUTBOUND_QUEUE} waiting)"),
            );
        }
    }

    /// Sends one packet to every member with a link, encoded once.
    pub fn broadcast(&mut self, p: &HostPacket) {
        let Some(f) = encode(p) else { return };
        let keys: Vec<String> = self.members.keys().cloned().collect();
        for k in keys {
            self.send_frames(&k, f.clone());
        }
    }

    /// Closes a member's link with a reason; the member becomes away (it may resume).
    pub fn kick(&mut self, key: &str, reason: &str) {
        let Some(m) = self.members.get_mut(key) else { return };
        if let Some(link) = m.link.take() {
            close_link(&link, CLOSE_POLICY, reason);
            m.away = Some(super::member::Away {
                since: Instant::now(),
                announced: false,
            });
            self.timers.notify_one();
        }
    }

    /// The member keys of a conversation (a DM's members that are still here).
    pub fn conv_members(&self, conv: &Conv) -> Vec<String> {
        match conv {
            Conv::Lobby {} => self.members.keys().cloned().collect(),
            Conv::Room { id } => self.rooms.members(*id),
            Conv::Dm { names } => names
                .iter()
                .filter(|n| self.members.contains_key(*n))
                .cloned()
                .collect(),
        }
    }

    /// Appends an entry to a conversation's log and wakes its members. Returns its seq.
    pub fn append(&mut self, conv: &Conv, from: Option<&str>, id: Option<Uuid>, body: EntryBody) -> u64 {
        let at = crate::session::now_ms();
        let from = from.map(str::to_string);
        let seq = self.logs.append(conv, |seq| {
            let p = HostPacket::Entry {
                conv: conv.clone(),
                seq,
                at,
                from,
                id,
                body,
            };
            encode(&p).unwrap_or(Frames::One(Default::default()))
        });
        self.wake_conv(conv);
        seq
    }

    /// Wakes the writers of everyone in `conv`, without copying its member list (this
    /// runs once per message).
    fn wake_conv(&self, conv: &Conv) {
        let wake = |k: &String| {
            if let Some(m) = self.members.get(k) {
                m.wake();
            }
        };
        match conv {
            Conv::Lobby {} => self.members.values().for_each(Member::wake),
            Conv::Room { id } => self.rooms.member_keys(*id).for_each(wake),
            Conv::Dm { names } => names.iter().for_each(wake),
        }
    }

    /// Up to `budget` frames of log entries member `key` has not been handed yet, in
    /// the order they were appended across its conversations, gap markers first;
    /// advances its cursors.
    pub fn pull(&mut self, key: &str, budget: usize) -> Vec<Frames> {
        let State { members, logs, .. } = self;
        let Some(m) = members.get_mut(key) else { return vec![] };
        let mut out = Vec::new();
        // What the logs lost is marked first, and the cursor moves past it.
        for (conv, cursor) in m.cursors.iter_mut() {
            if let Some((count, past)) = logs.gap(conv, *cursor) {
                let missed = HostPacket::Missed {
                    conv: conv.clone(),
                    after: *cursor,
                    count,
                };
                out.extend(encode(&missed));
                *cursor = past;
            }
        }
        // Then the oldest waiting entry of any conversation, one at a time.
        while out.len() < budget {
            let next = m
                .cursors
                .iter_mut()
                .filter_map(|(conv, cursor)| logs.next_after(conv, *cursor).map(|e| (e.order, e, cursor)))
                .min_by_key(|(order, _, _)| *order);
            let Some((_, entry, cursor)) = next else { break };
            out.push(entry.frames.clone());
            *cursor = entry.seq;
        }
        out
    }

    /// The member list as others see it (away = announced as away).
    pub fn users(&self) -> Vec<UserInfo> {
        let mut keys: Vec<&String> = self.members.keys().collect();
        keys.sort();
        keys.into_iter()
            .filter_map(|k| self.members.get(k))
            .map(|m| UserInfo {
                name: m.name.clone(),
                away: m.away.is_some_and(|a| a.announced),
            })
            .collect()
    }

    /// Display name of a member key.
    pub fn display(&self, key: &str) -> String {
        self.members
            .get(key)
            .map_or_else(|| key.to_string(), |m| m.name.clone())
    }
}

/// Asks a link's writer to send an error and close; cancels it if its queue is full.
pub(crate) fn close_link(link: &MemberLink, code: u16, reason: &str) {
    let error = encode(&HostPacket::Error {
        message: reason.to_string(),
    });
    let sent = error.is_some_and(|f| link.out.try_send(Out::Frames(f)).is_ok())
        && link
            .out
            .try_send(Out::Close {
                code,
                reason: reason.to_string(),
            })
            .is_ok();
    if !sent {
        *link.close.lock().unwrap_or_else(|p| p.into_inner()) = Some((code, reason.to_string()));
        link.cancel.cancel();
    }
}
