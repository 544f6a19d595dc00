//! File cards in the window: they come by themselves or wait for a click, move, are
//! saved, and fail with a reason.

use super::*;

fn offer(name: &str, size: u64, media_type: &str) -> crate::group::FileOffer {
    crate::group::FileOffer {
        transfer: Uuid::new_v4(),
        name: name.into(),
        size,
        media_type: media_type.into(),
        sha256: vec![0; 32],
        key: vec![0; 32],
    }
}

#[test]
fn files_show_as_cards_that_move_save_and_fail() {
    let mut m = connected();
    // A small picture comes by itself; a document waits for a click.
    let pic = offer("cat.png", 200_000, "image/png");
    let doc = offer("report.pdf", 3_000_000, "application/pdf");
    let big = offer("huge.png", 20 << 20, "image/png");
    for o in [&pic, &doc, &big] {
        m.apply(Event::FileOffered {
            id: Uuid::new_v4(),
            conv: crate::protocol::Conv::LOBBY,
            label: "lobby".into(),
            from: "bob".into(),
            own: false,
            offer: o.clone(),
            at: 0,
        });
    }
    assert_eq!(
        m.fetch,
        vec![pic.transfer],
        "only the small picture is fetched by itself"
    );
    let kinds: Vec<LineKind> = m.lines(&Conv::Lobby).iter().map(|l| l.kind).collect();
    assert_eq!(
        kinds,
        [
            LineKind::File(pic.transfer),
            LineKind::File(doc.transfer),
            LineKind::File(big.transfer)
        ]
    );
    assert!(matches!(
        m.files[&pic.transfer].state,
        FileState::Moving { done: 0, .. }
    ));
    assert_eq!(m.files[&doc.transfer].state, FileState::Offered);
    // Progress with speed, then saved.
    m.file_progress(pic.transfer, 0, 1_000);
    m.file_progress(pic.transfer, 100_000, 2_000);
    assert_eq!(
        m.files[&pic.transfer].state,
        FileState::Moving {
            done: 100_000,
            bytes_per_sec: 100_000
        }
    );
    assert_eq!(m.files[&pic.transfer].fraction(), Some(0.5));
    m.apply(Event::FileSaved {
        transfer: pic.transfer,
        from: "bob".into(),
        name: "cat.png".into(),
        path: "/dl/cat.png".into(),
    });
    assert_eq!(
        m.files[&pic.transfer].state,
        FileState::Saved {
            path: "/dl/cat.png".into()
        }
    );
    // The document: asked for, then the sender is gone.
    m.file_requested(doc.transfer);
    m.apply(Event::FileFailed {
        transfer: doc.transfer,
        name: "report.pdf".into(),
        reason: "no longer available: the sender left".into(),
        sending: false,
    });
    assert_eq!(
        m.files[&doc.transfer].state,
        FileState::Failed {
            reason: "no longer available: the sender left".into()
        }
    );
    // Cancel stops a download; a refused send (never offered) is a toast.
    m.file_requested(big.transfer);
    m.file_cancelled(big.transfer);
    assert!(matches!(m.files[&big.transfer].state, FileState::Failed { ref reason } if reason == "cancelled"));
    m.apply(Event::FileFailed {
        transfer: Uuid::nil(),
        name: "movie.mkv".into(),
        reason: "refused: the file is 101 MiB, over the host's 100 MiB limit".into(),
        sending: true,
    });
    assert!(
        m.toasts
            .iter()
            .any(|(_, t)| t.contains("over the host's 100 MiB limit"))
    );
    // Our own offer shows as sent, on our side.
    let mine = offer("notes.txt", 10, "text/plain");
    m.apply(Event::FileOffered {
        id: Uuid::new_v4(),
        conv: crate::protocol::Conv::LOBBY,
        label: "lobby".into(),
        from: "me_".into(),
        own: true,
        offer: mine.clone(),
        at: 0,
    });
    assert_eq!(m.files[&mine.transfer].state, FileState::Sent);
    assert!(m.lines(&Conv::Lobby).last().unwrap().own);
    // Going out, then all of it went: sent again (before, it stayed "sending 50%"
    // when the last report was the one at half).
    m.file_progress(mine.transfer, 5, 1_000);
    assert!(matches!(
        m.files[&mine.transfer].state,
        FileState::Moving { done: 5, .. }
    ));
    m.file_progress(mine.transfer, 10, 2_000);
    assert_eq!(m.files[&mine.transfer].state, FileState::Sent);
}
