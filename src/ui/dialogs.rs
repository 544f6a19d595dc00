//! Trust dialogs. First contact: the grouped fingerprint with Trust / Cancel; never
//! times out. Changed identity: a red warning with old and new, no one-click trust,
//! and the way out (forget, then join by a new invite). Verify: a safety number.

use super::model::Dialog;
use super::state::AppState;
use crate::crypto::Fingerprint;
use crate::service::Command;
use dioxus::prelude::*;

#[component]
pub fn DialogLayer() -> Element {
    let state = use_context::<AppState>();
    let dialog = state.model.read().dialog.clone();
    match dialog {
        None => rsx! {},
        Some(Dialog::NeedsTrust { host, identity }) => rsx! { TrustDialog { host, fingerprint: identity.fingerprint } },
        Some(Dialog::Changed { host, old, new }) => rsx! { ChangedDialog { host, old, new } },
        Some(Dialog::Verify { name, number, verified }) => rsx! { VerifyDialog { name, number, verified } },
        Some(Dialog::Settings) => rsx! { super::settings::SettingsDialog {} },
    }
}

#[component]
fn VerifyDialog(name: String, number: Fingerprint, verified: bool) -> Element {
    let mut state = use_context::<AppState>();
    let tx = use_coroutine_handle::<Command>();
    let qr = super::host_panel::qr_svg(&format!("severus-safety:{}", hex::encode(number.0)));
    let n = name.clone();
    rsx! {
        div { class: "overlay",
            div { class: "dialog", role: "dialog", aria_modal: "true", id: "verify-dialog",
                h2 { "Verify {name}" }
                p { "Compare this safety number with {name}, in person or by phone (or scan each other's code). If it is the same on both screens, nobody, not even the host, stands between your keys." }
                FingerprintGrid { id: "safety-number", fingerprint: number }
                if let Some(svg) = qr {
                    div { class: "qr", id: "safety-qr", title: "Safety number", dangerous_inner_html: "{svg}" }
                }
                if verified {
                    p { class: "verified-note", id: "verify-state", "✓ You verified {name}." }
                }
                div { class: "actions",
                    button { id: "verify-close", onclick: move |_| state.model.write().dialog = None, "Close" }
                    if !verified {
                        button { id: "verify-mark", class: "primary",
                            onclick: move |_| tx.send(Command::MarkVerified { name: n.clone() }), "Mark verified" }
                    }
                }
            }
        }
    }
}

#[component]
fn FingerprintGrid(id: String, fingerprint: Fingerprint) -> Element {
    rsx! {
        div { class: "fp-grid", id: "{id}",
            for (i, g) in fingerprint.groups().into_iter().enumerate() { span { key: "{i}", "{g}" } }
        }
    }
}

#[component]
fn TrustDialog(host: String, fingerprint: Fingerprint) -> Element {
    let mut state = use_context::<AppState>();
    let tx = use_coroutine_handle::<Command>();
    let h = host.clone();
    rsx! {
        div { class: "overlay",
            div { class: "dialog", role: "dialog", aria_modal: "true", id: "trust-dialog",
                h2 { "New host" }
                p { "You have never connected to " span { class: "mono", "{host}" } " before. Ask the host for their fingerprint (by phone or in person) and check it matches:" }
                FingerprintGrid { id: "trust-fingerprint", fingerprint }
                p { class: "muted", "If it matches, trust it: Severus remembers it and warns you if it ever changes." }
                div { class: "actions",
                    button { id: "trust-cancel", onclick: move |_| {
                        let mut m = state.model.write();
                        m.dialog = None;
                        m.screen = super::model::Screen::Start;
                    }, "Cancel" }
                    button { id: "trust-accept", class: "primary", onclick: move |_| {
                        let identity = match &state.model.read().dialog {
                            Some(Dialog::NeedsTrust { identity, .. }) => Some(identity.clone()),
                            _ => None,
                        };
                        if let Some(identity) = identity {
                            tx.send(Command::Trust { host: h.clone(), identity });
                        }
                        state.model.write().dialog = None;
                    }, "Trust" }
                }
            }
        }
    }
}

#[component]
fn ChangedDialog(host: String, old: Fingerprint, new: Fingerprint) -> Element {
    let mut state = use_context::<AppState>();
    let tx = use_coroutine_handle::<Command>();
    let h = host.clone();
    rsx! {
        div { class: "overlay",
            div { class: "dialog danger", role: "alertdialog", aria_modal: "true", id: "changed-dialog",
                h2 { "Warning: host identity changed" }
                p { "The host at " span { class: "mono", "{host}" } " is not presenting the identity you trusted before. Someone may be intercepting your connection. Nothing was sent." }
                p { class: "label", "Trusted before" }
                FingerprintGrid { id: "old-fingerprint", fingerprint: old }
                p { class: "label", "Presented now" }
                FingerprintGrid { id: "new-fingerprint", fingerprint: new }
                p { "Only if the host tells you, in person or by phone, that they reset their keys: forget the old identity (here, or with " code { "severus forget {host}" } "), ask them for a new invite and join with it: the invite carries their new fingerprint." }
                div { class: "actions",
                    button { id: "changed-forget", onclick: move |_| {
                        tx.send(Command::Forget { host: h.clone() });
                        let mut m = state.model.write();
                        m.dialog = None;
                        m.screen = super::model::Screen::Start;
                        m.toast("Forgotten. Paste the host's new invite to join again.");
                    }, "Forget and join by a new invite" }
                    button { id: "changed-close", class: "primary", onclick: move |_| {
                        let mut m = state.model.write();
                        m.dialog = None;
                        m.screen = super::model::Screen::Start;
                    }, "Close" }
                }
            }
        }
    }
}
