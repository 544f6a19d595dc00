//! The secure session over real loopback sockets: round trips, limits, trust on first
//! use, and the attacks the original Severus let through.

use crate::common::{client, one_shot_host, trusting};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use severus::crypto::Identity;
use severus::protocol::limits::{MAX_BODY_LEN, MAX_FRAME_LEN, MAX_PACKET_LEN};
use severus::protocol::{ClientPacket, Conv, EntryBody, HostPacket, encode};
use severus::session::{self, HostVerifier, MemoryVerifier, SessionError};
use severus::transport::tls;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use uuid::Uuid;

fn msg(body: String) -> ClientPacket {
    ClientPacket::Mls {
        id: Uuid::new_v4(),
        conv: Conv::LOBBY,
        message: body.into_bytes(),
        group_info: None,
        replaces: None,
    }
}

fn entry(body: String) -> HostPacket {
    HostPacket::Entry {
        conv: Conv::LOBBY,
        seq: 1,
        at: 0,
        from: Some("ana".into()),
        id: None,
        body: EntryBody::Mls {
            message: body.into_bytes(),
            committer: None,
        },
    }
}

#[tokio::test]
async fn round_trip_both_ways_at_and_over_the_cap() {
    let host_id = Identity::generate().unwrap();
    let client_id = Identity::generate().unwrap();
    let (addr, host) = one_shot_host(host_id.clone()).await;
    let v = trusting(addr, &host_id);
    let mut c = client(addr, &client_id, &v).await.unwrap();
    let mut h = host.await.unwrap().unwrap();
    assert_eq!(h.peer_static(), client_id.noise_public, "host learns the client's key");
    assert_eq!(c.peer_static(), host_id.noise_public);

    let register = ClientPacket::Register {
        secret: None,
        id: Uuid::new_v4(),
        name: "alice".into(),
        resume: None,
    };
    c.send(&register).await.unwrap();
    assert_eq!(h.recv::<ClientPacket>().await.unwrap(), Some(register));
    let big = entry("b".repeat(MAX_BODY_LEN));
    h.send(&big).await.unwrap();
    assert_eq!(c.recv::<HostPacket>().await.unwrap(), Some(big));
    // Larger than a frame: it travels in parts and arrives whole.
    let huge = entry("h".repeat(300_000));
    h.send(&huge).await.unwrap();
    assert_eq!(c.recv::<HostPacket>().await.unwrap(), Some(huge));

    // A frame exactly at the cap goes through (raw frame: the codec's cap is what counts).
    let (mut cr, mut cw) = c.split();
    let (mut hr, mut hw) = h.split();
    let mut body_len = MAX_FRAME_LEN - encode(&msg(String::new())).len();
    let mut at_cap = encode(&msg("x".repeat(body_len)));
    while at_cap.len() > MAX_FRAME_LEN {
        body_len -= 1;
        at_cap = encode(&msg("x".repeat(body_len)));
    }
    assert_eq!(at_cap.len(), MAX_FRAME_LEN);
    cw.send_frame(&at_cap).await.unwrap();
    assert!(matches!(
        hr.recv::<ClientPacket>().await.unwrap(),
        Some(ClientPacket::Mls { .. })
    ));
    // One byte over the frame cap, sent raw: refused before sending.
    let mut over_frame = at_cap.clone();
    over_frame.push(0);
    assert!(matches!(
        cw.send_frame(&over_frame).await,
        Err(SessionError::Oversize { .. })
    ));

    // Over the packet cap: refused before sending, and the session stays usable.
    let over = msg("x".repeat(MAX_PACKET_LEN));
    assert!(matches!(cw.send(&over).await, Err(SessionError::Oversize { .. })));
    hw.send(&HostPacket::Pong { timestamp: 7 }).await.unwrap();
    assert_eq!(
        cr.recv::<HostPacket>().await.unwrap(),
        Some(HostPacket::Pong { timestamp: 7 })
    );
    cw.send(&ClientPacket::Ping { timestamp: 8 }).await.unwrap();
    assert_eq!(
        hr.recv::<ClientPacket>().await.unwrap(),
        Some(ClientPacket::Ping { timestamp: 8 })
    );

    // Clean close is Ok(None) on the other side.
    cw.close().await;
    assert_eq!(hr.recv::<ClientPacket>().await.unwrap(), None);
}

#[tokio::test]
async fn first_contact_needs_trust_then_connects_then_is_silent() {
    let host_id = Identity::generate().unwrap();
    let client_id = Identity::generate().unwrap();
    let v = MemoryVerifier::default();

    let (addr, host) = one_shot_host(host_id.clone()).await;
    let err = client(addr, &client_id, &v).await.err().unwrap();
    let SessionError::NeedsTrust { host: name, identity } = err else {
        panic!("expected NeedsTrust, got {err}");
    };
    assert_eq!(name, addr.to_string());
    assert_eq!(identity.fingerprint, host_id.fingerprint());
    assert_eq!(identity.fingerprint.to_string().split(' ').count(), 16);
    // The client stopped before message 3: the host never completed a session.
    assert!(host.await.unwrap().is_err());

    v.trust(&name, &identity).unwrap();
    let (addr2, host) = one_shot_host(host_id.clone()).await;
    v.trust(&addr2.to_string(), &identity).unwrap();
    let mut c = client(addr2, &client_id, &v).await.unwrap();
    let mut h = host.await.unwrap().unwrap();
    let list = ClientPacket::RoomList { id: Uuid::new_v4() };
    c.send(&list).await.unwrap();
    assert_eq!(h.recv::<ClientPacket>().await.unwrap(), Some(list));

    // Second contact: silent (no NeedsTrust).
    let (addr3, host) = one_shot_host(host_id.clone()).await;
    v.trust(&addr3.to_string(), &identity).unwrap();
    assert!(client(addr3, &client_id, &v).await.is_ok());
    assert!(host.await.unwrap().is_ok());
}

#[tokio::test]
async fn an_impostor_host_is_identity_changed() {
    let real = Identity::generate().unwrap();
    let impostor = Identity::generate().unwrap();
    let (addr, _host) = one_shot_host(impostor.clone()).await;
    let v = trusting(addr, &real);
    match client(addr, &Identity::generate().unwrap(), &v).await {
        Err(SessionError::IdentityChanged { old, new, .. }) => {
            assert_eq!(old, real.fingerprint());
            assert_eq!(new, impostor.fingerprint());
        }
        other => panic!("expected IdentityChanged, got {:?}", other.err()),
    }
}

#[tokio::test]
async fn same_certificate_with_another_noise_key_is_refused() {
    let real = Identity::generate().unwrap();
    let mut forged = Identity::generate().unwrap();
    forged.tls_key_pem = real.tls_key_pem.clone();
    forged.tls_cert_der = real.tls_cert_der.clone();
    let (addr, _host) = one_shot_host(forged.clone()).await;
    let v = trusting(addr, &real);
    let err = client(addr, &Identity::generate().unwrap(), &v).await.err().unwrap();
    assert!(matches!(err, SessionError::IdentityChanged { .. }), "{err}");
    assert!(err.to_string().contains("severus forget"), "{err}");
}

/// A TLS-terminating proxy with its own certificate that relays everything inside TLS
/// to the real host. Noise is bound to the TLS session, so the relay is detected even on
/// first contact, and a pinned client refuses it too.
#[tokio::test]
async fn tls_terminating_proxy_is_refused() {
    let real = Identity::generate().unwrap();
    let (real_addr, _host) = one_shot_host(real.clone()).await;
    let proxy_id = Identity::generate().unwrap();
    let proxy = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_addr = proxy.local_addr().unwrap();
    tokio::spawn(async move {
        let (tcp, _) = proxy.accept().await.unwrap();
        let cfg = tls::server_config(&proxy_id).unwrap();
        let Ok(mut inbound) = tokio_rustls::TlsAcceptor::from(cfg).accept(tcp).await else {
            return;
        };
        let upstream = TcpStream::connect(real_addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from(tls::SERVER_NAME).unwrap();
        let mut outbound = tokio_rustls::TlsConnector::from(tls::client_config().unwrap())
            .connect(name, upstream)
            .await
            .unwrap();
        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
    });
    // First contact through the proxy: Noise fails (prologue mismatch), no trust prompt.
    let v = MemoryVerifier::default();
    let err = client(proxy_addr, &Identity::generate().unwrap(), &v)
        .await
        .err()
        .unwrap();
    assert!(matches!(err, SessionError::Noise(_)), "{err}");
    assert!(err.to_string().contains("tampered"), "{err}");
}

#[tokio::test]
async fn pinned_client_refuses_proxy_with_its_own_certificate() {
    let real = Identity::generate().unwrap();
    let proxy_id = Identity::generate().unwrap();
    // The proxy runs a complete host of its own (its own TLS and Noise keys).
    let (addr, _host) = one_shot_host(proxy_id.clone()).await;
    let v = trusting(addr, &real);
    let err = client(addr, &Identity::generate().unwrap(), &v).await.err().unwrap();
    assert!(matches!(err, SessionError::IdentityChanged { .. }), "{err}");
}

/// A server presenting the real host's certificate without its private key (signing
/// with another key) fails the TLS signature check: the original's verifier skipped it.
#[tokio::test]
async fn real_certificate_without_its_key_is_refused() {
    let real = Identity::generate().unwrap();
    let other_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let provider = tls::provider();
    let signing = provider
        .key_provider
        .load_private_key(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            other_key.serialize_der(),
        )))
        .unwrap();
    let certified = Arc::new(rustls::sign::CertifiedKey::new(
        vec![CertificateDer::from(real.tls_cert_der.clone())],
        signing,
    ));
    #[derive(Debug)]
    struct Fixed(Arc<rustls::sign::CertifiedKey>);
    impl rustls::server::ResolvesServerCert for Fixed {
        fn resolve(&self, _: rustls::server::ClientHello<'_>) -> Option<Arc<rustls::sign::CertifiedKey>> {
            Some(self.0.clone())
        }
    }
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(Fixed(certified)));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let _ = tokio_rustls::TlsAcceptor::from(Arc::new(cfg)).accept(tcp).await;
    });
    let v = trusting(addr, &real);
    let err = client(addr, &Identity::generate().unwrap(), &v).await.err().unwrap();
    assert!(matches!(err, SessionError::TlsSignature), "{err}");
    assert!(err.to_string().contains("impersonating"));
}

#[tokio::test]
async fn a_client_that_stalls_is_dropped_at_the_timeout() {
    let host_id = Identity::generate().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let timeout = Duration::from_millis(400);
    let host = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        session::accept_with_timeout(tcp, &host_id, timeout).await
    });
    // TLS ClientHello bytes never come: the stalled peer just holds the socket open.
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"\x16\x03\x01").await.unwrap();
    let started = std::time::Instant::now();
    let err = host.await.unwrap().err().unwrap();
    assert!(matches!(err, SessionError::Timeout { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_host_that_stalls_after_tls_is_dropped_at_the_timeout() {
    let host_id = Identity::generate().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let id2 = host_id.clone();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let tls = tokio_rustls::TlsAcceptor::from(tls::server_config(&id2).unwrap())
            .accept(tcp)
            .await;
        // Accepts TLS, then never answers the WebSocket upgrade.
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(tls);
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let v = trusting(addr, &host_id);
    let err = session::connect_with_timeout(
        tcp,
        &Identity::generate().unwrap(),
        &addr.to_string(),
        &v,
        Duration::from_millis(400),
    )
    .await
    .err()
    .unwrap();
    assert!(matches!(err, SessionError::Timeout { .. }), "{err}");
}

#[tokio::test]
async fn garbage_after_the_handshake_is_a_decode_error() {
    let host_id = Identity::generate().unwrap();
    let (addr, host) = one_shot_host(host_id.clone()).await;
    let v = trusting(addr, &host_id);
    let c = client(addr, &Identity::generate().unwrap(), &v).await.unwrap();
    let h = host.await.unwrap().unwrap();
    let (_cr, mut cw) = c.split();
    let (mut hr, _hw) = h.split();
    cw.send_frame(b"\xff\xfe this is not CBOR").await.unwrap();
    assert!(matches!(hr.recv::<ClientPacket>().await, Err(SessionError::Decode(_))));
    // Valid CBOR that is not a packet, and trailing bytes: also decode errors.
    cw.send_frame(&[0x01]).await.unwrap();
    assert!(matches!(hr.recv::<ClientPacket>().await, Err(SessionError::Decode(_))));
    let mut trailing = encode(&ClientPacket::RoomList { id: Uuid::nil() });
    trailing.push(0);
    cw.send_frame(&trailing).await.unwrap();
    assert!(matches!(hr.recv::<ClientPacket>().await, Err(SessionError::Decode(_))));
}

#[tokio::test]
async fn a_peer_that_vanishes_is_a_clean_end() {
    let host_id = Identity::generate().unwrap();
    let (addr, host) = one_shot_host(host_id.clone()).await;
    let v = trusting(addr, &host_id);
    let c = client(addr, &Identity::generate().unwrap(), &v).await.unwrap();
    let h = host.await.unwrap().unwrap();
    let (mut hr, _) = h.split();
    // The client drops its socket without a close frame: the reader sees the end.
    drop(c);
    let end = tokio::time::timeout(Duration::from_secs(5), hr.recv::<ClientPacket>())
        .await
        .unwrap();
    assert!(
        matches!(end, Ok(None) | Err(SessionError::Closed)),
        "{:?}",
        end.map(|_| ())
    );
}

#[tokio::test]
async fn a_host_that_stops_reading_ends_the_clients_link_at_the_write_limit() {
    let host_id = Identity::generate().unwrap();
    let (addr, host) = one_shot_host(host_id.clone()).await;
    let v = trusting(addr, &host_id);
    let c = client(addr, &Identity::generate().unwrap(), &v).await.unwrap();
    // The host keeps its session open and never reads from it again.
    let _held = host.await.unwrap().unwrap();
    let (r, w) = c.split();
    let limit = Duration::from_millis(500);
    let mut link = session::Link::spawn_with(r, w, limit);
    // 16 KiB messages until the socket buffers on both sides are full.
    let body = "x".repeat(MAX_BODY_LEN);
    let filling = {
        let tx = link.tx.clone();
        tokio::spawn(async move { while tx.send(msg(body.clone())).await.is_ok() {} })
    };
    let ended = tokio::time::timeout(Duration::from_secs(20), link.rx.recv()).await;
    assert!(
        matches!(ended, Ok(None)),
        "the link did not end: {:?}",
        ended.map(|p| p.is_some())
    );
    let why = link.reason().unwrap_or_default();
    assert!(why.contains("stopped taking our data"), "{why}");
    // Nothing waits on the dead link: the sender sees it closed.
    tokio::time::timeout(Duration::from_secs(5), filling)
        .await
        .unwrap()
        .unwrap();
}
