//! Helpers shared by the integration tests.

use severus::crypto::Identity;
use severus::session::{self, MemoryVerifier, Session, SessionError};
use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpStream};

/// Accepts one connection on a fresh loopback port and runs the host handshake.
pub async fn one_shot_host(
    identity: Identity,
) -> (
    SocketAddr,
    tokio::task::JoinHandle<Result<Session, SessionError>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        session::accept(tcp, &identity).await
    });
    (addr, task)
}

/// Connects a client with `verifier` to `addr`.
pub async fn client(
    addr: SocketAddr,
    identity: &Identity,
    verifier: &MemoryVerifier,
) -> Result<Session, SessionError> {
    let tcp = TcpStream::connect(addr).await.unwrap();
    session::connect(tcp, identity, &addr.to_string(), verifier).await
}

/// A verifier that already trusts `host` at `addr`.
pub fn trusting(addr: SocketAddr, host: &Identity) -> MemoryVerifier {
    use severus::session::HostVerifier;
    let v = MemoryVerifier::default();
    v.trust(&addr.to_string(), &host.host_identity()).unwrap();
    v
}
