//! Component tests: render each screen from a given state (server-side, no window) and
//! check what a user would see.

use super::model::{Conv, Delivery, Dialog, HostInfo, Line, LineKind, LinkState, Model, Screen};
use super::{AppState, Shell};
use crate::crypto::Identity;
use crate::protocol::UserInfo;
use crate::service::Command;
use crate::trust::prefs::Prefs;
use dioxus::prelude::*;
use uuid::Uuid;

#[component]
fn Harness(model: Model, prefs: Prefs) -> Element {
    use_context_provider(|| AppState::new(model.clone(), prefs.clone(), None));
    use_coroutine(|_rx: UnboundedReceiver<Command>| async {});
    rsx! { Shell {} }
}

fn render_with(model: Model, prefs: Prefs) -> String {
    let mut dom = VirtualDom::new_with_props(Harness, HarnessProps { model, prefs });
    dom.rebuild_in_place();
    dioxus_ssr::render(&dom)
}

fn render(model: Model) -> String {
    render_with(model, Prefs::default())
}

fn line(from: &str, body: &str, own: bool, delivery: Delivery) -> Line {
    Line {
        id: Some(Uuid::new_v4()),
        from: from.into(),
        body: body.into(),
        time: "12:34".into(),
        own,
        kind: LineKind::Chat,
        delivery,
        flagged: false,
    }
}

fn chat_model() -> Model {
    let me = UserInfo {
        name: "alice".into(),
        away: false,
    };
    let bob = UserInfo {
        name: "bob".into(),
        away: true,
    };
    let mut m = Model {
        screen: Screen::Chat,
        link: LinkState::Online,
        ping_ms: Some(42),
        me: Some(me.name.clone()),
        ..Model::default()
    };
    m.users = vec![me, bob];
    m.convs.insert(
        Conv::Lobby,
        vec![
            line("bob", "hello alice", false, Delivery::Delivered),
            line("alice", "on its way", true, Delivery::Pending),
            line("alice", "too fast", true, Delivery::Failed("slow down".into())),
            Line {
                id: None,
                from: String::new(),
                body: "carol joined".into(),
                time: "12:35".into(),
                own: false,
                kind: LineKind::System,
                delivery: Delivery::Delivered,
                flagged: false,
            },
        ],
    );
    m.convs.insert(
        Conv::Dm("bob".into()),
        vec![line("bob", "psst", false, Delivery::Delivered)],
    );
    m.unread.insert(Conv::Dm("bob".into()), 3);
    m
}

#[test]
fn start_screen_has_the_form_with_connect_disabled_until_valid() {
    let html = render(Model::default());
    for want in [
        "Severus",
        "Join",
        "Host",
        "Direct",
        "QUIC (iroh)",
        "Nickname",
        "Invite or address",
        "Connect",
    ] {
        assert!(html.contains(want), "missing {want}: {html}");
    }
    assert!(
        html.contains(r#"id="connect""#) && html.contains("disabled=true"),
        "{html}"
    );
}

#[test]
fn start_screen_shows_validation_and_remembered_values() {
    let prefs = Prefs {
        nickname: "a b".into(),
        address: "nonsense".into(),
        ..Prefs::default()
    };
    let html = render_with(Model::default(), prefs);
    assert!(html.contains("may only contain letters"), "{html}");
    assert!(html.contains("Use IP:PORT"), "{html}");
    let ok = Prefs {
        nickname: "alice".into(),
        address: "127.0.0.1:3000".into(),
        ..Prefs::default()
    };
    let html = render_with(Model::default(), ok);
    assert!(
        html.contains(r#"value="alice""#) && html.contains(r#"value="127.0.0.1:3000""#),
        "{html}"
    );
    assert!(!html.contains("field-error"), "{html}");
}

#[test]
fn connecting_shows_a_spinner_with_the_target() {
    let html = render(Model {
        screen: Screen::Connecting {
            target: "10.0.0.2:3000".into(),
        },
        ..Model::default()
    });
    assert!(html.contains("spinner") && html.contains("10.0.0.2:3000"), "{html}");
    assert!(
        html.contains(r#"id="cancel-connect""#) && html.contains(">Cancel<"),
        "{html}"
    );
}

#[test]
fn chat_shows_senders_pending_failures_system_lines_and_unread() {
    let html = render(chat_model());
    for want in [
        "hello alice",
        "on its way",
        "too fast",
        "Not delivered: slow down",
        "carol joined",
        "42 ms",
        "Members (2)",
        "alice (you)",
    ] {
        assert!(html.contains(want), "missing {want}: {html}");
    }
    assert!(html.contains("line own pending"), "pending own message is marked");
    assert!(html.contains("line own failed"));
    assert!(html.contains(r#"class="badge">3<"#), "unread count on the DM: {html}");
    assert!(html.contains("@ bob"));
    assert!(html.contains(r#"id="disconnect""#));
    assert!(
        html.contains(r#"<li class="away""#) && html.contains("away · DM"),
        "bob is away: {html}"
    );
}

#[test]
fn dividers_render_across_the_conversation() {
    let mut m = chat_model();
    m.convs.get_mut(&Conv::Lobby).unwrap().push(Line {
        id: None,
        from: String::new(),
        body: "3 messages missed: the host no longer had them".into(),
        time: "12:36".into(),
        own: false,
        kind: LineKind::Divider,
        delivery: Delivery::Delivered,
        flagged: false,
    });
    let html = render(m);
    assert!(
        html.contains(r#"<div class="divider" role="separator"><span>3 messages missed"#),
        "{html}"
    );
}

#[test]
fn lost_link_is_shown_in_the_header_and_the_composer_is_disabled() {
    let mut m = chat_model();
    m.link = LinkState::Lost("the host closed the connection".into());
    let html = render(m);
    assert!(html.contains("Disconnected: the host closed the connection"), "{html}");
    assert!(html.contains(r#"id="composer""#) && html.contains("disabled=true"));
}

#[test]
fn trust_dialog_shows_the_grouped_fingerprint_with_trust_and_cancel() {
    let id = Identity::generate().unwrap();
    let mut m = Model {
        screen: Screen::Connecting { target: "h".into() },
        ..Model::default()
    };
    m.dialog = Some(Dialog::NeedsTrust {
        host: "127.0.0.1:3000".into(),
        identity: id.host_identity(),
    });
    let html = render(m);
    assert!(html.contains("trust-dialog") && html.contains("Trust") && html.contains("Cancel"));
    for g in id.fingerprint().groups() {
        assert!(html.contains(&format!(">{g}<")), "group {g}: {html}");
    }
}

#[test]
fn changed_identity_dialog_is_red_with_both_fingerprints_and_no_trust_button() {
    let old = Identity::generate().unwrap().fingerprint();
    let new = Identity::generate().unwrap().fingerprint();
    let m = Model {
        dialog: Some(Dialog::Changed {
            host: "127.0.0.1:3000".into(),
            old,
            new,
        }),
        ..Model::default()
    };
    let html = render(m);
    assert!(
        html.contains("dialog danger") && html.contains("host identity changed"),
        "{html}"
    );
    assert!(html.contains(&old.groups()[0]) && html.contains(&new.groups()[15]));
    assert!(!html.contains("trust-accept"), "no one-click trust");
    assert!(html.contains("severus forget 127.0.0.1:3000"));
    assert!(
        html.contains(r#"id="changed-forget""#),
        "the way out: forget, then a new invite"
    );
}

#[test]
fn host_panel_shows_address_ticket_qr_fingerprint_and_members() {
    let mut m = chat_model();
    let fp = Identity::generate().unwrap().fingerprint();
    m.hosting = Some(HostInfo {
        direct: Some("0.0.0.0:3000".into()),
        ticket: Some("endpointabc".into()),
        fingerprint: fp.to_string(),
        members: 2,
        ..HostInfo::default()
    });
    let html = render(m);
    for want in [
        "0.0.0.0:3000",
        "endpointabc",
        "<svg",
        "2 connected",
        "Messages/s",
        "Stop hosting",
        &fp.groups()[3],
    ] {
        assert!(html.contains(want), "missing {want}: {html}");
    }
}

#[test]
fn toasts_are_listed_with_a_dismiss_button() {
    let mut m = Model::default();
    m.toast("Could not connect: refused");
    let html = render(m);
    assert!(
        html.contains("Could not connect: refused") && html.contains("Dismiss"),
        "{html}"
    );
}
