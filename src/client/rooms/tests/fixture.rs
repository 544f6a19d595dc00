//! The scripted host and members the group tests run between: it orders what it is
//! sent like the real one (and can be told to lie); members are welcomed client states.

use super::super::*;
use crate::group::framing::group_info;
use crate::group::{new_signature_key, signature_public};
use crate::protocol::{EntryBody, HostPacket};
use std::collections::BTreeMap;

/// A host that orders what it is sent, like the real one, and can be told to lie.
pub(super) struct Host {
    pub signature: Vec<u8>,
    pub key: Vec<u8>,
    pub infos: BTreeMap<Conv, Vec<u8>>,
    pub seq: BTreeMap<Conv, u64>,
    /// Key packages it hands out, by name.
    pub packages: BTreeMap<String, Vec<u8>>,
}

impl Host {
    pub(super) fn new() -> Self {
        let signature = new_signature_key().unwrap();
        let key = signature_public(&signature).unwrap();
        Host {
            signature,
            key,
            infos: BTreeMap::new(),
            seq: BTreeMap::new(),
            packages: BTreeMap::new(),
        }
    }

    pub(super) fn state(&self, conv: &Conv) -> Option<GroupState> {
        self.infos.get(conv).map(|i| {
            let (group_id, epoch) = group_info(i).unwrap();
            GroupState {
                group_id,
                epoch,
                base: 0,
            }
        })
    }

    pub(super) fn entry(
        &mut self,
        conv: &Conv,
        from: Option<&str>,
        id: Option<Uuid>,
        message: Vec<u8>,
        committer: Option<&str>,
    ) -> HostPacket {
        let seq = self.seq.entry(conv.clone()).or_default();
        *seq += 1;
        HostPacket::Entry {
            conv: conv.clone(),
            seq: *seq,
            at: 0,
            from: from.map(str::to_string),
            id,
            body: EntryBody::Mls {
                message,
                committer: committer.map(str::to_string),
            },
        }
    }

    /// One packet from `who`: the answer to it, and the entries for everyone.
    pub(super) fn handle(&mut self, who: &str, p: ClientPacket) -> (Vec<HostPacket>, Vec<HostPacket>) {
        match p {
            ClientPacket::GroupInfo { id, conv, info } => {
                self.infos.insert(conv, info.into_vec());
                (vec![HostPacket::Ack { id, seq: None }], vec![])
            }
            ClientPacket::FetchGroupInfo { id, conv } => {
                let info = serde_bytes::ByteBuf::from(self.infos[&conv].clone());
                (vec![HostPacket::GroupInfo { id, conv, info }], vec![])
            }
            ClientPacket::Mls {
                id,
                conv,
                message,
                group_info,
                ..
            } => {
                if let Some(i) = group_info {
                    self.infos.insert(conv.clone(), i.into_vec());
                }
                let e = self.entry(&conv, Some(who), Some(id), message, None);
                let HostPacket::Entry { seq, .. } = &e else {
                    unreachable!()
                };
                (vec![HostPacket::Ack { id, seq: Some(*seq) }], vec![e])
            }
            ClientPacket::Signal { conv, message } => (
                vec![],
                vec![HostPacket::Signal {
                    conv,
                    from: who.into(),
                    message,
                }],
            ),
            ClientPacket::FetchKeyPackage { id, name } => {
                let package = self.packages[&name].clone();
                (vec![HostPacket::KeyPackage { id, name, package }], vec![])
            }
            other => (
                other
                    .request_id()
                    .map(|id| HostPacket::Ack { id, seq: None })
                    .into_iter()
                    .collect(),
                vec![],
            ),
        }
    }
}

/// A member with its own keys (the Noise key is `noise` repeated), welcomed.
pub(super) fn member(name: &str, noise: u8, host: &Host) -> ChatState {
    let lobby = host.state(&Conv::LOBBY);
    crate::client::testing::welcomed(name, noise, &["ana", "bob", "cy"], host.key.clone(), lobby)
}

/// Runs packets between the members and the host until nobody has anything to send;
/// every event each member showed meanwhile.
pub(super) fn pump(host: &mut Host, members: &mut [(&str, &mut ChatState)]) -> BTreeMap<String, Vec<Event>> {
    let mut events: BTreeMap<String, Vec<Event>> = BTreeMap::new();
    loop {
        let mut quiet = true;
        for i in 0..members.len() {
            for p in members[i].1.take_outbox() {
                quiet = false;
                let who = members[i].0.to_string();
                let (answers, entries) = host.handle(&who, p);
                for a in answers {
                    let ev = members[i].1.on_packet(a);
                    events.entry(who.clone()).or_default().extend(ev);
                }
                for e in entries {
                    for (name, c) in members.iter_mut() {
                        events
                            .entry(name.to_string())
                            .or_default()
                            .extend(c.on_packet(e.clone()));
                    }
                }
            }
        }
        if quiet {
            return events;
        }
    }
}

pub(super) fn said(events: &BTreeMap<String, Vec<Event>>, who: &str, text: &str) -> bool {
    events.get(who).is_some_and(|ev| {
        ev.iter()
            .any(|e| matches!(e, Event::Message { body, own: false, .. } if body == text))
    })
}

pub(super) fn keys_changed(events: &BTreeMap<String, Vec<Event>>, who: &str, name: &str) -> bool {
    events.get(who).is_some_and(|ev| {
        ev.iter()
            .any(|e| matches!(e, Event::KeysChanged { name: n } if n == name))
    })
}

/// ana makes the lobby's group, bob joins it by external commit.
pub(super) fn lobby_of_two(host: &mut Host) -> (ChatState, ChatState) {
    let mut ana = member("ana", 1, host);
    let ev = pump(host, &mut [("ana", &mut ana)]);
    assert!(ev["ana"].iter().any(|e| matches!(e, Event::Connected { .. })), "{ev:?}");
    let mut bob = member("bob", 2, host);
    let ev = pump(host, &mut [("ana", &mut ana), ("bob", &mut bob)]);
    assert!(ev["bob"].iter().any(|e| matches!(e, Event::Connected { .. })), "{ev:?}");
    (ana, bob)
}

pub(super) fn send(c: &mut ChatState, room: Option<Uuid>, text: &str) {
    let (_, packets) = c.message(room, text.into());
    assert_eq!(packets.len(), 1, "the group is ready: it goes out at once");
    c.outbox.extend(packets);
}
