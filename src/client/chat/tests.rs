//! The client state machine, packet by packet: the log's order (cursors, duplicates,
//! gaps), presence and membership, resume and host restarts, and what it remembers.
use super::*;
use crate::protocol::{EntryBody, HostPacket, Limits};

fn welcome(c: &mut ChatState, name: &str, incarnation: Uuid, resumed: bool, cursors: Vec<Cursor>) -> Vec<Event> {
    let ClientPacket::Register { id, .. } = c.register(name.into()) else {
        panic!()
    };
    c.on_packet(HostPacket::Welcome {
        id,
        name: name.into(),
        incarnation,
        started_at: 0,
        resumed,
        users: vec![
            UserInfo {
                name: "Bob".into(),
                away: false,
            },
            UserInfo {
                name: name.into(),
                away: false,
            },
        ],
        rooms: vec![],
        cursors,
        key_packages: 8,
        host_key: vec![],
        group: None,
        limits: Limits {
            max_body: 1,
            max_packet: 1,
            rate_per_sec: 1,
            rate_burst: 1,
            grace_secs: 1,
            max_file: 100 << 20,
        },
    })
}

fn member(conv: Conv, seq: u64, name: &str, joined: bool) -> HostPacket {
    let name = name.to_string();
    HostPacket::Entry {
        conv,
        seq,
        at: 0,
        from: None,
        id: None,
        body: if joined {
            EntryBody::Joined { name }
        } else {
            EntryBody::Left { name }
        },
    }
}

fn joined_state() -> ChatState {
    let mut c = ChatState::default();
    welcome(
        &mut c,
        "ana",
        Uuid::from_u128(1),
        false,
        vec![Cursor {
            conv: Conv::LOBBY,
            seq: 10,
        }],
    );
    c
}

#[test]
fn entries_in_order_duplicates_dropped_jumps_shown_as_gaps() {
    let mut c = joined_state();
    let ev = c.on_packet(member(Conv::LOBBY, 11, "cy", true));
    assert_eq!(
        ev[0],
        Event::Joined {
            name: "cy".into(),
            room: None
        }
    );
    assert!(
        c.on_packet(member(Conv::LOBBY, 11, "cy", true)).is_empty(),
        "a duplicate"
    );
    let ev = c.on_packet(member(Conv::LOBBY, 14, "cy", false));
    assert!(matches!(&ev[0], Event::Missed { count: 2, label, .. } if label == "lobby"));
    assert!(matches!(&ev[1], Event::Left { .. }));
    // An explicit marker moves the cursor past the gap.
    let dm = Conv::dm("ana", "bob");
    let ev = c.on_packet(HostPacket::Missed {
        conv: dm.clone(),
        after: 0,
        count: 5,
    });
    assert_eq!(
        ev,
        vec![Event::Missed {
            conv: dm.clone(),
            label: "Bob".into(),
            count: 5
        }]
    );
    assert_eq!(c.cursors[&dm], 5);
}

#[test]
fn a_refused_registration_and_unknown_dm_targets() {
    let mut c = ChatState::default();
    let ClientPacket::Register { id, .. } = c.register("x".into()) else {
        panic!()
    };
    let ev = c.on_packet(HostPacket::Refused {
        id,
        reason: "the name 'x' is taken".into(),
    });
    assert!(matches!(ev[0], Event::RegistrationRefused { .. }));
    let mut c = joined_state();
    // A name we have not heard of is the host's to refuse; a name no one can have is
    // refused at once.
    assert!(c.dm("nobody", "x".into()).is_some());
    assert!(c.dm("no body!", "x".into()).is_none());
    assert!(c.dm("ANA", "me".into()).is_none(), "no DM with oneself");
    // Without keys (and so without a group) the DM waits for its group: first the
    // other member's key package is asked for.
    let (_, first) = c.dm("bob", "psst".into()).unwrap();
    assert!(matches!(&first[..], [ClientPacket::FetchKeyPackage { name, .. }] if name == "Bob"));
}

#[test]
fn resume_sends_cursors_and_a_restart_rejoins_rooms_from_the_start() {
    let mut c = joined_state();
    let room = Uuid::new_v4();
    c.on_packet(HostPacket::RoomSync {
        room,
        name: "ops".into(),
        members: vec!["ana".into()],
        seq: 4,
        group: None,
    });
    c.on_packet(member(Conv::Room { id: room }, 5, "Bob", true));
    // A message while the room's group is not ready waits (nothing to send yet).
    let (_, now) = c.message(Some(room), "typed while away".into());
    assert!(now.is_empty());
    // The link drops; the next registration carries where we stopped.
    c.reset_link();
    let ClientPacket::Register { resume: Some(r), .. } = c.register("ana".into()) else {
        panic!()
    };
    assert_eq!(r.incarnation, Uuid::from_u128(1));
    assert!(r.cursors.contains(&Cursor {
        conv: Conv::Room { id: room },
        seq: 5
    }));
    // Same host, place kept: no rejoin.
    let ev = welcome(&mut c, "ana", Uuid::from_u128(1), true, vec![]);
    assert!(!ev.iter().any(|e| matches!(e, Event::HostRestarted { .. })));
    assert!(
        !c.take_outbox()
            .iter()
            .any(|p| matches!(p, ClientPacket::RoomJoin { .. }))
    );
    // Another drop, and this time the host restarted.
    c.on_packet(HostPacket::RoomSync {
        room,
        name: "ops".into(),
        members: vec!["ana".into()],
        seq: 5,
        group: None,
    });
    c.reset_link();
    let ev = welcome(&mut c, "ana", Uuid::from_u128(2), false, vec![]);
    assert!(matches!(ev[0], Event::HostRestarted { .. }));
    let out = c.take_outbox();
    assert!(matches!(&out[0], ClientPacket::RoomJoin { room: r, create: true, since: Some(0), .. } if r == "ops"));
    assert!(!c.cursors.contains_key(&Conv::Room { id: room }));
}

fn sync(c: &mut ChatState, room: Uuid, seq: u64) {
    c.on_packet(HostPacket::RoomSync {
        room,
        name: "ops".into(),
        members: vec!["ana".into()],
        seq,
        group: None,
    });
}

/// The room joins a welcome sends (their request ids and cursors).
fn joins_from(c: &mut ChatState) -> Vec<(Uuid, Option<u64>)> {
    let out = c.take_outbox();
    out.iter()
        .filter_map(|p| match p {
            ClientPacket::RoomJoin { id, since, .. } => Some((*id, *since)),
            _ => None,
        })
        .collect()
}

fn joins(c: &mut ChatState) -> Vec<Uuid> {
    joins_from(c).into_iter().map(|(id, _)| id).collect()
}

#[test]
fn a_room_being_rejoined_takes_messages_until_its_sync_or_a_refusal() {
    let mut c = joined_state();
    let room = Uuid::new_v4();
    sync(&mut c, room, 4);
    // The host let our place go (same incarnation): back from where we stopped.
    c.reset_link();
    welcome(&mut c, "ana", Uuid::from_u128(1), false, vec![]);
    assert_eq!(joins_from(&mut c).iter().map(|j| j.1).collect::<Vec<_>>(), [Some(4)]);
    // It restarts before answering: the same join again, from the new logs' start.
    c.reset_link();
    welcome(&mut c, "ana", Uuid::from_u128(2), false, vec![]);
    assert_eq!(joins_from(&mut c).iter().map(|j| j.1).collect::<Vec<_>>(), [Some(0)]);
    // Asked to rejoin, not back yet: what is typed to it waits for it.
    assert!(c.in_room(Some(room)));
    let (id, now) = c.message(Some(room), "typed before the sync".into());
    assert!(now.is_empty());
    assert!(c.waiting[&Conv::Room { id: room }].contains(&id));
    // Another drop before the sync: the join is asked again once, not twice.
    c.reset_link();
    welcome(&mut c, "ana", Uuid::from_u128(2), false, vec![]);
    assert_eq!(joins(&mut c).len(), 1);
    sync(&mut c, room, 0);
    assert!(c.in_room(Some(room)) && c.rejoin.is_empty());
    // A rejoin the host refuses: the room is no longer ours.
    c.reset_link();
    welcome(&mut c, "ana", Uuid::from_u128(3), false, vec![]);
    let asked = joins(&mut c);
    assert_eq!(asked.len(), 1);
    c.on_packet(HostPacket::Refused {
        id: asked[0],
        reason: "there are already 64 rooms".into(),
    });
    assert!(!c.in_room(Some(room)));
}

#[test]
fn memory_round_trips_into_a_new_state() {
    let mut c = joined_state();
    assert!(c.is_dirty());
    let m = c.memory();
    assert!(!c.is_dirty());
    let mut again = ChatState::from_memory(m);
    let ClientPacket::Register { resume: Some(r), .. } = again.register("ana".into()) else {
        panic!()
    };
    assert_eq!(r.cursors[0].seq, 10);
}

#[test]
fn presence_and_lobby_membership_update_the_list() {
    let mut c = joined_state();
    let ev = c.on_packet(HostPacket::Presence {
        name: "bob".into(),
        away: true,
    });
    assert!(matches!(&ev[1], Event::Users { users } if users.iter().any(|u| u.name == "Bob" && u.away)));
    let ev = c.on_packet(member(Conv::LOBBY, 11, "Bob", false));
    assert_eq!(
        ev[0],
        Event::Left {
            name: "Bob".into(),
            room: None
        }
    );
    assert_eq!(c.users.len(), 1);
    // Our own join is not announced to ourselves.
    let ev = c.on_packet(member(Conv::LOBBY, 12, "ana", true));
    assert!(matches!(ev[..], [Event::Users { .. }]));
}
