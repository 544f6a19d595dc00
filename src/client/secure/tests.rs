//! Two client states and a scripted host between them: a DM starts its group from a
//! key package, is read by the other side with the sender from its credential, and a
//! DM the host calls stale is encrypted again after the epoch change, once.

use super::*;
use crate::group::new_signature_key;
use crate::protocol::{EntryBody, HostPacket};

fn client(name: &str) -> ChatState {
    let host_key = crate::group::signature_public(&new_signature_key().unwrap()).unwrap();
    // The lobby's group already exists at the host (its GroupInfo is fetched).
    let lobby = crate::protocol::GroupState {
        group_id: vec![9; 16],
        epoch: 3,
        base: 0,
    };
    crate::client::testing::welcomed(name, name.len() as u8, &["ana", "bob"], host_key, Some(lobby))
}

/// The packets a client has to send now (group upkeep of the lobby left out).
fn sent(c: &mut ChatState) -> Vec<ClientPacket> {
    c.take_outbox()
        .into_iter()
        .filter(|p| !matches!(p, ClientPacket::FetchGroupInfo { .. }))
        .collect()
}

fn entry(conv: &Conv, seq: u64, from: &str, id: Uuid, message: Vec<u8>) -> HostPacket {
    HostPacket::Entry {
        conv: conv.clone(),
        seq,
        at: 0,
        from: Some(from.into()),
        id: Some(id),
        body: EntryBody::Mls {
            message,
            committer: None,
        },
    }
}

/// The key package a client uploaded once welcomed.
fn uploaded(c: &mut ChatState) -> Vec<u8> {
    match &sent(c)[..] {
        [ClientPacket::KeyPackages { packages, .. }] => packages[0].to_vec(),
        other => panic!("{} packets", other.len()),
    }
}

/// `c` DMs `to` for the first time and gets `package`: (the DM's id, the group
/// creation's id, its Welcome).
fn start_dm(c: &mut ChatState, to: &str, text: &str, package: Vec<u8>) -> (Uuid, Uuid, Vec<u8>) {
    let (id, p) = c.dm(to, text.into()).unwrap();
    let [ClientPacket::FetchKeyPackage { id: f, .. }] = &p[..] else {
        panic!()
    };
    c.on_packet(HostPacket::KeyPackage {
        id: *f,
        name: to.into(),
        package,
    });
    let [
        ClientPacket::Mls {
            id: create, message, ..
        },
    ] = &c.take_outbox()[..]
    else {
        panic!()
    };
    (id, *create, message.clone())
}

/// The message of request `id` among `out`.
fn message_of(out: &[ClientPacket], id: Uuid) -> Option<Vec<u8>> {
    out.iter().find_map(|p| match p {
        ClientPacket::Mls { id: i, message, .. } if *i == id => Some(message.clone()),
        _ => None,
    })
}

/// The host ordered `c`'s group creation `create` first (seq 1): the DM that waited
/// for it goes out; its message.
fn created(c: &mut ChatState, create: Uuid) -> Vec<u8> {
    c.on_packet(HostPacket::Ack {
        id: create,
        seq: Some(1),
    });
    let [ClientPacket::Mls { message, .. }] = &sent(c)[..] else {
        panic!()
    };
    message.clone()
}

#[test]
fn a_dm_goes_end_to_end_and_a_stale_one_is_encrypted_again_once() {
    let (mut ana, mut bob) = (client("ana"), client("bob"));
    // Both upload key packages once welcomed (and must save their secrets first).
    assert!(bob.take_must_save());
    let bob_kp = match &sent(&mut bob)[..] {
        [ClientPacket::KeyPackages { packages, .. }] => packages[0].to_vec(),
        other => panic!("{} packets", other.len()),
    };
    assert!(bob_kp.len() > 100);
    sent(&mut ana);

    // ana's first DM: key package, new group, its Welcome to the host...
    let (dm_id, packets) = ana.dm("bob", "psst".into()).unwrap();
    let [ClientPacket::FetchKeyPackage { id: fetch, .. }] = &packets[..] else {
        panic!("{} packets", packets.len())
    };
    ana.on_packet(HostPacket::KeyPackage {
        id: *fetch,
        name: "bob".into(),
        package: bob_kp,
    });
    let [
        ClientPacket::Mls {
            id: create,
            message: welcome,
            group_info: Some(_),
            conv,
            ..
        },
    ] = &sent(&mut ana)[..]
    else {
        panic!()
    };
    let (create, welcome, conv) = (*create, welcome.clone(), conv.clone());
    assert_eq!(conv, Conv::dm("ana", "bob"));
    // ... ordered by the host: then the DM itself goes out, encrypted.
    ana.on_packet(HostPacket::Ack {
        id: create,
        seq: Some(1),
    });
    let [ClientPacket::Mls { id, message, .. }] = &sent(&mut ana)[..] else {
        panic!()
    };
    assert_eq!(*id, dm_id);
    assert!(!message.windows(4).any(|w| w == b"psst"), "encrypted");
    let dm1 = message.clone();
    let ev = ana.on_packet(HostPacket::Ack {
        id: dm_id,
        seq: Some(2),
    });
    assert!(matches!(&ev[0], Event::DmSent { body, .. } if body == "psst"));

    // bob reads the log: joins from the Welcome, then reads the DM from ana.
    assert!(bob.on_packet(entry(&conv, 1, "ana", create, welcome)).is_empty());
    let ev = bob.on_packet(entry(&conv, 2, "ana", dm_id, dm1.clone()));
    assert!(matches!(&ev[0], Event::Dm { from, body, .. } if from == "ana" && body == "psst"));
    // The Welcome used one of bob's key packages: he uploads one more.
    assert!(
        sent(&mut bob)
            .iter()
            .any(|p| matches!(p, ClientPacket::KeyPackages { packages, .. } if packages.len() == 1))
    );

    // ana refreshes her keys (epoch 2) while bob answers at epoch 1.
    let rotate = ana.rotate_keys("bob").unwrap();
    let ClientPacket::Mls {
        id: commit_id,
        message: commit,
        ..
    } = rotate.clone()
    else {
        panic!()
    };
    ana.on_packet(HostPacket::Ack {
        id: commit_id,
        seq: Some(3),
    });
    let (reply, packets) = bob.dm("ana", "stale?".into()).unwrap();
    let [ClientPacket::Mls { message: old, .. }] = &packets[..] else {
        panic!()
    };
    let old = old.clone();
    // The host ordered ana's commit first: bob's reply is stale. Nothing is shown...
    let ev = bob.on_packet(HostPacket::Refused {
        id: reply,
        reason: crate::host::STALE.into(),
    });
    assert!(ev.is_empty() && bob.has_stale());
    // ... until the commit arrives: then the reply is encrypted again, same id.
    assert!(bob.on_packet(entry(&conv, 3, "ana", commit_id, commit)).is_empty());
    let [ClientPacket::Mls { id, message: again, .. }] = &sent(&mut bob)[..] else {
        panic!()
    };
    assert_eq!(*id, reply);
    assert_ne!(*again, old, "encrypted again at the new epoch");
    assert!(!bob.has_stale());
    let ev = ana.on_packet(entry(&conv, 4, "bob", reply, again.clone()));
    assert!(matches!(&ev[0], Event::Dm { body, .. } if body == "stale?"));
    // Once: the same message again is not shown twice.
    assert!(ana.on_packet(entry(&conv, 5, "bob", reply, again.clone())).is_empty());
}

#[test]
fn both_start_the_same_dm_at_once_and_end_in_one_group() {
    let (mut ana, mut bob) = (client("ana"), client("bob"));
    let (ana_kp, bob_kp) = (uploaded(&mut ana), uploaded(&mut bob));
    let (a_dm, a_create, a_welcome) = start_dm(&mut ana, "bob", "hi bob", bob_kp);
    let (b_dm, b_create, _b_welcome) = start_dm(&mut bob, "ana", "hi ana", ana_kp);
    let conv = Conv::dm("ana", "bob");
    // The host orders ana's group first and refuses bob's.
    let a_msg = created(&mut ana, a_create);
    bob.on_packet(HostPacket::Refused {
        id: b_create,
        reason: crate::host::STALE.into(),
    });
    // bob joins ana's group from the log and sends his waiting DM in it.
    bob.on_packet(entry(&conv, 1, "ana", a_create, a_welcome));
    let ev = bob.on_packet(entry(&conv, 2, "ana", a_dm, a_msg));
    assert!(matches!(&ev[0], Event::Dm { body, .. } if body == "hi bob"));
    let out = sent(&mut bob);
    let b_msg = message_of(&out, b_dm).expect("bob's DM goes out in ana's group");
    let ev = ana.on_packet(entry(&conv, 3, "bob", b_dm, b_msg));
    assert!(matches!(&ev[0], Event::Dm { body, .. } if body == "hi ana"));
}

/// bob starts the DM too, but ana's Welcome reaches him before the key package he
/// fetched: he joins her group, and the late package changes nothing. Before, it made
/// him a group of his own over the working one; the host refused it as stale and he
/// was left with none (his DMs waited for good, hers could not be read).
#[test]
fn a_key_package_that_comes_after_the_partners_welcome_leaves_the_group_alone() {
    let (mut ana, mut bob) = (client("ana"), client("bob"));
    let (ana_kp, bob_kp) = (uploaded(&mut ana), uploaded(&mut bob));
    let conv = Conv::dm("ana", "bob");
    // ana's group and first DM, ordered by the host.
    let (a_dm, create, welcome) = start_dm(&mut ana, "bob", "first", bob_kp);
    let a_msg = created(&mut ana, create);
    // bob starts too: his fetch is on its way when the log brings ana's group.
    let (b_dm, p) = bob.dm("ana", "me too".into()).unwrap();
    let [ClientPacket::FetchKeyPackage { id: b_fetch, .. }] = &p[..] else {
        panic!()
    };
    let b_fetch = *b_fetch;
    bob.on_packet(entry(&conv, 1, "ana", create, welcome));
    let ev = bob.on_packet(entry(&conv, 2, "ana", a_dm, a_msg));
    assert!(matches!(&ev[0], Event::Dm { body, .. } if body == "first"));
    // The package he asked for comes late.
    bob.on_packet(HostPacket::KeyPackage {
        id: b_fetch,
        name: "ana".into(),
        package: ana_kp,
    });
    let out = sent(&mut bob);
    assert!(
        !out.iter().any(|p| matches!(
            p,
            ClientPacket::Mls {
                group_info: Some(_),
                ..
            }
        )),
        "no group of his own"
    );
    let b_msg = message_of(&out, b_dm).expect("bob's DM goes out in ana's group");
    let ev = ana.on_packet(entry(&conv, 3, "bob", b_dm, b_msg.clone()));
    assert!(matches!(&ev[0], Event::Dm { body, .. } if body == "me too"));
    bob.on_packet(entry(&conv, 3, "bob", b_dm, b_msg));
    // And he reads what she sends next.
    let (next, p) = ana.dm("bob", "still here".into()).unwrap();
    let [ClientPacket::Mls { message, .. }] = &p[..] else {
        panic!()
    };
    let ev = bob.on_packet(entry(&conv, 4, "ana", next, message.clone()));
    assert!(
        matches!(&ev[0], Event::Dm { body, .. } if body == "still here"),
        "{ev:?}"
    );
}

/// ana refreshes her DM keys and her app restarts before the host's answer: the commit
/// comes back in the log as her own, and she applies it then. Before, her group stayed
/// an epoch behind for good: bob's replies could not be read, hers were stale for ever.
#[test]
fn our_commit_in_the_log_is_applied_when_its_answer_was_lost() {
    let (mut ana, mut bob) = (client("ana"), client("bob"));
    let (_, bob_kp) = (uploaded(&mut ana), uploaded(&mut bob));
    let conv = Conv::dm("ana", "bob");
    let (a_dm, create, welcome) = start_dm(&mut ana, "bob", "hi", bob_kp);
    let a_msg = created(&mut ana, create);
    bob.on_packet(entry(&conv, 1, "ana", create, welcome));
    bob.on_packet(entry(&conv, 2, "ana", a_dm, a_msg));
    let ClientPacket::Mls {
        id: commit_id,
        message: commit,
        ..
    } = ana.rotate_keys("bob").unwrap()
    else {
        panic!()
    };
    // The restart: the request waiting for its answer is gone.
    assert!(ana.settle(commit_id).is_some());
    ana.on_packet(entry(&conv, 3, "ana", commit_id, commit.clone()));
    bob.on_packet(entry(&conv, 3, "ana", commit_id, commit));
    let (reply, p) = bob.dm("ana", "after your new keys".into()).unwrap();
    let message = message_of(&p, reply).unwrap();
    let ev = ana.on_packet(entry(&conv, 4, "bob", reply, message));
    assert!(
        matches!(&ev[..], [Event::Dm { body, .. }] if body == "after your new keys"),
        "{ev:?}"
    );
}

/// The host refuses ana's new DM group for a reason of its own (not another group
/// first): her DM fails, and the next one starts the group again. Before, the refused
/// group stayed, a group of one, and her next DM was encrypted to nobody.
#[test]
fn a_refused_group_is_not_kept_to_send_in() {
    let (mut ana, mut bob) = (client("ana"), client("bob"));
    let (_, bob_kp) = (uploaded(&mut ana), uploaded(&mut bob));
    let (_, create, _) = start_dm(&mut ana, "bob", "first", bob_kp);
    let ev = ana.on_packet(HostPacket::Refused {
        id: create,
        reason: "slow down".into(),
    });
    assert!(
        matches!(&ev[..], [Event::Failed { text: Some(t), .. }] if t == "first"),
        "{ev:?}"
    );
    let (_, p) = ana.dm("bob", "second".into()).unwrap();
    assert!(
        matches!(&p[..], [ClientPacket::FetchKeyPackage { .. }]),
        "a new group is started: {p:?}"
    );
}

/// The fetch of bob's key package cannot be sent (a congested link): the DM that
/// waited for it fails with its text, instead of waiting for good.
#[test]
fn a_dm_whose_key_package_fetch_could_not_go_fails_with_it() {
    let mut ana = client("ana");
    let (_, p) = ana.dm("bob", "psst".into()).unwrap();
    let [ClientPacket::FetchKeyPackage { id, .. }] = &p[..] else {
        panic!()
    };
    let ev = ana.could_not_send(*id, "the connection is congested");
    assert!(
        matches!(&ev[..], [Event::Failed { text: Some(t), .. }] if t == "psst"),
        "{ev:?}"
    );
}

/// ana starts a DM group and her app restarts before the host's answer: the Welcome
/// comes back in the log as her own, and her group is confirmed then. Before, it
/// stayed at its first epoch: bob's reply could not be read, and her DMs were stale.
#[test]
fn our_welcome_in_the_log_confirms_our_group_when_its_answer_was_lost() {
    let (mut ana, mut bob) = (client("ana"), client("bob"));
    let (_, bob_kp) = (uploaded(&mut ana), uploaded(&mut bob));
    let conv = Conv::dm("ana", "bob");
    let (_, create, welcome) = start_dm(&mut ana, "bob", "hi", bob_kp);
    // The restart: the request waiting for its answer is gone.
    assert!(ana.settle(create).is_some());
    ana.on_packet(entry(&conv, 1, "ana", create, welcome.clone()));
    bob.on_packet(entry(&conv, 1, "ana", create, welcome));
    let (reply, p) = bob.dm("ana", "got your welcome".into()).unwrap();
    let message = message_of(&p, reply).unwrap();
    let ev = ana.on_packet(entry(&conv, 2, "bob", reply, message));
    assert!(
        matches!(&ev[..], [Event::Dm { body, .. }] if body == "got your welcome"),
        "{ev:?}"
    );
}

/// The link drops before the host answered our key-package upload, and the host
/// welcomes us as new (it restarted): one fresh upload goes, with a new last-resort
/// package, and the old one does not go again. Before, the old upload was resent after
/// the new one, and its last-resort package, whose private key we had forgotten,
/// replaced the new one at the host.
#[test]
fn a_fresh_registration_sends_one_upload_not_the_old_one_again() {
    let mut ana = client("ana");
    let first = sent(&mut ana);
    assert!(matches!(&first[..], [ClientPacket::KeyPackages { .. }]), "{first:?}");
    ana.reset_link();
    let ClientPacket::Register { id, .. } = ana.register("ana".into()) else {
        panic!()
    };
    let host_key = crate::group::signature_public(&new_signature_key().unwrap()).unwrap();
    let lobby = crate::protocol::GroupState {
        group_id: vec![9; 16],
        epoch: 3,
        base: 0,
    };
    let welcome = crate::client::testing::welcome(id, "ana", &[], host_key, Some(lobby), Uuid::new_v4());
    ana.on_packet(welcome);
    let uploads: Vec<usize> = sent(&mut ana)
        .iter()
        .filter_map(|p| match p {
            ClientPacket::KeyPackages { packages, .. } => Some(packages.len()),
            _ => None,
        })
        .collect();
    assert_eq!(uploads, [KEY_PACKAGE_TARGET + 1], "eight and a last-resort one, once");
}
