//! What the service does for each `Command` from the UI or the CLI: the dispatch, and
//! the checks a message passes before it is queued.

use super::command::Command;
use super::runner::Runner;
use crate::client::{ChatState, Event};
use crate::protocol::limits::MAX_BODY_LEN;
use uuid::Uuid;

impl Runner {
    pub(super) async fn command(&mut self, cmd: Command) {
        match cmd {
            Command::StartHost(cfg) => self.start_host(cfg).await,
            Command::StopHost => {
                if let Some(h) = self.host.take() {
                    h.close().await;
                    if self.host_key == "local" {
                        self.link = None;
                        self.chat = ChatState::default();
                    }
                    self.emit(Event::HostStopped).await;
                }
            }
            Command::Connect { target, name, net } => self.connect(target, name, net).await,
            Command::Trust { host, identity } => match self.verifier.trust(&host, &identity) {
                Ok(()) => {
                    if let Some((t, n, net)) = self.target.clone() {
                        self.connect(t, n, net).await;
                    }
                }
                Err(e) => self.emit(Event::ConnectFailed { reason: e.to_string() }).await,
            },
            Command::Send { room_id, text } => {
                if let Some(e) = self.check_body(&text) {
                    return self.emit(e).await;
                }
                if !self.chat.in_room(room_id) {
                    let reason = format!("you are not a member of {}", self.chat.room_name(room_id));
                    let text = Some(text);
                    return self
                        .emit(Event::Failed {
                            id: Uuid::nil(),
                            reason,
                            text,
                        })
                        .await;
                }
                let (id, packets) = self.chat.message(room_id, text);
                self.queued(id).await;
                for p in packets {
                    self.transmit(id, p).await;
                }
                self.flush_outbox().await;
            }
            Command::Dm { to, text } => {
                if let Some(e) = self.check_body(&text) {
                    return self.emit(e).await;
                }
                match self.chat.dm(&to, text.clone()) {
                    Some((id, packets)) => {
                        self.queued(id).await;
                        for p in packets {
                            let pid = p.request_id().unwrap_or(id);
                            self.transmit(pid, p).await;
                        }
                        self.flush_outbox().await;
                    }
                    None => {
                        let reason = format!("nobody named '{to}' is here");
                        self.emit(Event::Failed {
                            id: Uuid::nil(),
                            reason,
                            text: Some(text),
                        })
                        .await;
                    }
                }
            }
            Command::UpdateKeys { to } => {
                if let Some(p) = self.chat.rotate_keys(&to) {
                    self.send_request(p).await;
                }
            }
            Command::CreateRoom { name } => {
                let p = self.chat.create_room(name);
                self.send_request(p).await;
            }
            Command::JoinRoom { room } => {
                let p = self.chat.join_room(room);
                self.send_request(p).await;
            }
            Command::LeaveRoom { room_id } => {
                let p = self.chat.leave_room(room_id);
                self.send_request(p).await;
            }
            Command::SendFile { to, path } => self.send_file(to, path).await,
            Command::Download { transfer } => self.download(transfer).await,
            Command::CancelFile { transfer } => {
                self.close_upload(transfer).await;
                self.download_failed(transfer, "cancelled".into()).await;
            }
            Command::SetDownloads { dir } => self.files.dir = dir,
            Command::SetReceipts { on } => {
                self.receipts = on;
                self.chat.set_receipts(on);
            }
            Command::ReadOnArrival => {
                self.read_on_arrival = true;
                self.chat.read_on_arrival();
            }
            Command::MarkRead { conv } => {
                if let Some(c) = self.conv_of(&conv) {
                    self.chat.mark_read(&c);
                    // The receipt is due now: before, it waited for the next packet.
                    self.flush_outbox().await;
                }
            }
            Command::Typing { conv, on } => self.typing(conv, on).await,
            Command::Forget { host } => {
                let h = host.clone();
                let keys = tokio::task::spawn_blocking(move || crate::transport::pin_keys(&h))
                    .await
                    .unwrap_or_else(|_| vec![host.clone()]);
                let forgotten = keys.iter().try_for_each(|k| self.verifier.forget(k).map(|_| ()));
                if let Err(e) = forgotten {
                    let message = format!("could not forget {host}: {e}");
                    self.emit(Event::Error { message }).await;
                }
            }
            Command::SafetyNumber { name } => self.safety_number(&name).await,
            Command::MarkVerified { name } => self.mark_verified(&name).await,
            Command::Shutdown => {}
            Command::Drain => self.drain().await,
            Command::Disconnect => {
                let was_reconnecting = self.reconnect.take().is_some();
                let had_link = self.link.is_some();
                self.bye().await;
                if had_link || was_reconnecting {
                    for e in self.chat.fail_all("disconnected before the host acknowledged it") {
                        self.emit(e).await;
                    }
                    self.chat.reset_link();
                    self.emit(Event::Disconnected { reason: None }).await;
                }
            }
            Command::JoinOrCreateRoom { name } => {
                let p = self.chat.join_or_create(name);
                self.send_request(p).await;
            }
        }
    }

    fn check_body(&self, text: &str) -> Option<Event> {
        let reason = if text.trim().is_empty() {
            "empty message".to_string()
        } else if text.len() > MAX_BODY_LEN {
            format!("message is {} bytes, the limit is {MAX_BODY_LEN}", text.len())
        } else {
            return None;
        };
        Some(Event::Failed {
            id: Uuid::nil(),
            reason,
            text: Some(text.to_string()),
        })
    }
}
