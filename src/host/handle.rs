//! What the host does with each packet a connection sends: registration first, then
//! posts, rooms and quitting. Who sent it comes from the link, never from the packet.

use super::member::{MemberLink, Out};
use super::rate::TokenBucket;
use super::state::{State, encode};
use crate::protocol::{ClientPacket, Conv, HostPacket};
use serde_bytes::ByteBuf;
use uuid::Uuid;

/// One connection as the router sees it (remote or the host user's own).
pub(crate) struct Conn {
    /// The peer's Noise static key: the name it registers is bound to it.
    pub key: [u8; 32],
    /// Its link, handed to the member entry at registration.
    pub link: MemberLink,
    /// The member key once registered.
    pub member: Option<String>,
    pub rate: TokenBucket,
    /// Chunk bytes (sent and asked for): files have their own budget.
    pub file_rate: TokenBucket,
    /// How long to stop reading this link after the last packet (over the budget).
    pub pause: std::time::Duration,
}

impl Conn {
    /// The member key if this connection is still its member's current link.
    fn current(&self, state: &State) -> Option<String> {
        let k = self.member.as_ref()?;
        let m = state.members.get(k)?;
        (m.link.as_ref()?.conn == self.link.conn).then(|| k.clone())
    }

    fn reply(&self, state: &mut State, p: &HostPacket) {
        match self.current(state) {
            Some(k) => state.send(&k, p),
            None => {
                if let Some(f) = encode(p) {
                    let _ = self.link.out.try_send(Out::Frames(f));
                }
            }
        }
    }

    fn refuse(&self, state: &mut State, id: Uuid, reason: impl Into<String>) {
        self.reply(
            state,
            &HostPacket::Refused {
                id,
                reason: reason.into(),
            },
        );
    }
}

/// Why a registration without the invite's join secret is refused.
pub const INVITE_ONLY: &str = "this host is invite-only: join with its invite";

/// Applies one packet from `conn` to the state. `frames`: how many frames it came in
/// (a packet put together from parts costs a token per frame, not one for up to 1 MiB).
pub(crate) fn handle(state: &mut State, conn: &mut Conn, p: ClientPacket, frames: u32) {
    if matches!(p, ClientPacket::FileWant { .. } | ClientPacket::FileChunk { .. }) {
        return file_traffic(state, conn, p);
    }
    if !conn.rate.take_n_at(frames, std::time::Instant::now()) {
        if let Some(id) = p.request_id() {
            let (r, b) = (state.opts.rate_per_sec, state.opts.rate_burst);
            conn.refuse(
                state,
                id,
                format!("slow down: at most {r} packets per second (bursts of {b})"),
            );
        }
        return;
    }
    match p {
        ClientPacket::Ping { timestamp } => return conn.reply(state, &HostPacket::Pong { timestamp }),
        ClientPacket::Pong { .. } | ClientPacket::Part { .. } => return,
        _ => {}
    }
    let Some(me) = conn.current(state) else {
        return unregistered(state, conn, p);
    };
    if changes_state(&p)
        && let Some(id) = p.request_id()
        && let Some(seq) = state.members.get(&me).and_then(|m| m.seen(id))
    {
        // A resend after a reconnect: it was done (a message is in the log already).
        return state.send(&me, &HostPacket::Ack { id, seq });
    }
    match p {
        ClientPacket::Mls {
            id,
            conv,
            message,
            group_info,
            replaces,
        } => {
            let posted = may_post(state, &me, &conv)
                .and_then(|()| state.post_mls(&me, id, &conv, message, group_info, replaces));
            match posted {
                Ok(seq) => {
                    if let Some(m) = state.members.get_mut(&me) {
                        m.remember(id, Some(seq));
                    }
                    state.send(&me, &HostPacket::Ack { id, seq: Some(seq) });
                }
                Err(reason) => conn.refuse(state, id, reason),
            }
        }
        ClientPacket::KeyPackages { id, packages } => match state.add_key_packages(&me, packages) {
            Ok(()) => done(state, &me, id),
            Err(reason) => conn.refuse(state, id, reason),
        },
        ClientPacket::FetchKeyPackage { id, name } => match state.take_key_package(&name) {
            Ok((name, package)) => state.send(&me, &HostPacket::KeyPackage { id, name, package }),
            Err(reason) => conn.refuse(state, id, reason),
        },
        ClientPacket::GroupInfo { id, conv, info } => {
            let published =
                may_post(state, &me, &conv).and_then(|()| state.publish_group_info(&me, &conv, info.into_vec()));
            match published {
                Ok(()) => done(state, &me, id),
                Err(reason) => conn.refuse(state, id, reason),
            }
        }
        ClientPacket::FetchGroupInfo { id, conv } => {
            match may_post(state, &me, &conv).and_then(|()| state.group_info_of(&conv)) {
                Ok(info) => {
                    let info = ByteBuf::from(info);
                    state.send(&me, &HostPacket::GroupInfo { id, conv, info });
                }
                Err(reason) => conn.refuse(state, id, reason),
            }
        }
        ClientPacket::RoomCreate { id, name } => match state.rooms.create(&name, &me) {
            Ok(room) => {
                joined(state, &me, room, None, false);
                done(state, &me, id);
            }
            Err(e) => conn.refuse(state, id, e.to_string()),
        },
        ClientPacket::RoomJoin {
            id,
            room,
            create,
            since,
        } => {
            let found = match state.rooms.find(&room) {
                Some(r) => {
                    let was = state.rooms.was_member(r, &me);
                    state.rooms.join(r, &me).map(|_| (r, was)).map_err(|e| e.to_string())
                }
                None if create => state
                    .rooms
                    .create(&room, &me)
                    .map(|r| (r, false))
                    .map_err(|e| e.to_string()),
                None => Err(format!("no room '{room}'")),
            };
            match found {
                Ok((r, was)) => {
                    joined(state, &me, r, since, was);
                    state.send(&me, &HostPacket::Ack { id, seq: None });
                }
                Err(reason) => conn.refuse(state, id, reason),
            }
        }
        ClientPacket::RoomLeave { id, room } => {
            let name = state.display(&me);
            if state.leave_room_of(&me, &name, room) {
                done(state, &me, id);
            } else {
                conn.refuse(state, id, "you are not a member of that room");
            }
        }
        ClientPacket::RoomList { id } => {
            let list = state.rooms.list_packet();
            state.send(&me, &list);
            state.send(&me, &HostPacket::Ack { id, seq: None });
        }
        ClientPacket::FileOpen {
            id,
            transfer,
            conv,
            size,
            chunks,
        } => match may_post(state, &me, &conv).and_then(|()| state.file_open(&me, transfer, conv, size, chunks)) {
            Ok(()) => state.send(&me, &HostPacket::Ack { id, seq: None }),
            Err(reason) => conn.refuse(state, id, reason),
        },
        ClientPacket::FileClose { id, transfer } => match state.file_close_own(&me, transfer) {
            Ok(()) => done(state, &me, id),
            Err(reason) => conn.refuse(state, id, reason),
        },
        ClientPacket::FileWant { .. } | ClientPacket::FileChunk { .. } => {}
        ClientPacket::Signal { conv, message } => {
            if may_post(state, &me, &conv).is_ok() {
                state.signal(&me, &conv, message);
            }
        }
        ClientPacket::Bye { id } => state.bye(&me, id),
        ClientPacket::Register { id, .. } => conn.refuse(state, id, "already registered"),
        ClientPacket::Ping { .. } | ClientPacket::Pong { .. } | ClientPacket::Part { .. } => {}
    }
}

/// Requests whose second run would not do what the first did (a key package stored
/// twice, "that room exists" for the room we made, "not a member" for the room we
/// left): when their answer is lost with a link, the resend is answered as the first.
fn changes_state(p: &ClientPacket) -> bool {
    matches!(
        p,
        ClientPacket::Mls { .. }
            | ClientPacket::KeyPackages { .. }
            | ClientPacket::GroupInfo { .. }
            | ClientPacket::RoomCreate { .. }
            | ClientPacket::RoomLeave { .. }
            | ClientPacket::FileClose { .. }
    )
}

/// Request `id` of `me` is done: remembered (see `changes_state`) and acknowledged.
fn done(state: &mut State, me: &str, id: Uuid) {
    if let Some(m) = state.members.get_mut(me) {
        m.remember(id, None);
    }
    state.send(me, &HostPacket::Ack { id, seq: None });
}

fn unregistered(state: &mut State, conn: &mut Conn, p: ClientPacket) {
    match p {
        ClientPacket::Register {
            id,
            name,
            resume,
            secret,
        } => {
            if !state.admits(secret.as_ref().map(|s| s.as_slice())) {
                return conn.refuse(state, id, INVITE_ONLY);
            }
            match state.register(conn.link.clone(), conn.key, id, &name, resume) {
                Ok(k) => conn.member = Some(k),
                Err(reason) => conn.refuse(state, id, reason),
            }
        }
        other => {
            if let Some(id) = other.request_id() {
                conn.refuse(state, id, "register first");
            }
        }
    }
}

/// Chunks and chunk requests: counted against the member's byte budget, never
/// against its packet rate, so files move at link speed; over the budget the host
/// stops reading the member's link until it is even again (`Conn::pause`).
fn file_traffic(state: &mut State, conn: &mut Conn, p: ClientPacket) {
    let Some(me) = conn.current(state) else { return };
    let cost = match &p {
        // A request costs the host bookkeeping only; the chunks cost their sender.
        ClientPacket::FileWant { .. } => crate::protocol::limits::FILE_WANT_COST,
        ClientPacket::FileChunk { data, .. } => data.len(),
        _ => 0,
    };
    conn.pause = conn.file_rate.charge(cost);
    match p {
        ClientPacket::FileWant { transfer, from, count } => state.file_want(&me, transfer, from, count),
        ClientPacket::FileChunk { transfer, index, data } => {
            if let Err(e) = state.file_chunk(&me, transfer, index, data) {
                tracing::debug!(member = me, %e, "chunk not taken");
            }
        }
        _ => {}
    }
}

/// After `me` joined `room` (or created it): its cursor, the others told, its sync.
/// `since` is honoured for members who were in the room before (`was`) during this
/// incarnation, or before a host restart.
fn joined(state: &mut State, me: &str, room: Uuid, since: Option<u64>, was: bool) {
    let conv = Conv::Room { id: room };
    let already = state.members.get(me).is_some_and(|m| m.cursors.contains_key(&conv));
    if !already {
        let head = state.logs.head(&conv);
        let returning = state.members.get(me).is_some_and(|m| m.returning);
        let cursor = match since {
            Some(s) if returning || was => s.min(head),
            _ => head,
        };
        if let Some(m) = state.members.get_mut(me) {
            m.cursors.insert(conv.clone(), cursor);
        }
        state.entered(&conv, me);
        let list = state.rooms.list_packet();
        state.broadcast(&list);
    }
    state.sync_room_to(me, room);
}

/// Checks that `me` may post to `conv`; a DM is opened for both members on first use.
fn may_post(state: &mut State, me: &str, conv: &Conv) -> Result<(), String> {
    match conv {
        Conv::Lobby {} => Ok(()),
        Conv::Room { id: room } if state.rooms.is_member(*room, me) => Ok(()),
        Conv::Room { .. } => Err("you are not a member of that room".into()),
        Conv::Dm { .. } => {
            let partner = conv
                .partner(me)
                .filter(|_| conv.is_canonical())
                .ok_or("not a conversation of yours")?
                .to_string();
            if !state.members.contains_key(&partner) {
                return Err(format!("nobody named '{partner}' is here"));
            }
            // The first message opens the conversation for both, from its start (after
            // where an earlier log of the same pair ended, if there was one).
            let head = state.logs.head(conv);
            for k in [me, partner.as_str()] {
                if let Some(m) = state.members.get_mut(k) {
                    m.cursors.entry(conv.clone()).or_insert(head);
                }
            }
            Ok(())
        }
    }
}
