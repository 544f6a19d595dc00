//! What asks for the user's attention: notifications in the background for DMs and
//! mentions (unless muted), the unread count in the title, read marks and typing notes.

use super::*;

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
    let lobby = from_bob;
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
    let id = queued(&mut m, "hi");
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
