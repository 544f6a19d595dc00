//! Errors as dismissible toasts.

use super::state::AppState;
use dioxus::prelude::*;

#[component]
pub fn Toasts() -> Element {
    let mut state = use_context::<AppState>();
    let toasts = state.model.read().toasts.clone();
    rsx! {
        div { class: "toasts", role: "status", aria_live: "polite",
            for (id, text) in toasts {
                div { key: "{id}", class: "toast",
                    span { "{text}" }
                    button { class: "icon", title: "Dismiss", onclick: move |_| state.model.write().dismiss(id), "×" }
                }
            }
        }
    }
}
