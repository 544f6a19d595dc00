//! A member's life on the host: registering (new, or resuming a session), going away
//! when its link drops, coming back, and leaving (clean quit, grace expiry).

use super::member::{Away, Member, MemberLink, Out};
use super::state::{State, close_link};
use crate::protocol::limits::{AWAY_NOTICE_DELAY, MAX_BODY_LEN, MAX_PACKET_LEN};
use crate::protocol::{Conv, Cursor, HostPacket, Limits, Resume, name_key, validate_username};
use crate::transport::ws::CLOSE_POLICY;
use tokio::time::Instant;
use uuid::Uuid;

impl State {
    /// True if a registration with this join secret may enter (any, on an open host).
    pub fn admits(&self, secret: Option<&[u8]>) -> bool {
        match &self.opts.join_secret {
            None => true,
            Some(want) => secret.is_some_and(|s| {
                // Compared by digest, so the time taken says nothing about the secret.
                crate::crypto::sha256(s) == crate::crypto::sha256(want)
            }),
        }
    }

    /// Registers `name` for a new link with Noise key `key`, or gives an earlier session
    /// of the same name and key this link. Returns the member key, or why not.
    pub fn register(
        &mut self,
        link: MemberLink,
        key: [u8; 32],
        id: Uuid,
        name: &str,
        resume: Option<Resume>,
    ) -> Result<String, String> {
        validate_username(name).map_err(|e| format!("invalid name: {e}"))?;
        let k = name_key(name);
        let same_incarnation = resume.as_ref().is_some_and(|r| r.incarnation == self.incarnation);
        let resumed = match self.members.get_mut(&k) {
            Some(m) if m.key != key => return Err(format!("the name '{name}' is taken")),
            Some(m) => {
                if let Some(old) = m.link.replace(link) {
                    close_link(
                        &old,
                        CLOSE_POLICY,
                        "replaced by a new connection with the same name and key",
                    );
                }
                let announced = m.away.take().is_some_and(|a| a.announced);
                if let Some(r) = resume.filter(|_| same_incarnation) {
                    for c in r.cursors {
                        if let Some(cur) = m.cursors.get_mut(&c.conv) {
                            *cur = c.seq.min(self.logs.head(&c.conv));
                        }
                    }
                }
                if announced {
                    let name = m.name.clone();
                    self.broadcast(&HostPacket::Presence { name, away: false });
                }
                true
            }
            None => {
                if self.members.len() >= self.opts.max_members {
                    return Err(format!("the host is full ({} members)", self.opts.max_members));
                }
                let look = crate::protocol::LookAlike::of(name);
                if let Some(other) = self.members.values().find(|m| m.look.like(&look)) {
                    return Err(format!(
                        "the name '{name}' looks too much like '{}', who is here: choose another",
                        other.name
                    ));
                }
                let head = self.logs.head(&Conv::LOBBY);
                let lobby = match &resume {
                    // Its grace ran out, but the lobby log may still hold what it missed.
                    Some(r) if same_incarnation => lobby_cursor(r).unwrap_or(head).min(head),
                    // Back after a host restart: everything in the new lobby log.
                    Some(_) => 0,
                    None => head,
                };
                let mut m = Member::new(name, key, link, resume.is_some() && !same_incarnation);
                m.cursors.insert(Conv::LOBBY, lobby);
                self.members.insert(k.clone(), m);
                self.entered(&Conv::LOBBY, &k);
                false
            }
        };
        self.welcome(&k, id, resumed);
        if resumed {
            self.files_of_returning_member(&k);
        }
        Ok(k)
    }

    /// Sends `Welcome` (and each room's sync) to a member's new link, then wakes it.
    fn welcome(&mut self, k: &str, id: Uuid, resumed: bool) {
        let Some(m) = self.members.get(k) else { return };
        let cursors: Vec<Cursor> = m
            .cursors
            .iter()
            .map(|(conv, seq)| Cursor {
                conv: conv.clone(),
                seq: *seq,
            })
            .collect();
        let welcome = HostPacket::Welcome {
            id,
            name: m.name.clone(),
            incarnation: self.incarnation,
            started_at: self.started_at,
            resumed,
            users: self.users(),
            rooms: self.rooms.list(),
            cursors,
            key_packages: m.key_packages.len() as u32,
            host_key: self.host_key.clone(),
            group: self.group_state(&Conv::LOBBY),
            limits: Limits {
                max_body: MAX_BODY_LEN as u32,
                max_packet: MAX_PACKET_LEN as u32,
                rate_per_sec: self.opts.rate_per_sec,
                rate_burst: self.opts.rate_burst,
                grace_secs: self.opts.grace.as_secs().min(u64::from(u32::MAX)) as u32,
                max_file: self.opts.max_file,
            },
        };
        self.send(k, &welcome);
        for room in self.rooms.rooms_of(k) {
            self.sync_room_to(k, room);
        }
        // Only now may the writer pull log entries: after the welcome and the room
        // syncs in its queue, so no entry reaches the client before its welcome.
        if let Some(m) = self.members.get(k) {
            if let Some(l) = &m.link {
                let _ = l.out.try_send(Out::Member(k.to_string()));
            }
            m.wake();
        }
    }

    /// Tells member `k` it is in `room`, who else is, and where its delivery starts.
    pub fn sync_room_to(&mut self, k: &str, room: Uuid) {
        let Some(name) = self.rooms.name(room) else { return };
        let members = self.rooms.members(room).iter().map(|m| self.display(m)).collect();
        let seq = self
            .members
            .get(k)
            .and_then(|m| m.cursors.get(&Conv::Room { id: room }).copied())
            .unwrap_or(0);
        let group = self.group_state(&Conv::Room { id: room });
        self.send(
            k,
            &HostPacket::RoomSync {
                room,
                name,
                members,
                seq,
                group,
            },
        );
    }

    /// A connection ended. If it was the member's current link, the member is away:
    /// it keeps its name, rooms and place for the grace period.
    pub fn link_closed(&mut self, k: &str, conn: u64) {
        let Some(m) = self.members.get_mut(k) else { return };
        if m.link.as_ref().map(|l| l.conn) != Some(conn) {
            return;
        }
        m.link = None;
        m.away = Some(Away {
            since: Instant::now(),
            announced: false,
        });
        self.cap_away();
        self.timers.notify_one();
    }

    /// Away places are capped: past the cap, the longest-away members are let go
    /// (whether their link dropped or the host closed it: a kick goes through `tick`).
    fn cap_away(&mut self) {
        let mut away: Vec<(Instant, String)> = self
            .members
            .iter()
            .filter_map(|(k, m)| m.away.map(|a| (a.since, k.clone())))
            .collect();
        let over = away.len().saturating_sub(self.opts.max_away());
        if over == 0 {
            return;
        }
        away.sort();
        for (_, k) in away.into_iter().take(over) {
            self.remove(&k);
        }
    }

    /// A clean quit: acknowledged, the link closed normally, the member gone at once.
    pub fn bye(&mut self, k: &str, id: Uuid) {
        self.send(k, &HostPacket::Ack { id, seq: None });
        if let Some(link) = self.members.get_mut(k).and_then(|m| m.link.take()) {
            let _ = link.out.try_send(Out::Close {
                code: 1000,
                reason: "goodbye".into(),
            });
        }
        self.remove(k);
    }

    /// The member leaves for good: out of every room and the lobby (others see it
    /// leave), its DM logs dropped, its name free for anyone.
    pub fn remove(&mut self, k: &str) {
        let Some(m) = self.members.remove(k) else { return };
        if let Some(link) = &m.link {
            close_link(link, CLOSE_POLICY, "disconnected: you left the host");
        }
        self.files_of_gone_member(k);
        for room in self.rooms.rooms_of(k) {
            self.leave_room_of(k, &m.name, room);
        }
        for conv in m.cursors.keys().filter(|c| matches!(c, Conv::Dm { .. })) {
            self.drop_conv(conv);
            for other in self.conv_members(conv) {
                if let Some(o) = self.members.get_mut(&other) {
                    o.cursors.remove(conv);
                }
            }
        }
        self.left(&Conv::LOBBY, k, &m.name);
        self.reconcile(&Conv::LOBBY);
    }

    /// Takes member `k` (display name `name`) out of a room: the others see it leave;
    /// an empty room goes away with its log. False if it was not in the room.
    pub fn leave_room_of(&mut self, k: &str, name: &str, room: Uuid) -> bool {
        let Some(room_name) = self.rooms.leave(room, k) else {
            return false;
        };
        let conv = Conv::Room { id: room };
        if let Some(m) = self.members.get_mut(k) {
            m.cursors.remove(&conv);
        }
        if self.rooms.exists(room) {
            self.left(&conv, k, name);
            self.reconcile(&conv);
        } else {
            self.drop_conv(&conv);
        }
        self.send(k, &HostPacket::RoomLeft { room, name: room_name });
        let list = self.rooms.list_packet();
        self.broadcast(&list);
        true
    }

    /// Announces members away past the notice delay and lets go of those past the grace
    /// period. Returns when to look again.
    pub fn tick(&mut self, now: Instant) -> Option<Instant> {
        // Members the host disconnected (too slow to read) count against the cap too.
        self.cap_away();
        let grace = self.opts.grace;
        let mut next: Option<Instant> = None;
        let (mut announce, mut expire) = (vec![], vec![]);
        for (k, m) in &self.members {
            let Some(a) = m.away else { continue };
            if now >= a.since + grace {
                expire.push(k.clone());
                continue;
            }
            let mut at = a.since + grace;
            if !a.announced {
                if now >= a.since + AWAY_NOTICE_DELAY {
                    announce.push(k.clone());
                } else {
                    at = at.min(a.since + AWAY_NOTICE_DELAY);
                }
            }
            next = Some(next.map_or(at, |n| n.min(at)));
        }
        for k in announce {
            if let Some(a) = self.members.get_mut(&k).and_then(|m| m.away.as_mut()) {
                a.announced = true;
            }
            let name = self.display(&k);
            self.broadcast(&HostPacket::Presence { name, away: true });
        }
        for k in expire {
            self.remove(&k);
        }
        // Once, when a restart's grace is over: groups drop members who never came back.
        let settle = self.started + grace;
        if !self.swept {
            if now >= settle {
                self.swept = true;
                let convs: Vec<Conv> = self.groups.keys().cloned().collect();
                for c in convs {
                    self.reconcile(&c);
                }
            } else {
                next = Some(next.map_or(settle, |n| n.min(settle)));
            }
        }
        next
    }
}

fn lobby_cursor(r: &Resume) -> Option<u64> {
    r.cursors.iter().find(|c| c.conv == Conv::LOBBY).map(|c| c.seq)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::HostOptions;
    use crate::host::member::{Member, MemberLink};
    use std::sync::Arc;

    /// Members the host disconnects because they do not read (their queue is full)
    /// keep their place like a dropped link, and are held to the same cap of away
    /// members. Before, only a dropped link was: connections that registered and never
    /// read kept the host "full" for the whole grace period.
    #[test]
    fn members_kicked_for_not_reading_count_against_the_away_cap() {
        let opts = HostOptions {
            max_members: 8,
            ..HostOptions::default()
        };
        let mut state = State::new(opts, crate::group::new_signature_key().unwrap());
        let mut queues = vec![];
        for i in 0..8u8 {
            let (out, rx) = tokio::sync::mpsc::channel(4);
            let link = MemberLink {
                conn: u64::from(i),
                out,
                notify: Arc::new(tokio::sync::Notify::new()),
                cancel: tokio_util::sync::CancellationToken::new(),
                close: Default::default(),
            };
            let name = format!("m{i}");
            state
                .members
                .insert(name.clone(), Member::new(&name, [i; 32], link, false));
            queues.push(rx);
        }
        for i in 0..8 {
            state.kick(&format!("m{i}"), "disconnected: you did not read your messages");
        }
        state.tick(Instant::now());
        let away = state.members.values().filter(|m| m.away.is_some()).count();
        assert_eq!(away, 4, "half the member cap");
        assert!(state.members.contains_key("m7") && !state.members.contains_key("m0"));
    }
}
