//! The client state machine, packet by packet.
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

#[test]
fn resume_rejoins_rooms_then_resends_pending_in_order_and_duplicates_are_hidden() {
    let mut c = ChatState::default();
    let me = UserInfo {
        id: Uuid::new_v4(),
        name: "me_".into(),
    };
    c.on_packet(Packet::Welcome {
        id: me.id,
        username: me.name.clone(),
    });
    let room = Uuid::new_v4();
    c.on_packet(Packet::RoomSync {
        room_id: room,
        room_name: "ops".into(),
        users: vec![me.clone()],
    });
    let Packet::Message { id: m1, .. } = c.message(Some(room), "one".into()) else {
        panic!()
    };
    let Packet::Message { id: m2, .. } = c.message(None, "two".into()) else {
        panic!()
    };
    let rooms = c.reset_link();
    assert_eq!(rooms, vec!["ops".to_string()]);
    assert_eq!(c.pending_count(), 2, "pending requests survive a lost link");
    let out = c.resume(rooms);
    assert!(matches!(&out[0], Packet::RoomJoin { room, create: true, .. } if room == "ops"));
    assert!(matches!(out[1], Packet::Message { id, .. } if id == m1));
    assert!(matches!(out[2], Packet::Message { id, .. } if id == m2));
    // A message seen before is not shown again when the host resends it.
    let msg = Packet::Message {
        id: m2,
        from_id: me.id,
        from_username: "x".into(),
        body: "two".into(),
        room_id: None,
    };
    assert_eq!(c.on_packet(msg.clone()).len(), 1);
    assert!(c.on_packet(msg).is_empty());
}
