//! The composer: text (Enter sends, Shift+Enter is a new line), and files: the attach
//! button, a file dropped on the conversation, a picture pasted from the clipboard, or
//! `/file PATH` typed (as in the command line).

use super::files::Attach;
use super::model::{Conv, LinkState};
use super::state::AppState;
use crate::protocol::limits::MAX_BODY_LEN;
use crate::service::{Command, FileTarget};
use dioxus::html::HasFileData;
use dioxus::prelude::*;
use std::path::PathBuf;

/// Largest picture taken from the clipboard.
pub const MAX_PASTE_BYTES: usize = 10 * 1024 * 1024;

/// Listens for pasted pictures and hands their bytes (base64) to Rust.
const PASTE_JS: &str = r#"
document.addEventListener('paste', async (e) => {
  for (const item of (e.clipboardData || {}).items || []) {
    if (item.kind === 'file' && item.type.startsWith('image/')) {
      e.preventDefault();
      const buf = new Uint8Array(await item.getAsFile().arrayBuffer());
      let s = '';
      for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode.apply(null, buf.subarray(i, i + 0x8000));
      dioxus.send(btoa(s));
    }
  }
});
"#;

/// Where a file for the open conversation goes.
fn target(conv: &Conv, title: &str) -> FileTarget {
    match conv {
        Conv::Lobby => FileTarget::Room(None),
        Conv::Room(id) => FileTarget::Room(Some(*id)),
        Conv::Dm(_) => FileTarget::Dm(title.to_string()),
    }
}

/// A pasted picture, written where the service can send it from.
fn keep_pasted(dir: &std::path::Path, b64: &str) -> Result<PathBuf, String> {
    let bytes = data_encoding::BASE64
        .decode(b64.as_bytes())
        .map_err(|e| e.to_string())?;
    if bytes.len() > MAX_PASTE_BYTES {
        return Err(format!(
            "a pasted picture is at most {}",
            crate::protocol::units::human(MAX_PASTE_BYTES as u64)
        ));
    }
    let ext = match super::images::sniff(&bytes) {
        Some(image::ImageFormat::Png) => "png",
        Some(image::ImageFormat::Jpeg) => "jpg",
        Some(image::ImageFormat::Gif) => "gif",
        Some(image::ImageFormat::WebP) => "webp",
        _ => return Err("only PNG, JPEG, GIF and WebP pictures can be pasted".into()),
    };
    let dir = dir.join("pasted");
    crate::trust::files::ensure_private_dir(&dir).map_err(|e| e.to_string())?;
    let name = chrono::Local::now().format("pasted %Y-%m-%d %H.%M.%S").to_string();
    let path = dir.join(format!("{name}.{ext}"));
    std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
    Ok(path)
}

#[component]
pub fn Composer() -> Element {
    let mut state = use_context::<AppState>();
    let tx = use_coroutine_handle::<Command>();
    let mut draft = use_signal(String::new);
    let m = state.model.read();
    let current = m.current.clone();
    let title = m.conv_title(&current);
    let online = matches!(m.link, LinkState::Online | LinkState::Reconnecting { .. });
    drop(m);
    // Pasted pictures go to whatever conversation is open when they are pasted.
    use_future(move || async move {
        let mut paste = document::eval(PASTE_JS);
        while let Ok(b64) = paste.recv::<String>().await {
            let Some(dir) = state.data_dir.read().clone() else {
                continue;
            };
            let (conv, title) = {
                let m = state.model.read();
                (m.current.clone(), m.conv_title(&m.current))
            };
            match keep_pasted(&dir, &b64) {
                Ok(path) => tx.send(Command::SendFile {
                    to: target(&conv, &title),
                    path,
                }),
                Err(e) => state.model.write().toast(format!("Cannot send the picture: {e}")),
            }
        }
    });
    let (c1, t1) = (current.clone(), title.clone());
    let send_file = move |path: PathBuf| {
        tx.send(Command::SendFile {
            to: target(&c1, &t1),
            path,
        })
    };
    let drop_file = send_file.clone();
    let (c2, t2) = (current.clone(), title.clone());
    let send = move || {
        let text = draft();
        if text.trim().is_empty() {
            return;
        }
        if text.len() > MAX_BODY_LEN {
            // Said before anything is sent, and the draft stays to be shortened
            // (before, it was cleared and the service refused the whole text).
            let n = text.len();
            state.model.write().toast(format!(
                "The message is too long ({n} bytes, at most {MAX_BODY_LEN}): shorten it"
            ));
            return;
        }
        let cmd = if let Some(path) = text.strip_prefix("/file ").map(str::trim).filter(|p| !p.is_empty()) {
            Command::SendFile {
                to: target(&c2, &t2),
                path: PathBuf::from(path),
            }
        } else {
            match &c2 {
                Conv::Lobby => Command::Send { room_id: None, text },
                Conv::Room(id) => Command::Send {
                    room_id: Some(*id),
                    text,
                },
                Conv::Dm(_) => Command::Dm { to: t2.clone(), text },
            }
        };
        tx.send(cmd);
        tx.send(Command::Typing {
            conv: target(&c2, &t2),
            on: false,
        });
        draft.set(String::new());
    };
    let (c3, t3) = (current.clone(), title.clone());
    let mut send2 = send.clone();
    let mut send3 = send;
    let placeholder = format!("Message {title}");
    rsx! {
        div { class: "composer",
            ondragover: move |e: DragEvent| e.prevent_default(),
            ondrop: move |e: DragEvent| {
                e.prevent_default();
                for f in e.files() {
                    drop_file(f.path());
                }
            },
            Attach { on_file: move |p: PathBuf| send_file(p) }
            textarea { id: "composer", rows: 1, placeholder: "{placeholder}", value: "{draft}", disabled: !online,
                oninput: move |e| {
                    let typing = !e.value().trim().is_empty();
                    tx.send(Command::Typing { conv: target(&c3, &t3), on: typing });
                    draft.set(e.value());
                },
                onkeydown: move |e: KeyboardEvent| {
                    // Not while an input method is still composing (Chinese, Japanese):
                    // its Enter picks the characters.
                    if e.key() == Key::Enter && !e.modifiers().shift() && !e.is_composing() {
                        e.prevent_default();
                        send2();
                    }
                }
            }
            button { id: "send", class: "primary", disabled: !online || draft().trim().is_empty(), onclick: move |_| send3(), "Send" }
        }
    }
}
