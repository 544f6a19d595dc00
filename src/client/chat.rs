//! The client's state machine: builds request packets (remembering them until the host
//! acknowledges) and turns the host's packets into events.

use super::event::Event;
use crate::protocol::{Packet, RoomInfo, UserInfo, name_key};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use uuid::Uuid;

/// A request sent and not yet acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    Message { room_id: Option<Uuid>, body: String },
    Dm { to: Uuid, name: String, body: String },
    CreateRoom { name: String },
    JoinRoom { room: String, create: bool },
    LeaveRoom { room_id: Uuid },
}

impl Pending {
    fn text(&self) -> Option<String> {
        match self {
            Pending::Message { body, .. } | Pending::Dm { body, .. } => Some(body.clone()),
            _ => None,
        }
    }
}

/// A room we are in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinedRoom {
    pub name: String,
    pub members: Vec<UserInfo>,
}

/// What one member knows about the host it is connected to.
#[derive(Debug, Default)]
pub struct ChatState {
    pub me: Option<UserInfo>,
    pub users: Vec<UserInfo>,
    pub rooms: Vec<RoomInfo>,
    pub joined: BTreeMap<Uuid, JoinedRoom>,
    pending: HashMap<Uuid, Pending>,
    /// Send order of pending requests, so resends keep it.
    order: Vec<Uuid>,
    /// Ids of messages already shown: a resend after a host restart is not shown twice.
    seen: HashSet<Uuid>,
    seen_order: VecDeque<Uuid>,
}

impl ChatState {
    fn track(&mut self, p: Pending) -> Uuid {
        let id = Uuid::new_v4();
        self.pending.insert(id, p);
        self.order.push(id);
        id
    }

    /// Joins `room`, creating it if it does not exist.
    pub fn join_or_create(&mut self, room: String) -> Packet {
        let p = Pending::JoinRoom { room, create: true };
        let id = self.track(p.clone());
        Self::packet_for(id, &p)
    }

    /// After a reconnect: packets that rejoin `rooms` (creating them if the host lost
    /// them), then every request still unacknowledged, in the order it was made.
    pub fn resume(&mut self, rooms: Vec<String>) -> Vec<Packet> {
        let mut out: Vec<Packet> = self.pending().map(|(id, p)| Self::packet_for(id, p)).collect();
        let rejoin: Vec<Packet> = rooms.into_iter().map(|r| self.join_or_create(r)).collect();
        out.splice(0..0, rejoin);
        out
    }

    /// True the first time a message id is seen (bounded memory of recent ids).
    fn first_sight(&mut self, id: Uuid) -> bool {
        if !self.seen.insert(id) {
            return false;
        }
        self.seen_order.push_back(id);
        if self.seen_order.len() > crate::host::DEDUP_WINDOW
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

    fn settle(&mut self, id: Uuid) -> Option<Pending> {
        let p = self.pending.remove(&id)?;
        self.order.retain(|i| *i != id);
        Some(p)
    }

    /// The packet for a request (new or resent with its original id).
    pub fn packet_for(id: Uuid, p: &Pending) -> Packet {
        match p {
            Pending::Message { room_id, body } => Packet::Message {
                id,
                from_id: Uuid::nil(),
                from_username: String::new(),
                body: body.clone(),
                room_id: *room_id,
            },
            Pending::Dm { to, body, .. } => Packet::Route {
                id,
                to: *to,
                body: body.clone(),
            },
            Pending::CreateRoom { name } => Packet::RoomCreate { id, name: name.clone() },
            Pending::JoinRoom { room, create } => Packet::RoomJoin {
                id,
                room: room.clone(),
                create: *create,
            },
            Pending::LeaveRoom { room_id } => Packet::RoomLeave { id, room_id: *room_id },
        }
    }

    pub fn message(&mut self, room_id: Option<Uuid>, body: String) -> Packet {
        let p = Pending::Message { room_id, body };
        let id = self.track(p.clone());
        Self::packet_for(id, &p)
    }

    /// A DM to the member named `to` (any case); None if nobody has that name.
    pub fn dm(&mut self, to: &str, body: String) -> Option<Packet> {
        let user = self.find_user(to)?.clone();
        let p = Pending::Dm {
            to: user.id,
            name: user.name,
            body,
        };
        let id = self.track(p.clone());
        Some(Self::packet_for(id, &p))
    }

    pub fn create_room(&mut self, name: String) -> Packet {
        let p = Pending::CreateRoom { name };
        let id = self.track(p.clone());
        Self::packet_for(id, &p)
    }

    pub fn join_room(&mut self, room: String) -> Packet {
        let p = Pending::JoinRoom { room, create: false };
        let id = self.track(p.clone());
        Self::packet_for(id, &p)
    }

    pub fn leave_room(&mut self, room_id: Uuid) -> Packet {
        let p = Pending::LeaveRoom { room_id };
        let id = self.track(p.clone());
        Self::packet_for(id, &p)
    }

    pub fn find_user(&self, name: &str) -> Option<&UserInfo> {
        let k = name_key(name.trim());
        self.users.iter().find(|u| name_key(&u.name) == k)
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

    /// One pending request fails (could not be sent): its event, with the text.
    pub fn fail(&mut self, id: Uuid, reason: &str) -> Option<Event> {
        self.settle(id).map(|p| Event::Failed {
            id,
            reason: reason.to_string(),
            text: p.text(),
        })
    }

    /// Every pending request fails (e.g. the user gave up): one event each, with text.
    pub fn fail_all(&mut self, reason: &str) -> Vec<Event> {
        let ids: Vec<Uuid> = self.order.clone();
        ids.into_iter()
            .filter_map(|id| {
                self.settle(id).map(|p| Event::Failed {
                    id,
                    reason: reason.to_string(),
                    text: p.text(),
                })
            })
            .collect()
    }

    /// Forgets what belonged to the last connection, keeping pending requests and the
    /// ids already seen; returns the names of the rooms we were in (to rejoin).
    pub fn reset_link(&mut self) -> Vec<String> {
        self.me = None;
        self.users.clear();
        self.rooms.clear();
        std::mem::take(&mut self.joined).into_values().map(|r| r.name).collect()
    }

    /// Applies one packet from the host; returns what to show.
    pub fn on_packet(&mut self, p: Packet) -> Vec<Event> {
        match p {
            Packet::Welcome { id, username } => {
                self.me = Some(UserInfo { id, name: username });
                vec![]
            }
            Packet::UserList { users } => {
                self.users = users.clone();
                vec![Event::Users { users }]
            }
            Packet::Message { id, .. } | Packet::Direct { id, .. } if !self.first_sight(id) => vec![],
            Packet::Message {
                id,
                from_id,
                from_username,
                body,
                room_id,
            } => {
                let own = self.me.as_ref().is_some_and(|m| m.id == from_id);
                vec![Event::Message {
                    id,
                    room_id,
                    room_name: self.room_name(room_id),
                    from: UserInfo {
                        id: from_id,
                        name: from_username,
                    },
                    body,
                    own,
                }]
            }
            Packet::Direct {
                id,
                from_id,
                from_username,
                body,
            } => {
                vec![Event::Dm {
                    id,
                    from: UserInfo {
                        id: from_id,
                        name: from_username,
                    },
                    body,
                }]
            }
            Packet::Ack { id } => match self.settle(id) {
                Some(Pending::Dm { name, body, .. }) => {
                    vec![Event::DmSent { id, to: name, body }, Event::Acked { id }]
                }
                Some(_) => vec![Event::Acked { id }],
                None => vec![],
            },
            Packet::Refused { id, reason } => {
                let text = self.settle(id).and_then(|p| p.text());
                vec![Event::Failed { id, reason, text }]
            }
            Packet::Error { message } if self.me.is_none() => {
                vec![Event::RegistrationRefused { reason: message }]
            }
            Packet::Error { message } => vec![Event::Error { message }],
            Packet::System { message } => vec![Event::System { text: message }],
            Packet::Rooms { rooms } => {
                self.rooms = rooms.clone();
                vec![Event::Rooms { rooms }]
            }
            Packet::RoomSync {
                room_id,
                room_name,
                users,
            } => {
                let new = !self.joined.contains_key(&room_id);
                self.joined.insert(
                    room_id,
                    JoinedRoom {
                        name: room_name.clone(),
                        members: users.clone(),
                    },
                );
                if new {
                    vec![Event::RoomJoined {
                        room_id,
                        name: room_name,
                        members: users,
                    }]
                } else {
                    vec![Event::RoomMembers {
                        room_id,
                        members: users,
                    }]
                }
            }
            Packet::RoomLeft { room_id, room_name } => {
                self.joined.remove(&room_id);
                vec![Event::RoomLeft {
                    room_id,
                    name: room_name,
                }]
            }
            // Lobby joins and leaves keep the member list current (the host sends the
            // whole list only once, at registration).
            Packet::Joined {
                user, room_name: None, ..
            } => {
                let name = user.name.clone();
                if !self.users.iter().any(|u| u.id == user.id) {
                    self.users.push(user);
                    self.users.sort_by_key(|u| name_key(&u.name));
                }
                vec![
                    Event::Joined { name, room: None },
                    Event::Users {
                        users: self.users.clone(),
                    },
                ]
            }
            Packet::Left {
                user, room_name: None, ..
            } => {
                self.users.retain(|u| u.id != user.id);
                vec![
                    Event::Left {
                        name: user.name,
                        room: None,
                    },
                    Event::Users {
                        users: self.users.clone(),
                    },
                ]
            }
            Packet::Joined { user, room_name, .. } => vec![Event::Joined {
                name: user.name,
                room: room_name,
            }],
            Packet::Left { user, room_name, .. } => vec![Event::Left {
                name: user.name,
                room: room_name,
            }],
            Packet::Pong { timestamp } => {
                vec![Event::Latency {
                    ms: crate::session::now_ms().saturating_sub(timestamp),
                }]
            }
            // Pings are answered by the service; client-to-host kinds never arrive.
            _ => vec![],
        }
    }
}

#[cfg(test)]
mod tests;
