//! Where the UI's lines go: chat lines (unread counts, dividers, flags), system notes,
//! toasts, and the titles and conversations the events name.

use super::{Conv, Delivery, Line, LineKind, MAX_LINES_PER_CONV, MAX_TOAST_CHARS, MAX_TOASTS, Model, NEW_MESSAGES};
use crate::protocol::name_key;
use uuid::Uuid;

pub(super) fn now() -> String {
    chrono::Local::now().format("%H:%M").to_string()
}

impl Model {
    pub fn toast(&mut self, text: impl Into<String>) {
        self.next_toast += 1;
        // A long one (a failed message's whole text) would push its close button off
        // the screen: cut to `MAX_TOAST_CHARS`.
        let mut text: String = text.into();
        if text.chars().count() > MAX_TOAST_CHARS {
            text = text.chars().take(MAX_TOAST_CHARS).collect::<String>() + "…";
        }
        self.toasts.push((self.next_toast, text));
        if self.toasts.len() > MAX_TOASTS {
            self.toasts.remove(0);
        }
    }

    pub fn dismiss(&mut self, id: u64) {
        self.toasts.retain(|(i, _)| *i != id);
    }

    /// Opens a conversation and clears its unread count.
    pub fn open(&mut self, conv: Conv) {
        self.unread.remove(&conv);
        self.current = conv;
    }

    pub fn lines(&self, conv: &Conv) -> &[Line] {
        self.convs.get(conv).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn conv_title(&self, conv: &Conv) -> String {
        match conv {
            Conv::Lobby => "lobby".into(),
            Conv::Room(id) => self.joined.get(id).cloned().unwrap_or_else(|| "room".into()),
            Conv::Dm(key) => self
                .users
                .iter()
                .find(|u| name_key(&u.name) == *key)
                .map(|u| u.name.clone())
                .unwrap_or_else(|| key.clone()),
        }
    }

    pub(super) fn push(&mut self, conv: Conv, mut line: Line) {
        line.flagged = !line.own && self.changed.contains(&name_key(&line.from));
        // A message from someone ends their typing note.
        if let Some(t) = self.typing.get_mut(&conv) {
            t.remove(&line.from);
        }
        if line.own {
            self.new_marks.remove(&conv);
        } else if self.new_marks.remove(&conv) {
            self.divider(conv.clone(), NEW_MESSAGES.into());
        }
        if conv != self.current && !line.own {
            *self.unread.entry(conv.clone()).or_default() += 1;
        } else if !line.own && !self.focused && line.kind == LineKind::Chat {
            self.unseen += 1;
        }
        self.keep(conv, line);
    }

    /// Adds a line, and past `MAX_LINES_PER_CONV` lets the oldest go (a window open for
    /// weeks kept every line it ever showed). A tenth goes at once, so the move of the
    /// rest is rare.
    fn keep(&mut self, conv: Conv, line: Line) {
        let lines = self.convs.entry(conv).or_default();
        lines.push(line);
        if lines.len() > MAX_LINES_PER_CONV {
            lines.drain(..lines.len() - MAX_LINES_PER_CONV * 9 / 10);
        }
    }

    pub(super) fn note(&mut self, conv: Conv, text: String, kind: LineKind) {
        let line = Line {
            id: None,
            from: String::new(),
            body: text,
            time: now(),
            own: false,
            kind,
            delivery: Delivery::Delivered,
            flagged: false,
        };
        self.keep(conv, line);
    }

    pub(super) fn system(&mut self, conv: Conv, text: String) {
        self.note(conv, text, LineKind::System);
    }

    pub(super) fn divider(&mut self, conv: Conv, text: String) {
        self.note(conv, text, LineKind::Divider);
    }

    /// The UI's conversation for a protocol conversation.
    pub(super) fn conv_of(&self, conv: &crate::protocol::Conv) -> Conv {
        match conv {
            crate::protocol::Conv::Lobby {} => Conv::Lobby,
            crate::protocol::Conv::Room { id } => Conv::Room(*id),
            crate::protocol::Conv::Dm { .. } => {
                let me = self.me.clone().unwrap_or_default();
                Conv::Dm(conv.partner(&me).unwrap_or_default().to_string())
            }
        }
    }

    pub(super) fn find_line(&mut self, id: Uuid) -> Option<&mut Line> {
        self.convs
            .values_mut()
            .flat_map(|v| v.iter_mut())
            .find(|l| l.id == Some(id))
    }

    pub(super) fn room_conv(&self, room_name: Option<&str>) -> Conv {
        match room_name {
            None => Conv::Lobby,
            Some(n) => self
                .joined
                .iter()
                .find(|(_, name)| *name == n)
                .map(|(id, _)| Conv::Room(*id))
                .unwrap_or(Conv::Lobby),
        }
    }

    pub(super) fn reset_chat(&mut self) {
        let hosting = self.hosting.take();
        let toasts = std::mem::take(&mut self.toasts);
        let next = self.next_toast;
        let (focused, notifications, muted) = (self.focused, self.notifications, std::mem::take(&mut self.muted));
        *self = Model {
            hosting,
            toasts,
            next_toast: next,
            focused,
            notifications,
            muted,
            ..Model::default()
        };
    }
}
