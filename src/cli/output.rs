//! The CLI's output lines: one event, one line, control characters escaped.

use crate::client::Event;
use crate::client::event::clock;
use crate::protocol::{Conv, RoomInfo, UserInfo};

/// Escapes control characters (`\n`, `\t`, `\u{1b}`, ...) and backslashes (`\\`) so one
/// event is one line, read back without doubt.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Doubled, so a peer's literal `\n` cannot pass for an escaped newline.
            '\\' => out.push_str("\\\\"),
            c if c.is_control()
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') =>
            {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

pub fn users_line(users: &[UserInfo]) -> String {
    let names: Vec<String> = users.iter().map(|u| escape(&u.name)).collect();
    format!("* users: {}", names.join(", "))
}

pub fn rooms_line(rooms: &[RoomInfo]) -> String {
    let list: Vec<String> = rooms
        .iter()
        .map(|r| format!("{} ({})", escape(&r.name), r.members))
        .collect();
    format!("* rooms: {}", list.join(", "))
}

/// The stdout line for an event, if it has one.
pub fn line(e: &Event) -> Option<String> {
    Some(match e {
        Event::Message {
            room_name, from, body, ..
        } => {
            format!("[{}] {}: {}", escape(room_name), escape(from), escape(body))
        }
        Event::Dm { from, body, .. } => {
            format!("[dm from {}] {}", escape(from), escape(body))
        }
        Event::Presence { name, away: true } => format!("* {} away", escape(name)),
        Event::Presence { name, away: false } => format!("* {} back", escape(name)),
        Event::Missed { conv, label, count } => {
            let what = if *count == 1 { "message" } else { "messages" };
            let place = match conv {
                Conv::Dm { .. } => format!("with {}", escape(label)),
                _ => format!("in {}", escape(label)),
            };
            format!("* missed {count} {what} {place}")
        }
        Event::FileOffered { from, offer, .. } => format!(
            "* {} sent {} ({})",
            escape(from),
            escape(&offer.name),
            crate::protocol::units::human(offer.size)
        ),
        Event::FileSaved { name, path, .. } => {
            format!("* saved {} to {}", escape(name), escape(&path.display().to_string()))
        }
        Event::FileFailed {
            name,
            reason,
            sending: true,
            ..
        } => {
            format!("! could not send {}: {}", escape(name), escape(reason))
        }
        Event::FileFailed { name, reason, .. } => format!("! could not get {}: {}", escape(name), escape(reason)),
        Event::KeysChanged { name } => format!("* {}'s keys changed", escape(name)),
        Event::SafetyNumberChanged { name } => format!("! {}'s safety number changed", escape(name)),
        Event::SafetyNumber { name, number, verified } => format!(
            "* safety number with {}: {number}{}",
            escape(name),
            if *verified { " (verified)" } else { "" }
        ),
        Event::Verified { name } => format!("* {} verified", escape(name)),
        Event::Undecryptable { conv, label, reason } => {
            let place = match conv {
                Conv::Dm { .. } => format!("from {}", escape(label)),
                _ => format!("in {}", escape(label)),
            };
            format!("! could not read a message {place}: {}", escape(reason))
        }
        Event::HostRestarted { started_at } => format!(
            "* the host restarted; messages sent to it before {} are not available",
            clock(*started_at)
        ),
        Event::DmSent { to, body, .. } => format!("[dm to {}] {}", escape(to), escape(body)),
        Event::Joined { name, room: None } => format!("* {} joined", escape(name)),
        Event::Left { name, room: None } => format!("* {} left", escape(name)),
        Event::Joined { name, room: Some(r) } => format!("* {} joined {}", escape(name), escape(r)),
        Event::Left { name, room: Some(r) } => format!("* {} left {}", escape(name), escape(r)),
        Event::System { text } => format!("* {}", escape(text)),
        Event::Error { message } => format!("! {}", escape(message)),
        Event::Failed {
            reason, text: Some(t), ..
        } => format!("! not delivered ({}): {}", escape(reason), escape(t)),
        Event::Failed { reason, text: None, .. } => format!("! {}", escape(reason)),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn user(n: &str) -> UserInfo {
        UserInfo {
            name: n.into(),
            away: false,
        }
    }

    #[test]
    fn formats() {
        let m = Event::Message {
            id: Uuid::nil(),
            room_id: None,
            room_name: "lobby".into(),
            from: "alice".into(),
            body: "hi\nthere\t\u{1b}[31m".into(),
            own: false,
            at: 0,
        };
        assert_eq!(line(&m).unwrap(), "[lobby] alice: hi\\nthere\\t\\u{1b}[31m");
        assert_eq!(escape("a\\nb C:\\x"), "a\\\\nb C:\\\\x", "a typed backslash is doubled");
        assert_eq!(
            line(&Event::Joined {
                name: "bob".into(),
                room: Some("ops".into())
            })
            .unwrap(),
            "* bob joined ops"
        );
        assert_eq!(
            line(&Event::Left {
                name: "bob".into(),
                room: None
            })
            .unwrap(),
            "* bob left"
        );
        assert_eq!(users_line(&[user("a"), user("b")]), "* users: a, b");
        let missed = |conv, label: &str, count| {
            line(&Event::Missed {
                conv,
                label: label.into(),
                count,
            })
            .unwrap()
        };
        assert_eq!(missed(Conv::LOBBY, "lobby", 3), "* missed 3 messages in lobby");
        assert_eq!(
            missed(Conv::Room { id: Uuid::nil() }, "ops", 1),
            "* missed 1 message in ops"
        );
        assert_eq!(missed(Conv::dm("a", "bo"), "bo", 2), "* missed 2 messages with bo");
        let away = |away| {
            line(&Event::Presence {
                name: "bo".into(),
                away,
            })
            .unwrap()
        };
        assert_eq!((away(true).as_str(), away(false).as_str()), ("* bo away", "* bo back"));
        let restart = line(&Event::HostRestarted { started_at: 0 }).unwrap();
        assert!(restart.starts_with("* the host restarted; messages sent to it before "));
        assert!(restart.ends_with(" are not available"));
        let r = |n: &str, m| RoomInfo {
            id: Uuid::nil(),
            name: n.into(),
            members: m,
        };
        assert_eq!(rooms_line(&[r("ops", 2), r("dev", 1)]), "* rooms: ops (2), dev (1)");
        assert_eq!(escape("a\u{202e}b"), "a\\u{202e}b");
    }
}
