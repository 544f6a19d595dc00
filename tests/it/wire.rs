//! The session's wire rules over real loopback sockets: protocol versions met from
//! both sides, WebSocket text frames refused with 1003, pings as signs of life.

use crate::common::{client, one_shot_host, trusting};
use severus::crypto::Identity;
use severus::protocol::{ClientPacket, HostPacket};
use severus::session::{self, SessionError};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

/// A client of protocol 1 (no subprotocol, version 1 in its Noise payload) meets a
/// host of protocol 2: both sides say "version mismatch" with both numbers.
#[tokio::test]
async fn a_version_1_client_and_a_version_2_host_both_say_version_mismatch() {
    let host_id = Identity::generate().unwrap();
    let (addr, host) = one_shot_host(host_id.clone()).await;
    let v = trusting(addr, &host_id);
    let tcp = TcpStream::connect(addr).await.unwrap();
    let err = session::connect_as_version(tcp, &Identity::generate().unwrap(), &addr.to_string(), &v, 1)
        .await
        .err()
        .unwrap();
    assert!(matches!(err, SessionError::Version { ours: 1, theirs: 2 }), "{err}");
    assert!(err.to_string().contains("version mismatch"), "{err}");
    let host_err = host.await.unwrap().err().unwrap();
    assert!(
        matches!(host_err, SessionError::Version { ours: 2, theirs: 1 }),
        "{host_err}"
    );
    assert!(host_err.to_string().contains("version mismatch"), "{host_err}");
}

/// A client of protocol 2 meets a host of protocol 1 (which accepts no subprotocol).
#[tokio::test]
async fn a_version_2_client_and_a_version_1_host_both_say_version_mismatch() {
    let host_id = Identity::generate().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let id2 = host_id.clone();
    let host = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        session::accept_as_version(tcp, &id2, 1).await
    });
    let v = trusting(addr, &host_id);
    let err = client(addr, &Identity::generate().unwrap(), &v).await.err().unwrap();
    assert!(matches!(err, SessionError::Version { ours: 2, theirs: 1 }), "{err}");
    assert!(err.to_string().contains("update the older one"), "{err}");
    let host_err = host.await.unwrap().err();
    assert!(host_err.is_some(), "the old host never gets a session");
}

/// A WebSocket text message is not part of the protocol: the reader says so, and a
/// host closes with code 1003 and a reason.
#[tokio::test]
async fn a_text_frame_is_refused_and_the_host_closes_with_1003() {
    let (_host, addr, hid) = crate::common::start_host().await;
    let v = trusting(addr, &hid);
    let c = client(addr, &Identity::generate().unwrap(), &v).await.unwrap();
    let (mut cr, mut cw) = c.split();
    cw.send_text("hello?").await.unwrap();
    // The reason comes as an error packet (shown to the user), then in the close frame.
    let mut told = false;
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match cr.recv::<HostPacket>().await {
                Ok(Some(HostPacket::Error { message })) => told |= message.contains("text messages"),
                Ok(Some(_)) => {}
                other => return other,
            }
        }
    })
    .await
    .unwrap();
    match end {
        Err(SessionError::ClosedWith { code, reason }) => {
            assert_eq!(code, 1003);
            assert!(reason.contains("text messages"), "{reason}");
            assert!(told, "no error packet before the close");
        }
        other => panic!("expected a close with 1003, got {other:?}"),
    }
}

/// WebSocket pings are signs of life: a reader with a short idle timeout stays up while
/// only pings arrive, and fails once they stop.
#[tokio::test]
async fn websocket_pings_count_as_liveness() {
    let host_id = Identity::generate().unwrap();
    let (addr, host) = one_shot_host(host_id.clone()).await;
    let v = trusting(addr, &host_id);
    let c = client(addr, &Identity::generate().unwrap(), &v).await.unwrap();
    let h = host.await.unwrap().unwrap();
    let (mut hr, _hw) = h.split();
    hr.set_idle_timeout(Duration::from_millis(400));
    let (_cr, mut cw) = c.split();
    let pinger = tokio::spawn(async move {
        for _ in 0..8 {
            cw.send_ping().await.unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        cw
    });
    let started = std::time::Instant::now();
    let end = hr.recv::<ClientPacket>().await;
    assert!(matches!(end, Err(SessionError::Idle { .. })), "{end:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "pings kept it alive: {:?}",
        started.elapsed()
    );
    drop(pinger.await.unwrap());
}
