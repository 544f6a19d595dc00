//! Settings: the theme (light, dark, or the system's), notifications, and read
//! receipts (off hides them both ways). Remembered in prefs.

use super::state::AppState;
use crate::service::Command;
use dioxus::prelude::*;

#[component]
pub fn SettingsDialog() -> Element {
    let mut state = use_context::<AppState>();
    let tx = use_coroutine_handle::<Command>();
    let prefs = state.prefs.read().clone();
    let theme = prefs.theme.clone();
    let set = move |f: &dyn Fn(&mut crate::trust::prefs::Prefs)| {
        let mut p = state.prefs.read().clone();
        f(&mut p);
        state.remember(p);
    };
    let choice = |id: &'static str, label: &'static str, value: &'static str| {
        let on = theme == value;
        rsx! {
            button { id: "{id}", class: if on { "on" }, onclick: move |_| set(&|p| p.theme = value.to_string()), "{label}" }
        }
    };
    rsx! {
        div { class: "overlay",
            div { class: "dialog", role: "dialog", aria_modal: "true", id: "settings-dialog",
                h2 { "Settings" }
                p { class: "label", "Theme" }
                div { class: "segmented small",
                    {choice("theme-system", "System", "")}
                    {choice("theme-light", "Light", "light")}
                    {choice("theme-dark", "Dark", "dark")}
                }
                label { class: "check",
                    input { id: "set-notifications", r#type: "checkbox", checked: !prefs.quiet,
                        onchange: move |e: FormEvent| {
                            let on = e.checked();
                            state.model.write().notifications = on;
                            set(&|p| p.quiet = !on);
                        } }
                    "Notify me of direct messages and mentions while the window is in the background"
                }
                label { class: "check",
                    input { id: "set-receipts", r#type: "checkbox", checked: !prefs.no_receipts,
                        onchange: move |e: FormEvent| {
                            let on = e.checked();
                            tx.send(Command::SetReceipts { on });
                            set(&|p| p.no_receipts = !on);
                        } }
                    "Read receipts (off: others do not see when you read, and you do not see when they do)"
                }
                div { class: "actions",
                    button { id: "settings-close", class: "primary", onclick: move |_| state.model.write().dialog = None, "Done" }
                }
            }
        }
    }
}
