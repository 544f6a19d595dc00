//! Opening a link: resolve the target, connect, run the session handshake against
//! known_hosts, and pump the session through channels.

use crate::client::Event;
use crate::crypto::Identity;
use crate::session::{self, HostVerifier, Link, SessionError};
use crate::transport::tcp;

/// Connects to `target` and returns the link and the host's known_hosts name, or the
/// event that explains why not (needs trust, identity changed, failure).
pub(crate) async fn open_link(
    target: &str,
    identity: &Identity,
    verifier: &dyn HostVerifier,
) -> Result<(Link, String), Event> {
    let failed = |reason: String| Event::ConnectFailed { reason };
    let addr = tcp::resolve(target)
        .await
        .map_err(|e| failed(e.to_string()))?;
    let host = tcp::host_key(addr);
    let stream = tcp::connect(addr)
        .await
        .map_err(|e| failed(e.to_string()))?;
    match session::connect(stream, identity, &host, verifier).await {
        Ok(s) => {
            let (r, w) = s.split();
            Ok((Link::spawn(r, w), host))
        }
        Err(SessionError::NeedsTrust { host, identity }) => {
            Err(Event::NeedsTrust { host, identity })
        }
        Err(SessionError::IdentityChanged { host, old, new }) => {
            Err(Event::IdentityChanged { host, old, new })
        }
        Err(e) => Err(failed(e.to_string())),
    }
}
