//! Lobby and room groups between client states and a scripted host: claimed by the
//! first member, joined by external commit, a removal proposed by the host and
//! committed by the member it names; a host that substitutes keys is seen.

use super::super::MlsKeys;
use super::*;
use crate::group::framing::{group_info, remove_proposal, roster};
use crate::group::{Groups, MemberId, new_signature_key, signature_public};
use crate::protocol::{EntryBody, HostPacket, Limits};
use std::collections::BTreeMap;

/// A host that orders what it is sent, like the real one, and can be told to lie.
struct Host {
    signature: Vec<u8>,
    key: Vec<u8>,
    infos: BTreeMap<Conv, Vec<u8>>,
    seq: BTreeMap<Conv, u64>,
    /// Key packages it hands out, by name.
    packages: BTreeMap<String, Vec<u8>>,
}

impl Host {
    fn new() -> Self {
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

    fn state(&self, conv: &Conv) -> Option<GroupState> {
        self.infos.get(conv).map(|i| {
            let (group_id, epoch) = group_info(i).unwrap();
            GroupState {
                group_id,
                epoch,
                base: 0,
            }
        })
    }

    fn entry(
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
    fn handle(&mut self, who: &str, p: ClientPacket) -> (Vec<HostPacket>, Vec<HostPacket>) {
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
fn member(name: &str, noise: u8, host: &Host) -> ChatState {
    let mut c = ChatState::default();
    c.set_keys(MlsKeys {
        signature: new_signature_key().unwrap(),
        noise: [noise; 32],
    });
    let ClientPacket::Register { id, .. } = c.register(name.into()) else {
        panic!()
    };
    c.on_packet(HostPacket::Welcome {
        id,
        name: name.into(),
        incarnation: Uuid::nil(),
        started_at: 0,
        resumed: false,
        users: ["ana", "bob", "cy"]
            .map(|n| crate::protocol::UserInfo {
                name: n.into(),
                away: false,
            })
            .to_vec(),
        rooms: vec![],
        cursors: vec![],
        key_packages: 0,
        host_key: host.key.clone(),
        group: host.state(&Conv::LOBBY),
        limits: Limits {
            max_body: 16_384,
            max_packet: 1 << 20,
            rate_per_sec: 20,
            rate_burst: 50,
            grace_secs: 600,
            max_file: 100 << 20,
        },
    });
    c
}

/// Runs packets between the members and the host until nobody has anything to send;
/// every event each member showed meanwhile.
fn pump(host: &mut Host, members: &mut [(&str, &mut ChatState)]) -> BTreeMap<String, Vec<Event>> {
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

fn said(events: &BTreeMap<String, Vec<Event>>, who: &str, text: &str) -> bool {
    events.get(who).is_some_and(|ev| {
        ev.iter()
            .any(|e| matches!(e, Event::Message { body, own: false, .. } if body == text))
    })
}

fn keys_changed(events: &BTreeMap<String, Vec<Event>>, who: &str, name: &str) -> bool {
    events.get(who).is_some_and(|ev| {
        ev.iter()
            .any(|e| matches!(e, Event::KeysChanged { name: n } if n == name))
    })
}

/// ana makes the lobby's group, bob joins it by external commit.
fn lobby_of_two(host: &mut Host) -> (ChatState, ChatState) {
    let mut ana = member("ana", 1, host);
    let ev = pump(host, &mut [("ana", &mut ana)]);
    assert!(ev["ana"].iter().any(|e| matches!(e, Event::Connected { .. })), "{ev:?}");
    let mut bob = member("bob", 2, host);
    let ev = pump(host, &mut [("ana", &mut ana), ("bob", &mut bob)]);
    assert!(ev["bob"].iter().any(|e| matches!(e, Event::Connected { .. })), "{ev:?}");
    (ana, bob)
}

fn send(c: &mut ChatState, room: Option<Uuid>, text: &str) {
    let (_, packets) = c.message(room, text.into());
    assert_eq!(packets.len(), 1, "the group is ready: it goes out at once");
    c.outbox.extend(packets);
}

#[test]
fn the_lobby_is_claimed_joined_and_read_and_a_substituted_key_package_is_seen() {
    let mut host = Host::new();
    let (mut ana, mut bob) = lobby_of_two(&mut host);
    send(&mut ana, None, "hello bob");
    let ev = pump(&mut host, &mut [("ana", &mut ana), ("bob", &mut bob)]);
    assert!(said(&ev, "bob", "hello bob"), "{ev:?}");
    send(&mut bob, None, "hello ana");
    let ev = pump(&mut host, &mut [("ana", &mut ana), ("bob", &mut bob)]);
    assert!(said(&ev, "ana", "hello ana"), "{ev:?}");
    assert!(!keys_changed(&ev, "ana", "bob"));

    // The host hands ana a key package of its own making under bob's name (his Noise
    // key, but a signature key that is not his): ana is told.
    let forged = Groups::new(
        &new_signature_key().unwrap(),
        MemberId {
            name: "bob".into(),
            noise: [2; 32],
        },
    )
    .unwrap()
    .key_packages(1)
    .unwrap()
    .remove(0);
    host.packages.insert("bob".into(), forged);
    let (_, packets) = ana.dm("bob", "psst".into()).unwrap();
    ana.outbox.extend(packets);
    let ev = pump(&mut host, &mut [("ana", &mut ana)]);
    assert!(keys_changed(&ev, "ana", "bob"), "{ev:?}");
}

#[test]
fn a_substituted_group_info_is_seen_by_who_joins_from_it() {
    let mut host = Host::new();
    let (mut ana, mut bob) = lobby_of_two(&mut host);
    // bob knows ana's keys from the lobby's group. The host makes a room group of its
    // own with a leaf under ana's name and hands bob its GroupInfo.
    let mut fake_ana = Groups::new(
        &new_signature_key().unwrap(),
        MemberId {
            name: "ana".into(),
            noise: [1; 32],
        },
    )
    .unwrap();
    let room = Uuid::new_v4();
    let conv = Conv::Room { id: room };
    host.infos
        .insert(conv.clone(), fake_ana.create(&conv, &host.key.clone()).unwrap());
    let ev = bob.on_packet(HostPacket::RoomSync {
        room,
        name: "ops".into(),
        members: vec!["ana".into(), "bob".into()],
        seq: 0,
        group: host.state(&conv),
    });
    assert!(ev.is_empty());
    let ev = pump(&mut host, &mut [("bob", &mut bob)]);
    assert!(keys_changed(&ev, "bob", "ana"), "{ev:?}");
    // ana herself saw nothing of it: the lie is told to bob alone.
    assert!(ana.take_outbox().is_empty());
}

#[test]
fn a_member_removed_by_the_hosts_proposal_cannot_read_what_follows() {
    let mut host = Host::new();
    let (mut ana, mut bob) = lobby_of_two(&mut host);
    let mut cy = member("cy", 3, &host);
    pump(&mut host, &mut [("ana", &mut ana), ("bob", &mut bob), ("cy", &mut cy)]);
    let room = Uuid::new_v4();
    let conv = Conv::Room { id: room };
    let sync = |host: &Host| HostPacket::RoomSync {
        room,
        name: "ops".into(),
        members: vec!["ana".into(), "bob".into(), "cy".into()],
        seq: 0,
        group: host.state(&conv),
    };
    // Each joins in turn: ana makes the group, the others join by external commit.
    for i in 0..3 {
        let mut all = [("ana", &mut ana), ("bob", &mut bob), ("cy", &mut cy)];
        let first = all[i].1.on_packet(sync(&host));
        let mut ev = pump(&mut host, &mut all);
        let me = all[i].0;
        ev.entry(me.to_string()).or_default().extend(first);
        assert!(
            ev[me]
                .iter()
                .any(|e| matches!(e, Event::RoomJoined { room_id, .. } if *room_id == room)),
            "{me}: {ev:?}"
        );
    }
    send(&mut cy, Some(room), "cy here");
    let ev = pump(&mut host, &mut [("ana", &mut ana), ("bob", &mut bob), ("cy", &mut cy)]);
    assert!(said(&ev, "ana", "cy here") && said(&ev, "bob", "cy here"), "{ev:?}");

    // cy leaves the room; the host proposes removing its leaf and names ana to commit.
    let info = host.infos[&conv].clone();
    let (gid, epoch) = group_info(&info).unwrap();
    let leaf = roster(&info)
        .unwrap()
        .into_iter()
        .find(|(_, m)| m.name == "cy")
        .unwrap()
        .0;
    let proposal = remove_proposal(&host.signature, &gid, epoch, leaf).unwrap();
    let e = host.entry(&conv, None, None, proposal, Some("ana"));
    cy.on_packet(HostPacket::RoomLeft {
        room,
        name: "ops".into(),
    });
    for c in [&mut ana, &mut bob] {
        c.on_packet(e.clone());
    }
    // ana commits at once; bob waits for it (he would commit after a while).
    assert!(bob.has_proposals() && !ana.has_proposals());
    let ev = pump(&mut host, &mut [("ana", &mut ana), ("bob", &mut bob)]);
    assert!(!bob.has_proposals(), "the commit settled it: {ev:?}");
    assert_eq!(roster(&host.infos[&conv]).unwrap().len(), 2);

    // What is said now: bob reads it; cy, handed the same ciphertext, cannot.
    send(&mut ana, Some(room), "after cy left");
    let mut cy_log = None;
    let (mut answers, entries) = {
        let mut out = ana.take_outbox();
        let p = out.remove(0);
        host.handle("ana", p)
    };
    for e in entries {
        assert!(
            bob.on_packet(e.clone())
                .iter()
                .any(|e| matches!(e, Event::Message { body, .. } if body == "after cy left"))
        );
        cy_log = Some(cy.on_packet(e));
    }
    ana.on_packet(answers.remove(0));
    let cy_log = cy_log.unwrap();
    assert!(
        !cy_log.iter().any(|e| matches!(e, Event::Message { .. })),
        "a removed member read a later message: {cy_log:?}"
    );
}

#[test]
fn receipts_say_delivered_then_read_and_typing_is_told() {
    use crate::client::event::Seen;
    let mut host = Host::new();
    let (mut ana, mut bob) = lobby_of_two(&mut host);
    // Only the two of them are here (the scripted welcome names a third).
    for c in [&mut ana, &mut bob] {
        c.users.retain(|u| u.name != "cy");
    }
    send(&mut ana, None, "did you get this?");
    let ev = pump(&mut host, &mut [("ana", &mut ana), ("bob", &mut bob)]);
    assert!(said(&ev, "bob", "did you get this?"));
    let Some(id) = ev["ana"].iter().find_map(|e| match e {
        Event::Message { id, own: true, .. } => Some(*id),
        _ => None,
    }) else {
        panic!("{ev:?}")
    };
    // bob's device has it: a receipt says delivered.
    assert!(bob.receipts_due());
    let r = bob.take_receipts();
    assert_eq!(r.len(), 1, "one receipt for the lobby");
    bob.outbox.extend(r);
    let ev = pump(&mut host, &mut [("ana", &mut ana), ("bob", &mut bob)]);
    assert!(
        ev["ana"].contains(&Event::Seen {
            id,
            seen: Seen::Delivered
        }),
        "{ev:?}"
    );
    assert!(bob.take_receipts().is_empty(), "nothing new to say");
    // bob looks at the lobby: read.
    bob.mark_read(&Conv::LOBBY);
    let r = bob.take_receipts();
    bob.outbox.extend(r);
    let ev = pump(&mut host, &mut [("ana", &mut ana), ("bob", &mut bob)]);
    assert!(ev["ana"].contains(&Event::Seen { id, seen: Seen::Read }), "{ev:?}");
    // Typing, and nothing of it in the log.
    let t = bob.typing(&Conv::LOBBY, true).unwrap();
    bob.outbox.push(t);
    let seq_before = host.seq.get(&Conv::LOBBY).copied();
    let ev = pump(&mut host, &mut [("ana", &mut ana), ("bob", &mut bob)]);
    assert!(
        ev["ana"]
            .iter()
            .any(|e| matches!(e, Event::Typing { from, on: true, .. } if from == "bob")),
        "{ev:?}"
    );
    assert_eq!(
        host.seq.get(&Conv::LOBBY).copied(),
        seq_before,
        "signals are not logged"
    );
    // Off hides them both ways: bob sends none, ana shows none.
    bob.set_receipts(false);
    send(&mut ana, None, "and this?");
    pump(&mut host, &mut [("ana", &mut ana), ("bob", &mut bob)]);
    assert!(!bob.receipts_due() && bob.take_receipts().is_empty());
}
