//! How events change what the window shows.

use super::files::FileState;
use super::*;
use crate::protocol::UserInfo;
use crate::service::StatsSnapshot;

fn connected() -> Model {
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
    let id = Uuid::new_v4();
    m.apply(Event::Queued {
        id,
        room_id: None,
        to: None,
        text: "hi".into(),
    });
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
    let id = Uuid::new_v4();
    m.apply(Event::Queued {
        id,
        room_id: None,
        to: None,
        text: "x".into(),
    });
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
    m.apply(Event::RoomLeft {
        room_id: r,
        name: "ops".into(),
    });
    assert_eq!(m.current, Conv::Lobby);
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

fn lobby_message(m: &mut Model, body: &str) {
    m.apply(Event::Message {
        id: Uuid::new_v4(),
        room_id: None,
        room_name: "lobby".into(),
        from: "bob".into(),
        body: body.into(),
        own: false,
        at: 0,
    });
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
    let last = m.lines(&Conv::Lobby).last().unwrap();
    assert_eq!(last.kind, LineKind::Divider);
    assert!(last.body.starts_with("The host restarted"));
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

fn offer(name: &str, size: u64, media_type: &str) -> crate::group::FileOffer {
    crate::group::FileOffer {
        transfer: Uuid::new_v4(),
        name: name.into(),
        size,
        media_type: media_type.into(),
        sha256: vec![0; 32],
        key: vec![0; 32],
    }
}

#[test]
fn files_show_as_cards_that_move_save_and_fail() {
    let mut m = connected();
    // A small picture comes by itself; a document waits for a click.
    let pic = offer("cat.png", 200_000, "image/png");
    let doc = offer("report.pdf", 3_000_000, "application/pdf");
    let big = offer("huge.png", 20 << 20, "image/png");
    for o in [&pic, &doc, &big] {
        m.apply(Event::FileOffered {
            id: Uuid::new_v4(),
            conv: crate::protocol::Conv::LOBBY,
            label: "lobby".into(),
            from: "bob".into(),
            own: false,
            offer: o.clone(),
            at: 0,
        });
    }
    assert_eq!(
        m.fetch,
        vec![pic.transfer],
        "only the small picture is fetched by itself"
    );
    let kinds: Vec<LineKind> = m.lines(&Conv::Lobby).iter().map(|l| l.kind).collect();
    assert_eq!(
        kinds,
        [
            LineKind::File(pic.transfer),
            LineKind::File(doc.transfer),
            LineKind::File(big.transfer)
        ]
    );
    assert!(matches!(
        m.files[&pic.transfer].state,
        FileState::Moving { done: 0, .. }
    ));
    assert_eq!(m.files[&doc.transfer].state, FileState::Offered);
    // Progress with speed, then saved.
    m.file_progress(pic.transfer, 0, 1_000);
    m.file_progress(pic.transfer, 100_000, 2_000);
    assert_eq!(
        m.files[&pic.transfer].state,
        FileState::Moving {
            done: 100_000,
            bytes_per_sec: 100_000
        }
    );
    assert_eq!(m.files[&pic.transfer].fraction(), Some(0.5));
    m.apply(Event::FileSaved {
        transfer: pic.transfer,
        from: "bob".into(),
        name: "cat.png".into(),
        path: "/dl/cat.png".into(),
    });
    assert_eq!(
        m.files[&pic.transfer].state,
        FileState::Saved {
            path: "/dl/cat.png".into()
        }
    );
    // The document: asked for, then the sender is gone.
    m.file_requested(doc.transfer);
    m.apply(Event::FileFailed {
        transfer: doc.transfer,
        name: "report.pdf".into(),
        reason: "no longer available: the sender left".into(),
        sending: false,
    });
    assert_eq!(
        m.files[&doc.transfer].state,
        FileState::Failed {
            reason: "no longer available: the sender left".into()
        }
    );
    // Cancel stops a download; a refused send (never offered) is a toast.
    m.file_requested(big.transfer);
    m.file_cancelled(big.transfer);
    assert!(matches!(m.files[&big.transfer].state, FileState::Failed { ref reason } if reason == "cancelled"));
    m.apply(Event::FileFailed {
        transfer: Uuid::nil(),
        name: "movie.mkv".into(),
        reason: "refused: the file is 101 MiB, over the host's 100 MiB limit".into(),
        sending: true,
    });
    assert!(
        m.toasts
            .iter()
            .any(|(_, t)| t.contains("over the host's 100 MiB limit"))
    );
    // Our own offer shows as sent, on our side.
    let mine = offer("notes.txt", 10, "text/plain");
    m.apply(Event::FileOffered {
        id: Uuid::new_v4(),
        conv: crate::protocol::Conv::LOBBY,
        label: "lobby".into(),
        from: "me_".into(),
        own: true,
        offer: mine.clone(),
        at: 0,
    });
    assert_eq!(m.files[&mine.transfer].state, FileState::Sent);
    assert!(m.lines(&Conv::Lobby).last().unwrap().own);
}

#[test]
fn notifications_only_in_the_background_for_dms_and_mentions_unless_muted() {
    let mut m = connected();
    m.notifications = true;
    let dm = Event::Dm {
        id: Uuid::new_v4(),
        from: "bob".into(),
        body: "are you there?".into(),
        at: 0,
    };
    let lobby = |body: &str| Event::Message {
        id: Uuid::new_v4(),
        room_id: None,
        room_name: "lobby".into(),
        from: "bob".into(),
        body: body.into(),
        own: false,
        at: 0,
    };
    m.set_focused(true);
    assert_eq!(m.notification(&dm), None, "the window has the focus");
    m.set_focused(false);
    assert_eq!(m.notification(&dm), Some(("bob".into(), "are you there?".into())));
    assert_eq!(m.notification(&lobby("hello all")), None, "no mention");
    assert_eq!(
        m.notification(&lobby("hey @ME_, look")),
        Some(("bob in lobby".into(), "hey @ME_, look".into()))
    );
    assert_eq!(m.notification(&lobby("@me_x is someone else")), None);
    m.toggle_mute(Conv::Dm("bob".into()));
    assert_eq!(m.notification(&dm), None, "muted");
    m.toggle_mute(Conv::Dm("bob".into()));
    m.notifications = false;
    assert_eq!(m.notification(&dm), None, "turned off");
    // The title counts what waits: unread elsewhere, unseen here while away.
    m.apply(lobby("one"));
    m.apply(dm.clone());
    assert_eq!(m.title(), "(2) Severus");
    m.set_focused(true);
    assert_eq!(m.title(), "(1) Severus");
}

#[test]
fn read_marks_and_typing_notes() {
    let mut m = connected();
    let id = Uuid::new_v4();
    m.apply(Event::Queued {
        id,
        room_id: None,
        to: None,
        text: "hi".into(),
    });
    m.apply(Event::Acked { id });
    assert_eq!(m.lines(&Conv::Lobby)[0].delivery, Delivery::Delivered);
    m.apply(Event::Seen {
        id,
        seen: crate::client::event::Seen::Delivered,
    });
    assert_eq!(m.lines(&Conv::Lobby)[0].delivery, Delivery::Received);
    m.apply(Event::Seen {
        id,
        seen: crate::client::event::Seen::Read,
    });
    assert_eq!(m.lines(&Conv::Lobby)[0].delivery, Delivery::Read);
    // Typing shows until the member's message comes (or 6 s pass, or they stop).
    let typing = |on| Event::Typing {
        conv: crate::protocol::Conv::LOBBY,
        label: "lobby".into(),
        from: "bob".into(),
        on,
    };
    m.apply(typing(true));
    let until = m.typing[&Conv::Lobby]["bob"];
    assert!(until > crate::service::now_ms() + TYPING_SHOWN_MS - 1000);
    lobby_message(&mut m, "done typing");
    assert!(
        !m.typing[&Conv::Lobby].contains_key("bob"),
        "their message ends the note"
    );
    m.apply(typing(true));
    m.apply(typing(false));
    assert!(!m.typing[&Conv::Lobby].contains_key("bob"));
}
