//! A loopback TCP proxy for tests: cut every link, refuse new ones for a while, or
//! swallow the host's answers.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A loopback TCP proxy that can cut every link, refuse new ones, and swallow the
/// host's answers (so a message arrives but its acknowledgement does not).
pub struct Proxy {
    pub addr: SocketAddr,
    generation: watch::Sender<u64>,
    pub open: Arc<AtomicBool>,
    pub mute: Arc<AtomicBool>,
    /// While set, the host's bytes are kept back (not lost) until it is cleared.
    pub hold: Arc<AtomicBool>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (generation, _) = watch::channel(0u64);
        let open = Arc::new(AtomicBool::new(true));
        let mute = Arc::new(AtomicBool::new(false));
        let hold = Arc::new(AtomicBool::new(false));
        let (g, o, m, h) = (generation.clone(), open.clone(), mute.clone(), hold.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if !o.load(Ordering::SeqCst) {
                    continue; // dropped: connection refused in effect
                }
                let mut cut = g.subscribe();
                let mute = m.clone();
                let hold = h.clone();
                tokio::spawn(async move {
                    let Ok(host) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let (mut cr, mut cw) = client.into_split();
                    let (mut hr, mut hw) = host.into_split();
                    let up = async { tokio::io::copy(&mut cr, &mut hw).await };
                    let down = async {
                        let mut buf = vec![0u8; 16 * 1024];
                        let mut held = Vec::new();
                        loop {
                            let read =
                                tokio::time::timeout(std::time::Duration::from_millis(20), hr.read(&mut buf)).await;
                            let n = match read {
                                Ok(r) => r.unwrap_or(0),
                                Err(_) => usize::MAX, // nothing new: maybe release what is held
                            };
                            if n == 0 {
                                break;
                            }
                            if n != usize::MAX && !mute.load(Ordering::SeqCst) {
                                held.extend_from_slice(&buf[..n]);
                            }
                            if !hold.load(Ordering::SeqCst) && !held.is_empty() {
                                if cw.write_all(&held).await.is_err() {
                                    break;
                                }
                                held.clear();
                            }
                        }
                    };
                    tokio::select! {
                        _ = up => {}
                        _ = down => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Proxy {
            addr,
            generation,
            open,
            mute,
            hold,
        }
    }

    pub fn cut(&self) {
        self.generation.send_modify(|g| *g += 1);
    }

    /// Cuts every link and refuses new ones until `restore`.
    pub fn down(&self) {
        self.open.store(false, Ordering::SeqCst);
        self.cut();
    }

    pub fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}
