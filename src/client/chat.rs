//! The client's state: who we are, who is here, our rooms, requests waiting for the
//! host's answer, and where we stopped reading each conversation (to resume).

use super::event::Event;
use super::memory::Memory;
use crate::group::FileOffer;
use crate::protocol::{ClientPacket, Conv, Cursor, Resume, RoomInfo, UserInfo, name_key};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use uuid::Uuid;

pub use super::pending::Pending;

/// Message ids remembered to drop duplicates (a resend after a host restart).
pub const SEEN_WINDOW: usize = 4096;

/// A room we are in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinedRoom {
    pub name: String,
    pub members: Vec<String>,
}

/// What one member knows about the host it is connected to.
#[derive(Debug, Default)]
pub struct ChatState {
    /// Our registered name, once welcomed.
    pub me: Option<String>,
    /// The name we register with.
    pub(super) name: String,
    pub users: Vec<UserInfo>,
    pub rooms: Vec<RoomInfo>,
    pub joined: BTreeMap<Uuid, JoinedRoom>,
    pub(super) pending: HashMap<Uuid, Pending>,
    /// Send order of pending requests, so resends keep it.
    pub(super) order: Vec<Uuid>,
    /// The id of our `Register`, to tell its refusal apart.
    pub(super) register_id: Option<Uuid>,
    /// Ids of messages already shown: a resend is not shown twice.
    seen: HashSet<Uuid>,
    seen_order: VecDeque<Uuid>,
    /// The host incarnation our cursors belong to.
    pub(super) incarnation: Option<Uuid>,
    /// The last sequence number seen per conversation.
    pub(super) cursors: BTreeMap<Conv, u64>,
    /// Rooms to rejoin once welcomed after a lost link (name, id).
    pub(super) rejoin: Vec<(String, Uuid)>,
    /// Packets to send, produced while applying a packet (drained by the service).
    pub(super) outbox: Vec<ClientPacket>,
    /// Set when cursors or rooms changed since the memory was last taken.
    pub(super) dirty: bool,
    /// Our MLS groups (once welcomed) and the keys they are made with.
    pub(super) groups: Option<crate::group::Groups>,
    pub(super) keys: Option<super::secure::MlsKeys>,
    /// Group state from the memory of an earlier run, restored once welcomed.
    pub(super) saved_groups: Option<Vec<u8>>,
    /// DMs waiting for their conversation's group, in order.
    pub(super) waiting: BTreeMap<Conv, Vec<Uuid>>,
    /// DMs the host called stale, to encrypt again after the next epoch change.
    pub(super) stale: BTreeMap<Conv, std::collections::BTreeSet<Uuid>>,
    /// Secrets were used: save the memory before sending anything.
    pub(super) must_save: bool,
    /// The host's MLS signature key (the external sender of lobby and room groups).
    pub(super) host_key: Vec<u8>,
    /// Lobby and rooms whose group was ready at some point (we were in it).
    pub(super) was_ready: std::collections::BTreeSet<Conv>,
    /// Lobby and rooms we rejoin after being in their group: what we cannot read from
    /// before the rejoin is a gap.
    pub(super) returning: std::collections::BTreeSet<Conv>,
    /// Lobby and rooms whose group is ours and the host's: messages go out at once.
    pub(super) ready: std::collections::BTreeSet<Conv>,
    /// The epoch at which we joined each group (older messages are not for us).
    pub(super) join_epoch: BTreeMap<Conv, u64>,
    /// Attempts to join each group since it was last ready.
    pub(super) join_attempts: BTreeMap<Conv, u32>,
    /// Conversations with a removal proposal nobody has committed yet.
    pub(super) proposals: std::collections::BTreeSet<Conv>,
    /// The keys (Noise, MLS signature) seen under each name on this host.
    pub(super) known_keys: BTreeMap<String, (Vec<u8>, Vec<u8>)>,
    /// Names whose keys changed, to tell.
    pub(super) key_changes: Vec<String>,
    /// Verified names whose keys changed, to tell.
    pub(super) safety_changes: Vec<String>,
    /// Welcomed (resumed or not) and waiting for the lobby's group to say "connected".
    pub(super) awaiting_ready: Option<bool>,
    /// Rooms whose group is ready and whose join was announced.
    pub(super) announced: std::collections::BTreeSet<Uuid>,
    /// Events that readiness produced while applying a packet.
    pub(super) ready_events: Vec<Event>,
    /// Members verified on this host, with the keys they had then.
    pub(super) verified: BTreeMap<String, crate::crypto::MemberKeys>,
    /// Verified members whose keys are no longer the verified ones (told once).
    pub(super) broken: std::collections::BTreeSet<String>,
    /// Receipts and typing.
    pub(super) signals: super::signals::Signals,
    /// The limits the host announced at `Welcome`.
    pub limits: Option<crate::protocol::Limits>,
    /// The invite's join secret, sent at registration.
    pub(super) join_secret: Option<[u8; crate::protocol::invite::JOIN_SECRET_LEN]>,
}

impl ChatState {
    /// A state that continues from remembered cursors (an app restart).
    pub fn from_memory(mem: Memory) -> Self {
        ChatState {
            incarnation: mem.incarnation,
            cursors: mem.cursors.into_iter().map(|c| (c.conv, c.seq)).collect(),
            rejoin: mem.rooms,
            saved_groups: mem.groups.map(|b| b.into_vec()),
            known_keys: mem
                .keys
                .into_iter()
                .map(|(n, noise, sig)| (n, (noise.into_vec(), sig.into_vec())))
                .collect(),
            ..ChatState::default()
        }
    }

    /// What to keep on disk to resume after an app restart.
    pub fn memory(&mut self) -> Memory {
        self.dirty = false;
        let mut rooms: Vec<(String, Uuid)> = self.joined.iter().map(|(id, r)| (r.name.clone(), *id)).collect();
        rooms.extend(self.rejoin.iter().cloned());
        Memory {
            incarnation: self.incarnation,
            cursors: self.cursor_list(),
            rooms,
            groups: self
                .groups
                .as_ref()
                .map(|g| serde_bytes::ByteBuf::from(g.snapshot()))
                .or_else(|| self.saved_groups.clone().map(serde_bytes::ByteBuf::from)),
            keys: self
                .known_keys
                .iter()
                .map(|(n, (noise, sig))| {
                    (
                        n.clone(),
                        serde_bytes::ByteBuf::from(noise.clone()),
                        serde_bytes::ByteBuf::from(sig.clone()),
                    )
                })
                .collect(),
        }
    }

    /// True if the memory changed since `memory()` was last taken.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    fn cursor_list(&self) -> Vec<Cursor> {
        self.cursors
            .iter()
            .map(|(conv, seq)| Cursor {
                conv: conv.clone(),
                seq: *seq,
            })
            .collect()
    }

    /// The registration packet, with what we need to resume if we were here before.
    pub fn register(&mut self, name: String) -> ClientPacket {
        let id = Uuid::new_v4();
        self.register_id = Some(id);
        self.name = name.clone();
        let resume = self.incarnation.map(|incarnation| Resume {
            incarnation,
            cursors: self.cursor_list(),
        });
        let secret = self.join_secret.map(|s| serde_bytes::ByteBuf::from(s.to_vec()));
        ClientPacket::Register {
            id,
            name,
            resume,
            secret,
        }
    }

    /// The join secret from the invite we connect with (an invite-only host wants it).
    pub fn set_join_secret(&mut self, secret: Option<[u8; crate::protocol::invite::JOIN_SECRET_LEN]>) {
        self.join_secret = secret;
    }

    fn track(&mut self, p: Pending) -> ClientPacket {
        let id = Uuid::new_v4();
        let packet = self.packet_for(id, &p).unwrap_or(ClientPacket::RoomList { id });
        self.pending.insert(id, p);
        self.order.push(id);
        packet
    }

    /// True the first time a message id is seen (bounded memory of recent ids).
    pub(super) fn first_sight(&mut self, id: Uuid) -> bool {
        if !self.seen.insert(id) {
            return false;
        }
        self.seen_order.push_back(id);
        if self.seen_order.len() > SEEN_WINDOW
            && let Some(old) = self.seen_order.pop_front()
        {
            self.seen.remove(&old);
        }
        true
    }

    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }

    /// Pending requests in the order they were made.
    pub fn pending(&self) -> impl Iterator<Item = (Uuid, &Pending)> {
        self.order
            .iter()
            .filter_map(|id| self.pending.get(id).map(|p| (*id, p)))
    }

    pub(super) fn settle(&mut self, id: Uuid) -> Option<Pending> {
        let p = self.pending.remove(&id)?;
        self.order.retain(|i| *i != id);
        Some(p)
    }

    /// After a welcome: the packets of unanswered requests to send again, in order.
    /// A lobby or room message whose group is not ready is not sent with its old
    /// encryption: it waits for the group (`flush_waiting`), keeping its place.
    pub(super) fn resend_after_welcome(&mut self) -> Vec<ClientPacket> {
        let mut out = vec![];
        let ids: Vec<Uuid> = self.order.clone();
        for id in ids {
            let Some(p) = self.pending.get(&id) else { continue };
            if let Pending::Message { room_id, .. } = p {
                let conv = room_id.map_or(Conv::LOBBY, |id| Conv::Room { id });
                if !self.ready.contains(&conv) {
                    let w = self.waiting.entry(conv).or_default();
                    if !w.contains(&id) {
                        w.push(id);
                    }
                    continue;
                }
            }
            out.extend(self.packet_for(id, p));
        }
        out
    }

    /// A lobby (None) or room message: its id and the packets to send now (none while
    /// its conversation's group is not ready: it waits, and goes out once it is).
    pub fn message(&mut self, room_id: Option<Uuid>, body: String) -> (Uuid, Vec<ClientPacket>) {
        self.post(room_id, body, None)
    }

    /// A file offer to the lobby (None) or a room, like `message`.
    pub fn offer(&mut self, room_id: Option<Uuid>, offer: FileOffer) -> (Uuid, Vec<ClientPacket>) {
        let body = offer.name.clone();
        self.post(room_id, body, Some(offer))
    }

    fn post(&mut self, room_id: Option<Uuid>, body: String, file: Option<FileOffer>) -> (Uuid, Vec<ClientPacket>) {
        let conv = room_id.map_or(Conv::LOBBY, |id| Conv::Room { id });
        let id = Uuid::new_v4();
        self.pending.insert(
            id,
            Pending::Message {
                room_id,
                body,
                message: None,
                file,
            },
        );
        self.order.push(id);
        let ready = self.ready.contains(&conv) && !self.groups.as_ref().is_some_and(|g| g.has_proposal(&conv));
        match ready.then(|| self.seal(id)).flatten() {
            Some(p) => (id, vec![p]),
            None => {
                self.waiting.entry(conv).or_default().push(id);
                (id, vec![])
            }
        }
    }

    pub fn create_room(&mut self, name: String) -> ClientPacket {
        self.track(Pending::CreateRoom { name })
    }

    pub fn join_room(&mut self, room: String) -> ClientPacket {
        self.track(Pending::JoinRoom {
            room,
            create: false,
            since: None,
            rejoin: false,
        })
    }

    /// Joins `room`, creating it if it does not exist.
    pub fn join_or_create(&mut self, room: String) -> ClientPacket {
        self.track(Pending::JoinRoom {
            room,
            create: true,
            since: None,
            rejoin: false,
        })
    }

    pub fn leave_room(&mut self, room_id: Uuid) -> ClientPacket {
        self.track(Pending::LeaveRoom { room_id })
    }

    pub fn find_user(&self, name: &str) -> Option<&UserInfo> {
        let k = name_key(name.trim());
        self.users.iter().find(|u| name_key(&u.name) == k)
    }

    /// How a member's name is shown (its registered case if we know it).
    pub fn display(&self, key: &str) -> String {
        self.find_user(key).map_or_else(|| key.to_string(), |u| u.name.clone())
    }

    /// True for the lobby (None) and for rooms we are in (or rejoin after a drop).
    pub fn in_room(&self, room_id: Option<Uuid>) -> bool {
        room_id.is_none_or(|id| self.joined.contains_key(&id) || self.rejoin.iter().any(|(_, r)| *r == id))
    }

    pub fn room_name(&self, room_id: Option<Uuid>) -> String {
        match room_id {
            None => "lobby".into(),
            Some(id) => self
                .joined
                .get(&id)
                .map(|r| r.name.clone())
                .or_else(|| self.rooms.iter().find(|r| r.id == id).map(|r| r.name.clone()))
                .unwrap_or_else(|| id.to_string()),
        }
    }

    /// How a conversation is named in gap markers: "lobby", a room, or the DM partner.
    pub fn conv_label(&self, conv: &Conv) -> String {
        match conv {
            Conv::Lobby {} => "lobby".into(),
            Conv::Room { id } => self.room_name(Some(*id)),
            Conv::Dm { .. } => {
                let me = self.me.clone().unwrap_or_default();
                self.display(conv.partner(&me).unwrap_or_default())
            }
        }
    }

    /// One pending request fails (could not be sent): its event, with the text.
    pub fn fail(&mut self, id: Uuid, reason: &str) -> Option<Event> {
        self.settle(id).filter(|p| !p.is_internal()).map(|p| Event::Failed {
            id,
            reason: reason.to_string(),
            text: p.text(),
        })
    }

    /// Every pending request fails (e.g. the user gave up): one event each, with text.
    pub fn fail_all(&mut self, reason: &str) -> Vec<Event> {
        let ids: Vec<Uuid> = self.order.clone();
        ids.into_iter().filter_map(|id| self.fail(id, reason)).collect()
    }

    /// Forgets what belonged to the last connection, keeping pending requests, cursors
    /// and the ids already seen; the rooms we were in are rejoined once welcomed.
    pub fn reset_link(&mut self) {
        self.me = None;
        self.users.clear();
        self.rooms.clear();
        let rooms = std::mem::take(&mut self.joined);
        for (id, r) in rooms {
            if !self.rejoin.iter().any(|(_, known)| *known == id) {
                self.rejoin.push((r.name, id));
            }
        }
        self.outbox.clear();
        self.announced.clear();
    }

    /// Queues a packet to send with the others (after the memory is saved).
    pub fn queue(&mut self, p: ClientPacket) {
        self.outbox.push(p);
    }

    /// Packets produced while applying the last packets, to send now.
    pub fn take_outbox(&mut self) -> Vec<ClientPacket> {
        std::mem::take(&mut self.outbox)
    }
}

#[cfg(test)]
mod tests;
