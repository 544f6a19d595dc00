//! A packet link as a pair of channels: how the service talks to a host, whether the
//! host is across the network (pumped through a session) or in this process.

use super::{SessionReader, SessionWriter};
use crate::protocol::Packet;
use crate::protocol::limits::{IDLE_TIMEOUT, OUTBOUND_QUEUE};
use tokio::sync::mpsc;

/// Packets to the host (`tx`) and from it (`rx`). When `rx` ends, the link is gone.
pub struct Link {
    pub tx: mpsc::Sender<Packet>,
    pub rx: mpsc::Receiver<Packet>,
    /// Why the link ended, filled by the pump tasks (remote links only).
    pub closed_reason: std::sync::Arc<std::sync::Mutex<Option<String>>>,
}

impl Link {
    /// A link made of plain channels (the host's in-process member uses it).
    pub fn from_channels(tx: mpsc::Sender<Packet>, rx: mpsc::Receiver<Packet>) -> Self {
        Link {
            tx,
            rx,
            closed_reason: Default::default(),
        }
    }

    /// Pumps an established session through bounded channels: a reader task (which
    /// ends the link after [`IDLE_TIMEOUT`] of silence) and a writer task.
    pub fn spawn(reader: SessionReader, writer: SessionWriter) -> Self {
        let (in_tx, in_rx) = mpsc::channel(OUTBOUND_QUEUE);
        let (out_tx, out_rx) = mpsc::channel(OUTBOUND_QUEUE);
        let reason = std::sync::Arc::new(std::sync::Mutex::new(None));
        let cancel = tokio_util::sync::CancellationToken::new();
        tokio::spawn(read_pump(reader, in_tx, reason.clone(), cancel.clone()));
        tokio::spawn(write_pump(writer, out_rx, reason.clone(), cancel));
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

fn set_reason(slot: &std::sync::Mutex<Option<String>>, reason: String) {
    let mut s = slot.lock().unwrap_or_else(|p| p.into_inner());
    s.get_or_insert(reason);
}

async fn read_pump(
    mut reader: SessionReader,
    tx: mpsc::Sender<Packet>,
    reason: std::sync::Arc<std::sync::Mutex<Option<String>>>,
    cancel: tokio_util::sync::CancellationToken,
) {
    loop {
        let next = tokio::select! {
            _ = cancel.cancelled() => break,
            r = tokio::time::timeout(IDLE_TIMEOUT, reader.recv()) => r,
        };
        match next {
            Err(_) => {
                set_reason(&reason, format!("no sign of life for {}s", IDLE_TIMEOUT.as_secs()));
                break;
            }
            Ok(Ok(Some(p))) => {
                if tx.send(p).await.is_err() {
                    break;
                }
            }
            Ok(Ok(None)) => {
                set_reason(&reason, "the host closed the connection".into());
                break;
            }
            Ok(Err(e)) => {
                set_reason(&reason, e.to_string());
                break;
            }
        }
    }
    cancel.cancel();
}

async fn write_pump(
    mut writer: SessionWriter,
    mut rx: mpsc::Receiver<Packet>,
    reason: std::sync::Arc<std::sync::Mutex<Option<String>>>,
    cancel: tokio_util::sync::CancellationToken,
) {
    loop {
        let p = tokio::select! {
            _ = cancel.cancelled() => break,
            p = rx.recv() => p,
        };
        let Some(p) = p else { break };
        // Feed what is waiting, flush once.
        let mut result = writer.feed(&p).await.map(|_| ());
        while result.is_ok()
            && let Ok(more) = rx.try_recv()
        {
            result = writer.feed(&more).await.map(|_| ());
        }
        if let Err(e) = result.and(writer.flush().await) {
            set_reason(&reason, e.to_string());
            break;
        }
    }
    cancel.cancel();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), writer.close()).await;
}
