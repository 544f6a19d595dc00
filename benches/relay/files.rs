//! Files through the host, as users move them: `severus join` processes send and save
//! a 100 MiB file through a `severus host` process; the baseline is a raw TLS 1.3 copy
//! of the same bytes on loopback, in the same run. Also the host's peak RSS while three
//! members pull one file at once.

use severus::crypto::Identity;
use severus::transport::tls;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;

/// Bytes of the file moved.
pub const FILE_BYTES: usize = 100 * 1024 * 1024;

struct Member {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::UnboundedReceiver<String>,
}

impl Member {
    async fn join(exe: &str, dir: &Path, addr: &str, name: &str) -> Option<Member> {
        let mut child = Command::new(exe)
            .args([
                "--data-dir",
                &dir.join(name).to_string_lossy(),
                "join",
                addr,
                "--name",
                name,
                "--trust",
            ])
            .args(["--downloads", &dir.join(name).join("dl").to_string_lossy()])
            .env("SEVERUS_KEYSTORE", "file")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .ok()?;
        let (tx, mut lines) = mpsc::unbounded_channel();
        for r in [
            Box::new(child.stdout.take()?) as Box<dyn tokio::io::AsyncRead + Unpin + Send>,
            Box::new(child.stderr.take()?),
        ] {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut l = BufReader::new(r).lines();
                while let Ok(Some(line)) = l.next_line().await {
                    let _ = tx.send(line);
                }
            });
        }
        let stdin = child.stdin.take()?;
        let ok = wait_line(&mut lines, |l| l.starts_with("connected to ")).await;
        ok.then_some(Member { child, stdin, lines })
    }

    async fn say(&mut self, line: &str) -> Option<()> {
        self.stdin.write_all(format!("{line}\n").as_bytes()).await.ok()
    }
}

async fn wait_line(lines: &mut mpsc::UnboundedReceiver<String>, pred: impl Fn(&str) -> bool) -> bool {
    let until = tokio::time::Instant::now() + Duration::from_secs(300);
    while let Ok(Some(l)) = tokio::time::timeout_at(until, lines.recv()).await {
        if pred(&l) {
            return true;
        }
    }
    false
}

fn peak_rss_mib(pid: u32) -> Option<f64> {
    super::status_mib(pid, "VmHWM:")
}

/// MiB/s of one 100 MiB file from one member to `receivers` others (time from the
/// send to the last receiver's "saved"), and the host's peak RSS.
async fn through_host(receivers: usize, file: &Path) -> Option<(f64, f64)> {
    let exe = std::env::var("SEVERUS_BIN").ok()?;
    let (mut host, addr, dir) = super::host_process().await?;
    let dir = PathBuf::from(dir);
    let addr = addr.to_string();
    let mut sender = Member::join(&exe, &dir, &addr, "sender").await?;
    let mut others = Vec::new();
    for i in 0..receivers {
        others.push(Member::join(&exe, &dir, &addr, &format!("receiver{i}")).await?);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let t = Instant::now();
    sender.say(&format!("/file {}", file.display())).await?;
    for r in others.iter_mut() {
        if !wait_line(&mut r.lines, |l| l.starts_with("* saved ")).await {
            return None;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let rss = peak_rss_mib(host.id()?)?;
    for mut m in others.into_iter().chain([sender]) {
        let _ = m.child.kill().await;
    }
    let _ = host.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
    Some((FILE_BYTES as f64 / secs / 1048576.0, rss))
}

/// MiB/s of a raw TLS 1.3 copy of `FILE_BYTES` on loopback, read from the same file.
async fn tls_copy(file: &Path) -> f64 {
    let id = Identity::generate().expect("id");
    let cfg = tls::server_config(&id).expect("tls");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.expect("accept");
        let mut s = tokio_rustls::TlsAcceptor::from(cfg).accept(tcp).await.expect("tls");
        let mut buf = vec![0u8; 64 * 1024];
        let mut got = 0usize;
        while got < FILE_BYTES {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got += n,
            }
        }
        got
    });
    let t = Instant::now();
    let client = tokio_rustls::TlsConnector::from(tls::client_config().expect("tls"));
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let name = rustls::pki_types::ServerName::try_from(tls::SERVER_NAME).expect("name");
    let mut s = client.connect(name, tcp).await.expect("tls");
    let mut f = tokio::fs::File::open(file).await.expect("file");
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf).await.expect("read");
        if n == 0 {
            break;
        }
        s.write_all(&buf[..n]).await.expect("write");
    }
    s.flush().await.expect("flush");
    let got = server.await.expect("server");
    assert_eq!(got, FILE_BYTES);
    FILE_BYTES as f64 / t.elapsed().as_secs_f64() / 1048576.0
}

/// (ours MiB/s, TLS copy MiB/s, host peak RSS MiB with three receivers).
pub async fn file_rows() -> Option<(f64, f64, f64)> {
    let dir = tempfile::tempdir().ok()?;
    let file = dir.path().join("hundred.bin");
    let data: Vec<u8> = (0..FILE_BYTES)
        .map(|i| (i as u32).wrapping_mul(2654435761) as u8)
        .collect();
    std::fs::write(&file, &data).ok()?;
    drop(data);
    let (ours, _) = through_host(1, &file).await?;
    let base = tls_copy(&file).await;
    let (_, rss3) = through_host(3, &file).await?;
    Some((ours, base, rss3))
}
