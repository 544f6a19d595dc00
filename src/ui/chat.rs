//! The chat screen: header (state, ping, disconnect), a sidebar (host panel,
//! conversations with unread counts, rooms, members) that is a drawer on phones, the
//! message list and the composer.

use super::composer::Composer;
use super::host_panel::HostPanel;
use super::model::{Conv, Delivery, Line, LineKind, LinkState};
use super::state::AppState;
use crate::protocol::name_key;
use crate::service::Command;
use crate::service::PathKind;
use dioxus::prelude::*;

#[component]
pub fn ChatScreen() -> Element {
    let mut drawer = use_signal(|| false);
    rsx! {
        div { class: if drawer() { "chat drawer-open" } else { "chat" },
            Header { on_menu: move |_| drawer.toggle() }
            div { class: "scrim", onclick: move |_| drawer.set(false) }
            aside { id: "sidebar", class: "sidebar",
                onclick: move |_| drawer.set(false),
                HostPanel {}
                Conversations {}
                Members {}
            }
            main { class: "conversation",
                Messages {}
                Composer {}
            }
        }
    }
}

#[component]
fn Header(on_menu: EventHandler<()>) -> Element {
    let mut state = use_context::<AppState>();
    let tx = use_coroutine_handle::<Command>();
    let m = state.model.read();
    let title = m.conv_title(&m.current);
    let hosting = m.hosting.is_some();
    let (class, status) = match &m.link {
        LinkState::Online => {
            let mut s = "Connected".to_string();
            if let Some(ms) = m.ping_ms {
                s.push_str(&format!(" · {ms} ms"));
            }
            if let Some(p) = m.path {
                s.push_str(if p == PathKind::Direct {
                    " · direct"
                } else {
                    " · relayed"
                });
            }
            (
                if m.ping_ms.unwrap_or(0) > 150 {
                    "status slow"
                } else {
                    "status ok"
                },
                s,
            )
        }
        LinkState::Connecting => ("status busy", "Connecting…".to_string()),
        LinkState::Reconnecting { attempt } => ("status busy", format!("Reconnecting… (attempt {attempt})")),
        LinkState::Lost(r) => ("status lost", format!("Disconnected: {r}")),
        LinkState::Offline => ("status lost", "Offline".to_string()),
    };
    let me = m.me.clone().unwrap_or_default();
    let dm = match &m.current {
        Conv::Dm(_) => Some(title.clone()),
        _ => None,
    };
    let muted = m.muted.contains(&m.current);
    rsx! {
        header { class: "topbar",
            button { id: "menu", class: "icon menu-button", title: "Rooms and members", onclick: move |_| on_menu.call(()), "☰" }
            div { class: "title",
                h2 { id: "conv-title", "{title}" }
                span { id: "link-status", class: "{class}", "{status}" }
            }
            button { id: "mute-toggle", class: "small", title: if muted { "Notifications for {title} are off" } else { "Notify me of {title}" },
                onclick: move |_| {
                    let conv = state.model.read().current.clone();
                    state.model.write().toggle_mute(conv);
                }, if muted { "Unmute" } else { "Mute" } }
            button { id: "settings-open", class: "small", title: "Theme, notifications, receipts",
                onclick: move |_| state.model.write().dialog = Some(super::model::Dialog::Settings), "Settings" }
            if let Some(name) = dm {
                button { id: "verify-open", class: "small", title: "Compare safety numbers with {name}",
                    onclick: move |_| tx.send(Command::SafetyNumber { name: name.clone() }), "Verify" }
            }
            span { class: "me", "{me}" }
            if hosting {
                button { id: "stop-host", class: "danger", onclick: move |_| tx.send(Command::StopHost), "Stop hosting" }
            } else {
                button { id: "disconnect", onclick: move |_| tx.send(Command::Disconnect), "Disconnect" }
            }
        }
    }
}

#[component]
fn Conversations() -> Element {
    let state = use_context::<AppState>();
    let tx = use_coroutine_handle::<Command>();
    let mut room_name = use_signal(String::new);
    let m = state.model.read();
    let mut convs = vec![Conv::Lobby];
    convs.extend(m.joined.keys().map(|id| Conv::Room(*id)));
    convs.extend(m.convs.keys().filter(|c| matches!(c, Conv::Dm(_))).cloned());
    let others: Vec<_> = m
        .rooms
        .iter()
        .filter(|r| !m.joined.contains_key(&r.id))
        .cloned()
        .collect();
    let mut create = move |_| {
        let name = room_name().trim().to_string();
        if !name.is_empty() {
            tx.send(Command::JoinOrCreateRoom { name });
            room_name.set(String::new());
        }
    };
    rsx! {
        section { class: "panel",
            h3 { "Conversations" }
            ul { class: "list", id: "conversations",
                for c in convs {
                    ConvItem { key: "{c:?}", conv: c.clone() }
                }
            }
            if !others.is_empty() {
                h3 { "Other rooms" }
                ul { class: "list",
                    for r in others {
                        li { key: "{r.id}",
                            button { class: "row", onclick: move |_| tx.send(Command::JoinRoom { room: r.id.to_string() }),
                                span { "# {r.name}" }
                                span { class: "muted", "{r.members} · join" }
                            }
                        }
                    }
                }
            }
            div { class: "inline-form", onclick: move |e| e.stop_propagation(),
                input { id: "room-name", placeholder: "room name", value: "{room_name}",
                    oninput: move |e| room_name.set(e.value()),
                    onkeydown: move |e: KeyboardEvent| if e.key() == Key::Enter { create(()) } }
                button { id: "room-go", onclick: move |_| create(()), "Create / join" }
            }
        }
    }
}

/// Opens `conv`; what it shows is read now if the window has the focus (before, the
/// others saw no read receipt until the focus changed or a message came).
fn open_and_read(state: &mut AppState, tx: &Coroutine<Command>, conv: Conv) {
    let read = {
        let mut m = state.model.write();
        m.open(conv);
        m.read_now()
    };
    if let Some(conv) = read {
        tx.send(Command::MarkRead { conv });
    }
}

#[component]
fn ConvItem(conv: Conv) -> Element {
    let mut state = use_context::<AppState>();
    let tx = use_coroutine_handle::<Command>();
    let m = state.model.read();
    let title = m.conv_title(&conv);
    let unread = m.unread.get(&conv).copied().unwrap_or(0);
    let active = m.current == conv;
    let label = match &conv {
        Conv::Lobby => "# lobby".to_string(),
        Conv::Room(_) => format!("# {title}"),
        Conv::Dm(_) => format!("@ {title}"),
    };
    let room = if let Conv::Room(id) = &conv { Some(*id) } else { None };
    let c2 = conv.clone();
    rsx! {
        li { class: if active { "active" },
            button { class: "row", onclick: move |_| open_and_read(&mut state, &tx, c2.clone()),
                span { "{label}" }
                if unread > 0 { span { class: "badge", "{unread}" } }
            }
            if let Some(room_id) = room {
                button { class: "icon leave", title: "Leave {title}", onclick: move |e| {
                    e.stop_propagation();
                    tx.send(Command::LeaveRoom { room_id });
                }, "×" }
            }
        }
    }
}

#[component]
fn Members() -> Element {
    let mut state = use_context::<AppState>();
    let tx = use_coroutine_handle::<Command>();
    let m = state.model.read();
    let me = m.me.as_deref().map(name_key);
    let users = m.users.clone();
    let verified = m.verified.clone();
    let changed = m.changed.clone();
    rsx! {
        section { class: "panel",
            h3 { "Members ({users.len()})" }
            ul { class: "list", id: "members",
                for u in users {
                    li { key: "{u.name}", class: if u.away { "away" },
                        if Some(name_key(&u.name)) == me {
                            span { class: "row muted", span { span { class: "dot" } "{u.name} (you)" } }
                        } else {
                            button { class: "row", title: if u.away { "Away: messages wait for their return" } else { "Direct message" },
                                onclick: move |_| open_and_read(&mut state, &tx, Conv::Dm(name_key(&u.name))),
                                span { span { class: "dot" } "{u.name}"
                                    if changed.contains(&name_key(&u.name)) {
                                        span { class: "changed-badge", title: "Safety number changed: verify again", "!" }
                                    } else if verified.contains(&name_key(&u.name)) {
                                        span { class: "verified-badge", title: "Verified", "✓" }
                                    }
                                }
                                span { class: "muted", if u.away { "away · DM" } else { "DM" } }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[component]
fn Messages() -> Element {
    let state = use_context::<AppState>();
    let m = state.model.read();
    let lines: Vec<Line> = m.lines(&m.current).to_vec();
    let count = lines.len();
    use_effect(use_reactive!(|count| {
        let _ = count;
        document::eval("let m = document.getElementById('messages'); if (m) { m.scrollTop = m.scrollHeight; }");
    }));
    rsx! {
        div { id: "messages", class: "messages", role: "log",
            if lines.is_empty() { p { class: "empty", "No messages yet. Say hello!" } }
            for (i, l) in lines.into_iter().enumerate() {
                MessageLine { key: "{i}", line: l }
            }
            TypingNote {}
        }
    }
}

/// "ana is typing…" under the open conversation, gone 6 s after the last note (a
/// timer only while someone types).
#[component]
fn TypingNote() -> Element {
    let mut state = use_context::<AppState>();
    let _expire = use_resource(move || async move {
        let next = state
            .model
            .read()
            .typing
            .values()
            .flat_map(|t| t.values().copied())
            .min();
        let Some(until) = next else { return };
        let wait = until.saturating_sub(crate::service::now_ms());
        tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
        let now = crate::service::now_ms();
        let mut m = state.model.write();
        for t in m.typing.values_mut() {
            t.retain(|_, until| *until > now);
        }
        m.typing.retain(|_, t| !t.is_empty());
    });
    let m = state.model.read();
    let names: Vec<String> = m
        .typing
        .get(&m.current)
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default();
    if names.is_empty() {
        return rsx! {};
    }
    let text = match names.as_slice() {
        [one] => format!("{one} is typing…"),
        many => format!("{} are typing…", many.join(", ")),
    };
    rsx! { div { class: "typing", id: "typing", role: "status", "{text}" } }
}

#[component]
fn MessageLine(line: Line) -> Element {
    match line.kind {
        LineKind::System => {
            return rsx! { div { class: "line system", span { class: "time", "{line.time}" } span { "{line.body}" } } };
        }
        LineKind::Divider => {
            return rsx! { div { class: "divider", role: "separator", span { "{line.body}" } } };
        }
        LineKind::File(transfer) => {
            return rsx! { super::files::FileCard { transfer } };
        }
        LineKind::Warning => {
            return rsx! { div { class: "line warning", role: "alert", span { class: "time", "{line.time}" } span { "{line.body}" } } };
        }
        LineKind::Chat => {}
    }
    let (class, mark, title) = match &line.delivery {
        Delivery::Pending => ("line own pending", "…", "sending".to_string()),
        Delivery::Delivered if line.own => ("line own", "✓", "sent".to_string()),
        Delivery::Received if line.own => ("line own received", "✓✓", "delivered".to_string()),
        Delivery::Read if line.own => ("line own read", "✓✓", "read".to_string()),
        Delivery::Delivered | Delivery::Received | Delivery::Read => ("line", "", String::new()),
        Delivery::Failed(r) => ("line own failed", "!", format!("not delivered: {r}")),
    };
    let class = if line.flagged {
        format!("{class} flagged")
    } else {
        class.to_string()
    };
    rsx! {
        div { class: "{class}",
            div { class: "meta",
                span { class: "from", "{line.from}" }
                if line.flagged { span { class: "flag", title: "Their safety number changed since you verified them", "unverified" } }
                span { class: "time", "{line.time}" }
            }
            div { class: "bubble", "{line.body}" span { class: "mark", title: "{title}", "{mark}" } }
            if let super::model::Delivery::Failed(r) = &line.delivery { div { class: "fail-reason", "Not delivered: {r}" } }
        }
    }
}
