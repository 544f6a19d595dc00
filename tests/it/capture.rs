//! What the network sees: a loopback proxy records every byte of a real chat in both
//! directions; no message text, username or room name appears in it.

use crate::common::{Peer, start_host};
use severus::service::{Command, Event};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Forwards one direction, appending everything to `log`.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    log: Arc<Mutex<Vec<u8>>>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 || to.write_all(&buf[..n]).await.is_err() {
            break;
        }
        log.lock().unwrap().extend_from_slice(&buf[..n]);
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn a_recorded_chat_reveals_no_text_names_or_rooms() {
    let (_host, host_addr, hid) = start_host().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = listener.local_addr().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let l2 = log.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(host) = TcpStream::connect(host_addr).await else {
                continue;
            };
            let (cr, cw) = client.into_split();
            let (hr, hw) = host.into_split();
            tokio::spawn(pump(cr, hw, l2.clone()));
            tokio::spawn(pump(hr, cw, l2.clone()));
        }
    });

    let secret_names = ["Zanzibar_Quokka", "Marmalade-Otter"];
    let mut a = Peer::trusting(&proxy.to_string(), &hid);
    a.cmd(Command::Connect {
        target: proxy.to_string(),
        name: secret_names[0].into(),
        net: Default::default(),
    })
    .await;
    a.until(|e| matches!(e, Event::Connected { .. })).await;
    let mut b = Peer::trusting(&proxy.to_string(), &hid);
    b.cmd(Command::Connect {
        target: proxy.to_string(),
        name: secret_names[1].into(),
        net: Default::default(),
    })
    .await;
    b.until(|e| matches!(e, Event::Connected { .. })).await;

    a.cmd(Command::CreateRoom {
        name: "Room_Of_Secrets".into(),
    })
    .await;
    let Event::RoomJoined { room_id, .. } = a.until(|e| matches!(e, Event::RoomJoined { .. })).await else {
        unreachable!()
    };
    b.cmd(Command::JoinRoom {
        room: "Room_Of_Secrets".into(),
    })
    .await;
    b.until(|e| matches!(e, Event::RoomJoined { .. })).await;
    let texts = [
        "the launch code is 0000",
        "meet me at the old mill",
        "direct and discreet",
    ];
    a.cmd(Command::Send {
        room_id: None,
        text: texts[0].into(),
    })
    .await;
    b.message(texts[0]).await;
    b.cmd(Command::Send {
        room_id: Some(room_id),
        text: texts[1].into(),
    })
    .await;
    a.message(texts[1]).await;
    a.cmd(Command::Dm {
        to: secret_names[1].into(),
        text: texts[2].into(),
    })
    .await;
    b.until(|e| matches!(e, Event::Dm { .. })).await;

    let captured = log.lock().unwrap().clone();
    assert!(
        captured.len() > 1000,
        "the proxy saw the chat: {} bytes",
        captured.len()
    );
    let mut secrets: Vec<&str> = texts.to_vec();
    secrets.extend(secret_names);
    secrets.push("Room_Of_Secrets");
    for s in secrets {
        assert!(!contains(&captured, s.as_bytes()), "{s:?} is visible on the wire");
        assert!(
            !contains(&captured, s.to_lowercase().as_bytes()),
            "{s:?} (lowercased) is visible on the wire"
        );
    }
}
