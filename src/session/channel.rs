//! A client's packet link as a pair of channels: how the service talks to a host,
//! whether the host is across the network (pumped through a session) or in this process.

use super::{SessionError, SessionReader, SessionWriter};
use crate::protocol::limits::{LINK_WRITE_TIMEOUT, OUTBOUND_QUEUE};
use crate::protocol::{ClientPacket, HostPacket};
use crate::transport::ws::CLOSE_UNSUPPORTED;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Packets to the host (`tx`) and from it (`rx`). When `rx` ends, the link is gone.
pub struct Link {
    pub tx: mpsc::Sender<ClientPacket>,
    pub rx: mpsc::Receiver<HostPacket>,
    /// Why the link ended, filled by the pump tasks (remote links only).
    pub closed_reason: Arc<Mutex<Option<String>>>,
}

impl Link {
    /// A link made of plain channels (the host's in-process member uses it).
    pub fn from_channels(tx: mpsc::Sender<ClientPacket>, rx: mpsc::Receiver<HostPacket>) -> Self {
        Link {
            tx,
            rx,
            closed_reason: Default::default(),
        }
    }

    /// Pumps an established session through bounded channels: a reader task (which
    /// ends the link after the idle timeout without any sign of life) and a writer task
    /// (which ends it when a write does not move for `LINK_WRITE_TIMEOUT`).
    pub fn spawn(reader: SessionReader, writer: SessionWriter) -> Self {
        Self::spawn_with(reader, writer, LINK_WRITE_TIMEOUT)
    }

    /// `spawn` with another write time limit (tests shorten it).
    pub fn spawn_with(reader: SessionReader, writer: SessionWriter, write_limit: Duration) -> Self {
        let (in_tx, in_rx) = mpsc::channel(OUTBOUND_QUEUE);
        let (out_tx, out_rx) = mpsc::channel(OUTBOUND_QUEUE);
        let reason = Arc::new(Mutex::new(None));
        let cancel = CancellationToken::new();
        let close = Arc::new(Mutex::new(None));
        tokio::spawn(read_pump(reader, in_tx, reason.clone(), cancel.clone(), close.clone()));
        let pump = WritePump {
            reason: reason.clone(),
            cancel,
            close,
            limit: write_limit,
        };
        tokio::spawn(pump.run(writer, out_rx));
        Link {
            tx: out_tx,
            rx: in_rx,
            closed_reason: reason,
        }
    }

    /// Why the link closed, if a pump recorded a reason.
    pub fn reason(&self) -> Option<String> {
        self.closed_reason.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

fn set_reason(slot: &Mutex<Option<String>>, reason: String) {
    let mut s = slot.lock().unwrap_or_else(|p| p.into_inner());
    s.get_or_insert(reason);
}

/// A close code and reason the reader asks the writer to close with.
type CloseRequest = Arc<Mutex<Option<(u16, String)>>>;

async fn read_pump(
    mut reader: SessionReader,
    tx: mpsc::Sender<HostPacket>,
    reason: Arc<Mutex<Option<String>>>,
    cancel: CancellationToken,
    close: CloseRequest,
) {
    // One wait for the cancel, not one per packet (each registers and unregisters).
    let cancelled = cancel.cancelled();
    tokio::pin!(cancelled);
    loop {
        let next = tokio::select! {
            _ = &mut cancelled => break,
            r = reader.recv::<HostPacket>() => r,
        };
        match next {
            Ok(Some(p)) => {
                if tx.send(p).await.is_err() {
                    break;
                }
            }
            Ok(None) => {
                set_reason(&reason, "the host closed the connection".into());
                break;
            }
            Err(e) => {
                if matches!(e, SessionError::TextFrame) {
                    *close.lock().unwrap_or_else(|p| p.into_inner()) = Some((CLOSE_UNSUPPORTED, e.to_string()));
                }
                set_reason(&reason, e.to_string());
                break;
            }
        }
    }
    cancel.cancel();
}

/// What the writer task shares with the reader, and its time limit per step.
struct WritePump {
    reason: Arc<Mutex<Option<String>>>,
    cancel: CancellationToken,
    close: CloseRequest,
    limit: Duration,
}

impl WritePump {
    async fn run(self, mut writer: SessionWriter, mut rx: mpsc::Receiver<ClientPacket>) {
        let cancelled = self.cancel.cancelled();
        tokio::pin!(cancelled);
        loop {
            let p = tokio::select! {
                _ = &mut cancelled => break,
                p = rx.recv() => p,
            };
            let Some(p) = p else { break };
            // A write stuck on a host that stopped reading ends with the reader too.
            let written = tokio::select! {
                _ = &mut cancelled => break,
                r = self.batch(&mut writer, &mut rx, p) => r,
            };
            if let Err(e) = written {
                set_reason(&self.reason, e.to_string());
                break;
            }
        }
        self.cancel.cancel();
        let request = self.close.lock().unwrap_or_else(|p| p.into_inner()).take();
        let closing = async {
            match request {
                Some((code, why)) => writer.close_with(code, &why).await,
                None => writer.close().await,
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(1), closing).await;
    }

    /// Feeds `first` and whatever else is waiting, flushes once; each step within the limit.
    async fn batch(
        &self,
        writer: &mut SessionWriter,
        rx: &mut mpsc::Receiver<ClientPacket>,
        first: ClientPacket,
    ) -> Result<(), SessionError> {
        self.step(feed(writer, &first)).await?;
        while let Ok(more) = rx.try_recv() {
            self.step(feed(writer, &more)).await?;
        }
        self.step(writer.flush()).await
    }

    async fn step(&self, f: impl Future<Output = Result<(), SessionError>>) -> Result<(), SessionError> {
        let after = self.limit;
        tokio::time::timeout(after, f)
            .await
            .unwrap_or(Err(SessionError::WriteStalled { after }))
    }
}

async fn feed(writer: &mut SessionWriter, p: &ClientPacket) -> Result<(), SessionError> {
    let frames = crate::protocol::to_frames(p).map_err(|e| SessionError::Oversize { len: e.len, max: e.max })?;
    writer.feed_frames(&frames).await
}
