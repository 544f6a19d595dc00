//! Opening a link: resolve the target (invite, address or ticket), connect over TCP or
//! iroh, run the session handshake against known_hosts (or the invite's fingerprint),
//! and pump the session through channels.

use crate::client::Event;
use crate::crypto::{Fingerprint, Identity};
use crate::protocol::{Invite, looks_like_invite};
use crate::session::{self, HostVerifier, InviteVerifier, Link, NamedVerifier, SessionError};
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

/// One way to reach a host.
/// An open link to a host: its known_hosts name, for a host name the address it
/// resolved to (what older versions keyed the host by), the iroh path kind, and the
/// host's fingerprint.
pub(crate) struct Opened {
    pub link: Link,
    pub host: String,
    pub address: Option<String>,
    pub path: Option<PathKind>,
    pub fingerprint: Fingerprint,
}

enum Route {
    Tcp(std::net::SocketAddr),
    /// An address a host name resolved to, and the name's known_hosts name.
    Named(std::net::SocketAddr, String),
    Iroh(iroh::EndpointAddr),
}

/// Connects to `target` (an invite, an address or a ticket); returns the link and what
/// names the host (`Opened`). Or the event that says why
/// not (needs trust, identity changed, invite mismatch, failure). An invite's routes
/// are tried in order until one answers; its fingerprint decides trust.
pub(crate) async fn open_link(
    target: &str,
    net: &IrohOptions,
    endpoint: &mut ClientEndpoint,
    identity: &Identity,
    verifier: &dyn HostVerifier,
) -> Result<Opened, Event> {
    let failed = |reason: String| Event::ConnectFailed { reason };
    if looks_like_invite(target) {
        let invite = Invite::decode(target).map_err(|e| Event::InviteMismatch { reason: e.to_string() })?;
        let verifier = InviteVerifier {
            inner: verifier,
            expected: Fingerprint(invite.fingerprint),
        };
        let mut routes: Vec<Route> = invite.addresses.iter().map(|a| Route::Tcp(*a)).collect();
        if let Some(t) = &invite.ticket {
            // A ticket that does not parse is damage like any other.
            let addr = iroh_transport::parse_ticket(t).map_err(|e| Event::InviteMismatch { reason: e.to_string() })?;
            routes.push(Route::Iroh(addr));
        }
        let none = failed("the invite names no way to reach the host".into());
        return first_route(routes, none, net, endpoint, identity, &verifier).await;
    }
    if iroh_transport::looks_like_ticket(target) {
        let route = Route::Iroh(iroh_transport::parse_ticket(target).map_err(|e| failed(e.to_string()))?);
        return open_route(route, net, endpoint, identity, verifier).await;
    }
    // Every address a name resolves to, in the resolver's order (a name whose first
    // address is IPv6 may have the host on IPv4 only; before, only the first was tried).
    let addrs = tcp::resolve(target).await.map_err(|e| failed(e.to_string()))?;
    let none = failed(format!("{target} resolves to no address"));
    // A name is pinned as typed; an address as itself.
    let routes = match tcp::pin_key(target) {
        Some(tcp::PinKey::Name(name)) => addrs.into_iter().map(|a| Route::Named(a, name.clone())).collect(),
        _ => addrs.into_iter().map(Route::Tcp).collect(),
    };
    first_route(routes, none, net, endpoint, identity, verifier).await
}

/// Tries `routes` in order: the first that answers, or why the last could not be
/// reached (`none` if there was no route). Only a route that could not be reached
/// lets us try the next one; a trust question ends it.
async fn first_route(
    routes: Vec<Route>,
    none: Event,
    net: &IrohOptions,
    endpoint: &mut ClientEndpoint,
    identity: &Identity,
    verifier: &dyn HostVerifier,
) -> Result<Opened, Event> {
    let mut last = none;
    for r in routes {
        match open_route(r, net, endpoint, identity, verifier).await {
            Ok(done) => return Ok(done),
            Err(e @ Event::ConnectFailed { .. }) => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

async fn open_route(
    route: Route,
    net: &IrohOptions,
    endpoint: &mut ClientEndpoint,
    identity: &Identity,
    verifier: &dyn HostVerifier,
) -> Result<Opened, Event> {
    let failed = |reason: String| Event::ConnectFailed { reason };
    let route_name = match &route {
        Route::Named(_, name) => Some(name.clone()),
        _ => None,
    };
    let (stream, host, path): (BoxedIo, String, Option<PathKind>) = match route {
        Route::Iroh(addr) => {
            let host = addr.id.to_string();
            let ep = endpoint.get(net).await.map_err(|e| failed(e.to_string()))?;
            let (s, path) = iroh_transport::connect(&ep, addr)
                .await
                .map_err(|e| failed(e.to_string()))?;
            (Box::new(s), host, Some(path))
        }
        Route::Tcp(addr) | Route::Named(addr, _) => {
            let stream = tcp::connect(addr).await.map_err(|e| failed(e.to_string()))?;
            (Box::new(stream), tcp::host_key(addr), None)
        }
    };
    let named;
    let (host, address, verifier): (String, Option<String>, &dyn HostVerifier) = match route_name {
        Some(name) => {
            named = NamedVerifier {
                inner: verifier,
                address: host.clone(),
            };
            (name, Some(host), &named)
        }
        None => (host, None, verifier),
    };
    match session::connect(stream, identity, &host, verifier).await {
        Ok(s) => {
            let fp = s.host_identity().map(|h| h.fingerprint).unwrap_or(Fingerprint([0; 32]));
            let (r, w) = s.split();
            Ok(Opened {
                link: Link::spawn(r, w),
                host,
                address,
                path,
                fingerprint: fp,
            })
        }
        Err(SessionError::NeedsTrust { host, identity }) => Err(Event::NeedsTrust { host, identity }),
        Err(SessionError::IdentityChanged { host, old, new }) => Err(Event::IdentityChanged { host, old, new }),
        Err(e @ SessionError::InviteMismatch { .. }) => Err(Event::InviteMismatch { reason: e.to_string() }),
        Err(e) => Err(failed(e.to_string())),
    }
}
