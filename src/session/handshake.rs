//! The handshakes: TLS 1.3, then WebSocket, then Noise XX whose prologue binds it to
//! the TLS session; the client asks its `HostVerifier` between messages 2 and 3.

use super::error::{SessionError, tls_or_io};
use super::link::{SessionReader, SessionWriter, Ws, split};
use super::verify::{HostVerifier, TrustState};
use crate::crypto::noise::{Initiator, Responder, prologue};
use crate::crypto::{HostIdentity, Identity, sha256};
use crate::protocol::handshake::offered_version;
use crate::protocol::{PROTOCOL_VERSION, Wire, subprotocol};
use crate::transport::tls::{EXPORTER_LABEL, SERVER_NAME, client_config, server_config};
use crate::transport::{BoxedIo, Duplex, ws};
use futures_util::{SinkExt, StreamExt};
use rustls::pki_types::ServerName;
use std::sync::Arc;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;

/// The WebSocket header that names the subprotocol.
const SUBPROTOCOL_HEADER: &str = "Sec-WebSocket-Protocol";

/// An established, authenticated session.
pub struct Session {
    reader: SessionReader,
    writer: SessionWriter,
    /// The other side's Noise static key (the member's key on the host side).
    peer_static: [u8; 32],
    /// On the client side: the host identity that was checked against the pin.
    host: Option<HostIdentity>,
}

impl Session {
    pub async fn send<T: Wire>(&mut self, packet: &T) -> Result<(), SessionError> {
        self.writer.send(packet).await.map(|_| ())
    }

    pub async fn recv<T: Wire>(&mut self) -> Result<Option<T>, SessionError> {
        self.reader.recv().await
    }

    pub fn peer_static(&self) -> [u8; 32] {
        self.peer_static
    }

    pub fn host_identity(&self) -> Option<&HostIdentity> {
        self.host.as_ref()
    }

    /// Splits into halves for a reader task and a writer task.
    pub fn split(self) -> (SessionReader, SessionWriter) {
        (self.reader, self.writer)
    }
}

/// Client side, with the default handshake timeout. `host` is the known_hosts name.
pub async fn connect<S: Duplex>(
    io: S,
    identity: &Identity,
    host: &str,
    verifier: &dyn HostVerifier,
) -> Result<Session, SessionError> {
    connect_with_timeout(io, identity, host, verifier, crate::protocol::limits::HANDSHAKE_TIMEOUT).await
}

/// Client side with an explicit handshake timeout.
pub async fn connect_with_timeout<S: Duplex>(
    io: S,
    identity: &Identity,
    host: &str,
    verifier: &dyn HostVerifier,
    timeout: Duration,
) -> Result<Session, SessionError> {
    tokio::time::timeout(
        timeout,
        client_handshake(Box::new(io), identity, host, verifier, PROTOCOL_VERSION),
    )
    .await
    .map_err(|_| SessionError::Timeout { after: timeout })?
}

/// Client side speaking an older protocol `version` (1 offers no subprotocol): tests
/// use it to check that mismatched peers get a clear error.
#[doc(hidden)]
pub async fn connect_as_version<S: Duplex>(
    io: S,
    identity: &Identity,
    host: &str,
    verifier: &dyn HostVerifier,
    version: u16,
) -> Result<Session, SessionError> {
    let timeout = crate::protocol::limits::HANDSHAKE_TIMEOUT;
    tokio::time::timeout(
        timeout,
        client_handshake(Box::new(io), identity, host, verifier, version),
    )
    .await
    .map_err(|_| SessionError::Timeout { after: timeout })?
}

/// Host side speaking an older protocol `version` (tests).
#[doc(hidden)]
pub async fn accept_as_version<S: Duplex>(io: S, identity: &Identity, version: u16) -> Result<Session, SessionError> {
    let timeout = crate::protocol::limits::HANDSHAKE_TIMEOUT;
    tokio::time::timeout(timeout, host_handshake(Box::new(io), identity, version))
        .await
        .map_err(|_| SessionError::Timeout { after: timeout })?
}

/// Host side, with the default handshake timeout.
pub async fn accept<S: Duplex>(io: S, identity: &Identity) -> Result<Session, SessionError> {
    accept_with_timeout(io, identity, crate::protocol::limits::HANDSHAKE_TIMEOUT).await
}

/// Host side with an explicit handshake timeout.
pub async fn accept_with_timeout<S: Duplex>(
    io: S,
    identity: &Identity,
    timeout: Duration,
) -> Result<Session, SessionError> {
    tokio::time::timeout(timeout, host_handshake(Box::new(io), identity, PROTOCOL_VERSION))
        .await
        .map_err(|_| SessionError::Timeout { after: timeout })?
}

async fn client_handshake(
    io: BoxedIo,
    identity: &Identity,
    host: &str,
    verifier: &dyn HostVerifier,
    version: u16,
) -> Result<Session, SessionError> {
    let cfg = client_config().map_err(|e| SessionError::Tls(e.to_string()))?;
    let name = ServerName::try_from(SERVER_NAME).map_err(|e| SessionError::Tls(e.to_string()))?;
    let tls = tokio_rustls::TlsConnector::from(cfg)
        .connect(name, io)
        .await
        .map_err(tls_or_io)?;
    let conn = tls.get_ref().1;
    let cert_der = conn
        .peer_certificates()
        .and_then(|c| c.first())
        .map(|c| c.to_vec())
        .ok_or_else(|| SessionError::Tls("the host sent no certificate".into()))?;
    let exporter = export(conn.export_keying_material([0u8; 32], EXPORTER_LABEL, None))?;
    let mut request = ws::WS_URL.into_client_request()?;
    if version > 1 {
        // Version 1 offered no subprotocol; later versions name themselves.
        let offer = HeaderValue::from_str(&subprotocol(version)).map_err(|e| SessionError::WebSocket(e.to_string()))?;
        request.headers_mut().insert(SUBPROTOCOL_HEADER, offer);
    }
    let upgrade =
        tokio_tungstenite::client_async_with_config(request, tokio_rustls::TlsStream::Client(tls), Some(ws::config()));
    // Noise message 1 (two key derivations) is made while the upgrade's request is on
    // its way: `join!` polls the upgrade first, which sends the request and waits.
    let first = async {
        let mut noise = Initiator::with_version(
            &identity.noise_private,
            &prologue(&sha256(&cert_der), &exporter),
            version,
        )?;
        let msg1 = noise.write_first()?;
        Ok::<_, SessionError>((noise, msg1))
    };
    let (upgraded, first) = tokio::join!(upgrade, first);
    let (mut ws, _response) = upgraded?;
    let (mut noise, msg1) = first?;
    ws.send(Message::Binary(msg1.into())).await?;
    let msg2 = next_binary(&mut ws).await?;
    let host_static = noise.read_second(&msg2)?;

    // The trust decision, before we reveal our own static key in message 3.
    let presented = HostIdentity::new(&cert_der, host_static);
    let state = verifier
        .check(host, &presented)
        .map_err(|e| SessionError::Verifier(e.to_string()))?;
    match state {
        TrustState::Trusted => {}
        TrustState::Unknown => {
            let _ = ws.close(None).await;
            return Err(SessionError::NeedsTrust {
                host: host.to_string(),
                identity: presented,
            });
        }
        TrustState::Changed { old, new } => {
            let _ = ws.close(None).await;
            return Err(SessionError::IdentityChanged {
                host: host.to_string(),
                old,
                new,
            });
        }
        TrustState::NotInvited { expected, presented } => {
            let _ = ws.close(None).await;
            return Err(SessionError::InviteMismatch { expected, presented });
        }
    }
    let (msg3, transport) = noise.write_third()?;
    ws.send(Message::Binary(msg3.into())).await?;
    let (reader, writer) = split(ws, transport);
    Ok(Session {
        reader,
        writer,
        peer_static: host_static,
        host: Some(presented),
    })
}

async fn host_handshake(io: BoxedIo, identity: &Identity, version: u16) -> Result<Session, SessionError> {
    let cfg = server_config(identity).map_err(|e| SessionError::Tls(e.to_string()))?;
    let tls = tokio_rustls::TlsAcceptor::from(cfg)
        .accept(io)
        .await
        .map_err(tls_or_io)?;
    let exporter = export(tls.get_ref().1.export_keying_material([0u8; 32], EXPORTER_LABEL, None))?;
    // The client names its version in the subprotocol; we answer with ours only if it
    // offered it. A client of another version still gets Noise message 2, whose
    // payload tells it our version in words it understands, and is then dropped.
    let mut offered = 1u16;
    // The callback's type is tungstenite's; it never refuses, so its size does not matter.
    #[allow(clippy::result_large_err)]
    let choose = |req: &Request, mut resp: Response| -> Result<Response, ErrorResponse> {
        let header = req.headers().get(SUBPROTOCOL_HEADER).and_then(|h| h.to_str().ok());
        offered = offered_version(header);
        let accepted = header.is_some_and(|h| h.split(',').any(|p| p.trim() == subprotocol(version)));
        if accepted {
            offered = version;
            if let Ok(v) = HeaderValue::from_str(&subprotocol(version)) {
                resp.headers_mut().insert(SUBPROTOCOL_HEADER, v);
            }
        }
        Ok(resp)
    };
    let mut ws = tokio_tungstenite::accept_hdr_async_with_config(
        tokio_rustls::TlsStream::Server(tls),
        choose,
        Some(ws::config()),
    )
    .await?;

    let mut noise = Responder::with_version(
        &identity.noise_private,
        &prologue(&sha256(&identity.tls_cert_der), &exporter),
        version,
    )?;
    noise.read_first(&next_binary(&mut ws).await?)?;
    ws.send(Message::Binary(noise.write_second()?.into())).await?;
    if offered != version {
        let _ = ws.close(None).await;
        return Err(SessionError::Version {
            ours: version,
            theirs: offered,
        });
    }
    let (client_static, transport) = noise.read_third(&next_binary(&mut ws).await?)?;
    let (reader, writer) = split(ws, transport);
    Ok(Session {
        reader,
        writer,
        peer_static: client_static,
        host: None,
    })
}

fn export(r: Result<[u8; 32], rustls::Error>) -> Result<[u8; 32], SessionError> {
    r.map_err(|e| SessionError::Tls(e.to_string()))
}

/// The next binary WebSocket message during the handshake.
async fn next_binary(ws: &mut Ws) -> Result<Vec<u8>, SessionError> {
    loop {
        match ws.next().await {
            None => return Err(SessionError::Closed),
            Some(Err(e)) => return Err(e.into()),
            Some(Ok(Message::Binary(b))) => return Ok(b.to_vec()),
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
            Some(Ok(Message::Close(_))) => return Err(SessionError::Closed),
            Some(Ok(Message::Text(_))) => return Err(SessionError::TextFrame),
        }
    }
}

/// A verifier that trusts nothing and everything in memory, for tests and benches:
/// answers from a fixed map filled through `trust`.
#[derive(Default)]
pub struct MemoryVerifier {
    pins: std::sync::Mutex<std::collections::HashMap<String, HostIdentity>>,
}

impl HostVerifier for MemoryVerifier {
    fn check(&self, host: &str, presented: &HostIdentity) -> Result<TrustState, super::VerifierError> {
        let pins = self.pins.lock().unwrap_or_else(|p| p.into_inner());
        Ok(match pins.get(host) {
            None => TrustState::Unknown,
            Some(p) if p == presented => TrustState::Trusted,
            Some(p) => TrustState::Changed {
                old: p.fingerprint,
                new: presented.fingerprint,
            },
        })
    }

    fn trust(&self, host: &str, presented: &HostIdentity) -> Result<(), super::VerifierError> {
        let mut pins = self.pins.lock().unwrap_or_else(|p| p.into_inner());
        pins.entry(host.to_string()).or_insert_with(|| presented.clone());
        Ok(())
    }
}

impl<T: HostVerifier + ?Sized> HostVerifier for Arc<T> {
    fn check(&self, host: &str, presented: &HostIdentity) -> Result<TrustState, super::VerifierError> {
        (**self).check(host, presented)
    }
    fn trust(&self, host: &str, presented: &HostIdentity) -> Result<(), super::VerifierError> {
        (**self).trust(host, presented)
    }
}
