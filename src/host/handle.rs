//! What the host does with each packet a connection sends: registration first, then
//! messages, DMs and rooms. Identity fields are always set here, never taken from a client.

use super::state::State;
use crate::protocol::limits::{MAX_BODY_LEN, RATE_BURST, RATE_PER_SEC};
use crate::protocol::{Packet, UserInfo};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// One connection as the router sees it (remote or the host user's own).
pub(crate) struct Conn {
    /// The peer's Noise static key: the name it registers is bound to it.
    pub key: [u8; 32],
    /// Its outbound queue (the same sender the member entry holds once registered).
    pub out: mpsc::Sender<Packet>,
    /// Set once registered.
    pub member: Option<Uuid>,
    /// Fires when the router disconnects this member (replaced, too slow).
    pub kicked: Option<oneshot::Receiver<String>>,
    pub rate: super::rate::TokenBucket,
}

impl Conn {
    pub fn new(key: [u8; 32], out: mpsc::Sender<Packet>, rate: super::rate::TokenBucket) -> Self {
        Conn {
            key,
            out,
            member: None,
            kicked: None,
            rate,
        }
    }

    fn reply(&self, state: &mut State, p: Packet) {
        match self.member {
            Some(id) => state.send(id, p),
            None => {
                let _ = self.out.try_send(p);
            }
        }
    }
}

fn refuse(state: &mut State, conn: &Conn, id: Uuid, reason: impl Into<String>) {
    conn.reply(
        state,
        Packet::Refused {
            id,
            reason: reason.into(),
        },
    );
}

/// Applies one packet from `conn` to the state.
pub(crate) fn handle(state: &mut State, conn: &mut Conn, p: Packet) {
    if !conn.rate.take() {
        let reason = format!("slow down: at most {RATE_PER_SEC} packets per second (bursts of {RATE_BURST})");
        match p.request_id() {
            Some(id) => refuse(state, conn, id, reason),
            None => conn.reply(state, Packet::Error { message: reason }),
        }
        return;
    }
    if let Packet::Ping { timestamp } = p {
        conn.reply(state, Packet::Pong { timestamp });
        return;
    }
    if let Packet::Pong { .. } = p {
        return;
    }
    let Some(me) = conn.member.filter(|id| state.members.contains_key(id)) else {
        return handle_unregistered(state, conn, p);
    };
    let Some(user) = state.user(me) else { return };
    if let Some(id) = p.request_id()
        && !state.first_time(me, id)
    {
        // A resend after a reconnect: already delivered once, just acknowledge.
        state.send(me, Packet::Ack { id });
        return;
    }
    match p {
        Packet::Message { id, body, room_id, .. } => message(state, conn, &user, id, body, room_id),
        Packet::Route { id, to, body } => route(state, conn, &user, id, to, body),
        Packet::RoomCreate { id, name } => create_room(state, conn, me, id, &name),
        Packet::RoomJoin { id, room, create } => join(state, conn, &user, id, &room, create),
        Packet::RoomLeave { id, room_id } => {
            if state.leave_room(me, &user, room_id) {
                state.send(me, Packet::Ack { id });
            } else {
                refuse(state, conn, id, "you are not a member of that room");
            }
        }
        Packet::RoomList => {
            let list = state.rooms.list_packet();
            state.send(me, list);
        }
        Packet::Register { .. } => conn.reply(
            state,
            Packet::Error {
                message: "already registered".into(),
            },
        ),
        other => {
            tracing::debug!(?other, "unexpected packet from a client");
            conn.reply(
                state,
                Packet::Error {
                    message: "unexpected packet".into(),
                },
            );
        }
    }
}

fn handle_unregistered(state: &mut State, conn: &mut Conn, p: Packet) {
    let Packet::Register { username } = p else {
        conn.reply(
            state,
            Packet::Error {
                message: "register first".into(),
            },
        );
        return;
    };
    let (kick_tx, kick_rx) = oneshot::channel();
    match state.register(&username, conn.key, conn.out.clone(), kick_tx) {
        Ok(id) => {
            conn.member = Some(id);
            conn.kicked = Some(kick_rx);
        }
        Err(e) => conn.reply(state, Packet::Error { message: e.to_string() }),
    }
}

fn check_body(body: &str) -> Result<(), String> {
    if body.trim().is_empty() {
        return Err("empty message".into());
    }
    if body.len() > MAX_BODY_LEN {
        return Err(format!("message is {} bytes, the limit is {MAX_BODY_LEN}", body.len()));
    }
    Ok(())
}

fn message(state: &mut State, conn: &Conn, user: &UserInfo, id: Uuid, body: String, room_id: Option<Uuid>) {
    if let Err(reason) = check_body(&body) {
        return refuse(state, conn, id, reason);
    }
    let targets: Vec<Uuid> = match room_id {
        None => state.members.keys().copied().collect(),
        Some(r) if state.rooms.is_member(r, user.id) => state.rooms.members(r),
        Some(_) => return refuse(state, conn, id, "you are not a member of that room"),
    };
    let p = Packet::Message {
        id,
        from_id: user.id,
        from_username: user.name.clone(),
        body,
        room_id,
    };
    state.send_all(&targets, &p);
    state.send(user.id, Packet::Ack { id });
}

fn route(state: &mut State, conn: &Conn, user: &UserInfo, id: Uuid, to: Uuid, body: String) {
    if let Err(reason) = check_body(&body) {
        return refuse(state, conn, id, reason);
    }
    if !state.members.contains_key(&to) {
        return refuse(state, conn, id, "that member is not here any more");
    }
    state.send(
        to,
        Packet::Direct {
            id,
            from_id: user.id,
            from_username: user.name.clone(),
            body,
        },
    );
    state.send(user.id, Packet::Ack { id });
}

fn create_room(state: &mut State, conn: &Conn, me: Uuid, id: Uuid, name: &str) {
    match state.rooms.create(name, me) {
        Ok(room_id) => {
            state.sync_room(room_id);
            let list = state.rooms.list_packet();
            state.broadcast(&list);
            state.send(me, Packet::Ack { id });
        }
        Err(e) => refuse(state, conn, id, e.to_string()),
    }
}

fn join(state: &mut State, conn: &Conn, user: &UserInfo, id: Uuid, room: &str, create: bool) {
    let room_id = match state.rooms.find(room) {
        Some(r) => r,
        None if create => return create_room(state, conn, user.id, id, room),
        None => return refuse(state, conn, id, format!("no room '{room}'")),
    };
    match state.rooms.join(room_id, user.id) {
        Ok(true) => {
            let others: Vec<Uuid> = state
                .rooms
                .members(room_id)
                .into_iter()
                .filter(|m| *m != user.id)
                .collect();
            let room_name = state.rooms.name(room_id);
            state.send_all(
                &others,
                &Packet::Joined {
                    user: user.clone(),
                    room_id: Some(room_id),
                    room_name,
                },
            );
            state.sync_room(room_id);
            let list = state.rooms.list_packet();
            state.broadcast(&list);
        }
        Ok(false) => state.sync_room(room_id),
        Err(e) => return refuse(state, conn, id, e.to_string()),
    }
    state.send(user.id, Packet::Ack { id });
}
