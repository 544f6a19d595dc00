//! An established session split into halves: a reader and a writer, each owning one
//! direction's Noise nonce, so they can live in separate tasks.

use super::error::SessionError;
use crate::crypto::noise::Transport;
use crate::protocol::limits::{IDLE_TIMEOUT, MAX_FRAME_LEN, NOISE_MAX_MESSAGE};
use crate::protocol::{Frames, Reassembly, Wire, to_frames};
use crate::transport::BoxedIo;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::{Instant, Sleep};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

pub(crate) type Ws = WebSocketStream<tokio_rustls::TlsStream<BoxedIo>>;

/// The receiving half: WebSocket messages -> Noise decrypt -> frames -> packets.
pub struct SessionReader {
    stream: SplitStream<Ws>,
    noise: Arc<Transport>,
    /// Next expected nonce: every message must arrive, in order.
    nonce: u64,
    /// Silence longer than this ends the session; any WebSocket message resets it.
    idle: Duration,
    last_seen: Instant,
    /// Fires at `last_seen + idle` or earlier: a message only moves `last_seen`, and the
    /// timer is set again when it fires early (no timer work per message).
    timer: Pin<Box<Sleep>>,
    parts: Reassembly,
    /// Ciphertext bytes received so far (for traffic counters).
    received: u64,
}

/// The sending half: packets -> frames -> Noise encrypt -> WebSocket messages.
pub struct SessionWriter {
    sink: SplitSink<Ws, Message>,
    noise: Arc<Transport>,
    nonce: u64,
}

pub(crate) fn split(ws: Ws, noise: Transport) -> (SessionReader, SessionWriter) {
    let noise = Arc::new(noise);
    let (sink, stream) = ws.split();
    (
        SessionReader {
            stream,
            noise: noise.clone(),
            nonce: 0,
            idle: IDLE_TIMEOUT,
            last_seen: Instant::now(),
            timer: Box::pin(tokio::time::sleep(IDLE_TIMEOUT)),
            parts: Reassembly::default(),
            received: 0,
        },
        SessionWriter { sink, noise, nonce: 0 },
    )
}

impl SessionReader {
    /// Sets how long silence may last before `recv` fails with `Idle` (tests shorten it).
    pub fn set_idle_timeout(&mut self, idle: Duration) {
        self.idle = idle;
        self.timer.as_mut().reset(self.last_seen + idle);
    }

    /// Ciphertext bytes received so far.
    pub fn received_bytes(&self) -> u64 {
        self.received
    }

    /// The next packet, with parts put together; `Ok(None)` when the other side closed
    /// cleanly. Fails with `Idle` after the idle timeout without any message.
    pub async fn recv<T: Wire>(&mut self) -> Result<Option<T>, SessionError> {
        loop {
            let Some(frame) = self.recv_frame().await? else {
                return Ok(None);
            };
            if let Some(p) = self.parts.push::<T>(&frame)? {
                return Ok(Some(p));
            }
        }
    }

    /// The next decrypted frame, undecoded.
    pub async fn recv_frame(&mut self) -> Result<Option<Vec<u8>>, SessionError> {
        loop {
            let next = tokio::select! {
                biased;
                m = self.stream.next() => m,
                () = &mut self.timer => {
                    let due = self.last_seen + self.idle;
                    if Instant::now() < due {
                        self.timer.as_mut().reset(due);
                        continue;
                    }
                    return Err(SessionError::Idle { after: self.idle });
                }
            };
            let msg = match next {
                None => return Ok(None),
                Some(Err(e)) => match SessionError::from(e) {
                    SessionError::Closed => return Ok(None),
                    other => return Err(other),
                },
                Some(Ok(m)) => m,
            };
            self.last_seen = Instant::now();
            match msg {
                Message::Binary(ct) => {
                    if ct.len() > NOISE_MAX_MESSAGE {
                        return Err(SessionError::Oversize {
                            len: ct.len(),
                            max: NOISE_MAX_MESSAGE,
                        });
                    }
                    let frame = self.noise.decrypt(self.nonce, &ct)?;
                    self.nonce += 1;
                    self.received += ct.len() as u64;
                    return Ok(Some(frame));
                }
                Message::Close(Some(f)) if f.code != CloseCode::Normal && f.code != CloseCode::Away => {
                    return Err(SessionError::ClosedWith {
                        code: u16::from(f.code),
                        reason: f.reason.to_string(),
                    });
                }
                Message::Close(_) => return Ok(None),
                // Pings and pongs are signs of life (tungstenite answers pings itself).
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
                Message::Text(_) => return Err(SessionError::TextFrame),
            }
        }
    }
}

impl SessionWriter {
    /// Sends one packet (in parts if it is large) and flushes; returns the encoded size.
    /// A packet over `MAX_PACKET_LEN` is refused without sending anything.
    pub async fn send<T: Wire>(&mut self, packet: &T) -> Result<usize, SessionError> {
        let frames = to_frames(packet).map_err(|e| SessionError::Oversize { len: e.len, max: e.max })?;
        self.feed_frames(&frames).await?;
        self.flush().await?;
        Ok(frames.len())
    }

    /// Encrypts and sends one raw frame (tests use it to send what a bad peer would).
    pub async fn send_frame(&mut self, frame: &[u8]) -> Result<(), SessionError> {
        self.feed_frame(frame).await?;
        self.flush().await
    }

    /// Encrypts and queues already-encoded frames without flushing (batching under
    /// load: feed what is waiting, then `flush` once).
    pub async fn feed_frames(&mut self, frames: &Frames) -> Result<(), SessionError> {
        for f in frames.iter() {
            self.feed_frame(f).await?;
        }
        Ok(())
    }

    async fn feed_frame(&mut self, frame: &[u8]) -> Result<(), SessionError> {
        if frame.len() > MAX_FRAME_LEN {
            return Err(SessionError::Oversize {
                len: frame.len(),
                max: MAX_FRAME_LEN,
            });
        }
        let ct = self.noise.encrypt(self.nonce, frame)?;
        self.nonce += 1;
        self.sink.feed(Message::Binary(ct.into())).await?;
        Ok(())
    }

    /// Sends a raw WebSocket text message (tests play a peer that breaks the rules).
    pub async fn send_text(&mut self, text: &str) -> Result<(), SessionError> {
        self.sink.send(Message::Text(text.into())).await?;
        Ok(())
    }

    /// Sends a WebSocket ping (a sign of life that carries no packet).
    pub async fn send_ping(&mut self) -> Result<(), SessionError> {
        self.sink.send(Message::Ping(Default::default())).await?;
        Ok(())
    }

    /// Writes out everything fed so far.
    pub async fn flush(&mut self) -> Result<(), SessionError> {
        self.sink.flush().await?;
        Ok(())
    }

    /// Closes the WebSocket (and with it TLS) cleanly.
    pub async fn close(&mut self) {
        let _ = self.sink.close().await;
    }

    /// Closes with a WebSocket close code and a reason (at most 123 bytes are sent).
    pub async fn close_with(&mut self, code: u16, reason: &str) {
        let mut r = reason.to_string();
        while r.len() > 123 {
            r.pop();
        }
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: r.into(),
        };
        let _ = self.sink.send(Message::Close(Some(frame))).await;
        let _ = self.sink.close().await;
    }
}
