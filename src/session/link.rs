//! An established session split into halves: a reader and a writer, each owning one
//! direction's Noise nonce, so they can live in separate tasks.

use super::error::SessionError;
use crate::crypto::noise::Transport;
use crate::protocol::limits::{MAX_FRAME_LEN, NOISE_MAX_MESSAGE};
use crate::protocol::{Packet, decode, encode};
use crate::transport::BoxedIo;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

pub(crate) type Ws = WebSocketStream<tokio_rustls::TlsStream<BoxedIo>>;

/// The receiving half: WebSocket messages -> Noise decrypt -> CBOR decode.
pub struct SessionReader {
    stream: SplitStream<Ws>,
    noise: Arc<Transport>,
    /// Next expected nonce: every message must arrive, in order.
    nonce: u64,
}

/// The sending half: CBOR encode -> size check -> Noise encrypt -> WebSocket message.
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
        },
        SessionWriter { sink, noise, nonce: 0 },
    )
}

impl SessionReader {
    /// The next packet; `Ok(None)` when the other side closed cleanly.
    pub async fn recv(&mut self) -> Result<Option<Packet>, SessionError> {
        match self.recv_frame().await? {
            Some(frame) => Ok(Some(decode(&frame)?)),
            None => Ok(None),
        }
    }

    /// The next decrypted frame, undecoded.
    pub async fn recv_frame(&mut self) -> Result<Option<Vec<u8>>, SessionError> {
        loop {
            let msg = match self.stream.next().await {
                None => return Ok(None),
                Some(Err(e)) => match SessionError::from(e) {
                    SessionError::Closed => return Ok(None),
                    other => return Err(other),
                },
                Some(Ok(m)) => m,
            };
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
                    return Ok(Some(frame));
                }
                Message::Close(_) => return Ok(None),
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
                Message::Text(_) => return Err(SessionError::Protocol("a text message".into())),
            }
        }
    }
}

impl SessionWriter {
    /// Sends one packet and returns its encoded size; refuses (without sending) one
    /// that encodes over the frame cap.
    pub async fn send(&mut self, packet: &Packet) -> Result<usize, SessionError> {
        let frame = encode(packet);
        self.send_frame(&frame).await?;
        Ok(frame.len())
    }

    /// Encrypts and sends one raw frame (tests use it to send what a bad peer would).
    pub async fn send_frame(&mut self, frame: &[u8]) -> Result<(), SessionError> {
        if frame.len() > MAX_FRAME_LEN {
            return Err(SessionError::Oversize {
                len: frame.len(),
                max: MAX_FRAME_LEN,
            });
        }
        self.feed_frame(frame).await?;
        self.flush().await
    }

    /// Encrypts and queues one packet without flushing (batching under load: feed
    /// what is waiting, then `flush` once). Returns the encoded size.
    pub async fn feed(&mut self, packet: &Packet) -> Result<usize, SessionError> {
        let frame = encode(packet);
        if frame.len() > MAX_FRAME_LEN {
            return Err(SessionError::Oversize {
                len: frame.len(),
                max: MAX_FRAME_LEN,
            });
        }
        self.feed_frame(&frame).await?;
        Ok(frame.len())
    }

    async fn feed_frame(&mut self, frame: &[u8]) -> Result<(), SessionError> {
        let ct = self.noise.encrypt(self.nonce, frame)?;
        self.nonce += 1;
        self.sink.feed(Message::Binary(ct.into())).await?;
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
}
