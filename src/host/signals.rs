//! Ephemeral messages (receipts, typing): MLS application messages the host relays to
//! the members of the conversation who are online now, and never logs.

use super::state::{State, encode};
use crate::group::framing::{Framing, Kind, framing};
use crate::protocol::{Conv, HostPacket};

/// Largest ephemeral message (a receipt or typing note is about 150 bytes sealed).
pub const MAX_SIGNAL_LEN: usize = 1024;

impl State {
    /// Member `me` signals `conv`: relayed as it is to the others online in it. A
    /// signal that is not an application message of the group's current epoch, or too
    /// big, is dropped (it would not open, and nothing depends on it).
    pub fn signal(&mut self, me: &str, conv: &Conv, message: Vec<u8>) {
        if message.len() > MAX_SIGNAL_LEN {
            return;
        }
        let current = match (framing(&message), self.groups.get(conv)) {
            (
                Ok(Framing::Message {
                    group_id,
                    epoch,
                    kind: Kind::Application,
                    ..
                }),
                Some(r),
            ) => r.group_id == group_id && r.epoch == epoch,
            (
                Ok(Framing::Message {
                    kind: Kind::Application,
                    ..
                }),
                None,
            ) => matches!(conv, Conv::Dm { .. }),
            _ => false,
        };
        if !current {
            return;
        }
        let p = HostPacket::Signal {
            conv: conv.clone(),
            from: self.display(me),
            message,
        };
        let Some(frames) = encode(&p) else { return };
        for k in self.conv_members(conv) {
            let online = self.members.get(&k).is_some_and(|m| m.link.is_some());
            if k != me && online {
                self.send_frames(&k, frames.clone());
            }
        }
    }
}
