//! Byte streams and the layers wrapped around them: TCP (direct mode), TLS 1.3 with a
//! pinning-ready verifier, and binary-only WebSocket framing.

pub mod interfaces;
pub mod iroh;
pub mod tcp;
pub mod tls;
pub mod ws;

use tokio::io::{AsyncRead, AsyncWrite};

/// Any duplex byte stream the pipeline can run over (TCP, an iroh bi-stream, a test pipe).
pub trait Duplex: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Duplex for T {}

/// A type-erased stream: one session type serves every transport.
pub type BoxedIo = Box<dyn Duplex>;
