//! iroh mode's byte stream: an iroh QUIC endpoint (ALPN `severus/1`) with the persisted
//! Ed25519 key, tickets, relay choice, and one bi-stream joined into a duplex stream.

use iroh::endpoint::{Connection, RecvStream, SendStream, VarInt, presets};
use iroh::{Endpoint, EndpointAddr, RelayMode, RelayUrl, SecretKey, Watcher};
use iroh_tickets::endpoint::EndpointTicket;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Our application protocol on iroh, versioned.
pub const ALPN: &[u8] = b"severus/1";

/// How long a host with relays on waits for its home relay before printing the ticket.
pub const RELAY_WAIT: Duration = Duration::from_secs(5);

/// How long a host waits for its own direct addresses to be known after binding.
pub const ADDR_WAIT: Duration = Duration::from_secs(3);

/// How long a client tries to reach a host (relay or direct path) before giving up.
pub const IROH_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Which relays to use.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RelayChoice {
    /// n0's public relays and address lookup (internet use).
    #[default]
    Default,
    /// No relay, no address lookup (LAN and tests).
    Disabled,
    /// A self-hosted iroh-relay.
    Custom(RelayUrl),
}

impl std::str::FromStr for RelayChoice {
    type Err = IrohError;
    fn from_str(s: &str) -> Result<Self, IrohError> {
        match s {
            "default" => Ok(RelayChoice::Default),
            "disabled" => Ok(RelayChoice::Disabled),
            url => url
                .parse::<RelayUrl>()
                .map(RelayChoice::Custom)
                .map_err(|_| IrohError::BadRelay { input: url.to_string() }),
        }
    }
}

/// Where and how an iroh endpoint binds.
#[derive(Debug, Clone, Default)]
pub struct IrohOptions {
    pub relay: RelayChoice,
    /// Bind to this IP only (tests use 127.0.0.1); default all interfaces.
    pub bind: Option<IpAddr>,
    /// Fixed UDP port (so the whole ticket is stable); default any.
    pub port: Option<u16>,
}

impl IrohOptions {
    /// Options from `SEVERUS_RELAY` (default, disabled or a URL) and `SEVERUS_BIND`
    /// (an IP): how the app window is pointed at a LAN-only or self-hosted setup.
    /// Unset or invalid values give the defaults.
    pub fn from_env() -> Self {
        let relay = std::env::var("SEVERUS_RELAY")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or_default();
        let bind = std::env::var("SEVERUS_BIND").ok().and_then(|b| b.parse().ok());
        IrohOptions {
            relay,
            bind,
            port: None,
        }
    }
}

/// Whether a connection runs over a direct UDP path or through a relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    Direct,
    Relayed,
}

/// Why iroh mode failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IrohError {
    #[error("'{input}' is not a valid ticket: {reason}")]
    BadTicket { input: String, reason: String },
    #[error("'{input}' is not a relay setting: use default, disabled or a relay URL")]
    BadRelay { input: String },
    #[error("could not start the iroh endpoint: {0}")]
    Bind(String),
    #[error("could not reach the host via relay or a direct path ({0})")]
    Unreachable(String),
    #[error("the host did not open a stream: {0}")]
    Stream(String),
}

/// True if `s` has the form of a ticket (told apart from an address by its prefix).
pub fn looks_like_ticket(s: &str) -> bool {
    s.trim().starts_with("endpoint")
}

/// Parses a ticket into the host's endpoint address.
pub fn parse_ticket(s: &str) -> Result<EndpointAddr, IrohError> {
    let s = s.trim();
    s.parse::<EndpointTicket>()
        .map(EndpointAddr::from)
        .map_err(|e| IrohError::BadTicket {
            input: shorten(s),
            reason: e.to_string(),
        })
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(24).collect();
    if s.chars().count() > 24 {
        out.push('…');
    }
    out
}

/// Bytes a peer may have in flight to us on one QUIC connection (its one stream).
pub const STREAM_WINDOW: u32 = 1 << 20;

/// What one QUIC connection may hold at us. A session is one two-way stream that the
/// client opens: a host takes one from each peer and a client none, no one-way
/// streams and no datagrams. Before, QUIC's defaults let a peer open 200 streams with
/// 1.25 MB of buffer each, outside every limit of ours.
fn quic_limits(accept: bool) -> iroh::endpoint::QuicTransportConfig {
    iroh::endpoint::QuicTransportConfig::builder()
        .max_concurrent_bidi_streams(VarInt::from_u32(u32::from(accept)))
        .max_concurrent_uni_streams(VarInt::from_u32(0))
        .stream_receive_window(VarInt::from_u32(STREAM_WINDOW))
        .receive_window(VarInt::from_u32(STREAM_WINDOW))
        .datagram_receive_buffer_size(None)
        .build()
}

/// Binds an endpoint with `secret` (the persisted key for hosts, a fresh one for
/// clients). `accept` makes it accept our ALPN.
pub async fn bind(secret: &[u8; 32], opts: &IrohOptions, accept: bool) -> Result<Endpoint, IrohError> {
    let mut b = match &opts.relay {
        RelayChoice::Default => Endpoint::builder(presets::N0),
        RelayChoice::Disabled => Endpoint::builder(presets::Minimal).relay_mode(RelayMode::Disabled),
        RelayChoice::Custom(url) => Endpoint::builder(presets::Minimal).relay_mode(RelayMode::custom([url.clone()])),
    };
    b = b.secret_key(SecretKey::from_bytes(secret));
    if accept {
        b = b.alpns(vec![ALPN.to_vec()]);
    }
    b = b.transport_config(quic_limits(accept));
    if opts.bind.is_some() || opts.port.is_some() {
        let addr = SocketAddr::new(
            opts.bind.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
            opts.port.unwrap_or(0),
        );
        b = b
            .clear_ip_transports()
            .bind_addr(addr)
            .map_err(|e| IrohError::Bind(e.to_string()))?;
    }
    b.bind().await.map_err(|e| IrohError::Bind(e.to_string()))
}

/// The host's ticket. With relays on, waits up to [`RELAY_WAIT`] for the home relay;
/// returns a warning when none answered (the ticket then holds direct addresses only).
pub async fn ticket(ep: &Endpoint, relay: &RelayChoice) -> (String, Option<String>) {
    let mut warning = None;
    if *relay != RelayChoice::Disabled && tokio::time::timeout(RELAY_WAIT, ep.online()).await.is_err() {
        warning = Some("no relay reachable: ticket holds direct addresses only".to_string());
    }
    let mut watch = ep.watch_addr();
    let _ = tokio::time::timeout(ADDR_WAIT, async {
        while watch.get().ip_addrs().next().is_none() {
            if watch.updated().await.is_err() {
                break;
            }
        }
    })
    .await;
    (EndpointTicket::new(ep.addr()).to_string(), warning)
}

/// Connects to a host and opens the one bi-stream the session runs over.
pub async fn connect(ep: &Endpoint, addr: EndpointAddr) -> Result<(IrohStream, PathKind), IrohError> {
    let conn = tokio::time::timeout(IROH_CONNECT_TIMEOUT, ep.connect(addr, ALPN))
        .await
        .map_err(|_| IrohError::Unreachable(format!("no answer within {}s", IROH_CONNECT_TIMEOUT.as_secs())))?
        .map_err(|e| IrohError::Unreachable(e.to_string()))?;
    let (send, recv) = conn.open_bi().await.map_err(|e| IrohError::Stream(e.to_string()))?;
    let path = path_kind(&conn);
    Ok((
        IrohStream {
            send,
            recv,
            _conn: conn,
        },
        path,
    ))
}

/// Accepts the first bi-stream of an incoming connection (one member per connection).
pub async fn accept_stream(conn: Connection) -> Result<IrohStream, IrohError> {
    let (send, recv) = conn.accept_bi().await.map_err(|e| IrohError::Stream(e.to_string()))?;
    Ok(IrohStream {
        send,
        recv,
        _conn: conn,
    })
}

/// Direct if the selected path is an IP path, else relayed.
pub fn path_kind(conn: &Connection) -> PathKind {
    let paths = conn.paths();
    let relayed = paths.iter().find(|p| p.is_selected()).is_some_and(|p| p.is_relay());
    if relayed { PathKind::Relayed } else { PathKind::Direct }
}

/// One QUIC bi-stream as a duplex byte stream; keeps its connection alive.
pub struct IrohStream {
    send: SendStream,
    recv: RecvStream,
    _conn: Connection,
}

impl AsyncRead for IrohStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.recv).poll_read(cx, buf)
    }
}

impl AsyncWrite for IrohStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        AsyncWrite::poll_write(Pin::new(&mut self.send), cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.send).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.send).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_and_relays_parse_or_fail_clearly() {
        assert!(looks_like_ticket("endpointabc"));
        assert!(!looks_like_ticket("127.0.0.1:3000"));
        for bad in ["endpoint", "endpointzzzz", "endpoint!!", ""] {
            let e = parse_ticket(bad).unwrap_err();
            assert!(matches!(e, IrohError::BadTicket { .. }), "{bad}");
        }
        assert_eq!("disabled".parse::<RelayChoice>().unwrap(), RelayChoice::Disabled);
        assert_eq!("default".parse::<RelayChoice>().unwrap(), RelayChoice::Default);
        assert!(matches!(
            "https://relay.example.org".parse::<RelayChoice>(),
            Ok(RelayChoice::Custom(_))
        ));
        assert!("not a url".parse::<RelayChoice>().is_err());
    }

    /// A peer gets one two-way stream to a host endpoint: a second waits for good
    /// (before, QUIC's defaults let it open 100 two-way and 100 one-way streams, each
    /// with its own buffer, outside every limit of ours).
    #[tokio::test]
    async fn a_peer_gets_one_stream_to_a_host() {
        let opts = IrohOptions {
            relay: RelayChoice::Disabled,
            bind: Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            port: None,
        };
        let host = bind(&[7; 32], &opts, true).await.unwrap();
        let client = bind(&[8; 32], &opts, false).await.unwrap();
        let addr = host.addr();
        let accepting = tokio::spawn(async move {
            let conn = host.accept().await.unwrap().await.unwrap();
            let (_s, mut r) = conn.accept_bi().await.unwrap();
            let mut b = [0u8; 1];
            r.read_exact(&mut b).await.unwrap();
            (host, conn)
        });
        let conn = client.connect(addr, ALPN).await.unwrap();
        let (mut s1, _r1) = conn.open_bi().await.unwrap();
        s1.write_all(b"a").await.unwrap();
        let (_host, _conn) = accepting.await.unwrap();
        let second = tokio::time::timeout(Duration::from_millis(500), conn.open_bi()).await;
        assert!(second.is_err(), "a second stream was opened");
        let uni = tokio::time::timeout(Duration::from_millis(200), conn.open_uni()).await;
        assert!(uni.is_err(), "a one-way stream was opened");
    }
}
