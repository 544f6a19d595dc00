//! A group message from the log on the client (not our own): text and file offers
//! shown, a Welcome joined, commits and proposals applied, what cannot be read said.

use super::chat::ChatState;
use super::event::Event;
use crate::group::{ContentBody, GroupError, Incoming};
use crate::protocol::Conv;

impl ChatState {
    /// One group message from the log (not ours): read, joined, or applied.
    pub(super) fn group_entry(&mut self, conv: &Conv, message: &[u8], at: u64, committer: Option<&str>) -> Vec<Event> {
        let Some(g) = self.groups.as_mut() else { return vec![] };
        let result = g.process(conv, message);
        self.must_save = true;
        match result {
            Ok(Incoming::Message {
                from,
                content,
                signature_key,
            }) => {
                if !self.first_sight(content.id) {
                    return vec![];
                }
                self.note_keys(&from, signature_key);
                let mut out = self.take_key_changes();
                let body = match content.body {
                    ContentBody::Text { body } => body,
                    // Receipts and typing travel as signals, never in the log.
                    ContentBody::Receipt { .. } | ContentBody::Typing { .. } => return out,
                    ContentBody::File(offer) => {
                        out.push(Event::FileOffered {
                            id: content.id,
                            conv: conv.clone(),
                            label: self.conv_label(conv),
                            from: from.name,
                            own: false,
                            offer,
                            at,
                        });
                        return out;
                    }
                };
                out.push(match conv {
                    Conv::Dm { .. } => Event::Dm {
                        id: content.id,
                        from: from.name,
                        body,
                        at,
                    },
                    Conv::Lobby {} | Conv::Room { .. } => {
                        let room_id = match conv {
                            Conv::Room { id } => Some(*id),
                            _ => None,
                        };
                        Event::Message {
                            id: content.id,
                            room_id,
                            room_name: self.room_name(room_id),
                            from: from.name,
                            body,
                            own: false,
                            at,
                        }
                    }
                });
                out
            }
            Ok(Incoming::Joined) => {
                self.check_keys(conv);
                self.flush_waiting(conv);
                self.resend_stale(conv);
                // The Welcome used up one of our key packages.
                self.upload_key_packages(1, false);
                self.take_key_changes()
            }
            Ok(Incoming::Commit { removed_me, .. }) => {
                self.committed(conv, removed_me);
                self.take_key_changes()
            }
            Ok(Incoming::Proposal) => {
                self.proposal(conv, committer);
                vec![]
            }
            Ok(Incoming::Own) | Err(GroupError::Duplicate) => vec![],
            // One message lost to reordering: said, but the group is in step (a rejoin
            // would lose what comes meanwhile).
            // Also in step: a message opened but of a kind we do not know (before,
            // everyone else rejoined the group on one such message, at once).
            Err(e @ (GroupError::OutOfOrder | GroupError::UnknownContent)) => vec![Event::Undecryptable {
                conv: conv.clone(),
                label: self.conv_label(conv),
                reason: e.to_string(),
            }],
            Err(e) if !matches!(conv, Conv::Dm { .. }) => self.unreadable(conv, message, e.to_string()),
            Err(e) => {
                if matches!(e, GroupError::NoGroup | GroupError::OutOfSync) {
                    self.recover(conv, message);
                }
                vec![Event::Undecryptable {
                    conv: conv.clone(),
                    label: self.conv_label(conv),
                    reason: e.to_string(),
                }]
            }
        }
    }
}
