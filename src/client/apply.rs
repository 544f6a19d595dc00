//! Applying the host's packets to the client state: log entries in order with gap
//! markers, answers to requests, refusals, presence and rooms.

use super::chat::{ChatState, JoinedRoom, Pending};
use super::event::Event;
use crate::protocol::{Conv, EntryBody, HostPacket, UserInfo, name_key};
use uuid::Uuid;

impl ChatState {
    /// Applies one packet from the host; returns what to show. Packets to send in
    /// answer wait in `take_outbox()`.
    pub fn on_packet(&mut self, p: HostPacket) -> Vec<Event> {
        let mut out = self.apply(p);
        out.append(&mut self.ready_events);
        out
    }

    fn apply(&mut self, p: HostPacket) -> Vec<Event> {
        match p {
            p @ HostPacket::Welcome { .. } => self.welcome(p),
            HostPacket::Entry {
                conv,
                seq,
                at,
                from,
                id,
                body,
            } => self.entry(conv, seq, at, from, id, body),
            HostPacket::Missed { conv, after, count } => {
                self.cursors.insert(conv.clone(), after + count);
                self.dirty = true;
                let label = self.conv_label(&conv);
                vec![Event::Missed { conv, label, count }]
            }
            HostPacket::KeyPackage { id, name, package } => self.key_package(id, &name, &package),
            HostPacket::GroupInfo { id, info, .. } => self.group_info_arrived(id, &info),
            HostPacket::Ack { id, seq } => match self.settle_stored(id, seq) {
                Some(Pending::Claim { conv, .. } | Pending::ExternalJoin { conv, .. }) => {
                    self.group_ordered(&conv);
                    self.take_key_changes()
                }
                Some(Pending::Message {
                    room_id,
                    file: Some(offer),
                    ..
                }) => self.own_offer(id, room_id.map_or(Conv::LOBBY, |id| Conv::Room { id }), offer),
                Some(Pending::Dm {
                    conv,
                    file: Some(offer),
                    ..
                }) => self.own_offer(id, conv, offer),
                Some(Pending::Message { room_id, body, .. }) => {
                    let mut out = vec![];
                    if self.first_sight(id) {
                        out.push(Event::Message {
                            id,
                            room_id,
                            room_name: self.room_name(room_id),
                            from: self.me.clone().unwrap_or_default(),
                            body,
                            own: true,
                            at: crate::session::now_ms(),
                        });
                    }
                    out.push(Event::Acked { id });
                    out
                }
                Some(Pending::Dm { name, body, .. }) => {
                    let mut out = vec![];
                    if self.first_sight(id) {
                        let at = crate::session::now_ms();
                        out.push(Event::DmSent { id, to: name, body, at });
                    }
                    out.push(Event::Acked { id });
                    out
                }
                Some(Pending::CreateGroup { conv, .. } | Pending::Commit { conv, .. }) => {
                    if let Some(g) = self.groups.as_mut()
                        && let Err(e) = g.confirm(&conv)
                    {
                        tracing::warn!(%e, "could not apply our new group");
                    }
                    self.must_save = true;
                    self.flush_waiting(&conv);
                    vec![Event::Acked { id }]
                }
                Some(_) => vec![Event::Acked { id }],
                None => vec![],
            },
            HostPacket::Refused { id, reason } if Some(id) == self.register_id => {
                vec![Event::RegistrationRefused { reason }]
            }
            HostPacket::Refused { id, reason } => {
                if reason == crate::host::STALE {
                    let conv = match self.pending.get(&id) {
                        Some(Pending::Dm { conv, .. }) => Some(conv.clone()),
                        Some(Pending::Message { room_id, .. }) => {
                            Some(room_id.map_or(Conv::LOBBY, |id| Conv::Room { id }))
                        }
                        _ => None,
                    };
                    if let Some(conv) = conv {
                        // Encrypted for an epoch that has passed: again after catching up.
                        self.stale.entry(conv).or_default().insert(id);
                        return vec![];
                    }
                }
                match self.settle(id) {
                    Some(Pending::CreateGroup { conv, info, .. }) => self.creation_refused(&conv, &info, &reason),
                    Some(Pending::Commit { conv, .. }) => {
                        // Another commit came first: ours is dropped (keys stay fresh enough).
                        if let Some(g) = self.groups.as_mut() {
                            g.abandon(&conv);
                        }
                        vec![]
                    }
                    Some(Pending::FetchKeyPackage { conv, .. }) => self.fail_waiting(&conv, &reason),
                    Some(
                        p @ (Pending::Claim { .. } | Pending::FetchGroupInfo { .. } | Pending::ExternalJoin { .. }),
                    ) => self.group_refused(p, &reason),
                    p => {
                        if let Some(Pending::JoinRoom { room, rejoin: true, .. }) = &p {
                            self.rejoin.retain(|(name, _)| name_key(name) != name_key(room));
                        }
                        let text = p.and_then(|p| p.text());
                        vec![Event::Failed { id, reason, text }]
                    }
                }
            }
            HostPacket::Error { message } => vec![Event::Error { message }],
            HostPacket::Notice { message } => vec![Event::System { text: message }],
            HostPacket::Presence { name, away } => {
                let k = name_key(&name);
                for u in self.users.iter_mut().filter(|u| name_key(&u.name) == k) {
                    u.away = away;
                }
                vec![
                    Event::Presence { name, away },
                    Event::Users {
                        users: self.users.clone(),
                    },
                ]
            }
            HostPacket::Rooms { rooms } => {
                self.rooms = rooms.clone();
                vec![Event::Rooms { rooms }]
            }
            HostPacket::RoomSync {
                room,
                name,
                members,
                seq,
                group,
            } => {
                self.cursors.insert(Conv::Room { id: room }, seq);
                self.rejoin.retain(|(_, id)| *id != room);
                self.dirty = true;
                self.joined.insert(
                    room,
                    JoinedRoom {
                        name: name.clone(),
                        members: members.clone(),
                    },
                );
                // "Joined" is said once the room's group is ready (`announce`).
                let announced = self.announced.contains(&room);
                self.sync_group(&Conv::Room { id: room }, group);
                if !announced {
                    return vec![];
                }
                // Asked to join a room we are already in (say, resumed into it after a
                // restart): the answer is that we are in, so the user is taken there.
                let asked = self.pending.values().any(|p| {
                    matches!(p, Pending::JoinRoom { room: want, rejoin: false, .. }
                        if want.parse::<Uuid>().ok() == Some(room) || name_key(want) == name_key(&name))
                });
                let mut out = vec![Event::RoomMembers {
                    room_id: room,
                    members: members.clone(),
                }];
                if asked {
                    out.push(Event::RoomJoined {
                        room_id: room,
                        name,
                        members,
                    });
                }
                out
            }
            HostPacket::RoomLeft { room, name } => {
                self.joined.remove(&room);
                self.announced.remove(&room);
                let conv = Conv::Room { id: room };
                self.ready.remove(&conv);
                self.was_ready.remove(&conv);
                self.returning.remove(&conv);
                if let Some(g) = self.groups.as_mut() {
                    g.discard(&conv);
                }
                self.cursors.remove(&Conv::Room { id: room });
                self.dirty = true;
                let mut out = self.fail_waiting(&conv, &format!("you are not a member of {name}"));
                out.push(Event::RoomLeft { room_id: room, name });
                out
            }
            HostPacket::Signal { conv, message, .. } => self.on_signal(&conv, &message),
            // Chunks and their requests are the service's (it reads and writes files).
            HostPacket::FileWanted { .. } | HostPacket::FileChunk { .. } | HostPacket::FileGone { .. } => vec![],
            HostPacket::Pong { timestamp } => vec![Event::Latency {
                ms: crate::session::now_ms().saturating_sub(timestamp),
            }],
            // Pings are answered by the service; parts never reach this far.
            HostPacket::Ping { .. } | HostPacket::Part { .. } => vec![],
        }
    }

    /// Settles request `id`; a message or DM of ours is remembered with its `seq`,
    /// for receipts.
    fn settle_stored(&mut self, id: Uuid, seq: Option<u64>) -> Option<Pending> {
        let p = self.settle(id)?;
        match &p {
            Pending::Message { room_id, .. } => {
                let conv = room_id.map_or(Conv::LOBBY, |id| Conv::Room { id });
                self.own_stored(&conv, seq, id);
            }
            Pending::Dm { conv, .. } => {
                let conv = conv.clone();
                self.own_stored(&conv, seq, id);
            }
            _ => {}
        }
        Some(p)
    }

    /// Our own file offer was stored: it shows like the others see it.
    fn own_offer(&mut self, id: Uuid, conv: Conv, offer: crate::group::FileOffer) -> Vec<Event> {
        let mut out = vec![];
        if self.first_sight(id) {
            out.push(Event::FileOffered {
                id,
                label: self.conv_label(&conv),
                conv,
                from: self.me.clone().unwrap_or_default(),
                own: true,
                offer,
                at: crate::session::now_ms(),
            });
        }
        out.push(Event::Acked { id });
        out
    }

    /// One log entry: in order per conversation, duplicates dropped, a jump shown as a gap.
    fn entry(
        &mut self,
        conv: Conv,
        seq: u64,
        at: u64,
        from: Option<String>,
        id: Option<Uuid>,
        body: EntryBody,
    ) -> Vec<Event> {
        let mut out = vec![];
        if let Some(&cur) = self.cursors.get(&conv) {
            if seq <= cur {
                return out;
            }
            if seq > cur + 1 {
                let label = self.conv_label(&conv);
                out.push(Event::Missed {
                    conv: conv.clone(),
                    label,
                    count: seq - cur - 1,
                });
            }
        }
        self.cursors.insert(conv.clone(), seq);
        self.arrived(&conv, seq);
        self.dirty = true;
        let me = self.me.clone().unwrap_or_default();
        match body {
            EntryBody::Mls { message, committer } => {
                let own = from.as_deref().is_some_and(|f| name_key(f) == name_key(&me));
                if own {
                    // Our own message back: settled by its Ack (it may come first);
                    // a group change of ours is applied here too if it is not yet.
                    let _ = id;
                    self.own_change_ordered(&conv, &message);
                } else {
                    out.extend(self.group_entry(&conv, &message, at, committer.as_deref()));
                }
            }
            EntryBody::Joined { name } => out.extend(self.membership(&conv, name, true)),
            EntryBody::Left { name } => out.extend(self.membership(&conv, name, false)),
        }
        out
    }

    /// Someone joined or left the lobby or a room: lists updated, a line for others.
    fn membership(&mut self, conv: &Conv, name: String, joined: bool) -> Vec<Event> {
        let k = name_key(&name);
        let is_me = self.me.as_deref().is_some_and(|m| name_key(m) == k);
        let mut out = vec![];
        match conv {
            Conv::Lobby {} => {
                self.users.retain(|u| name_key(&u.name) != k);
                if joined {
                    self.users.push(UserInfo {
                        name: name.clone(),
                        away: false,
                    });
                    self.users.sort_by_key(|u| name_key(&u.name));
                }
                if !is_me {
                    out.push(if joined {
                        Event::Joined { name, room: None }
                    } else {
                        Event::Left { name, room: None }
                    });
                }
                out.push(Event::Users {
                    users: self.users.clone(),
                });
            }
            Conv::Room { id } => {
                let room_name = self.room_name(Some(*id));
                if let Some(r) = self.joined.get_mut(id) {
                    r.members.retain(|m| name_key(m) != k);
                    if joined {
                        r.members.push(name.clone());
                        r.members.sort_by_key(|m| name_key(m));
                    }
                    let members = r.members.clone();
                    if !is_me {
                        let room = Some(room_name);
                        out.push(if joined {
                            Event::Joined { name, room }
                        } else {
                            Event::Left { name, room }
                        });
                    }
                    out.push(Event::RoomMembers { room_id: *id, members });
                }
            }
            Conv::Dm { .. } => {}
        }
        out
    }
}
