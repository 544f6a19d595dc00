//! Opening a link: resolve the target (address or ticket), connect over TCP or iroh,
//! run the session handshake against known_hosts, and pump the session through channels.

use crate::client::Event;
use crate::crypto::Identity;
use crate::session::{self, HostVerifier, Link, SessionError};
use crate::transport::iroh::{self as iroh_transport, IrohOptions, PathKind};
use crate::transport::{BoxedIo, tcp};

/// The client's iroh endpoint, kept across connects while its options stay the same.
#[derive(Default)]
pub(crate) struct ClientEndpoint {
    current: Option<(IrohOptions, iroh::Endpoint)>,
}

impl ClientEndpoint {
    async fn get(&mut self, opts: &IrohOptions) -> Result<iroh::Endpoint, iroh_transport::IrohError> {
        if let Some((o, ep)) = &self.current
            && o.relay == opts.relay
            && o.bind == opts.bind
        {
            return Ok(ep.clone());
        }
        // A client's endpoint id identifies nothing (Noise does): a fresh key each run.
        let mut secret = [0u8; 32];
        rand::Rng::fill(&mut rand::rng(), &mut secret);
        let ep = iroh_transport::bind(&secret, opts, false).await?;
        if let Some((_, old)) = self.current.replace((opts.clone(), ep.clone())) {
            old.close().await;
        }
        Ok(ep)
    }
}

impl ClientEndpoint {
    /// Closes the endpoint gracefully, if one was opened.
    pub async fn close(&mut self) {
        if let Some((_, ep)) = self.current.take() {
            ep.close().await;
        }
    }
}

/// Connects to `target`; returns the link, the host's known_hosts name and, for iroh,
/// the path kind. Or the event that says why not (needs trust, identity changed, failure).
pub(crate) async fn open_link(
    target: &str,
    net: &IrohOptions,
    endpoint: &mut ClientEndpoint,
    identity: &Identity,
    verifier: &dyn HostVerifier,
) -> Result<(Link, String, Option<PathKind>), Event> {
    let failed = |reason: String| Event::ConnectFailed { reason };
    let (stream, host, path): (BoxedIo, String, Option<PathKind>) = if iroh_transport::looks_like_ticket(target) {
        let addr = iroh_transport::parse_ticket(target).map_err(|e| failed(e.to_string()))?;
        let host = addr.id.to_string();
        let ep = endpoint.get(net).await.map_err(|e| failed(e.to_string()))?;
        let (s, path) = iroh_transport::connect(&ep, addr)
            .await
            .map_err(|e| failed(e.to_string()))?;
        (Box::new(s), host, Some(path))
    } else {
        let addr = tcp::resolve(target).await.map_err(|e| failed(e.to_string()))?;
        let stream = tcp::connect(addr).await.map_err(|e| failed(e.to_string()))?;
        (Box::new(stream), tcp::host_key(addr), None)
    };
    match session::connect(stream, identity, &host, verifier).await {
        Ok(s) => {
            let (r, w) = s.split();
            Ok((Link::spawn(r, w), host, path))
        }
        Err(SessionError::NeedsTrust { host, identity }) => Err(Event::NeedsTrust { host, identity }),
        Err(SessionError::IdentityChanged { host, old, new }) => Err(Event::IdentityChanged { host, old, new }),
        Err(e) => Err(failed(e.to_string())),
    }
}
