//! Files through the host, as users move them: `severus join` processes send and save
//! a 100 MiB file through a `severus host` process; the baseline is a raw TLS 1.3 copy
//! of the same bytes on loopback, in the same run. Also the host's peak RSS while three
//! members pull one file at once.

use super::scale::cpu_secs;
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
    let cpu = |pid: Option<u32>| pid.and_then(cpu_secs).unwrap_or(f64::NAN);
    let cpu_all = |host: &Child, sender: &Member, others: &[Member]| {
        [
            cpu(host.id()),
            cpu(sender.child.id()),
            others.iter().map(|m| cpu(m.child.id())).sum::<f64>(),
        ]
    };
    let before = cpu_all(&host, &sender, &others);
    let t = Instant::now();
    sender.say(&format!("/file {}", file.display())).await?;
    for r in others.iter_mut() {
        if !wait_line(&mut r.lines, |l| l.starts_with("* saved ")).await {
            return None;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let rss = peak_rss_mib(host.id()?)?;
    let after = cpu_all(&host, &sender, &others);
    eprintln!(
        "files: {receivers} receiver(s) {secs:.2} s wall; CPU s during it: host {:.2} sender {:.2} receivers {:.2}",
        after[0] - before[0],
        after[1] - before[1],
        after[2] - before[2],
    );
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

/// CPU seconds of the cryptography one 100 MiB file costs end to end, on one core:
/// the sender hashes it and seals each chunk, then Noise and TLS on its link; the host
/// opens TLS and Noise and seals both again; the receiver opens TLS, Noise and the
/// chunk and hashes the file. (The TLS copy does one TLS seal and one open.) Two cores
/// can at best halve it: the floor under any design with these layers.
pub fn crypto_floor_secs() -> f64 {
    use ring::aead::{AES_256_GCM, Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
    use sha2::Digest;
    let data = vec![0x5au8; FILE_BYTES];
    let t = Instant::now();
    for _ in 0..2 {
        std::hint::black_box(sha2::Sha256::digest(&data));
    }
    let pass = |alg: &'static ring::aead::Algorithm, block: usize| {
        let key = LessSafeKey::new(UnboundKey::new(alg, &[7; 32]).expect("key"));
        let mut buf = Vec::with_capacity(block + 16);
        for (i, b) in data.chunks(block).enumerate() {
            let mut n = [0u8; 12];
            n[4..].copy_from_slice(&(i as u64).to_be_bytes());
            buf.clear();
            buf.extend_from_slice(b);
            let tag = key
                .seal_in_place_separate_tag(Nonce::assume_unique_for_key(n), Aad::empty(), &mut buf)
                .expect("seal");
            buf.extend_from_slice(tag.as_ref());
            key.open_in_place(Nonce::assume_unique_for_key(n), Aad::empty(), &mut buf)
                .expect("open");
        }
    };
    // Each pass seals and opens once: three ChaCha seal+open pairs (the chunk, Noise
    // on each of two hops), two AES-GCM pairs (TLS on each hop, 16 KiB records).
    for _ in 0..3 {
        pass(&CHACHA20_POLY1305, 48 * 1024);
    }
    for _ in 0..2 {
        pass(&AES_256_GCM, 16 * 1024);
    }
    t.elapsed().as_secs_f64()
}

/// Interleaved repetitions of (ours, TLS copy): the ratio is the median of the pairs.
pub const FILE_ROUNDS: usize = 3;

/// Median ours MiB/s, median TLS copy MiB/s, median of the per-round ratios, the
/// ratios' spread ((max - min) / median), host peak RSS MiB with three receivers.
pub struct FileRows {
    pub ours: f64,
    pub base: f64,
    pub ratio: f64,
    pub spread: f64,
    pub rss3: f64,
    /// The best MiB/s two cores could give with only the cryptography to do.
    pub floor: f64,
    /// The files floor (`files_floor`): median MiB/s, and the median of its ratios to
    /// the TLS copy measured next to it.
    pub layers: f64,
    pub layers_ratio: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

pub async fn file_rows() -> Option<FileRows> {
    let dir = tempfile::tempdir().ok()?;
    let file = dir.path().join("hundred.bin");
    let data: Vec<u8> = (0..FILE_BYTES)
        .map(|i| (i as u32).wrapping_mul(2654435761) as u8)
        .collect();
    std::fs::write(&file, &data).ok()?;
    drop(data);
    // A warm-up copy: the file's pages are read once before anything is timed.
    tls_copy(&file).await;
    let copy = dir.path().join("copy.bin");
    let (mut ours, mut base, mut ratios) = (vec![], vec![], vec![]);
    let (mut layers, mut layers_ratios) = (vec![], vec![]);
    for _ in 0..FILE_ROUNDS {
        let (o, _) = through_host(1, &file).await?;
        let b = tls_copy(&file).await;
        let l = super::files_floor::files_floor(&file, &copy).await?;
        eprintln!("files: ours {o:.1} MiB/s, TLS copy {b:.1} MiB/s, the layers' floor {l:.1} MiB/s");
        ours.push(o);
        base.push(b);
        ratios.push(o / b);
        layers.push(l);
        layers_ratios.push(l / b);
    }
    let (_, rss3) = through_host(3, &file).await?;
    let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = ratios.iter().copied().fold(0.0, f64::max);
    let ratio = median(ratios);
    let floor = FILE_BYTES as f64 / 1048576.0 / (crypto_floor_secs() / 2.0);
    Some(FileRows {
        floor,
        ours: median(ours),
        base: median(base),
        ratio,
        spread: (hi - lo) / ratio,
        rss3,
        layers: median(layers),
        layers_ratio: median(layers_ratios),
    })
}
