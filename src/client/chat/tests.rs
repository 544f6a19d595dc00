//! The client state machine, packet by packet.
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
        limits: Limits {
            max_body: 1,
            max_packet: 1,
            rate_per_sec: 1,
            rate_burst: 1,
            grace_secs: 1,
        },
    })
}

fn text(conv: Conv, seq: u64, from: &str, id: Uuid, body: &str) -> HostPacket {
    HostPacket::Entry {
        conv,
        seq,
        at: 0,
        from: Some(from.into()),
        id: Some(id),
        body: EntryBody::Text { body: body.into() },
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
fn ack_shows_our_line_once_and_refusal_returns_the_text() {
    let mut c = joined_state();
    let ClientPacket::Post { id, .. } = c.message(None, "hi".into()) else {
        panic!()
    };
    assert_eq!(c.pending_count(), 1);
    let ev = c.on_packet(HostPacket::Ack { id, seq: Some(11) });
    assert!(matches!(&ev[0], Event::Message { own: true, from, body, .. } if from == "ana" && body == "hi"));
    assert_eq!(ev[1], Event::Acked { id });
    // The echo in the log moves the cursor but shows nothing again.
    assert!(c.on_packet(text(Conv::LOBBY, 11, "ana", id, "hi")).is_empty());
    assert_eq!(c.cursors[&Conv::LOBBY], 11);
    let ClientPacket::Post { id, .. } = c.message(None, "too much".into()) else {
        panic!()
    };
    let ev = c.on_packet(HostPacket::Refused {
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
}

#[test]
fn an_echo_before_its_ack_settles_it() {
    let mut c = joined_state();
    let ClientPacket::Post { id, .. } = c.message(None, "hi".into()) else {
        panic!()
    };
    let ev = c.on_packet(text(Conv::LOBBY, 11, "ana", id, "hi"));
    assert!(matches!(&ev[0], Event::Message { own: true, .. }));
    assert_eq!(ev[1], Event::Acked { id });
    assert!(c.on_packet(HostPacket::Ack { id, seq: Some(11) }).is_empty());
    assert_eq!(c.pending_count(), 0);
}

#[test]
fn entries_in_order_duplicates_dropped_jumps_shown_as_gaps() {
    let mut c = joined_state();
    let ev = c.on_packet(text(Conv::LOBBY, 11, "Bob", Uuid::new_v4(), "one"));
    assert!(matches!(&ev[0], Event::Message { own: false, from, .. } if from == "Bob"));
    assert!(
        c.on_packet(text(Conv::LOBBY, 11, "Bob", Uuid::new_v4(), "again"))
            .is_empty()
    );
    let ev = c.on_packet(text(Conv::LOBBY, 14, "Bob", Uuid::new_v4(), "four"));
    assert!(matches!(&ev[0], Event::Missed { count: 2, label, .. } if label == "lobby"));
    assert!(matches!(&ev[1], Event::Message { .. }));
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
    let ev = c.on_packet(text(dm, 6, "bob", Uuid::new_v4(), "psst"));
    assert!(matches!(&ev[0], Event::Dm { from, body, .. } if from == "bob" && body == "psst"));
}

#[test]
fn dms_by_name_and_a_refused_registration() {
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
    assert!(c.dm("nobody", "x".into()).is_none());
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
    });
    c.on_packet(text(Conv::Room { id: room }, 5, "Bob", Uuid::new_v4(), "x"));
    let pending = c.message(Some(room), "typed while away".into());
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
    // Same host, place kept: no rejoin, the pending message goes again.
    c.register_id = None;
    let ev = welcome(&mut c, "ana", Uuid::from_u128(1), true, vec![]);
    assert!(!ev.iter().any(|e| matches!(e, Event::HostRestarted { .. })));
    assert_eq!(c.take_outbox(), vec![pending.clone()]);
    // Another drop, and this time the host restarted.
    c.on_packet(HostPacket::RoomSync {
        room,
        name: "ops".into(),
        members: vec!["ana".into()],
        seq: 5,
    });
    c.reset_link();
    let ev = welcome(&mut c, "ana", Uuid::from_u128(2), false, vec![]);
    assert!(matches!(ev[0], Event::HostRestarted { .. }));
    let out = c.take_outbox();
    assert!(matches!(&out[0], ClientPacket::RoomJoin { room: r, create: true, since: Some(0), .. } if r == "ops"));
    assert_eq!(out[1], pending);
    assert!(!c.cursors.contains_key(&Conv::Room { id: room }));
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
    let ev = c.on_packet(HostPacket::Entry {
        conv: Conv::LOBBY,
        seq: 11,
        at: 0,
        from: None,
        id: None,
        body: EntryBody::Left { name: "Bob".into() },
    });
    assert_eq!(
        ev[0],
        Event::Left {
            name: "Bob".into(),
            room: None
        }
    );
    assert_eq!(c.users.len(), 1);
    // Our own join is not announced to ourselves.
    let ev = c.on_packet(HostPacket::Entry {
        conv: Conv::LOBBY,
        seq: 12,
        at: 0,
        from: None,
        id: None,
        body: EntryBody::Joined { name: "ana".into() },
    });
    assert!(matches!(ev[..], [Event::Users { .. }]));
}
