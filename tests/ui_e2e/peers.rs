//! The processes and links a window scenario runs against: a `severus` peer with its
//! output collected, and a loopback proxy that can cut every link.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A `severus` process the window talks to, with its stdout lines collected.
pub(crate) struct Peer {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Peer {
    pub(crate) fn spawn(args: &[&str]) -> Peer {
        let mut child = Command::new(env!("CARGO_BIN_EXE_severus"))
            .args(args)
            .env("SEVERUS_KEYSTORE", "file")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn severus");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let out = child.stdout.take().expect("stdout");
        let l2 = lines.clone();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                l2.lock().unwrap().push(l);
            }
        });
        Peer {
            stdin: child.stdin.take(),
            child,
            lines,
        }
    }

    pub(crate) fn wait_line(&self, pred: impl Fn(&str) -> bool) -> Option<String> {
        let until = Instant::now() + Duration::from_secs(30);
        while Instant::now() < until {
            if let Some(l) = self.lines.lock().unwrap().iter().find(|l| pred(l)) {
                return Some(l.clone());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    pub(crate) fn say(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin");
        writeln!(stdin, "{line}").expect("write to peer");
        stdin.flush().expect("flush");
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// A loopback TCP proxy (threads): `down` cuts every link and refuses new ones.
pub(crate) struct Cutter {
    pub(crate) addr: String,
    open: Arc<std::sync::atomic::AtomicBool>,
    links: Arc<Mutex<Vec<std::net::TcpStream>>>,
}

impl Cutter {
    pub(crate) fn start(upstream: String) -> Cutter {
        use std::sync::atomic::{AtomicBool, Ordering};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr").to_string();
        let open = Arc::new(AtomicBool::new(true));
        let links = Arc::new(Mutex::new(Vec::new()));
        let (o, l) = (open.clone(), links.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().map_while(Result::ok) {
                if !o.load(Ordering::SeqCst) {
                    continue;
                }
                let Ok(host) = std::net::TcpStream::connect(&upstream) else {
                    continue;
                };
                let pipe = |mut from: std::net::TcpStream, mut to: std::net::TcpStream| {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                };
                if let (Ok(c2), Ok(h2)) = (client.try_clone(), host.try_clone()) {
                    l.lock().unwrap().extend([c2, h2]);
                    if let (Ok(c3), Ok(h3)) = (client.try_clone(), host.try_clone()) {
                        pipe(c3, host);
                        pipe(h3, client);
                    }
                }
            }
        });
        Cutter { addr, open, links }
    }

    pub(crate) fn down(&self) {
        self.open.store(false, std::sync::atomic::Ordering::SeqCst);
        for s in self.links.lock().unwrap().drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }

    pub(crate) fn restore(&self) {
        self.open.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}
