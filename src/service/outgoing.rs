//! Requests on their way to the host: shown as queued, sent now, kept while offline
//! or reported failed; the chat state's outbox sent, with its retry timers set.

use super::backoff::OUTBOX_LIMIT;
use super::runner::{COMMIT_FALLBACK, RECEIPT_EVERY, Runner, STALE_RETRY};
use crate::client::Event;
use crate::protocol::ClientPacket;
use uuid::Uuid;

impl Runner {
    /// Queues a packet without waiting; false if there is no link or it is congested.
    pub(super) fn send_raw(&self, p: ClientPacket) -> bool {
        self.link.as_ref().is_some_and(|l| l.tx.try_send(p).is_ok())
    }

    /// Shows a request of ours as on its way (messages and DMs), then sends it.
    pub(super) async fn send_request(&mut self, p: ClientPacket) {
        let id = p.request_id().unwrap_or_default();
        self.queued(id).await;
        self.transmit(id, p).await;
    }

    /// The `Queued` event for request `id`, if it is a message or a DM.
    pub(super) async fn queued(&mut self, id: Uuid) {
        let queued = match self.chat.pending().find(|(i, _)| *i == id).map(|(_, p)| p.clone()) {
            Some(crate::client::Pending::Message { room_id, body, .. }) => Some(Event::Queued {
                id,
                room_id,
                to: None,
                text: body,
            }),
            Some(crate::client::Pending::Dm { name, body, .. }) => Some(Event::Queued {
                id,
                room_id: None,
                to: Some(name),
                text: body,
            }),
            _ => None,
        };
        if let Some(e) = queued {
            self.emit(e).await;
        }
    }

    /// Sends one packet of request `id` now, or leaves it waiting while offline, or
    /// reports the request failed. Saves first if group secrets were used.
    pub(super) async fn transmit(&mut self, id: Uuid, p: ClientPacket) {
        if self.chat.take_must_save() {
            self.save_memory_now();
        }
        if self.link.is_none() && self.reconnect.is_some() {
            // Offline: the request waits in the outbox and goes out after reconnecting.
            if self.chat.pending_count() > OUTBOX_LIMIT
                && let Some(e) = self
                    .chat
                    .fail(id, &format!("the outbox is full ({OUTBOX_LIMIT} waiting)"))
            {
                self.emit(e).await;
            }
            return;
        }
        if !self.send_raw(p) {
            let reason = if self.link.is_some() {
                "the connection is congested"
            } else {
                "not connected"
            };
            for e in self.chat.could_not_send(id, reason) {
                self.emit(e).await;
            }
        }
    }

    /// Sends what the client state produced (answers, resends, next steps).
    pub(super) async fn flush_outbox(&mut self) {
        let out = self.chat.take_outbox();
        if out.is_empty() && !self.chat.is_dirty() {
            return;
        }
        if self.chat.take_must_save() {
            self.save_memory_now();
        }
        for p in out {
            self.send_raw(p);
        }
        if self.chat.has_stale() && self.retry_at.is_none() {
            self.retry_at = Some(tokio::time::Instant::now() + STALE_RETRY);
        }
        if self.chat.has_proposals() && self.commit_at.is_none() {
            self.commit_at = Some(tokio::time::Instant::now() + COMMIT_FALLBACK);
        }
        if self.receipt_at.is_none() && self.link.is_some() && self.chat.receipts_due() {
            self.receipt_at = Some(tokio::time::Instant::now() + RECEIPT_EVERY);
        }
        if self.file_check_at.is_none() && !self.files.downloads.is_empty() {
            self.file_check_at = Some(tokio::time::Instant::now() + crate::protocol::limits::FILE_STALL);
        }
    }
}
