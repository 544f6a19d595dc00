//! The host as MLS Delivery Service: it keeps members' key packages and hands one out
//! per request, and orders each conversation's group messages (first Welcome or commit
//! for an epoch wins, stale ones are refused). It reads only the framing.

use super::state::State;
use crate::group::framing::{Framing, Kind, check_key_package, framing, group_info};
use crate::protocol::limits::{MAX_KEY_PACKAGE_LEN, MAX_KEY_PACKAGES, MAX_MLS_APPLICATION_LEN};
use crate::protocol::{Conv, EntryBody};
use serde_bytes::ByteBuf;
use uuid::Uuid;

/// One leaf of a group's tree as the host reads it: index, member key (lowercased
/// name) and the Noise key its credential names.
pub(crate) type Leaf = (u32, String, [u8; 32]);

/// What the host knows of a conversation's group: which group, its epoch, and the
/// latest GroupInfo (what a later member joins from).
#[derive(Debug, Clone)]
pub(crate) struct GroupRecord {
    pub group_id: Vec<u8>,
    pub epoch: u64,
    pub info: Option<Vec<u8>>,
    /// Leaves and names read from `info` (on demand).
    pub roster: Option<Vec<Leaf>>,
    /// A removal was proposed at this epoch (one at a time, per epoch).
    pub proposed: bool,
    /// The earliest epoch this incarnation's log can bring a member from: where the
    /// host first learned the group (a member behind it must rejoin).
    pub base: u64,
}

impl GroupRecord {
    fn new(group_id: Vec<u8>, epoch: u64, info: Option<Vec<u8>>) -> Self {
        GroupRecord {
            group_id,
            epoch,
            info,
            roster: None,
            proposed: false,
            base: epoch,
        }
    }
}

/// Why a group message is refused; "stale epoch" tells the client to catch up and try again.
pub const STALE: &str = "stale epoch";

impl State {
    /// Stores member `me`'s uploaded key packages (each checked to be its own). A
    /// last-resort one replaces the one before; the others queue, the oldest dropped
    /// past `MAX_KEY_PACKAGES`.
    pub fn add_key_packages(&mut self, me: &str, packages: Vec<ByteBuf>) -> Result<(), String> {
        let Some(m) = self.members.get_mut(me) else {
            return Err("not registered".into());
        };
        let mut kinds = Vec::with_capacity(packages.len());
        for p in &packages {
            if p.len() > MAX_KEY_PACKAGE_LEN {
                return Err(format!("a key package is over {MAX_KEY_PACKAGE_LEN} bytes"));
            }
            kinds.push(check_key_package(p, &m.name, &m.key).map_err(|e| e.to_string())?);
        }
        for (p, last_resort) in packages.into_iter().zip(kinds) {
            if last_resort {
                m.last_resort = Some(p.into_vec());
                continue;
            }
            m.key_packages.push_back(p.into_vec());
            if m.key_packages.len() > MAX_KEY_PACKAGES {
                m.key_packages.pop_front();
            }
        }
        Ok(())
    }

    /// Hands out one key package of member `name`: the oldest ordinary one (used up),
    /// else a copy of its last-resort one.
    pub fn take_key_package(&mut self, name: &str) -> Result<(String, Vec<u8>), String> {
        let k = crate::protocol::name_key(name);
        let m = self
            .members
            .get_mut(&k)
            .ok_or_else(|| format!("nobody named '{name}' is here"))?;
        let p = m
            .key_packages
            .pop_front()
            .or_else(|| m.last_resort.clone())
            .ok_or_else(|| format!("{} has no key package left: they need to be online once more", m.name))?;
        Ok((m.name.clone(), p))
    }

    /// Orders one group message of `conv` from member `me` into the log; returns its seq.
    pub fn post_mls(
        &mut self,
        me: &str,
        id: Uuid,
        conv: &Conv,
        message: Vec<u8>,
        info: Option<ByteBuf>,
        replaces: Option<ByteBuf>,
    ) -> Result<u64, String> {
        let frame = framing(&message).map_err(|e| e.to_string())?;
        let is_commit = matches!(frame, Framing::Message { kind: Kind::Commit, .. });
        if matches!(
            frame,
            Framing::Message {
                kind: Kind::Application,
                ..
            }
        ) && message.len() > MAX_MLS_APPLICATION_LEN
        {
            // Before, a member could post 1 MiB messages and push everyone's history out.
            return Err(format!("a message is over {MAX_MLS_APPLICATION_LEN} bytes"));
        }
        let info = info.map(ByteBuf::into_vec);
        let record = self.groups.get(conv);
        let next = match frame {
            Framing::Welcome if !matches!(conv, Conv::Dm { .. }) => {
                return Err("a Welcome starts a DM's group; lobby and rooms are joined by external commit".into());
            }
            Framing::Welcome => {
                let info = info.ok_or("a Welcome comes with its group info")?;
                let (group_id, epoch) = group_info(&info).map_err(|e| e.to_string())?;
                match (record, replaces) {
                    (None, _) => {}
                    (Some(r), Some(old)) if r.group_id == old.as_slice() => {}
                    _ => return Err(STALE.into()),
                }
                Some(GroupRecord::new(group_id, epoch, Some(info)))
            }
            Framing::Message {
                group_id, epoch, kind, ..
            } => {
                match record {
                    Some(r) if r.group_id != group_id || r.epoch != epoch => return Err(STALE.into()),
                    // A lobby's or room's group is set by a GroupInfo first (a DM's by
                    // its first message, after a restart).
                    None if !matches!(conv, Conv::Dm { .. }) => return Err(STALE.into()),
                    _ => {}
                }
                match kind {
                    // The common case: nothing about the group changes (no copy of its
                    // GroupInfo per message).
                    Kind::Application if record.is_some() => None,
                    Kind::Application => Some(GroupRecord::new(group_id, epoch, None)),
                    Kind::Commit => {
                        // The GroupInfo after it is what later members join from, and
                        // where the host reads who is in the group.
                        let i = info.ok_or("a commit comes with the group info after it")?;
                        let (g, e) = group_info(&i).map_err(|e| e.to_string())?;
                        // The epoch is the sender's word (a DM after a restart takes any).
                        let after = epoch.checked_add(1).ok_or("the group's epoch cannot grow any more")?;
                        if g != group_id || e != after {
                            return Err("the group info does not follow the commit".into());
                        }
                        let base = record.map_or(epoch, |r| r.base);
                        Some(GroupRecord {
                            base,
                            ..GroupRecord::new(group_id, after, Some(i))
                        })
                    }
                    Kind::Proposal => return Err("members do not send proposals here".into()),
                }
            }
        };
        let mut changed = false;
        if let Some(next) = next {
            changed = self.groups.get(conv).is_none_or(|r| r.epoch != next.epoch);
            self.groups.insert(conv.clone(), next);
        }
        let name = self.display(me);
        let seq = self.append(
            conv,
            Some(&name),
            Some(id),
            EntryBody::Mls {
                message,
                committer: None,
            },
        );
        if is_commit {
            self.in_group(conv, me);
        }
        if changed {
            self.reconcile(conv);
        }
        Ok(seq)
    }

    /// A member tells us `conv`'s group: the first to do so sets it (after a restart,
    /// or for a new conversation); the same group later refreshes its GroupInfo.
    pub fn publish_group_info(&mut self, me: &str, conv: &Conv, info: Vec<u8>) -> Result<(), String> {
        if matches!(conv, Conv::Dm { .. }) {
            return Err("a DM's group starts with a Welcome".into());
        }
        let (group_id, epoch) = group_info(&info).map_err(|e| e.to_string())?;
        // The same epoch again keeps what the log can bridge; a later one starts anew.
        let base = match self.groups.get(conv) {
            Some(r) if r.group_id != group_id || r.epoch > epoch => return Err(STALE.into()),
            Some(r) if r.epoch == epoch => r.base,
            _ => epoch,
        };
        self.groups.insert(
            conv.clone(),
            GroupRecord {
                base,
                ..GroupRecord::new(group_id, epoch, Some(info))
            },
        );
        self.in_group(conv, me);
        self.reconcile(conv);
        Ok(())
    }

    /// The latest GroupInfo of `conv`'s group.
    pub fn group_info_of(&self, conv: &Conv) -> Result<Vec<u8>, String> {
        self.groups
            .get(conv)
            .and_then(|r| r.info.clone())
            .ok_or_else(|| "no group for this conversation yet".into())
    }

    /// `conv`'s group as a member needs to know it.
    pub fn group_state(&self, conv: &Conv) -> Option<crate::protocol::GroupState> {
        self.groups.get(conv).map(|r| crate::protocol::GroupState {
            group_id: r.group_id.clone(),
            epoch: r.epoch,
            base: r.base,
        })
    }

    /// If `conv`'s group still holds someone who is no longer in the conversation,
    /// proposes removing them (as the groups' external sender), naming the online
    /// member with the lowest leaf to commit it. One proposal per epoch.
    pub fn reconcile(&mut self, conv: &Conv) {
        if matches!(conv, Conv::Dm { .. }) {
            return;
        }
        let members: std::collections::HashSet<String> = self.conv_members(conv).into_iter().collect();
        let settled = tokio::time::Instant::now() >= self.started + self.opts.grace;
        if settled {
            self.departed.remove(conv);
        }
        let Some(r) = self.groups.get(conv) else { return };
        if r.proposed || r.info.is_none() {
            return;
        }
        let roster = self.roster_of(conv);
        let current = |n: &String, noise: &[u8; 32]| self.members.get(n).is_some_and(|m| m.key == *noise);
        // A leaf whose name has other keys now (its member left and someone came back
        // under the name) goes at once; so does someone who left this conversation
        // during this incarnation; a name not back since a restart gets the grace
        // period to come back first.
        let gone = roster.iter().find(|(_, n, noise)| {
            if members.contains(n) {
                !current(n, noise)
            } else {
                settled || self.departed.get(conv).is_some_and(|d| d.contains(n))
            }
        });
        let Some(&(leaf, _, _)) = gone else { return };
        let online = |n: &String| self.members.get(n).is_some_and(|m| m.link.is_some());
        let committer = roster
            .iter()
            .filter(|(_, n, noise)| members.contains(n) && current(n, noise) && online(n))
            .map(|(_, n, _)| self.display(n))
            .next();
        let Some(r) = self.groups.get_mut(conv) else { return };
        let proposal = match crate::group::framing::remove_proposal(&self.host_signature, &r.group_id, r.epoch, leaf) {
            Ok(p) => p,
            Err(e) => return tracing::warn!(%e, "could not propose a removal"),
        };
        r.proposed = true;
        self.append(
            conv,
            None,
            None,
            EntryBody::Mls {
                message: proposal,
                committer,
            },
        );
    }

    /// Forgets a conversation: its log and its group record.
    pub fn drop_conv(&mut self, conv: &Conv) {
        self.logs.drop_conv(conv);
        self.groups.remove(conv);
        self.pending_joins.remove(conv);
        self.departed.remove(conv);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::{Groups, MemberId, new_signature_key, signature_public};
    use crate::host::HostOptions;

    #[test]
    fn an_application_message_over_one_frame_is_not_logged() {
        let mut state = State::new(HostOptions::default(), new_signature_key().unwrap());
        let me = MemberId {
            name: "ana".into(),
            noise: [1; 32],
        };
        let mut g = Groups::new(&new_signature_key().unwrap(), me).unwrap();
        let host_key = signature_public(&new_signature_key().unwrap()).unwrap();
        let info = g.create(&Conv::LOBBY, &host_key).unwrap();
        state.publish_group_info("ana", &Conv::LOBBY, info).unwrap();
        let big = g
            .encrypt_bytes(&Conv::LOBBY, &vec![b'x'; MAX_MLS_APPLICATION_LEN])
            .unwrap();
        let refused = state.post_mls("ana", Uuid::new_v4(), &Conv::LOBBY, big, None, None);
        assert!(refused.is_err_and(|e| e.contains("over")));
        let small = g.encrypt_bytes(&Conv::LOBBY, b"hello").unwrap();
        assert!(
            state
                .post_mls("ana", Uuid::new_v4(), &Conv::LOBBY, small, None, None)
                .is_ok()
        );
    }
}
