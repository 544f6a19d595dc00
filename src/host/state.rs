//! The room's state and routing: members, names bound to Noise keys, rooms. All
//! delivery is `try_send` into bounded per-member queues; a full queue kicks its reader.

use super::rooms::Rooms;
use crate::protocol::limits::{MAX_MEMBERS, OUTBOUND_QUEUE};
use crate::protocol::{Packet, UserInfo, name_key, validate_username};
use std::collections::{HashMap, HashSet, VecDeque};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// Message ids remembered per name, to drop duplicates resent after a reconnect.
pub const DEDUP_WINDOW: usize = 1024;

/// One registered member.
pub(crate) struct Member {
    pub name: String,
    pub tx: mpsc::Sender<Packet>,
    /// Fired (with a reason) to disconnect this member, e.g. when it reads too slowly.
    pub kick: Option<oneshot::Sender<String>>,
}

/// What a name remembers for the life of the host: its key and recent message ids.
#[derive(Default)]
struct Binding {
    key: [u8; 32],
    seen: HashSet<Uuid>,
    order: VecDeque<Uuid>,
}

impl Binding {
    /// Records `id`; false if it was already seen (a duplicate).
    fn first_time(&mut self, id: Uuid) -> bool {
        if !self.seen.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > DEDUP_WINDOW
            && let Some(old) = self.order.pop_front()
        {
            self.seen.remove(&old);
        }
        true
    }
}

/// Everything the host knows. Guarded by one std mutex, never held across `.await`.
#[derive(Default)]
pub(crate) struct State {
    pub members: HashMap<Uuid, Member>,
    /// Lowercased name -> member id, for members connected now.
    by_name: HashMap<String, Uuid>,
    /// Lowercased name -> key (and dedup window), for the life of the host.
    bindings: HashMap<String, Binding>,
    pub rooms: Rooms,
}

/// Why a registration was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RegisterError {
    #[error("invalid name: {0}")]
    Invalid(String),
    #[error("the name '{0}' is taken")]
    Taken(String),
    #[error("the host is full ({MAX_MEMBERS} members)")]
    Full,
}

impl State {
    /// Registers a member. A name already bound to this key replaces the lingering
    /// session; bound to another key, it is taken.
    pub fn register(
        &mut self,
        name: &str,
        key: [u8; 32],
        tx: mpsc::Sender<Packet>,
        kick: oneshot::Sender<String>,
    ) -> Result<Uuid, RegisterError> {
        validate_username(name).map_err(|e| RegisterError::Invalid(e.to_string()))?;
        let k = name_key(name);
        if let Some(b) = self.bindings.get(&k)
            && b.key != key
        {
            return Err(RegisterError::Taken(name.to_string()));
        }
        if let Some(&old) = self.by_name.get(&k) {
            self.kick(old, "replaced by a new connection with the same name and key");
        }
        if self.members.len() >= MAX_MEMBERS {
            return Err(RegisterError::Full);
        }
        let id = Uuid::new_v4();
        self.bindings.entry(k.clone()).or_insert_with(|| Binding {
            key,
            ..Binding::default()
        });
        self.by_name.insert(k, id);
        self.members.insert(
            id,
            Member {
                name: name.to_string(),
                tx,
                kick: Some(kick),
            },
        );
        let user = self.user(id);
        self.send(
            id,
            Packet::Welcome {
                id,
                username: name.to_string(),
            },
        );
        if let Some(user) = user {
            self.broadcast_except(
                id,
                &Packet::Joined {
                    user,
                    room_id: None,
                    room_name: None,
                },
            );
        }
        // The newcomer gets the whole list; everyone else already has it and gets the
        // `Joined` above: a join costs O(members), not O(members²).
        self.send(id, self.user_list());
        self.send(id, self.rooms.list_packet());
        Ok(id)
    }

    /// Removes a member: out of every room, then everyone is told.
    pub fn remove(&mut self, id: Uuid) {
        let Some(member) = self.members.remove(&id) else {
            return;
        };
        let k = name_key(&member.name);
        if self.by_name.get(&k) == Some(&id) {
            self.by_name.remove(&k);
        }
        let user = UserInfo { id, name: member.name };
        for room_id in self.rooms.rooms_of(id) {
            self.leave_room(id, &user, room_id);
        }
        self.broadcast(&Packet::Left {
            user,
            room_id: None,
            room_name: None,
        });
    }

    /// Disconnects a member with a reason (its connection task does the closing).
    pub fn kick(&mut self, id: Uuid, reason: &str) {
        if let Some(kick) = self.members.get_mut(&id).and_then(|m| m.kick.take()) {
            let _ = kick.send(reason.to_string());
        }
        self.remove(id);
    }

    pub fn user(&self, id: Uuid) -> Option<UserInfo> {
        self.members.get(&id).map(|m| UserInfo {
            id,
            name: m.name.clone(),
        })
    }

    pub fn user_list(&self) -> Packet {
        let mut users: Vec<UserInfo> = self
            .members
            .iter()
            .map(|(id, m)| UserInfo {
                id: *id,
                name: m.name.clone(),
            })
            .collect();
        users.sort_by_key(|a| name_key(&a.name));
        Packet::UserList { users }
    }

    /// True the first time this member's name sends `id` (duplicates are dropped).
    pub fn first_time(&mut self, member: Uuid, id: Uuid) -> bool {
        let Some(m) = self.members.get(&member) else {
            return false;
        };
        match self.bindings.get_mut(&name_key(&m.name)) {
            Some(b) => b.first_time(id),
            None => true,
        }
    }

    /// Queues `p` for member `id`. A full queue means the member reads too slowly:
    /// it is disconnected, and the host never buffers more for it.
    pub fn send(&mut self, id: Uuid, p: Packet) {
        let full = match self.members.get(&id) {
            Some(m) => matches!(m.tx.try_send(p), Err(mpsc::error::TrySendError::Full(_))),
            None => false,
        };
        if full {
            tracing::info!(%id, "member too slow, disconnecting");
            self.kick(
                id,
                &format!("disconnected: you did not read your messages (more than {OUTBOUND_QUEUE} waiting)"),
            );
        }
    }

    pub fn broadcast(&mut self, p: &Packet) {
        let ids: Vec<Uuid> = self.members.keys().copied().collect();
        self.send_all(&ids, p);
    }

    pub fn broadcast_except(&mut self, except: Uuid, p: &Packet) {
        let ids: Vec<Uuid> = self.members.keys().copied().filter(|i| *i != except).collect();
        self.send_all(&ids, p);
    }

    pub fn send_all(&mut self, ids: &[Uuid], p: &Packet) {
        for id in ids {
            self.send(*id, p.clone());
        }
    }

    /// Takes `member` out of `room_id`, telling it and the room; removes an empty room.
    pub fn leave_room(&mut self, member: Uuid, user: &UserInfo, room_id: Uuid) -> bool {
        let Some(name) = self.rooms.leave(room_id, member) else {
            return false;
        };
        self.send(
            member,
            Packet::RoomLeft {
                room_id,
                room_name: name.clone(),
            },
        );
        let others = self.rooms.members(room_id);
        self.send_all(
            &others,
            &Packet::Left {
                user: user.clone(),
                room_id: Some(room_id),
                room_name: Some(name),
            },
        );
        self.sync_room(room_id);
        self.broadcast(&self.rooms.list_packet());
        true
    }

    /// Sends the room's member list to its members.
    pub fn sync_room(&mut self, room_id: Uuid) {
        let Some(name) = self.rooms.name(room_id) else {
            return;
        };
        let ids = self.rooms.members(room_id);
        let users: Vec<UserInfo> = ids.iter().filter_map(|i| self.user(*i)).collect();
        self.send_all(
            &ids,
            &Packet::RoomSync {
                room_id,
                room_name: name,
                users,
            },
        );
    }
}
