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
    assert_eq!(check_key_package(&kp, "BO", &[2; 32]), Ok(()));
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
