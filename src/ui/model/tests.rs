//! How events change what the window shows.

use super::files::FileState;
use super::*;
use crate::protocol::UserInfo;
use crate::service::StatsSnapshot;
pub(super) use uuid::Uuid;

mod attention;
mod files;

pub(super) fn connected() -> Model {
    let mut m = Model::default();
    m.apply(Event::Connecting {
        target: "127.0.0.1:3000".into(),
    });
    assert_eq!(
        m.screen,
        Screen::Connecting {
            target: "127.0.0.1:3000".into()
        }
    );
    m.apply(Event::Connected {
        me: "me_".into(),
        host: "127.0.0.1:3000".into(),
    });
    m
}

#[test]
fn pending_until_echoed_then_delivered() {
    let mut m = connected();
    assert_eq!(m.screen, Screen::Chat);
    let id = queued(&mut m, "hi");
    assert_eq!(m.lines(&Conv::Lobby)[0].delivery, Delivery::Pending);
    assert!(m.lines(&Conv::Lobby)[0].own);
    let me = m.me.clone().unwrap();
    m.apply(Event::Message {
        id,
        room_id: None,
        room_name: "lobby".into(),
        from: me,
        body: "hi".into(),
        own: true,
        at: 0,
    });
    assert_eq!(m.lines(&Conv::Lobby).len(), 1, "the echo replaces the pending line");
    assert_eq!(m.lines(&Conv::Lobby)[0].delivery, Delivery::Delivered);
}

#[test]
fn refusal_marks_the_line_failed_and_unknown_failures_toast() {
    let mut m = connected();
    let id = queued(&mut m, "x");
    m.apply(Event::Failed {
        id,
        reason: "slow down".into(),
        text: Some("x".into()),
    });
    assert_eq!(m.lines(&Conv::Lobby)[0].delivery, Delivery::Failed("slow down".into()));
    m.apply(Event::Failed {
        id: Uuid::nil(),
        reason: "nobody named 'z'".into(),
        text: Some("hey".into()),
    });
    assert!(m.toasts.last().unwrap().1.contains("nobody named 'z'"));
}

#[test]
fn unread_counts_for_other_conversations_and_open_clears() {
    let mut m = connected();
    m.apply(Event::Dm {
        id: Uuid::new_v4(),
        from: "Bob".into(),
        body: "psst".into(),
        at: 0,
    });
    m.apply(Event::Dm {
        id: Uuid::new_v4(),
        from: "Bob".into(),
        body: "again".into(),
        at: 0,
    });
    assert_eq!(m.unread.get(&Conv::Dm("bob".into())), Some(&2));
    m.open(Conv::Dm("bob".into()));
    assert_eq!(m.unread.get(&Conv::Dm("bob".into())), None);
    // Messages in the open conversation are not unread.
    m.apply(Event::Dm {
        id: Uuid::new_v4(),
        from: "bob".into(),
        body: "3".into(),
        at: 0,
    });
    assert_eq!(m.unread.get(&Conv::Dm("bob".into())), None);
}

#[test]
fn rooms_open_when_joined_and_close_to_the_lobby() {
    let mut m = connected();
    let r = Uuid::new_v4();
    m.apply(Event::RoomJoined {
        room_id: r,
        name: "ops".into(),
        members: vec![],
    });
    assert_eq!(m.current, Conv::Room(r));
    assert_eq!(m.conv_title(&Conv::Room(r)), "ops");
    m.apply(Event::Joined {
        name: "bob".into(),
        room: Some("ops".into()),
    });
    assert_eq!(m.lines(&Conv::Room(r))[0].kind, LineKind::System);
    m.open(Conv::Lobby);
    m.apply(Event::Message {
        id: Uuid::new_v4(),
        room_id: Some(r),
        room_name: "ops".into(),
        from: "bob".into(),
        body: "unread".into(),
        own: false,
        at: 0,
    });
    assert_eq!(m.unread.get(&Conv::Room(r)), Some(&1));
    m.apply(Event::RoomLeft {
        room_id: r,
        name: "ops".into(),
    });
    assert_eq!(m.current, Conv::Lobby);
    assert!(m.unread.is_empty(), "a left room's count goes with it");
}

#[test]
fn trust_dialogs_and_failures() {
    let mut m = Model::default();
    let id = crate::crypto::Identity::generate().unwrap();
    m.apply(Event::NeedsTrust {
        host: "h".into(),
        identity: id.host_identity(),
    });
    assert!(matches!(m.dialog, Some(Dialog::NeedsTrust { .. })));
    m.apply(Event::ConnectFailed { reason: "no".into() });
    assert_eq!(m.screen, Screen::Start);
    for i in 0..10 {
        m.toast(format!("t{i}"));
    }
    assert_eq!(m.toasts.len(), MAX_TOASTS);
    let first = m.toasts[0].0;
    m.dismiss(first);
    assert_eq!(m.toasts.len(), MAX_TOASTS - 1);
}

#[test]
fn host_stats_become_per_second_rates() {
    let mut m = Model::default();
    let fp = crate::crypto::Identity::generate().unwrap().fingerprint();
    m.apply(Event::HostingStarted {
        direct: Some("127.0.0.1:3000".parse().unwrap()),
        ticket: None,
        fingerprint: fp,
        invite: "sev1test".into(),
    });
    let s = |p, b| StatsSnapshot {
        members: 2,
        packets_in: p,
        packets_out: p * 2,
        bytes_in: b,
        bytes_out: b * 2,
    };
    m.apply(Event::Stats(s(10, 1000)));
    m.apply(Event::Stats(s(15, 1500)));
    let h = m.hosting.as_ref().unwrap();
    assert_eq!(
        h.rates.back(),
        Some(&Rate {
            msgs_in: 5,
            msgs_out: 10,
            bytes_in: 500,
            bytes_out: 1000
        })
    );
    assert_eq!(h.members, 2);
    for _ in 0..100 {
        m.apply(Event::Stats(s(15, 1500)));
    }
    assert_eq!(m.hosting.as_ref().unwrap().rates.len(), CHART_SAMPLES);
}

#[test]
fn lost_link_keeps_the_chat_and_a_user_disconnect_resets() {
    let mut m = connected();
    m.apply(Event::Disconnected {
        reason: Some("the host closed the connection".into()),
    });
    assert_eq!(m.screen, Screen::Chat);
    assert!(matches!(m.link, LinkState::Lost(_)));
    m.apply(Event::Disconnected { reason: None });
    assert_eq!(m.screen, Screen::Start);
}

/// A lobby message of ours, typed and waiting for the host: its id.
pub(super) fn queued(m: &mut Model, text: &str) -> Uuid {
    let id = Uuid::new_v4();
    m.apply(Event::Queued {
        id,
        room_id: None,
        to: None,
        text: text.into(),
    });
    id
}

/// bob's message in the lobby.
pub(super) fn from_bob(body: &str) -> Event {
    Event::Message {
        id: Uuid::new_v4(),
        room_id: None,
        room_name: "lobby".into(),
        from: "bob".into(),
        body: body.into(),
        own: false,
        at: 0,
    }
}

pub(super) fn lobby_message(m: &mut Model, body: &str) {
    m.apply(from_bob(body));
}

#[test]
fn away_members_are_marked() {
    let mut m = connected();
    m.apply(Event::Users {
        users: vec![
            UserInfo {
                name: "bob".into(),
                away: true,
            },
            UserInfo {
                name: "me_".into(),
                away: false,
            },
        ],
    });
    assert!(m.users.iter().any(|u| u.name == "bob" && u.away));
}

#[test]
fn gaps_and_restarts_are_dividers_where_they_happened() {
    let mut m = connected();
    lobby_message(&mut m, "before");
    m.apply(Event::Missed {
        conv: crate::protocol::Conv::LOBBY,
        label: "lobby".into(),
        count: 3,
    });
    lobby_message(&mut m, "after");
    let l = m.lines(&Conv::Lobby);
    assert_eq!(l[1].kind, LineKind::Divider);
    assert_eq!(l[1].body, "3 messages missed: the host no longer had them");
    assert_eq!(l[2].body, "after");
    // A DM gap lands in that DM.
    m.apply(Event::Missed {
        conv: crate::protocol::Conv::dm("me_", "bob"),
        label: "bob".into(),
        count: 1,
    });
    assert_eq!(m.lines(&Conv::Dm("bob".into()))[0].kind, LineKind::Divider);
    m.apply(Event::HostRestarted { started_at: 0 });
    // Every conversation says so: the DM's history was at the host too.
    for conv in [Conv::Lobby, Conv::Dm("bob".into())] {
        let last = m.lines(&conv).last().unwrap();
        assert_eq!(last.kind, LineKind::Divider);
        assert!(last.body.starts_with("The host restarted"), "{conv:?}");
    }
}

#[test]
fn after_a_resume_new_messages_start_with_a_divider_once() {
    let mut m = connected();
    lobby_message(&mut m, "seen");
    m.apply(Event::Reconnecting {
        attempt: 1,
        delay_ms: 250,
    });
    m.apply(Event::Reconnected { resumed: true });
    lobby_message(&mut m, "while away 1");
    lobby_message(&mut m, "while away 2");
    let l = m.lines(&Conv::Lobby);
    let bodies: Vec<&str> = l.iter().map(|l| l.body.as_str()).collect();
    assert_eq!(
        bodies,
        ["seen", "reconnected", NEW_MESSAGES, "while away 1", "while away 2"]
    );
    assert_eq!(l[2].kind, LineKind::Divider);
    // Without a resume (a new session), no divider.
    let mut m = connected();
    m.apply(Event::Reconnected { resumed: false });
    lobby_message(&mut m, "x");
    assert!(m.lines(&Conv::Lobby).iter().all(|l| l.kind != LineKind::Divider));
}

/// A reconnect says Connected and RoomJoined again: the conversation being typed in
/// and an open dialog stay. Before, the window switched to the room (a DM being typed
/// went there) and closed the dialog. A new connection starts clean: before, a host
/// given up on left its rooms and DMs on screen for the next one.
#[test]
fn a_reconnect_keeps_the_open_conversation_and_a_new_connection_starts_clean() {
    let mut m = connected();
    let r = Uuid::new_v4();
    let joined = |m: &mut Model| {
        m.apply(Event::RoomJoined {
            room_id: r,
            name: "ops".into(),
            members: vec![],
        })
    };
    joined(&mut m);
    m.open(Conv::Dm("bob".into()));
    m.apply(Event::SafetyNumber {
        name: "bob".into(),
        number: crate::crypto::Fingerprint([1; 32]),
        verified: false,
    });
    m.apply(Event::Reconnecting {
        attempt: 1,
        delay_ms: 500,
    });
    m.apply(Event::Connected {
        me: "me_".into(),
        host: "127.0.0.1:3000".into(),
    });
    joined(&mut m);
    assert_eq!(m.current, Conv::Dm("bob".into()));
    assert!(matches!(m.dialog, Some(Dialog::Verify { .. })));

    m.apply(Event::Connecting {
        target: "10.0.0.9:3000".into(),
    });
    assert!(m.joined.is_empty() && m.dialog.is_none());
    assert_eq!(m.current, Conv::Lobby);
}

/// A toast holding a failed message's whole text is cut, so its close button stays
/// on the screen.
#[test]
fn a_long_toast_is_cut() {
    let mut m = Model::default();
    m.toast("é".repeat(10_000));
    assert_eq!(m.toasts[0].1.chars().count(), MAX_TOAST_CHARS + 1);
    assert!(m.toasts[0].1.ends_with('…'));
}

#[test]
fn what_is_read_now_is_the_open_conversation_while_the_window_has_the_focus() {
    use crate::service::FileTarget;
    let mut m = connected();
    m.set_focused(false);
    m.open(Conv::Dm("bob".into()));
    assert_eq!(m.read_now(), None, "nothing is read in a window without the focus");
    m.set_focused(true);
    assert!(matches!(m.read_now(), Some(FileTarget::Dm(name)) if name == "bob"));
    m.open(Conv::Lobby);
    assert!(matches!(m.read_now(), Some(FileTarget::Room(None))));
}

#[test]
fn a_conversation_keeps_its_newest_lines_up_to_the_cap() {
    let mut m = connected();
    for i in 0..MAX_LINES_PER_CONV * 2 + 7 {
        lobby_message(&mut m, &format!("m{i}"));
        let n = m.lines(&Conv::Lobby).len();
        assert!(n <= MAX_LINES_PER_CONV, "{n} lines kept");
    }
    let l = m.lines(&Conv::Lobby);
    assert!(l.len() >= MAX_LINES_PER_CONV * 9 / 10);
    assert_eq!(l.last().unwrap().body, format!("m{}", MAX_LINES_PER_CONV * 2 + 6));
    assert!(!l.iter().any(|l| l.body == "m0"), "the oldest went first");
}
