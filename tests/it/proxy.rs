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
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (generation, _) = watch::channel(0u64);
        let open = Arc::new(AtomicBool::new(true));
        let mute = Arc::new(AtomicBool::new(false));
        let (g, o, m) = (generation.clone(), open.clone(), mute.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if !o.load(Ordering::SeqCst) {
                    continue; // dropped: connection refused in effect
                }
                let mut cut = g.subscribe();
                let mute = m.clone();
                tokio::spawn(async move {
                    let Ok(host) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let (mut cr, mut cw) = client.into_split();
                    let (mut hr, mut hw) = host.into_split();
                    let up = async { tokio::io::copy(&mut cr, &mut hw).await };
                    let down = async {
                        let mut buf = vec![0u8; 16 * 1024];
                        loop {
                            let n = hr.read(&mut buf).await.unwrap_or(0);
                            if n == 0 {
                                break;
                            }
                            if !mute.load(Ordering::SeqCst) && cw.write_all(&buf[..n]).await.is_err() {
                                break;
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
