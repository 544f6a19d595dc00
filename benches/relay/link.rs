//! One bench member's link to any of the three relays (ours, the floor, the plaintext
//! baseline): connect, send bodies, hand on what it receives, quit.

use super::*;

/// One member's two halves, for any relay.
pub enum Link {
    Ours(SessionReader, SessionWriter, Arc<Vec<u8>>),
    Floor(SessionReader, SessionWriter),
    Plain(
        futures_util::stream::SplitStream<tokio_tungstenite::WebSocketStream<TcpStream>>,
        futures_util::stream::SplitSink<tokio_tungstenite::WebSocketStream<TcpStream>, Message>,
    ),
}

impl Link {
    pub async fn ours(addr: SocketAddr, name: &str) -> Link {
        // A user's identity exists before they connect: made once, outside the timing.
        static ME: std::sync::OnceLock<Identity> = std::sync::OnceLock::new();
        let me = ME.get_or_init(|| Identity::generate().expect("id"));
        let message = lobby_message(addr).await;
        match Link::ours_as(addr, name, me, None).await.0 {
            Link::Ours(r, w, _) => Link::Ours(r, w, message),
            other => other,
        }
    }

    /// Connects and registers as `name` with `me`, resuming if asked; returns the link
    /// and what the host said in `Welcome` (incarnation, cursors).
    pub async fn ours_as(addr: SocketAddr, name: &str, me: &Identity, resume: Option<Resume>) -> (Link, Resume) {
        let tcp = TcpStream::connect(addr).await.expect("connect");
        tcp.set_nodelay(true).ok();
        let s = session::connect(tcp, me, "bench", &TrustAll).await.expect("handshake");
        let (mut r, mut w) = s.split();
        let register = ClientPacket::Register {
            secret: None,
            id: Uuid::new_v4(),
            name: name.into(),
            resume,
        };
        w.send(&register).await.expect("register");
        let mut welcome = Resume {
            incarnation: Uuid::nil(),
            cursors: vec![],
        };
        while let Ok(Some(p)) = r.recv::<HostPacket>().await {
            if let HostPacket::Welcome {
                incarnation,
                cursors,
                host_key,
                ..
            } = p
            {
                *HOST_KEY.lock().expect("lock") = host_key;
                welcome = Resume { incarnation, cursors };
                break;
            }
        }
        (Link::Ours(r, w, Arc::new(vec![])), welcome)
    }

    /// Leaves as the app does when the user quits: `Bye`, and its answer.
    pub async fn quit(self) {
        if let Link::Ours(mut r, mut w, _) = self {
            let id = Uuid::new_v4();
            if w.send(&ClientPacket::Bye { id }).await.is_ok() {
                let acked = async {
                    while let Ok(Some(p)) = r.recv::<HostPacket>().await {
                        if matches!(p, HostPacket::Ack { id: a, .. } if a == id) {
                            break;
                        }
                    }
                };
                let _ = tokio::time::timeout(Duration::from_secs(2), acked).await;
            }
        }
    }

    pub async fn plain(addr: SocketAddr) -> Link {
        let tcp = TcpStream::connect(addr).await.expect("connect");
        tcp.set_nodelay(true).ok();
        let (ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/"), tcp)
            .await
            .expect("ws");
        let (w, r) = ws.split();
        Link::Plain(r, w)
    }

    /// Splits into a receiver of bodies and a sender of bodies (tasks own the halves).
    pub fn spawn(self) -> (mpsc::UnboundedReceiver<Seen>, mpsc::UnboundedSender<String>) {
        let (in_tx, in_rx) = mpsc::unbounded_channel();
        let (out_tx, mut out_rx) = mpsc::unbounded_channel::<String>();
        match self {
            Link::Ours(mut r, mut w, message) => {
                tokio::spawn(async move {
                    loop {
                        let p = match r.recv::<HostPacket>().await {
                            Ok(Some(p)) => p,
                            Ok(None) => break,
                            Err(e) => {
                                eprintln!("member link ended: {e}");
                                break;
                            }
                        };
                        if let HostPacket::Entry {
                            body: EntryBody::Mls { .. },
                            id: Some(id),
                            ..
                        } = p
                            && in_tx.send(from_id(id)).is_err()
                        {
                            break;
                        }
                    }
                });
                tokio::spawn(async move {
                    while let Some(b) = out_rx.recv().await {
                        let Some((i, s, t)) = parse(&b) else { continue };
                        let p = ClientPacket::Mls {
                            id: id_of(i, s, t),
                            conv: Conv::LOBBY,
                            message: message.to_vec(),
                            group_info: None,
                            replaces: None,
                        };
                        if w.send(&p).await.is_err() {
                            break;
                        }
                    }
                });
            }
            Link::Floor(r, w) => return (in_rx, floor::spawn(r, w, in_tx)),
            Link::Plain(mut r, mut w) => {
                tokio::spawn(async move {
                    while let Some(Ok(m)) = r.next().await {
                        if let Message::Binary(b) = m
                            && let Some(seen) = parse_bytes(&b)
                            && in_tx.send(seen).is_err()
                        {
                            break;
                        }
                    }
                });
                tokio::spawn(async move {
                    while let Some(b) = out_rx.recv().await {
                        if w.send(Message::Binary(b.into_bytes().into())).await.is_err() {
                            break;
                        }
                    }
                });
            }
        }
        (in_rx, out_tx)
    }
}
