//! Direct mode's byte stream: parse and resolve `IP:port`, `[v6]:port` or
//! `host:port`, connect with a timeout, and name hosts canonically for known_hosts.

use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpStream;

/// How long a TCP connect may take before we say the host is unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a direct connection could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TcpError {
    #[error("'{input}' is not an address: use IP:PORT, [IPv6]:PORT or HOSTNAME:PORT")]
    BadAddress { input: String },
    #[error("could not resolve {input}: {reason}")]
    Resolve { input: String, reason: String },
    #[error("could not connect to {addr}: {source}")]
    Connect {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("no answer from {addr} within {after:?}")]
    Timeout { addr: SocketAddr, after: Duration },
}

/// Checks the form of an address (without resolving it): host part and a port.
pub fn looks_like_address(input: &str) -> bool {
    if input.parse::<SocketAddr>().is_ok() {
        return true;
    }
    match input.rsplit_once(':') {
        Some((host, port)) => {
            !host.is_empty()
                && !host.contains(['[', ']', ' ', '/'])
                && !host.contains(':')
                && port.parse::<u16>().is_ok()
        }
        None => false,
    }
}

/// Resolves an address to its socket addresses, in the resolver's order (at least one).
pub async fn resolve(input: &str) -> Result<Vec<SocketAddr>, TcpError> {
    let input = input.trim();
    if let Ok(addr) = input.parse::<SocketAddr>() {
        return Ok(vec![addr]);
    }
    if !looks_like_address(input) {
        return Err(TcpError::BadAddress {
            input: input.to_string(),
        });
    }
    let mut addrs: Vec<SocketAddr> = tokio::net::lookup_host(input)
        .await
        .map_err(|e| TcpError::Resolve {
            input: input.to_string(),
            reason: e.to_string(),
        })?
        .collect();
    addrs.dedup();
    if addrs.is_empty() {
        return Err(TcpError::Resolve {
            input: input.to_string(),
            reason: "no addresses".into(),
        });
    }
    Ok(addrs)
}

/// The canonical known_hosts name of a direct host: `IP:port` or `[v6]:port`.
pub fn host_key(addr: SocketAddr) -> String {
    SocketAddr::new(addr.ip().to_canonical(), addr.port()).to_string()
}

/// The known_hosts name of what the user typed, and which kind of input it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinKey {
    /// An address, in canonical form (`host_key`).
    Address(String),
    /// A host name as `name:port`, in lowercase without a trailing dot (so a DNS
    /// change that points the name elsewhere meets the name's pin).
    Name(String),
}

impl PinKey {
    /// The known_hosts name.
    pub fn key(&self) -> &str {
        match self {
            PinKey::Address(k) | PinKey::Name(k) => k,
        }
    }
}

/// What the user typed as a known_hosts name; None: not an address or a name.
pub fn pin_key(input: &str) -> Option<PinKey> {
    let input = input.trim();
    if let Ok(addr) = input.parse::<SocketAddr>() {
        return Some(PinKey::Address(host_key(addr)));
    }
    if !looks_like_address(input) {
        return None;
    }
    let (name, port) = input.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    Some(PinKey::Name(format!("{name}:{port}")))
}

/// Connects with [`CONNECT_TIMEOUT`], with Nagle off (chat is small packets).
pub async fn connect(addr: SocketAddr) -> Result<TcpStream, TcpError> {
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr))
        .await
        .map_err(|_| TcpError::Timeout {
            addr,
            after: CONNECT_TIMEOUT,
        })?
        .map_err(|source| TcpError::Connect { addr, source })?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_forms() {
        for ok in ["127.0.0.1:3000", "[::1]:3000", "example.org:80", "localhost:1"] {
            assert!(looks_like_address(ok), "{ok}");
        }
        for bad in ["127.0.0.1", "::1:3000", "host:", ":80", "a b:1", "host:99999", ""] {
            assert!(!looks_like_address(bad), "{bad}");
        }
    }

    #[tokio::test]
    async fn resolve_and_canonical_keys() {
        let v4 = resolve("127.0.0.1:3000").await.unwrap();
        assert_eq!(host_key(v4[0]), "127.0.0.1:3000");
        let v6 = resolve("[::1]:3000").await.unwrap();
        assert_eq!(host_key(v6[0]), "[::1]:3000");
        let mapped = resolve("[::ffff:127.0.0.1]:3000").await.unwrap();
        assert_eq!((mapped.len(), host_key(mapped[0])), (1, "127.0.0.1:3000".into()));
        // A name gives every address it has (each is tried in turn when joining).
        let named = resolve("localhost:3000").await.unwrap();
        assert!(named.iter().any(|a| host_key(*a) == "127.0.0.1:3000"), "{named:?}");
        assert!(matches!(resolve("nonsense").await, Err(TcpError::BadAddress { .. })));
    }

    #[test]
    fn pins_are_named_as_typed_in_one_form() {
        let address = |k: &str| Some(PinKey::Address(k.into()));
        let name = |k: &str| Some(PinKey::Name(k.into()));
        assert_eq!(pin_key(" [::ffff:127.0.0.1]:3000"), address("127.0.0.1:3000"));
        assert_eq!(pin_key("Chat.Example.ORG.:7000"), name("chat.example.org:7000"));
        assert_eq!(pin_key("localhost:7000"), name("localhost:7000"));
        assert_eq!(pin_key("localhost:07000"), name("localhost:7000"));
        assert_eq!(pin_key("nonsense"), None);
    }
}
