//! Files in the chat: a card per file (thumbnail or icon, name, size, a progress bar
//! with speed and Cancel, Download, Save as…, failure lines), the attach button, and
//! the full-size picture viewer.

use super::model::files::{FileItem, FileState, speed};
use super::state::AppState;
use crate::protocol::units::human;
use crate::service::Command;
use dioxus::prelude::*;
use uuid::Uuid;

#[component]
pub fn FileCard(transfer: Uuid) -> Element {
    let mut state = use_context::<AppState>();
    let tx = use_coroutine_handle::<Command>();
    let m = state.model.read();
    let Some(f) = m.files.get(&transfer).cloned() else {
        return rsx! {};
    };
    let thumb = m.thumbs.get(&transfer).cloned();
    drop(m);
    let class = if f.own { "file-card own" } else { "file-card" };
    let size = human(f.size);
    let saved = match &f.state {
        FileState::Saved { path } => Some(path.clone()),
        _ => None,
    };
    let open = move |_| {
        if let Some(path) = saved.clone() {
            spawn(async move {
                let made =
                    tokio::task::spawn_blocking(move || super::images::file_data_url(&path, super::images::VIEW_EDGE))
                        .await;
                let mut m = state.model.write();
                match made {
                    Ok(Ok(url)) => m.viewer = Some(url),
                    Ok(Err(e)) => m.toast(format!("Cannot show it: {e}")),
                    Err(e) => m.toast(format!("Cannot show it: {e}")),
                }
            });
        }
    };
    rsx! {
        div { class: "{class}", id: "file-{transfer}",
            div { class: "meta", span { class: "from", "{f.from}" } }
            div { class: "file-body",
                if let Some(url) = thumb {
                    img { class: "thumb", src: "{url}", alt: "{f.name}", title: "Open full size", onclick: open }
                } else {
                    div { class: "file-icon", DocIcon {} }
                }
                div { class: "file-info",
                    span { class: "file-name", "{f.name}" }
                    span { class: "muted", "{size}" }
                    FileStatus { item: f.clone() }
                }
            }
            FileActions { item: f, tx }
        }
    }
}

#[component]
fn FileStatus(item: FileItem) -> Element {
    match &item.state {
        FileState::Moving { done, bytes_per_sec } => {
            let pct = (item.fraction().unwrap_or(0.0) * 100.0).round() as u32;
            let what = if item.own { "sending" } else { "receiving" };
            let sp = speed(*bytes_per_sec);
            let d = human(*done);
            rsx! {
                progress { class: "file-progress", max: "{item.size}", value: "{done}" }
                span { class: "muted file-rate", "{what} {pct}% · {d} · {sp}" }
            }
        }
        FileState::Saved { .. } => rsx! { span { class: "ok", "Saved" } },
        FileState::Failed { reason } => {
            let what = if item.own { "Not sent" } else { "Not received" };
            rsx! { span { class: "fail-reason", "{what}: {reason}" } }
        }
        FileState::Sent => rsx! { span { class: "muted", "Sent" } },
        FileState::Offered => rsx! {},
    }
}

#[component]
fn FileActions(item: FileItem, tx: Coroutine<Command>) -> Element {
    let mut state = use_context::<AppState>();
    let t = item.transfer;
    rsx! {
        div { class: "file-actions",
            match &item.state {
                FileState::Offered => rsx! {
                    button { class: "small primary", id: "download-{t}", onclick: move |_| {
                        state.model.write().file_requested(t);
                        tx.send(Command::Download { transfer: t });
                    }, "Download" }
                },
                // A download that failed or was cancelled may be tried again (the
                // sender may be back); before, the card had no button left.
                FileState::Failed { .. } if !item.own => rsx! {
                    button { class: "small", id: "download-{t}", onclick: move |_| {
                        state.model.write().file_requested(t);
                        tx.send(Command::Download { transfer: t });
                    }, "Try again" }
                },
                FileState::Moving { .. } => rsx! {
                    button { class: "small", id: "cancel-{t}", onclick: move |_| {
                        state.model.write().file_cancelled(t);
                        tx.send(Command::CancelFile { transfer: t });
                    }, "Cancel" }
                },
                FileState::Saved { path } => {
                    let path = path.clone();
                    let name = item.name.clone();
                    rsx! {
                        button { class: "small", id: "save-{t}", title: "{path.display()}", onclick: move |_| save_as(state, path.clone(), name.clone()), "Save as…" }
                    }
                }
                _ => rsx! {},
            }
        }
    }
}

/// Copies a saved file where the user chooses (the native dialog on desktop; on a
/// phone the file stays in the app's downloads folder).
fn save_as(mut state: AppState, from: std::path::PathBuf, name: String) {
    #[cfg(all(feature = "desktop", not(target_os = "android")))]
    spawn(async move {
        let chosen = rfd::AsyncFileDialog::new().set_file_name(&name).save_file().await;
        if let Some(to) = chosen {
            let to = to.path().to_path_buf();
            // Off the UI thread: a large file would freeze the window while it copies.
            let target = to.clone();
            let copied = tokio::task::spawn_blocking(move || std::fs::copy(&from, &target)).await;
            let msg = match copied {
                Ok(Ok(_)) => format!("Saved {name} to {}", to.display()),
                Ok(Err(e)) => format!("Could not save {name}: {e}"),
                Err(e) => format!("Could not save {name}: {e}"),
            };
            state.model.write().toast(msg);
        }
    });
    #[cfg(not(all(feature = "desktop", not(target_os = "android"))))]
    state.model.write().toast(format!("{name} is in {}", from.display()));
}

/// The attach button: a native file picker; each chosen file goes to the open
/// conversation.
#[component]
pub fn Attach(on_file: EventHandler<std::path::PathBuf>) -> Element {
    rsx! {
        label { class: "attach", title: "Send a file", r#for: "attach-input", ClipIcon {} }
        input { id: "attach-input", class: "hidden-input", r#type: "file", multiple: true,
            onchange: move |e: FormEvent| {
                for f in e.files() {
                    on_file.call(f.path());
                }
            }
        }
    }
}

/// A picture open full size (made from its pixels, like the thumbnail).
#[component]
pub fn Viewer() -> Element {
    let mut state = use_context::<AppState>();
    let url = state.model.read().viewer.clone();
    match url {
        Some(u) => rsx! {
            div { class: "overlay viewer", id: "viewer", onclick: move |_| state.model.write().viewer = None,
                img { src: "{u}", alt: "picture" }
            }
        },
        _ => rsx! {},
    }
}

/// A document outline (drawn, so it shows without an emoji font).
#[component]
fn DocIcon() -> Element {
    rsx! {
        svg { width: "28", height: "28", view_box: "0 0 24 24", fill: "none", stroke: "currentColor", stroke_width: "1.6",
            path { d: "M6 2h8l4 4v16H6z" }
            path { d: "M14 2v4h4" }
            path { d: "M9 12h6M9 16h6" }
        }
    }
}

/// A paper clip.
#[component]
fn ClipIcon() -> Element {
    rsx! {
        svg { width: "20", height: "20", view_box: "0 0 24 24", fill: "none", stroke: "currentColor", stroke_width: "1.8",
            path { d: "M21 11.5l-8.5 8.5a5 5 0 0 1-7-7L14 4.5a3.5 3.5 0 0 1 5 5L10.5 18a2 2 0 0 1-3-3L15 7.5" }
        }
    }
}
