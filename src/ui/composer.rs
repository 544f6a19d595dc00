//! The composer: text (Enter sends, Shift+Enter is a new line), and files: the attach
//! button, a file dropped on the conversation, a picture pasted from the clipboard, or
//! `/file PATH` typed (as in the command line).

use super::files::Attach;
use super::model::{Conv, LinkState};
use super::state::AppState;
use crate::client::filename::free_name;
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

/// A pasted picture, written where the service can send it from, under a name no
/// other file has (two pastes in one second once shared a name: the second overwrote
/// the first, maybe while it was being sent). Blocking: call it off the UI thread.
pub(crate) fn keep_pasted(dir: &std::path::Path, b64: &str) -> Result<PathBuf, String> {
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
    let stamp = chrono::Local::now().format("pasted %Y-%m-%d %H.%M.%S");
    let name = free_name(&format!("{stamp}.{ext}"), |n| dir.join(n).exists());
    let path = dir.join(name);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| e.to_string())?;
    std::io::Write::write_all(&mut file, &bytes).map_err(|e| e.to_string())?;
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
            let kept = tokio::task::spawn_blocking(move || keep_pasted(&dir, &b64)).await;
            match kept.unwrap_or_else(|e| Err(e.to_string())) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn png_b64(tail: u8) -> String {
        let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
        bytes.extend([tail; 32]);
        data_encoding::BASE64.encode(&bytes)
    }

    #[test]
    fn pictures_pasted_in_one_second_keep_their_own_files() {
        let tmp = tempfile::tempdir().unwrap();
        // Within one second the names are the same stamp: the second gets " (1)".
        let (a, b) = (
            keep_pasted(tmp.path(), &png_b64(1)),
            keep_pasted(tmp.path(), &png_b64(2)),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_ne!(a, b);
        assert_eq!(std::fs::read(&a).unwrap()[8], 1, "the first picture was overwritten");
        assert_eq!(std::fs::read(&b).unwrap()[8], 2);
        assert!(a.extension().is_some_and(|e| e == "png") && b.extension().is_some_and(|e| e == "png"));
    }

    #[test]
    fn what_is_not_a_picture_or_too_big_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let text = data_encoding::BASE64.encode(b"hello, not a picture");
        assert!(keep_pasted(tmp.path(), &text).unwrap_err().contains("PNG"));
        let mut big = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
        big.resize(MAX_PASTE_BYTES + 1, 0);
        let err = keep_pasted(tmp.path(), &data_encoding::BASE64.encode(&big)).unwrap_err();
        assert!(err.contains("at most"), "{err}");
        assert!(keep_pasted(tmp.path(), "not base64!").is_err());
    }
}
