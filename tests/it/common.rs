//! Helpers shared by the integration tests.

use severus::crypto::Identity;
use severus::session::{self, MemoryVerifier, Session, SessionError};
use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpStream};

/// Accepts one connection on a fresh loopback port and runs the host handshake.
pub async fn one_shot_host(identity: Identity) -> (SocketAddr, tokio::task::JoinHandle<Result<Session, SessionError>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        session::accept(tcp, &identity).await
    });
    (addr, task)
}

/// Connects a client with `verifier` to `addr`.
pub async fn client(addr: SocketAddr, identity: &Identity, verifier: &MemoryVerifier) -> Result<Session, SessionError> {
    let tcp = TcpStream::connect(addr).await.unwrap();
    session::connect(tcp, identity, &addr.to_string(), verifier).await
}

/// A verifier that already trusts `host` at `addr`.
pub fn trusting(addr: SocketAddr, host: &Identity) -> MemoryVerifier {
    trusting_key(&addr.to_string(), host)
}

/// A verifier that already trusts `host` under the known_hosts name `key`.
pub fn trusting_key(key: &str, host: &Identity) -> MemoryVerifier {
    use severus::session::HostVerifier;
    let v = MemoryVerifier::default();
    v.trust(key, &host.host_identity()).unwrap();
    v
}

use severus::host::Host;
use severus::service::{Command, Event, ServiceHandle};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// How long a test waits for an expected event before failing.
pub const WAIT: Duration = Duration::from_secs(10);

/// Starts a host on a loopback port.
pub async fn start_host() -> (Host, SocketAddr, Identity) {
    let id = Identity::generate().unwrap();
    let mut host = Host::new(Arc::new(id.clone()));
    let addr = host.listen_tcp("127.0.0.1:0".parse().unwrap()).await.unwrap();
    (host, addr, id)
}

/// A member driven through the service API, with everything it saw.
pub struct Peer {
    pub svc: ServiceHandle,
    ev: mpsc::Receiver<Event>,
    pub log: Vec<Event>,
}

impl Peer {
    /// A fresh identity that trusts `host_id` at `addr`, connected and registered.
    pub async fn join(addr: SocketAddr, host_id: &Identity, name: &str) -> Peer {
        let mut p = Peer::new(addr, host_id);
        p.cmd(Command::Connect {
            target: addr.to_string(),
            name: name.into(),
            net: Default::default(),
        })
        .await;
        p.until(|e| matches!(e, Event::Connected { .. })).await;
        p
    }

    pub fn new(addr: SocketAddr, host_id: &Identity) -> Peer {
        Peer::trusting(&addr.to_string(), host_id)
    }

    /// A fresh identity that trusts `host_id` under the known_hosts name `key`.
    pub fn trusting(key: &str, host_id: &Identity) -> Peer {
        let (svc, ev) = severus::service::spawn_with(
            Arc::new(Identity::generate().unwrap()),
            Arc::new(trusting_key(key, host_id)),
        );
        Peer { svc, ev, log: vec![] }
    }

    /// A fresh identity with an empty trust store, that joins `target` and trusts the
    /// host on first contact (as a user pressing Trust would).
    pub async fn join_trusting(target: &str, name: &str) -> Peer {
        let (svc, ev) = severus::service::spawn_with(
            Arc::new(Identity::generate().unwrap()),
            Arc::new(MemoryVerifier::default()),
        );
        let mut p = Peer { svc, ev, log: vec![] };
        p.cmd(Command::Connect {
            target: target.into(),
            name: name.into(),
            net: Default::default(),
        })
        .await;
        let Event::NeedsTrust { host, identity } = p.until(|e| matches!(e, Event::NeedsTrust { .. })).await else {
            unreachable!()
        };
        p.cmd(Command::Trust { host, identity }).await;
        p.until(|e| matches!(e, Event::Connected { .. })).await;
        p
    }

    pub async fn cmd(&self, c: Command) {
        assert!(self.svc.send(c).await);
    }

    /// Waits for the first new event matching `pred` (keeping all in the log).
    pub async fn until(&mut self, pred: impl Fn(&Event) -> bool) -> Event {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.ev.recv()).await {
                Ok(Some(e)) => {
                    self.log.push(e.clone());
                    if pred(&e) {
                        return e;
                    }
                }
                Ok(None) => panic!("service ended; saw {:#?}", self.log),
                Err(_) => panic!("timed out; saw {:#?}", self.log),
            }
        }
    }

    /// Waits for a lobby or room message with this body.
    pub async fn message(&mut self, body: &str) -> Event {
        self.until(|e| matches!(e, Event::Message { body: b, .. } if b == body))
            .await
    }

    /// Collects events for `d` (to check what did not happen meanwhile).
    pub async fn drain_for(&mut self, d: Duration) {
        let until = tokio::time::Instant::now() + d;
        while let Ok(Some(e)) = tokio::time::timeout_at(until, self.ev.recv()).await {
            self.log.push(e);
        }
    }

    pub fn saw(&self, pred: impl Fn(&Event) -> bool) -> bool {
        self.log.iter().any(pred)
    }
}
