//! The start screen: Host or Join, Direct or QUIC (iroh), nickname, port or
//! address/ticket, with inline validation before anything is sent.

use super::state::AppState;
use crate::protocol::{Invite, looks_like_invite, validate_username};
use crate::service::{Command, HostConfig};
use crate::service::{IrohOptions, looks_like_address, parse_ticket};
use crate::trust::prefs::Prefs;
use dioxus::prelude::*;
use std::net::{IpAddr, Ipv4Addr};

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Host,
    Join,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Direct,
    Quic,
}

/// What is wrong with a nickname, if anything (empty is not yet an error to show).
pub fn nickname_problem(nick: &str) -> Option<String> {
    if nick.is_empty() {
        return None;
    }
    validate_username(nick).err().map(|e| capitalize(&e.to_string()))
}

/// What is wrong with a port field, if anything.
pub fn port_problem(port: &str) -> Option<String> {
    match port.trim().parse::<u16>() {
        Ok(p) if p >= 1 => None,
        _ => Some("Port must be a number from 1 to 65535".into()),
    }
}

/// What is wrong with an invite, address or ticket for the chosen mode, if anything.
/// An invite works in either mode (it says how to reach the host).
pub fn target_problem(target: &str, quic: bool) -> Option<String> {
    let t = target.trim();
    if t.is_empty() {
        return None;
    }
    if looks_like_invite(t) {
        return Invite::decode(t)
            .err()
            .map(|_| "This invite is damaged or altered: ask the host for a new one".to_string());
    }
    if quic {
        parse_ticket(t)
            .err()
            .map(|_| "Paste the host's ticket (it starts with \"endpoint\")".to_string())
    } else if looks_like_address(t) {
        None
    } else {
        Some("Use IP:PORT, [IPv6]:PORT or HOSTNAME:PORT".into())
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[component]
pub fn StartScreen() -> Element {
    let state = use_context::<AppState>();
    let tx = use_coroutine_handle::<Command>();
    let prefs = state.prefs.read().clone();
    let mut role = use_signal(|| Role::Join);
    let mut mode = use_signal(|| if prefs.mode == "quic" { Mode::Quic } else { Mode::Direct });
    let mut nick = use_signal(|| prefs.nickname.clone());
    let mut port = use_signal(|| {
        if prefs.port.is_empty() {
            "3000".to_string()
        } else {
            prefs.port.clone()
        }
    });
    let mut target = use_signal(|| prefs.address.clone());

    let quic = mode() == Mode::Quic;
    let nick_err = nickname_problem(&nick());
    let port_err = port_problem(&port());
    let target_err = target_problem(&target(), quic);
    let nick_ok = !nick().is_empty() && nick_err.is_none();
    let can_host = nick_ok && (quic || port_err.is_none());
    let can_join = nick_ok && !target().trim().is_empty() && target_err.is_none();

    let remember = move || Prefs {
        nickname: nick(),
        address: target(),
        port: port(),
        mode: if mode() == Mode::Quic {
            "quic".into()
        } else {
            "direct".into()
        },
        ..state.prefs.read().clone()
    };
    let start_host = move |_| {
        if !can_host {
            return;
        }
        state.remember(remember());
        let cfg = HostConfig {
            bind: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            port: port().trim().parse().unwrap_or(3000),
            direct: !quic,
            iroh: quic.then(IrohOptions::from_env),
            name: Some(nick()),
            options: Default::default(),
        };
        tx.send(Command::StartHost(cfg));
    };
    let connect = move |_| {
        if !can_join {
            return;
        }
        state.remember(remember());
        tx.send(Command::Connect {
            target: target().trim().to_string(),
            name: nick(),
            net: IrohOptions::from_env(),
        });
    };

    rsx! {
        div { class: "start",
            div { class: "card",
                h1 { class: "brand", "Severus" }
                p { class: "tagline", "Private chat you host yourself. Encrypted twice, pinned on first use." }
                div { class: "segmented", role: "tablist",
                    button { id: "tab-join", class: if role() == Role::Join { "on" }, onclick: move |_| role.set(Role::Join), "Join" }
                    button { id: "tab-host", class: if role() == Role::Host { "on" }, onclick: move |_| role.set(Role::Host), "Host" }
                }
                div { class: "segmented small",
                    button { id: "mode-direct", class: if !quic { "on" }, onclick: move |_| mode.set(Mode::Direct), "Direct" }
                    button { id: "mode-quic", class: if quic { "on" }, onclick: move |_| mode.set(Mode::Quic), "QUIC (iroh)" }
                }
                p { class: "hint",
                    if quic { "Works behind home routers: the host shares a ticket." } else { "Same network, or a forwarded port: the host shares IP:PORT." }
                }
                label { r#for: "nick", "Nickname" }
                input { id: "nick", value: "{nick}", placeholder: "letters, digits, _ - .", maxlength: 64,
                    oninput: move |e| nick.set(e.value()) }
                if let Some(err) = nick_err { p { class: "field-error", id: "nick-error", "{err}" } }
                if role() == Role::Host {
                    if !quic {
                        label { r#for: "port", "Port" }
                        input { id: "port", value: "{port}", inputmode: "numeric", oninput: move |e| port.set(e.value()) }
                        if let Some(err) = port_err.clone() { p { class: "field-error", id: "port-error", "{err}" } }
                    }
                    button { id: "start-host", class: "primary", disabled: !can_host, onclick: start_host, "Start Host" }
                } else {
                    label { r#for: "target", if quic { "Invite or ticket" } else { "Invite or address" } }
                    div { class: "with-button",
                        input { id: "target", value: "{target}", placeholder: if quic { "sev1… or endpoint…" } else { "sev1… or 192.168.1.20:3000" },
                            autocomplete: "off", spellcheck: false,
                            oninput: move |e| target.set(e.value()),
                            onkeydown: move |e: KeyboardEvent| if e.key() == Key::Enter && !e.is_composing() { connect(()) } }
                        button { id: "paste", class: "small", title: "Paste from the clipboard",
                            onclick: move |_| {
                                spawn(async move {
                                    let js = "return navigator.clipboard ? await navigator.clipboard.readText() : ''";
                                    if let Ok(serde_json::Value::String(t)) = document::eval(js).await
                                        && !t.trim().is_empty()
                                    {
                                        target.set(t.trim().to_string());
                                    }
                                });
                            },
                            "Paste"
                        }
                    }
                    if let Some(err) = target_err { p { class: "field-error", id: "target-error", "{err}" } }
                    button { id: "connect", class: "primary", disabled: !can_join, onclick: move |_| connect(()), "Connect" }
                }
            }
        }
    }
}
