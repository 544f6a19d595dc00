//! The host's welcome on the client: a resume or a restart (cursors, rooms, groups),
//! then the rooms rejoined and every unanswered request sent again, in order.

use super::chat::{ChatState, Pending};
use super::event::Event;
use crate::protocol::{ClientPacket, Conv, HostPacket, name_key};
use uuid::Uuid;

impl ChatState {
    /// The host's `Welcome`: what it kept of us (or that it restarted), then our groups.
    pub(super) fn welcome(&mut self, p: HostPacket) -> Vec<Event> {
        let HostPacket::Welcome {
            name,
            incarnation,
            started_at,
            resumed,
            users,
            rooms,
            cursors,
            key_packages,
            host_key,
            group,
            limits,
            ..
        } = p
        else {
            return vec![];
        };
        self.limits = Some(limits);
        let mut out = vec![];
        let restarted = self.incarnation.is_some_and(|i| i != incarnation);
        if restarted {
            out.push(Event::HostRestarted { started_at });
            self.cursors.clear();
        }
        self.incarnation = Some(incarnation);
        for c in cursors {
            self.cursors.insert(c.conv, c.seq);
        }
        self.me = Some(name.clone());
        self.users = users.clone();
        self.rooms = rooms.clone();
        self.dirty = true;
        out.push(Event::Users { users });
        out.push(Event::Rooms { rooms });
        self.host_key = host_key;
        if restarted || !resumed {
            self.ready.clear();
        }
        if restarted {
            // A room rejoin still unanswered asks from the start of the new logs
            // (its old cursor belongs to the logs the restart lost).
            for p in self.pending.values_mut() {
                if let Pending::JoinRoom {
                    since, rejoin: true, ..
                } = p
                {
                    *since = Some(0);
                }
            }
        }
        // What waited for an answer goes again, after what this welcome starts;
        // lobby and room messages whose group is not ready wait for it, in the
        // order they were typed.
        if !resumed {
            self.drop_key_package_uploads();
        }
        let resend = self.resend_after_welcome();
        self.awaiting_ready = Some(resumed);
        self.start_groups(&name, key_packages, resumed);
        self.sync_group(&Conv::LOBBY, group);
        self.after_welcome(resend, resumed, restarted);
        out
    }

    /// Once welcomed: rooms rejoined (from where we stopped, or from the start of the
    /// new logs after a host restart), then every unanswered request again, in order.
    /// A room stays in `rejoin` until its `RoomSync` (or a refusal): what the user types
    /// to it meanwhile waits for its group instead of being refused.
    fn after_welcome(&mut self, resend: Vec<ClientPacket>, resumed: bool, restarted: bool) {
        if resumed {
            // The host kept our rooms: their syncs are on the way.
            self.rejoin.clear();
        } else {
            let asked = |p: &Pending, name: &str| matches!(p, Pending::JoinRoom { room, rejoin: true, .. } if name_key(room) == name_key(name));
            let rooms: Vec<(String, Uuid)> = self
                .rejoin
                .iter()
                .filter(|(name, _)| !self.pending.values().any(|p| asked(p, name)))
                .cloned()
                .collect();
            for (name, id) in rooms {
                let since = if restarted {
                    Some(0)
                } else {
                    self.cursors.get(&Conv::Room { id }).copied()
                };
                let p = self.track_join(name, since);
                self.outbox.push(p);
            }
        }
        self.outbox.extend(resend);
    }

    fn track_join(&mut self, room: String, since: Option<u64>) -> ClientPacket {
        let id = Uuid::new_v4();
        let p = Pending::JoinRoom {
            room,
            create: true,
            since,
            rejoin: true,
        };
        let packet = self.packet_for(id, &p).unwrap_or(ClientPacket::RoomList { id });
        self.pending.insert(id, p);
        self.order.push(id);
        packet
    }
}
