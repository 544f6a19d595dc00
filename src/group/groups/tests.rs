//! Two members in memory: a DM group made from a key package, messages both ways,
//! state kept and restored, and what the host can and cannot read.

use super::*;
use crate::group::framing::{Framing, Kind, check_key_package, framing, group_info};
use uuid::Uuid;

fn member(name: &str) -> Groups {
    let sig = new_signature_key().unwrap();
    Groups::new(
        &sig,
        MemberId {
            name: name.into(),
            noise: [name.len() as u8; 32],
        },
    )
    .unwrap()
}

fn dm(a: &mut Groups, b: &mut Groups) -> Conv {
    let conv = Conv::dm(&a.me().name, &b.me().name);
    let kp = b.key_packages(1).unwrap().remove(0);
    let created = a.create_with(&conv, &kp, &b.me().name.clone()).unwrap();
    assert!(matches!(framing(&created.welcome), Ok(Framing::Welcome)));
    let (gid, epoch) = group_info(&created.group_info).unwrap();
    assert_eq!(epoch, 1, "the add is epoch 1");
    a.confirm(&conv).unwrap();
    assert_eq!(b.process(&conv, &created.welcome).unwrap(), Incoming::Joined);
    assert_eq!(a.epoch(&conv), b.epoch(&conv));
    assert_eq!(gid.len(), 16);
    conv
}

#[test]
fn a_dm_group_carries_messages_both_ways_with_the_sender_from_its_credential() {
    let (mut ana, mut bo) = (member("ana"), member("bo"));
    let conv = dm(&mut ana, &mut bo);
    let id = Uuid::new_v4();
    let ct = ana.encrypt(&conv, &Content::text(id, "hello bo".into())).unwrap();
    // The host sees the framing only: an application message of this group.
    let Framing::Message { kind, epoch, .. } = framing(&ct).unwrap() else {
        panic!()
    };
    assert_eq!((kind, epoch), (Kind::Application, 1));
    assert!(!ct.windows(8).any(|w| w == b"hello bo"), "the text is not in the clear");
    match bo.process(&conv, &ct).unwrap() {
        Incoming::Message {
            from,
            content,
            signature_key,
        } => {
            assert_eq!(from.name, "ana");
            assert_eq!(content, Content::text(id, "hello bo".into()));
            assert_eq!(signature_key, ana.signature_key());
        }
        other => panic!("{other:?}"),
    }
    // A duplicate is recognised, not shown twice.
    assert_eq!(bo.process(&conv, &ct), Err(GroupError::Duplicate));
    let back = bo
        .encrypt(&conv, &Content::text(Uuid::new_v4(), "hi ana".into()))
        .unwrap();
    assert!(matches!(ana.process(&conv, &back), Ok(Incoming::Message { .. })));
    let names: Vec<String> = bo.roster(&conv).into_iter().map(|r| r.id.name).collect();
    assert_eq!(names, ["ana", "bo"]);
}

#[test]
fn a_key_package_of_someone_else_is_refused() {
    let (mut ana, bo) = (member("ana"), member("bo"));
    let kp = bo.key_packages(1).unwrap().remove(0);
    let conv = Conv::dm("ana", "cy");
    assert!(matches!(
        ana.create_with(&conv, &kp, "cy"),
        Err(GroupError::BadKeyPackage(_))
    ));
    assert!(matches!(
        ana.create_with(&conv, b"garbage", "bo"),
        Err(GroupError::BadKeyPackage(_))
    ));
    // The host's check: the uploader's own name and Noise key only.
    assert_eq!(check_key_package(&kp, "BO", &[2; 32]), Ok(false));
    assert!(check_key_package(&kp, "ana", &[2; 32]).is_err());
    assert!(check_key_package(&kp, "bo", &[9; 32]).is_err());
}

#[test]
fn state_survives_a_restart() {
    let (mut ana, mut bo) = (member("ana"), member("bo"));
    let sig = new_signature_key().unwrap();
    let mut cy = Groups::new(
        &sig,
        MemberId {
            name: "cy".into(),
            noise: [3; 32],
        },
    )
    .unwrap();
    let conv = dm(&mut ana, &mut cy);
    let _other = dm(&mut ana, &mut bo);
    let saved = cy.snapshot();
    drop(cy);
    let mut cy = Groups::restore(
        &sig,
        MemberId {
            name: "cy".into(),
            noise: [3; 32],
        },
        &saved,
    )
    .unwrap();
    assert!(cy.has(&conv));
    let ct = ana
        .encrypt(&conv, &Content::text(Uuid::new_v4(), "after".into()))
        .unwrap();
    assert!(matches!(cy.process(&conv, &ct), Ok(Incoming::Message { .. })));
    let back = cy
        .encrypt(&conv, &Content::text(Uuid::new_v4(), "me too".into()))
        .unwrap();
    assert!(matches!(ana.process(&conv, &back), Ok(Incoming::Message { .. })));
    // Damaged state is a clear error.
    assert!(matches!(
        Groups::restore(
            &sig,
            MemberId {
                name: "cy".into(),
                noise: [3; 32]
            },
            b"junk"
        ),
        Err(GroupError::Corrupt(_))
    ));
}

#[test]
fn messages_of_another_group_or_a_later_epoch_are_out_of_sync() {
    let (mut ana, mut bo) = (member("ana"), member("bo"));
    let conv = dm(&mut ana, &mut bo);
    let (mut cy, mut di) = (member("cy"), member("di"));
    let other = dm(&mut cy, &mut di);
    let foreign = cy.encrypt(&other, &Content::text(Uuid::new_v4(), "x".into())).unwrap();
    assert_eq!(bo.process(&conv, &foreign), Err(GroupError::OutOfSync));
    assert!(matches!(
        bo.process(&conv, b"\x00\x01junk"),
        Err(GroupError::Malformed(_))
    ));
    let none = Conv::dm("bo", "zed");
    assert_eq!(
        bo.encrypt(&none, &Content::text(Uuid::nil(), "x".into())),
        Err(GroupError::NoGroup)
    );
}

/// A room's life at the group level: created with the host as external sender,
/// joined by external commits, a member removed by the host's proposal (committed by a
/// member), who then cannot read what follows; a lost member rejoins (resync).
#[test]
fn a_room_group_follows_joins_and_the_hosts_removals() {
    use crate::group::framing::{remove_proposal, roster};
    let host_sig = new_signature_key().unwrap();
    let host_key = crate::group::signature_public(&host_sig).unwrap();
    let room = Conv::Room { id: Uuid::new_v4() };
    let (mut ana, mut bo, mut cy) = (member("ana"), member("bo"), member("cy"));
    let info = ana.create(&room, &host_key).unwrap();
    assert_eq!(group_info(&info).unwrap().1, 0);
    // bo and cy join by external commit; those already in apply each commit.
    let (commit, info) = bo.external_join(&room, &info).unwrap();
    assert!(matches!(
        framing(&commit),
        Ok(Framing::Message {
            kind: Kind::Commit,
            external: true,
            ..
        })
    ));
    assert!(matches!(ana.process(&room, &commit), Ok(Incoming::Commit { .. })));
    let (commit, info) = cy.external_join(&room, &info).unwrap();
    for g in [&mut ana, &mut bo] {
        assert!(matches!(g.process(&room, &commit), Ok(Incoming::Commit { .. })));
    }
    // The host reads who is where from the GroupInfo, and proposes removing cy.
    let r = roster(&info).unwrap();
    let names: Vec<&str> = r.iter().map(|(_, m)| m.name.as_str()).collect();
    assert_eq!(names, ["ana", "bo", "cy"]);
    let (gid, epoch) = group_info(&info).unwrap();
    let cy_leaf = r.iter().find(|(_, m)| m.name == "cy").unwrap().0;
    let proposal = remove_proposal(&host_sig, &gid, epoch, cy_leaf).unwrap();
    for g in [&mut ana, &mut bo, &mut cy] {
        assert_eq!(g.process(&room, &proposal), Ok(Incoming::Proposal));
    }
    assert!(ana.has_proposal(&room));
    // Sending waits while the proposal is pending; ana commits it.
    assert!(ana.encrypt(&room, &Content::text(Uuid::new_v4(), "x".into())).is_err());
    let (commit, _info) = ana.commit_proposals(&room).unwrap().unwrap();
    ana.confirm(&room).unwrap();
    assert!(!ana.has_proposal(&room));
    assert!(
        matches!(bo.process(&room, &commit), Ok(Incoming::Commit { ref removed, removed_me: false }) if removed[0].name == "cy")
    );
    assert!(matches!(
        cy.process(&room, &commit),
        Ok(Incoming::Commit { removed_me: true, .. })
    ));
    // What is said after the removal: bo reads it, cy (replayed the same bytes) cannot.
    let secret = ana
        .encrypt(&room, &Content::text(Uuid::new_v4(), "after cy left".into()))
        .unwrap();
    assert!(matches!(bo.process(&room, &secret), Ok(Incoming::Message { .. })));
    assert!(cy.process(&room, &secret).is_err());
    // bo loses his state (missed a commit): he rejoins from the latest GroupInfo, and
    // his old leaf is replaced, not duplicated.
    let info = ana.group_info(&room).unwrap();
    let (commit, info) = bo.external_join(&room, &info).unwrap();
    assert!(matches!(ana.process(&room, &commit), Ok(Incoming::Commit { .. })));
    assert_eq!(roster(&info).unwrap().len(), 2);
    let hi = bo
        .encrypt(&room, &Content::text(Uuid::new_v4(), "back".into()))
        .unwrap();
    assert!(matches!(ana.process(&room, &hi), Ok(Incoming::Message { .. })));
}

/// A 256-member group, built in batches of adds: its GroupInfo (with the tree) is
/// larger than one frame, which is why group messages travel in parts.
#[test]
fn a_group_of_256_members() {
    let host_key = crate::group::signature_public(&new_signature_key().unwrap()).unwrap();
    let room = Conv::Room { id: Uuid::new_v4() };
    let mut creator = member("creator");
    creator.create(&room, &host_key).unwrap();
    let mut last = None;
    let mut others: Vec<Groups> = (1..256).map(|i| member(&format!("m{i:03}"))).collect();
    for batch in others.chunks_mut(51) {
        let kps: Vec<Vec<u8>> = batch.iter().map(|m| m.key_packages(1).unwrap().remove(0)).collect();
        let (_commit, welcome) = creator.add_now(&room, &kps).unwrap();
        last = Some((batch.len(), welcome));
    }
    let (n, welcome) = last.unwrap();
    let m = others.last_mut().unwrap();
    assert_eq!(m.process(&room, &welcome), Ok(Incoming::Joined));
    assert_eq!(m.roster(&room).len(), 256);
    assert_eq!(n, 51);
    let info = creator.group_info(&room).unwrap();
    assert!(
        info.len() > crate::protocol::limits::MAX_FRAME_LEN - 10_000,
        "{} bytes",
        info.len()
    );
    assert_eq!(crate::group::framing::roster(&info).unwrap().len(), 256);
    // On the wire, the batch's Welcome goes in parts and comes back whole; so does
    // the GroupInfo, in one or more frames.
    let entry = crate::protocol::HostPacket::Entry {
        conv: room.clone(),
        seq: 1,
        at: 0,
        from: Some("creator".into()),
        id: None,
        body: crate::protocol::EntryBody::Mls {
            message: welcome.clone(),
            committer: None,
        },
    };
    let info_packet = crate::protocol::HostPacket::GroupInfo {
        id: Uuid::new_v4(),
        conv: room.clone(),
        info: serde_bytes::ByteBuf::from(info.clone()),
    };
    for (p, parts) in [(entry, true), (info_packet, false)] {
        let frames = crate::protocol::to_frames(&p).unwrap();
        let n = frames.iter().count();
        assert!(!parts || n > 1, "welcome {} bytes in {n} frame(s)", welcome.len());
        let mut r = crate::protocol::Reassembly::default();
        let mut whole = None;
        for f in frames.iter() {
            assert!(f.len() <= crate::protocol::limits::MAX_FRAME_LEN);
            whole = r.push::<crate::protocol::HostPacket>(f).unwrap();
        }
        assert_eq!(whole, Some(p));
    }
}

/// Receipts and typing notes are relayed at once while logged messages wait in the log:
/// a sender's later messages may come first, by up to the tolerance.
#[test]
fn messages_overtaken_by_later_ones_still_open_within_the_tolerance() {
    let (mut ana, mut bo) = (member("ana"), member("bo"));
    let conv = dm(&mut ana, &mut bo);
    let n = OUT_OF_ORDER_TOLERANCE as usize + 2;
    let cts: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            ana.encrypt(&conv, &Content::text(Uuid::new_v4(), format!("m{i}")))
                .unwrap()
        })
        .collect();
    assert!(matches!(bo.process(&conv, &cts[n - 1]), Ok(Incoming::Message { .. })));
    // Past the tolerance: that one message is lost, and said so; the group is in step.
    assert_eq!(bo.process(&conv, &cts[0]), Err(GroupError::OutOfOrder));
    for ct in &cts[2..n - 1] {
        assert!(matches!(bo.process(&conv, ct), Ok(Incoming::Message { .. })));
    }
    let after = ana.encrypt(&conv, &Content::text(Uuid::new_v4(), "on".into())).unwrap();
    assert!(matches!(bo.process(&conv, &after), Ok(Incoming::Message { .. })));
}
