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

/// The known_hosts names forgetting HOST clears (`severus forget`, the window's
/// Forget): a ticket's endpoint id; an address in its canonical form; a host name as
/// typed (how it is pinned now) and every address it resolves to (how it was pinned
/// before, or joined by address).
/// Resolving blocks: call it off the async threads.
pub fn pin_keys(host: &str) -> Vec<String> {
    use std::net::ToSocketAddrs;
    if let Ok(addr) = iroh::parse_ticket(host) {
        return vec![addr.id.to_string()];
    }
    let Some(pin) = tcp::pin_key(host) else {
        return vec![host.trim().to_string()];
    };
    let mut keys = vec![pin.key().to_string()];
    if let tcp::PinKey::Name(_) = pin {
        let resolved = host.trim().to_socket_addrs().map(|a| a.collect::<Vec<_>>());
        for addr in resolved.unwrap_or_default() {
            keys.push(tcp::host_key(addr));
        }
    }
    keys.sort();
    keys.dedup();
    keys
}
