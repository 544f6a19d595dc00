//! The link's life: connecting, losing it, and reconnecting by itself with capped
//! exponential backoff and jitter, then registering, rejoining and resending.

use super::backoff::{Reconnect, backoff};
use super::connect::open_link;
use super::runner::Runner;
use crate::client::{ChatState, Event};
use crate::transport::iroh::{IrohOptions, PathKind};

impl Runner {
    /// Connects at the user's request (a fresh start: no reconnect in progress).
    pub(super) async fn connect(&mut self, target: String, name: String, net: IrohOptions) {
        self.link = None;
        self.reconnect = None;
        self.chat = ChatState::default();
        self.memory_path = None;
        self.target = Some((target.clone(), name.clone(), net.clone()));
        self.emit(Event::Connecting { target: target.clone() }).await;
        match self.establish_unless_cancelled(&target, name, &net).await {
            Some(Ok(path)) => {
                if let Some(kind) = path {
                    self.emit(Event::Path { kind }).await;
                }
            }
            Some(Err(e)) => self.emit(e).await,
            // The user cancelled: back to the start, as after a disconnect.
            None => {
                self.link = None;
                self.target = None;
                self.chat = ChatState::default();
                self.emit(Event::Disconnected { reason: None }).await;
            }
        }
    }

    /// `establish`, or None as soon as the user disconnects (a host that never
    /// answers held the attempt for the handshake timeout, every route in turn).
    async fn establish_unless_cancelled(
        &mut self,
        target: &str,
        name: String,
        net: &IrohOptions,
    ) -> Option<Result<Option<PathKind>, Event>> {
        let cancel = self.cancel.clone();
        let watch = cancel.watch();
        tokio::select! {
            r = self.establish(target, name, net) => Some(r),
            _ = watch.cancelled() => None,
        }
    }

    /// Opens the link and queues the registration (with what we remember of this host,
    /// to resume); returns the iroh path kind.
    async fn establish(&mut self, target: &str, name: String, net: &IrohOptions) -> Result<Option<PathKind>, Event> {
        let opened = open_link(target, net, &mut self.endpoint, &self.identity, self.verifier.as_ref()).await?;
        self.host_fp = Some(opened.fingerprint);
        self.link = Some(opened.link);
        self.host_key = opened.host;
        if self.memory_path.is_none() {
            self.load_memory(&name, opened.address.as_deref());
            self.load_verified().await;
        }
        // An invite-only host wants the invite's secret (kept for reconnects too).
        let secret = crate::protocol::Invite::decode(target).ok().and_then(|i| i.secret);
        self.chat.set_join_secret(secret);
        let register = self.chat.register(name);
        self.send_raw(register);
        Ok(opened.path)
    }

    /// The link ended without the user asking: reconnect to a remote host, or report.
    pub(super) async fn link_lost(&mut self) {
        let reason = self.link.take().and_then(|l| l.reason());
        self.chat.reset_link();
        let remote = self.host_key != "local" && self.target.is_some();
        if remote {
            let delay = backoff(1);
            tracing::info!(?reason, "link lost, reconnecting");
            self.reconnect = Some(Reconnect {
                attempt: 1,
                at: tokio::time::Instant::now() + delay,
            });
            self.emit(Event::Reconnecting {
                attempt: 1,
                delay_ms: delay.as_millis() as u64,
            })
            .await;
            return;
        }
        for e in self.chat.fail_all("the connection was lost") {
            self.emit(e).await;
        }
        self.uploads_fail("the connection was lost").await;
        self.emit(Event::Disconnected { reason }).await;
    }

    /// One reconnect attempt; schedules the next on failure.
    pub(super) async fn try_reconnect(&mut self) {
        let (Some(r), Some((target, name, net))) = (self.reconnect.take(), self.target.clone()) else {
            return;
        };
        match self.establish_unless_cancelled(&target, name, &net).await {
            // Rooms and unanswered requests follow once the host welcomes us.
            Some(Ok(path)) => {
                self.resuming = true;
                // The new link may take another path (direct before, relayed now).
                if let Some(kind) = path {
                    self.emit(Event::Path { kind }).await;
                }
            }
            // The user cancelled: the Disconnect that follows ends the reconnect (with
            // what waits reported failed), as it does between attempts.
            None => {
                self.link = None;
                self.reconnect = Some(r);
            }
            Some(Err(Event::ConnectFailed { reason })) => {
                let attempt = r.attempt + 1;
                let delay = backoff(attempt);
                tracing::debug!(%reason, attempt, "reconnect failed");
                self.reconnect = Some(Reconnect {
                    attempt,
                    at: tokio::time::Instant::now() + delay,
                });
                self.emit(Event::Reconnecting {
                    attempt,
                    delay_ms: delay.as_millis() as u64,
                })
                .await;
            }
            // Trust questions (a removed pin, a changed identity) end the reconnect.
            Some(Err(e)) => {
                self.emit(e).await;
                self.give_up("the host's identity could not be confirmed").await;
            }
        }
    }

    /// Stops reconnecting: every waiting request is reported failed with its text.
    pub(super) async fn give_up(&mut self, reason: &str) {
        self.reconnect = None;
        self.resuming = false;
        for e in self.chat.fail_all(reason) {
            self.emit(e).await;
        }
        self.uploads_fail(reason).await;
    }
}
