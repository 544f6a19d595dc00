//! The host as MLS Delivery Service: it keeps members' key packages and hands one out
//! per request, and orders each conversation's group messages (first Welcome or commit
//! for an epoch wins, stale ones are refused). It reads only the framing.

use super::state::State;
use crate::group::framing::{Framing, Kind, check_key_package, framing, group_info};
use crate::protocol::limits::{MAX_KEY_PACKAGE_LEN, MAX_KEY_PACKAGES};
use crate::protocol::{Conv, EntryBody};
use serde_bytes::ByteBuf;
use uuid::Uuid;

/// What the host knows of a conversation's group: which group, its epoch, and the
/// latest GroupInfo (what a later member joins from).
#[derive(Debug, Clone)]
pub(crate) struct GroupRecord {
    pub group_id: Vec<u8>,
    pub epoch: u64,
    pub info: Option<Vec<u8>>,
}

/// Why a group message is refused; "stale epoch" tells the client to catch up and try again.
pub const STALE: &str = "stale epoch";

impl State {
    /// Stores member `me`'s uploaded key packages (each checked to be its own).
    pub fn add_key_packages(&mut self, me: &str, packages: Vec<ByteBuf>) -> Result<(), String> {
        let Some(m) = self.members.get_mut(me) else {
            return Err("not registered".into());
        };
        for p in &packages {
            if p.len() > MAX_KEY_PACKAGE_LEN {
                return Err(format!("a key package is over {MAX_KEY_PACKAGE_LEN} bytes"));
            }
            check_key_package(p, &m.name, &m.key).map_err(|e| e.to_string())?;
        }
        for p in packages {
            m.key_packages.push_back(p.into_vec());
            if m.key_packages.len() > MAX_KEY_PACKAGES {
                m.key_packages.pop_front();
            }
        }
        Ok(())
    }

    /// Hands out one key package of member `name`.
    pub fn take_key_package(&mut self, name: &str) -> Result<(String, Vec<u8>), String> {
        let k = crate::protocol::name_key(name);
        let m = self
            .members
            .get_mut(&k)
            .ok_or_else(|| format!("nobody named '{name}' is here"))?;
        let p = m
            .key_packages
            .pop_front()
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
        let info = info.map(ByteBuf::into_vec);
        let record = self.groups.get(conv);
        let next = match frame {
            Framing::Welcome => {
                let info = info.ok_or("a Welcome comes with its group info")?;
                let (group_id, epoch) = group_info(&info).map_err(|e| e.to_string())?;
                match (record, replaces) {
                    (None, _) => {}
                    (Some(r), Some(old)) if r.group_id == old.as_slice() => {}
                    _ => return Err(STALE.into()),
                }
                GroupRecord {
                    group_id,
                    epoch,
                    info: Some(info),
                }
            }
            Framing::Message {
                group_id, epoch, kind, ..
            } => {
                if let Some(r) = record
                    && (r.group_id != group_id || r.epoch != epoch)
                {
                    return Err(STALE.into());
                }
                let known = record.and_then(|r| r.info.clone());
                match kind {
                    Kind::Application => GroupRecord {
                        group_id,
                        epoch,
                        info: known,
                    },
                    Kind::Commit => {
                        let info = match info {
                            Some(i) => {
                                let (g, e) = group_info(&i).map_err(|e| e.to_string())?;
                                if g != group_id || e != epoch + 1 {
                                    return Err("the group info does not follow the commit".into());
                                }
                                Some(i)
                            }
                            None => known,
                        };
                        GroupRecord {
                            group_id,
                            epoch: epoch + 1,
                            info,
                        }
                    }
                    Kind::Proposal => return Err("members do not send proposals here".into()),
                }
            }
        };
        self.groups.insert(conv.clone(), next);
        let name = self.display(me);
        Ok(self.append(conv, Some(&name), Some(id), EntryBody::Mls { message }))
    }

    /// Forgets a conversation: its log and its group record.
    pub fn drop_conv(&mut self, conv: &Conv) {
        self.logs.drop_conv(conv);
        self.groups.remove(conv);
    }
}
