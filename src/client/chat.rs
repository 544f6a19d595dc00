//! The client's state machine: builds request packets (remembering them until the host
//! acknowledges) and turns the host's packets into events.

use super::event::Event;
use crate::protocol::{Packet, RoomInfo, UserInfo, name_key};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// A request sent and not yet acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    Message { room_id: Option<Uuid>, body: String },
    Dm { to: Uuid, name: String, body: String },
    CreateRoom { name: String },
    JoinRoom { room: String },
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
}

impl ChatState {
    fn track(&mut self, p: Pending) -> Uuid {
        let id = Uuid::new_v4();
        self.pending.insert(id, p);
        self.order.push(id);
        id
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
            Pending::JoinRoom { room } => Packet::RoomJoin { id, room: room.clone() },
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
        let p = Pending::JoinRoom { room };
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

    /// Forgets what belonged to the last connection, keeping pending requests.
    pub fn reset_link(&mut self) {
        self.me = None;
        self.users.clear();
        self.rooms.clear();
        self.joined.clear();
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
mod tests {
    use super::*;

    #[test]
    fn ack_settles_and_refusal_returns_the_text() {
        let mut c = ChatState::default();
        let Packet::Message { id, .. } = c.message(None, "hi".into()) else {
            panic!()
        };
        assert_eq!(c.pending_count(), 1);
        assert_eq!(c.on_packet(Packet::Ack { id }), vec![Event::Acked { id }]);
        assert_eq!(c.pending_count(), 0);
        let Packet::Message { id, .. } = c.message(None, "too much".into()) else {
            panic!()
        };
        let ev = c.on_packet(Packet::Refused {
            id,
            reason: "slow down".into(),
        });
        assert_eq!(
            ev,
            vec![Event::Failed {
                id,
                reason: "slow down".into(),
                text: Some("too much".into())
            }]
        );
        // A duplicate ack (after a resend) shows nothing.
        assert!(c.on_packet(Packet::Ack { id }).is_empty());
    }

    #[test]
    fn dm_by_name_and_error_before_welcome_is_a_refusal() {
        let mut c = ChatState::default();
        let bob = UserInfo {
            id: Uuid::new_v4(),
            name: "Bob".into(),
        };
        assert!(matches!(
            c.on_packet(Packet::Error {
                message: "the name 'x' is taken".into()
            })[0],
            Event::RegistrationRefused { .. }
        ));
        c.on_packet(Packet::UserList {
            users: vec![bob.clone()],
        });
        assert!(c.dm("nobody", "x".into()).is_none());
        let Some(Packet::Route { id, to, .. }) = c.dm("bob", "psst".into()) else {
            panic!()
        };
        assert_eq!(to, bob.id);
        let ev = c.on_packet(Packet::Ack { id });
        assert_eq!(
            ev[0],
            Event::DmSent {
                id,
                to: "Bob".into(),
                body: "psst".into()
            }
        );
    }
}
