//! What the service does with each packet from the host: file traffic is its own,
//! the rest goes through the client state, and the events out to the user.

use super::runner::{MEMORY_SAVE_DELAY, Runner};
use crate::client::Event;
use crate::protocol::{ClientPacket, HostPacket};
use crate::session::now_ms;

impl Runner {
    pub(super) async fn packet(&mut self, p: HostPacket) {
        match p {
            HostPacket::Ping { timestamp } => {
                self.send_raw(ClientPacket::Pong { timestamp });
                return;
            }
            // Files are the service's: chunks are read and written here.
            HostPacket::FileWanted { transfer, indices } => return self.file_wanted(transfer, indices).await,
            HostPacket::FileChunk { transfer, index, data } => return self.file_chunk(transfer, index, data).await,
            HostPacket::FileGone { transfer, reason } => return self.download_failed(transfer, reason).await,
            HostPacket::Ack { id, .. } if self.files.opening.contains_key(&id) => {
                self.file_opened(id, None).await;
                return self.drain_check().await;
            }
            HostPacket::Refused { id, reason } if self.files.opening.contains_key(&id) => {
                self.file_opened(id, Some(reason)).await;
                return self.drain_check().await;
            }
            _ => {}
        }
        let welcome = matches!(p, HostPacket::Welcome { .. });
        // Back after a drop: said as soon as the host welcomes us, before anything it
        // answers or replays.
        if let HostPacket::Welcome { resumed, .. } = &p
            && self.resuming
        {
            self.resuming = false;
            self.emit(Event::Reconnected { resumed: *resumed }).await;
        }
        for e in self.chat.on_packet(p) {
            // The client state says "connected" once the lobby's group is ready (so what
            // others send from then on is readable): the service adds the host's name.
            if let Event::Connected { me, .. } = e {
                // A first ping right away, so the latency shows without waiting an interval.
                self.send_raw(ClientPacket::Ping { timestamp: now_ms() });
                let host = self.host_key.clone();
                self.emit(Event::Connected { me, host }).await;
                continue;
            }
            let refused = matches!(e, Event::RegistrationRefused { .. });
            if let Event::FileOffered {
                offer,
                from,
                own: false,
                ..
            } = &e
            {
                self.files.remember_offer(offer.clone(), from.clone());
            }
            self.emit(e).await;
            if refused {
                self.link = None;
                self.give_up("the host refused the name after reconnecting").await;
            }
        }
        if welcome {
            self.downloads_resume();
            self.uploads_resume().await;
        }
        self.flush_outbox().await;
        if self.chat.is_dirty() && self.save_at.is_none() && self.memory_path.is_some() {
            self.save_at = Some(tokio::time::Instant::now() + MEMORY_SAVE_DELAY);
        }
        self.drain_check().await;
    }
}
