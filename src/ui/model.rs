//! The UI's data and how each service `Event` changes it: plain Rust, no signals, so
//! every rule here is unit-tested without a window.

use crate::client::Event;
use crate::client::event::clock;
use crate::protocol::name_key;
use lines::now;
use std::collections::BTreeSet;

/// Samples kept for the host's traffic chart (one a second).
pub const CHART_SAMPLES: usize = 60;

/// Toasts shown at once; older ones drop off.
pub const MAX_TOASTS: usize = 4;

/// The longest a toast's text is shown (longer is cut, with "…").
pub const MAX_TOAST_CHARS: usize = 300;

/// Lines a conversation keeps on screen; past it the oldest go, a tenth at a time.
pub const MAX_LINES_PER_CONV: usize = 2000;

/// How long a typing note shows without news (the sender repeats it every 3 s).
pub const TYPING_SHOWN_MS: u64 = 6_000;

impl Model {
    /// Applies one event from the service.
    pub fn apply(&mut self, e: Event) {
        match e {
            Event::HostingStarted {
                direct,
                ticket,
                fingerprint,
                invite,
            } => {
                self.hosting = Some(HostInfo {
                    direct: direct.map(|a| a.to_string()),
                    ticket,
                    fingerprint: fingerprint.to_string(),
                    invite,
                    ..HostInfo::default()
                });
            }
            Event::HostFailed { reason } => {
                self.toast(format!("Could not host: {reason}"));
                self.screen = Screen::Start;
            }
            Event::HostStopped => {
                self.hosting = None;
                self.reset_chat();
            }
            Event::Connecting { target } => {
                // A new connection (reconnects do not say this): nothing of the last
                // host stays on screen (before, a reconnect that gave up left its
                // rooms, DMs and unread counts for the next host).
                self.reset_chat();
                self.screen = Screen::Connecting { target };
                self.link = LinkState::Connecting;
            }
            Event::Connected { me, host } => {
                self.me = Some(me);
                self.host_label = host;
                self.screen = Screen::Chat;
                self.link = LinkState::Online;
                // Only the questions that connecting asked are answered now; a dialog
                // the user opened stays (reconnects say Connected too).
                if matches!(self.dialog, Some(Dialog::NeedsTrust { .. } | Dialog::Changed { .. })) {
                    self.dialog = None;
                }
            }
            Event::NeedsTrust { host, identity } => self.dialog = Some(Dialog::NeedsTrust { host, identity }),
            Event::IdentityChanged { host, old, new } => self.dialog = Some(Dialog::Changed { host, old, new }),
            Event::ConnectFailed { reason } => {
                self.toast(format!("Could not connect: {reason}"));
                self.screen = Screen::Start;
                self.link = LinkState::Offline;
            }
            Event::RegistrationRefused { reason } => {
                self.toast(format!("The host refused the name: {reason}"));
                self.screen = Screen::Start;
                self.link = LinkState::Offline;
            }
            Event::Message {
                id,
                room_id,
                from,
                body,
                own,
                at,
                ..
            } => {
                let conv = room_id.map(Conv::Room).unwrap_or(Conv::Lobby);
                if own && let Some(l) = self.find_line(id) {
                    l.delivery = Delivery::Delivered;
                    return;
                }
                let line = Line {
                    id: Some(id),
                    from,
                    body,
                    time: clock(at),
                    own,
                    kind: LineKind::Chat,
                    delivery: Delivery::Delivered,
                    flagged: false,
                };
                self.push(conv, line);
            }
            Event::Dm { id, from, body, at } => {
                let conv = Conv::Dm(name_key(&from));
                let line = Line {
                    id: Some(id),
                    from,
                    body,
                    time: clock(at),
                    own: false,
                    kind: LineKind::Chat,
                    delivery: Delivery::Delivered,
                    flagged: false,
                };
                self.push(conv, line);
            }
            Event::Queued { id, room_id, to, text } => {
                let conv = match to {
                    Some(name) => Conv::Dm(name_key(&name)),
                    None => room_id.map(Conv::Room).unwrap_or(Conv::Lobby),
                };
                let from = self.me.clone().unwrap_or_default();
                let line = Line {
                    id: Some(id),
                    from,
                    body: text,
                    time: now(),
                    own: true,
                    kind: LineKind::Chat,
                    delivery: Delivery::Pending,
                    flagged: false,
                };
                self.push(conv, line);
            }
            Event::DmSent { id, .. } | Event::Acked { id } => {
                if let Some(l) = self.find_line(id) {
                    l.delivery = Delivery::Delivered;
                }
            }
            Event::Failed { id, reason, text } => match self.find_line(id) {
                Some(l) => l.delivery = Delivery::Failed(reason),
                None => match text {
                    Some(t) => self.toast(format!("Not delivered ({reason}): {t}")),
                    None => self.toast(reason),
                },
            },
            Event::System { text } => self.system(Conv::Lobby, text),
            Event::Joined { name, room } => {
                let conv = self.room_conv(room.as_deref());
                self.system(conv, format!("{name} joined"));
            }
            Event::Left { name, room } => {
                let conv = self.room_conv(room.as_deref());
                self.system(conv, format!("{name} left"));
            }
            Event::Users { users } => self.users = users,
            Event::Presence { .. } => {}
            Event::SafetyNumberChanged { name } => {
                let k = name_key(&name);
                self.verified.remove(&k);
                self.changed.insert(k.clone());
                let text = format!(
                    "{name}'s safety number changed: their keys are not the ones you verified. Verify them again before you trust what they send."
                );
                self.note(Conv::Lobby, text.clone(), LineKind::Warning);
                self.note(Conv::Dm(k), text, LineKind::Warning);
            }
            Event::SafetyNumber { name, number, verified } => {
                self.dialog = Some(Dialog::Verify { name, number, verified });
            }
            Event::Verified { name } => {
                let k = name_key(&name);
                self.changed.remove(&k);
                self.verified.insert(k.clone());
                if let Some(Dialog::Verify { name: n, verified, .. }) = &mut self.dialog
                    && name_key(n) == k
                {
                    *verified = true;
                }
                self.system(Conv::Dm(k), format!("you verified {name}"));
            }
            Event::VerifiedMembers { names } => {
                self.verified = names.iter().map(|n| name_key(n)).collect();
            }
            Event::InviteMismatch { .. } => {
                self.toast("This invite does not match the host (damaged or altered): nothing was trusted. Ask the host for a new one.");
                self.screen = Screen::Start;
                self.link = LinkState::Offline;
            }
            Event::FileOffered {
                conv,
                from,
                own,
                offer,
                at,
                ..
            } => {
                let conv = self.conv_of(&conv);
                if self.file_offered(conv, from, own, &offer, at) {
                    self.file_requested(offer.transfer);
                    self.fetch.push(offer.transfer);
                }
            }
            Event::FileProgress { transfer, done, .. } => self.file_progress(transfer, done, crate::service::now_ms()),
            Event::FileSaved { transfer, path, .. } => self.file_saved(transfer, path),
            Event::FileFailed {
                transfer, name, reason, ..
            } => self.file_failed(transfer, &name, reason),
            Event::Seen { id, seen } => {
                if let Some(l) = self.find_line(id) {
                    l.delivery = match seen {
                        crate::client::event::Seen::Delivered => Delivery::Received,
                        crate::client::event::Seen::Read => Delivery::Read,
                    };
                }
            }
            Event::Typing { conv, from, on, .. } => {
                let conv = self.conv_of(&conv);
                let t = self.typing.entry(conv).or_default();
                if on {
                    t.insert(from, crate::service::now_ms() + TYPING_SHOWN_MS);
                } else {
                    t.remove(&from);
                }
            }
            Event::KeysChanged { name } => {
                let text = format!("{name}'s keys changed");
                self.system(Conv::Lobby, text.clone());
                self.system(Conv::Dm(name_key(&name)), text);
            }
            Event::Undecryptable { conv, reason, .. } => {
                let conv = self.conv_of(&conv);
                self.system(conv, format!("a message could not be read: {reason}"));
            }
            Event::Missed { conv, count, .. } => {
                let conv = self.conv_of(&conv);
                let what = if count == 1 { "message" } else { "messages" };
                self.divider(conv, format!("{count} {what} missed: the host no longer had them"));
            }
            Event::HostRestarted { started_at } => {
                let text = format!(
                    "The host restarted: messages sent to it before {} are not available",
                    clock(started_at)
                );
                // Every conversation's history was at the host, not only the lobby's.
                let mut convs: BTreeSet<Conv> = self.convs.keys().cloned().collect();
                convs.insert(Conv::Lobby);
                convs.extend(self.joined.keys().map(|id| Conv::Room(*id)));
                for conv in convs {
                    self.divider(conv, text.clone());
                }
            }
            Event::Rooms { rooms } => self.rooms = rooms,
            Event::RoomJoined { room_id, name, .. } => {
                // Opened when newly joined only: after a reconnect every room is joined
                // again, and before, the window switched to it under the user's hands
                // (a DM being typed went to the room).
                if self.joined.insert(room_id, name).is_none() {
                    self.open(Conv::Room(room_id));
                }
            }
            Event::RoomMembers { .. } => {}
            Event::RoomLeft { room_id, .. } => {
                self.joined.remove(&room_id);
                // What counted for it goes too (before, its unread count stayed in
                // the window's title for good).
                let conv = Conv::Room(room_id);
                self.unread.remove(&conv);
                self.new_marks.remove(&conv);
                self.typing.remove(&conv);
                if self.current == Conv::Room(room_id) {
                    self.open(Conv::Lobby);
                }
            }
            Event::Path { kind } => self.path = Some(kind),
            Event::Latency { ms } => self.ping_ms = Some(ms),
            Event::Stats(s) => {
                if let Some(h) = &mut self.hosting {
                    let rate = Rate {
                        msgs_in: s.packets_in.saturating_sub(h.last.packets_in),
                        msgs_out: s.packets_out.saturating_sub(h.last.packets_out),
                        bytes_in: s.bytes_in.saturating_sub(h.last.bytes_in),
                        bytes_out: s.bytes_out.saturating_sub(h.last.bytes_out),
                    };
                    h.members = s.members;
                    h.last = s;
                    h.rates.push_back(rate);
                    while h.rates.len() > CHART_SAMPLES {
                        h.rates.pop_front();
                    }
                }
            }
            Event::Error { message } => self.toast(message),
            Event::Drained => {}
            Event::Disconnected { reason: None } => {
                self.reset_chat();
            }
            Event::Disconnected { reason: Some(r) } => {
                self.link = LinkState::Lost(r);
            }
            Event::Reconnecting { attempt, .. } => self.link = LinkState::Reconnecting { attempt },
            Event::Reconnected { resumed } => {
                self.link = LinkState::Online;
                self.system(Conv::Lobby, "reconnected".into());
                if resumed {
                    let mut convs: BTreeSet<Conv> = self.convs.keys().cloned().collect();
                    convs.insert(Conv::Lobby);
                    convs.extend(self.joined.keys().map(|id| Conv::Room(*id)));
                    self.new_marks = convs;
                }
            }
        }
    }
}

mod attention;
mod lines;
mod types;
pub use types::*;
pub mod files;
#[cfg(test)]
mod tests;
