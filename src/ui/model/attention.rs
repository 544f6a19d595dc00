//! What asks for attention while the window is in the background: which messages
//! raise a notification (a DM, or a mention of you), the unread count in the title,
//! muted conversations.

use super::{Conv, Model};
use crate::client::Event;
use crate::protocol::name_key;

impl Model {
    /// The notification (title, text) an event raises, if any: only while the window
    /// is not focused, notifications are on and the conversation is not muted.
    pub fn notification(&self, e: &Event) -> Option<(String, String)> {
        if self.focused || !self.notifications {
            return None;
        }
        let me = self.me.as_deref()?;
        let (conv, from, body) = match e {
            Event::Dm { from, body, .. } => (Conv::Dm(name_key(from)), from, body),
            Event::Message {
                room_id,
                from,
                body,
                own: false,
                room_name,
                ..
            } if mentions(body, me) => {
                let conv = room_id.map(Conv::Room).unwrap_or(Conv::Lobby);
                let _ = room_name;
                (conv, from, body)
            }
            _ => return None,
        };
        if self.muted.contains(&conv) || name_key(from) == name_key(me) {
            return None;
        }
        let title = match &conv {
            Conv::Dm(_) => from.clone(),
            _ => format!("{from} in {}", self.conv_title(&conv)),
        };
        let text: String = body.chars().take(200).collect();
        Some((title, text))
    }

    /// Messages that came while the window was in the background, plus unread ones
    /// elsewhere: what the title shows.
    pub fn attention_count(&self) -> u32 {
        self.unread.values().sum::<u32>() + self.unseen
    }

    /// The window title.
    pub fn title(&self) -> String {
        match self.attention_count() {
            0 => "Severus".into(),
            n => format!("({n}) Severus"),
        }
    }

    /// The window gained (or lost) focus.
    pub fn set_focused(&mut self, focused: bool) {
        self.focused = focused;
        if focused {
            self.unseen = 0;
        }
    }

    /// The service's name for a conversation of the window.
    pub fn target(&self, conv: &Conv) -> crate::service::FileTarget {
        match conv {
            Conv::Lobby => crate::service::FileTarget::Room(None),
            Conv::Room(id) => crate::service::FileTarget::Room(Some(*id)),
            Conv::Dm(_) => crate::service::FileTarget::Dm(self.conv_title(conv)),
        }
    }

    /// What is on screen and so read now: the open conversation, if the window has the
    /// focus (for `MarkRead` on focus, on opening, and as messages arrive).
    pub fn read_now(&self) -> Option<crate::service::FileTarget> {
        self.focused.then(|| self.target(&self.current))
    }

    pub fn toggle_mute(&mut self, conv: Conv) {
        if !self.muted.remove(&conv) {
            self.muted.insert(conv);
        }
    }
}

/// True if `body` mentions `@name` (any case, not part of a longer name).
pub fn mentions(body: &str, name: &str) -> bool {
    let body = body.to_lowercase();
    let want = format!("@{}", name.to_lowercase());
    body.match_indices(&want).any(|(i, _)| {
        let after = body[i + want.len()..].chars().next();
        !after.is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
    })
}
