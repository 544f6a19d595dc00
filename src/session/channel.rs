//! A client's packet link as a pair of channels: how the service talks to a host,
//! whether the host is across the network (pumped through a session) or in this process.

use super::{SessionError, SessionReader, SessionWriter};
use crate::protocol::limits::OUTBOUND_QUEUE;
use crate::protocol::{ClientPacket, HostPacket};
use crate::transport::ws::CLOSE_UNSUPPORTED;
use std::sync::{Arc, Mutex};
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
    /// ends the link after the idle timeout without any sign of life) and a writer task.
    pub fn spawn(reader: SessionReader, writer: SessionWriter) -> Self {
        let (in_tx, in_rx) = mpsc::channel(OUTBOUND_QUEUE);
        let (out_tx, out_rx) = mpsc::channel(OUTBOUND_QUEUE);
        let reason = Arc::new(Mutex::new(None));
        let cancel = CancellationToken::new();
        let close = Arc::new(Mutex::new(None));
        tokio::spawn(read_pump(reader, in_tx, reason.clone(), cancel.clone(), close.clone()));
        tokio::spawn(write_pump(writer, out_rx, reason.clone(), cancel, close));
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

async fn write_pump(
    mut writer: SessionWriter,
    mut rx: mpsc::Receiver<ClientPacket>,
    reason: Arc<Mutex<Option<String>>>,
    cancel: CancellationToken,
    close: CloseRequest,
) {
    let cancelled = cancel.cancelled();
    tokio::pin!(cancelled);
    loop {
        let p = tokio::select! {
            _ = &mut cancelled => break,
            p = rx.recv() => p,
        };
        let Some(p) = p else { break };
        // Feed what is waiting, flush once.
        let mut result = feed(&mut writer, &p).await;
        while result.is_ok()
            && let Ok(more) = rx.try_recv()
        {
            result = feed(&mut writer, &more).await;
        }
        if let Err(e) = result.and(writer.flush().await) {
            set_reason(&reason, e.to_string());
            break;
        }
    }
    cancel.cancel();
    let request = close.lock().unwrap_or_else(|p| p.into_inner()).take();
    let closing = async {
        match request {
            Some((code, why)) => writer.close_with(code, &why).await,
            None => writer.close().await,
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), closing).await;
}

async fn feed(writer: &mut SessionWriter, p: &ClientPacket) -> Result<(), SessionError> {
    let frames = crate::protocol::to_frames(p).map_err(|e| SessionError::Oversize { len: e.len, max: e.max })?;
    writer.feed_frames(&frames).await
}
