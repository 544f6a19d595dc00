//! One connection's life on the host: the handshake and registration under one
//! deadline from accept, the read loop, and the writer task that sends queued packets
//! and pulls its member's new log entries, for remote links and the host's own member.

use super::handle::{Conn, handle};
use super::member::{CloseSlot, MemberLink, Out};
use super::server::Inner;
use super::state::{State, close_link, encode};
use crate::protocol::limits::{HANDSHAKE_TIMEOUT, MAX_FRAME_LEN, OUTBOUND_QUEUE, PING_INTERVAL};
use crate::protocol::{ClientPacket, Frames, HostPacket, Reassembly};
use crate::session::{SessionError, SessionReader, SessionWriter, accept};
use crate::transport::BoxedIo;
use crate::transport::ws::{CLOSE_POLICY, CLOSE_PROTOCOL, CLOSE_UNSUPPORTED};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::{Notify, OwnedSemaphorePermit, mpsc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Every batch of writes to a member gets at least this long before its link is
/// dropped. The deadline is set twice this far ahead, and set again only once less than
/// this is left (no timer work per write): a stuck write is found after 10 to 20 s.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Packets written to one member before a flush, when more are waiting.
pub const WRITE_BATCH: usize = 32;

/// Free places in a member's queue before the host reads its next request: a member
/// that sends faster than its answers can be written waits (TCP backpressure) rather
/// than overflowing its queue. One request causes at most a few answers.
pub const REPLY_HEADROOM: usize = 8;

/// Where a writer task sends frames: a session, or the host user's in-process link.
pub(crate) trait FrameSink: Send {
    fn feed(&mut self, frames: &Frames) -> impl Future<Output = Result<(), SessionError>> + Send;
    fn flush(&mut self) -> impl Future<Output = Result<(), SessionError>> + Send;
    fn close_with(&mut self, code: u16, reason: &str) -> impl Future<Output = ()> + Send;
}

impl FrameSink for SessionWriter {
    async fn feed(&mut self, frames: &Frames) -> Result<(), SessionError> {
        self.feed_frames(frames).await
    }
    async fn flush(&mut self) -> Result<(), SessionError> {
        SessionWriter::flush(self).await
    }
    async fn close_with(&mut self, code: u16, reason: &str) {
        SessionWriter::close_with(self, code, reason).await
    }
}

/// The host user's own link: frames decoded back into packets for its service.
pub(crate) struct LocalSink {
    pub tx: mpsc::Sender<HostPacket>,
    pub parts: Reassembly,
}

impl FrameSink for LocalSink {
    async fn feed(&mut self, frames: &Frames) -> Result<(), SessionError> {
        for f in frames.iter() {
            if let Some(p) = self.parts.push::<HostPacket>(f)? {
                self.tx.send(p).await.map_err(|_| SessionError::Closed)?;
            }
        }
        Ok(())
    }
    async fn flush(&mut self) -> Result<(), SessionError> {
        Ok(())
    }
    async fn close_with(&mut self, _: u16, _: &str) {}
}

/// A new connection's queue, wake-up and cancel token, as a member link.
pub(crate) fn new_link(inner: &Inner) -> (MemberLink, mpsc::Receiver<Out>) {
    let (out, rx) = mpsc::channel(OUTBOUND_QUEUE);
    let link = MemberLink {
        conn: inner.next_conn.fetch_add(1, Ordering::Relaxed),
        out,
        notify: Arc::new(Notify::new()),
        cancel: inner.cancel.child_token(),
        close: Default::default(),
    };
    (link, rx)
}

/// Serves one connection for its whole life; `_slot` is its connection permit.
pub(crate) async fn serve_remote(inner: Arc<Inner>, io: BoxedIo, slot: Option<OwnedSemaphorePermit>) {
    // One deadline from accept covers the wait for a handshake slot, the handshake and
    // the registration: nobody holds a connection open longer unregistered.
    let deadline = Instant::now() + HANDSHAKE_TIMEOUT;
    // Boxed: the handshake's state (TLS, WebSocket upgrade, Noise) is ~12 KiB, and held
    // inline it would stay in every member's task for the link's life.
    let handshake = Box::pin(tokio::time::timeout_at(deadline, async {
        let _permit = inner.handshakes.clone().acquire_owned().await;
        accept(io, &inner.identity).await
    }));
    let session = match handshake.await {
        Ok(Ok(s)) => s,
        Ok(Err(e @ SessionError::Version { .. })) => return tracing::warn!("refused a client: {e}"),
        Ok(Err(e)) => return tracing::debug!(%e, "handshake failed"),
        Err(_) => return tracing::debug!("handshake timed out"),
    };
    let key = session.peer_static();
    let (mut reader, writer) = session.split();
    let (link, out_rx) = new_link(&inner);
    let cancel = link.cancel.clone();
    let writing = write_loop(
        writer,
        out_rx,
        link.notify.clone(),
        (cancel.clone(), link.close.clone()),
        inner.clone(),
        true,
    );
    // The slot is free once the socket is: the writer ends last (it sends the close
    // frame, up to its write timeout after the reader stopped). Freed with the reader,
    // slow closers could hold sockets over the cap.
    tokio::spawn(async move {
        writing.await;
        drop(slot);
    });
    let mut conn = Conn {
        key,
        link,
        member: None,
        rate: inner.bucket(),
        file_rate: super::rate::TokenBucket::file_budget(),
        pause: Duration::ZERO,
    };
    // A full queue cancels the writer, which closes with the reason set aside (this
    // closure once dropped both and the member saw nothing until its queue drained).
    let close = |conn: &Conn, code: u16, reason: String| close_link(&conn.link, code, &reason);
    let mut counted = 0u64;
    let cancelled = cancel.cancelled();
    tokio::pin!(cancelled);
    loop {
        let until = conn.member.is_none().then_some(deadline);
        let next = tokio::select! {
            _ = &mut cancelled => break,
            r = async {
                // Room for the answers first (the permits are handed back at once).
                conn.link.out.reserve_many(REPLY_HEADROOM).await.map_err(|_| Stop::Session(SessionError::Closed))?;
                recv_until(&mut reader, until).await
            } => r,
        };
        match next {
            Ok(Some(p)) => {
                let bytes = (reader.received_bytes() - counted) as usize;
                inner.stats.received(bytes);
                counted = reader.received_bytes();
                // A frame is at most MAX_FRAME_LEN plaintext and a 16-byte Noise tag.
                let frames = u32::try_from(bytes.div_ceil(MAX_FRAME_LEN + 16)).unwrap_or(u32::MAX);
                handle(&mut inner.state(), &mut conn, p, frames);
                // Over its byte budget: nothing more is read from this member until it
                // is even again (TCP backpressure slows its sending; nothing dropped).
                let pause = std::mem::take(&mut conn.pause);
                if !pause.is_zero() {
                    tokio::select! {
                        _ = &mut cancelled => break,
                        _ = tokio::time::sleep(pause) => {}
                    }
                }
            }
            Ok(None) => {
                cancel.cancel();
                break;
            }
            Err(Stop::Deadline) => {
                let why = format!(
                    "disconnected: register within {}s of connecting",
                    HANDSHAKE_TIMEOUT.as_secs()
                );
                close(&conn, CLOSE_POLICY, why);
                break;
            }
            Err(Stop::Session(SessionError::Idle { .. })) => {
                close(&conn, CLOSE_POLICY, "disconnected: idle for too long".into());
                break;
            }
            Err(Stop::Session(SessionError::TextFrame)) => {
                let why = "text messages are not part of the protocol".into();
                close(&conn, CLOSE_UNSUPPORTED, why);
                break;
            }
            Err(Stop::Session(SessionError::Decode(e))) => {
                close(&conn, CLOSE_PROTOCOL, format!("malformed packet: {e}"));
                break;
            }
            Err(Stop::Session(e)) => {
                tracing::debug!(%e, "session ended");
                cancel.cancel();
                break;
            }
        }
    }
    if let Some(k) = &conn.member {
        inner.state().link_closed(k, conn.link.conn);
    }
}

enum Stop {
    Deadline,
    Session(SessionError),
}

async fn recv_until(reader: &mut SessionReader, until: Option<Instant>) -> Result<Option<ClientPacket>, Stop> {
    match until {
        Some(t) => match tokio::time::timeout_at(t, reader.recv::<ClientPacket>()).await {
            Ok(r) => r.map_err(Stop::Session),
            Err(_) => Err(Stop::Deadline),
        },
        None => reader.recv::<ClientPacket>().await.map_err(Stop::Session),
    }
}

/// What the writer sends next, taken under the state lock: what was queued for the
/// link, then its member's new log entries.
struct Next {
    queued: Vec<Out>,
    entries: Vec<Frames>,
    /// More is waiting (the queue, or the logs): come back after this batch.
    more: bool,
}

/// What is queued for `k`'s link (at most `WRITE_BATCH`), then `k`'s new log entries,
/// both taken under the one state lock. Every packet is queued under that lock, so
/// whatever the state queued before these entries were pulled goes out before them: a
/// room's sync reaches the member before that room's entries (a join handled between
/// the writer's last look at its queue and its pull once let entries overtake it). So
/// nothing is pulled while the queue is not empty (it goes first, the pull next time),
/// once a close is queued, or once the link is cancelled (a kick with a full queue).
fn queued_then_pulled(state: &mut State, rx: &mut mpsc::Receiver<Out>, k: &str, cancelled: bool) -> Next {
    let mut queued = vec![];
    while queued.len() < WRITE_BATCH {
        let Ok(o) = rx.try_recv() else { break };
        let close = matches!(o, Out::Close { .. });
        queued.push(o);
        if close {
            return Next {
                queued,
                entries: vec![],
                more: false,
            };
        }
    }
    if cancelled || queued.len() == WRITE_BATCH {
        let more = !cancelled;
        return Next {
            queued,
            entries: vec![],
            more,
        };
    }
    let entries = state.pull(k, WRITE_BATCH);
    let more = entries.len() >= WRITE_BATCH;
    Next { queued, entries, more }
}

/// Sends what is queued for one link and pulls its member's log entries, flushing once
/// per batch; pings remote links. Ends on cancel, a close request, or a stuck write.
pub(crate) async fn write_loop<W: FrameSink>(
    mut w: W,
    mut rx: mpsc::Receiver<Out>,
    notify: Arc<Notify>,
    (cancel, close): (CancellationToken, CloseSlot),
    inner: Arc<Inner>,
    ping: bool,
) {
    let mut member: Option<String> = None;
    let mut ticker = tokio::time::interval_at(Instant::now() + PING_INTERVAL, PING_INTERVAL);
    let mut closing = None;
    let mut deadline = Box::pin(tokio::time::sleep(2 * WRITE_TIMEOUT));
    // Made once, not per wake-up: each new one registers with its token or Notify and
    // unregisters when dropped (a fifth of a fan-out write's CPU when made per loop).
    let cancelled = cancel.cancelled();
    tokio::pin!(cancelled);
    let mut notified = Box::pin(notify.notified());
    loop {
        let first = tokio::select! {
            biased;
            _ = &mut cancelled => break,
            o = rx.recv() => match o {
                Some(o) => Some(o),
                None => break,
            },
            _ = &mut notified, if member.is_some() => {
                notified.set(notify.notified());
                None
            }
            _ = ticker.tick(), if ping => encode(&HostPacket::Ping { timestamp: crate::session::now_ms() }).map(Out::Frames),
        };
        // Boxed: its state (the nested write futures) is ~13 KiB, and held inline it
        // would stay in every idle member's task; boxed it exists only while writing.
        let batch = Box::pin(async {
            let mut next = first;
            let mut fed = 0;
            loop {
                match next.take() {
                    Some(Out::Frames(f)) => {
                        inner.stats.sent(f.len());
                        w.feed(&f).await?;
                        fed += 1;
                    }
                    Some(Out::Member(k)) => member = Some(k),
                    Some(Out::Close { code, reason }) => {
                        closing = Some((code, reason));
                        break;
                    }
                    None => {}
                }
                if fed >= WRITE_BATCH {
                    break;
                }
                match rx.try_recv() {
                    Ok(o) => next = Some(o),
                    Err(_) => break,
                }
            }
            if closing.is_none()
                && let Some(k) = &member
            {
                let next = queued_then_pulled(&mut inner.state(), &mut rx, k, cancel.is_cancelled());
                if next.more {
                    notify.notify_one(); // more waiting: come back after the queue
                }
                for o in next.queued {
                    match o {
                        Out::Frames(f) => {
                            inner.stats.sent(f.len());
                            w.feed(&f).await?;
                        }
                        Out::Member(k) => member = Some(k),
                        Out::Close { code, reason } => closing = Some((code, reason)),
                    }
                }
                for f in &next.entries {
                    inner.stats.sent(f.len());
                    w.feed(f).await?;
                }
            }
            w.flush().await
        });
        let now = Instant::now();
        if deadline.deadline() < now + WRITE_TIMEOUT {
            deadline.as_mut().reset(now + 2 * WRITE_TIMEOUT);
        }
        let written = tokio::select! {
            r = batch => r.is_ok(),
            () = &mut deadline => false,
        };
        if !written {
            break;
        }
        if closing.is_some() {
            break;
        }
    }
    cancel.cancel();
    let set_aside = close.lock().unwrap_or_else(|p| p.into_inner()).take();
    let (code, reason) = closing.or(set_aside).unwrap_or((1000, String::new()));
    let _ = tokio::time::timeout(Duration::from_secs(1), w.close_with(code, &reason)).await;
}

#[cfg(test)]
mod tests;
