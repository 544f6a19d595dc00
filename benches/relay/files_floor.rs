//! The files floor: one file from a sender through a relay to a receiver with our layers
//! and nothing above them; what any design with these layers pays to move a file here.
//!
//! The sender hashes the file (SHA-256, as for an offer), then reads it in 48 KiB steps,
//! seals each chunk with the library's `seal_chunk` and sends it as one frame over our
//! session layer (TCP, TLS 1.3, WebSocket, Noise XX); the relay opens each frame and
//! sends it on over the receiver's own session; the receiver opens the chunk, hashes it
//! and writes it to a file, then checks the hash. No packets, CBOR, requests, windows,
//! logs or budgets: TCP's backpressure is the only flow control. All in this process, as
//! the TLS copy is (tasks, not three processes), so it is a floor, not a rival design.

use super::TrustAll;
use severus::crypto::Identity;
use severus::crypto::chunks::{CHUNK_LEN, chunk_count, open_chunk, seal_chunk};
use severus::session::{self, SessionReader, SessionWriter};
use sha2::Digest;
use std::io::{Read, Write};
use std::path::Path;
use std::time::Instant;
use tokio::net::{TcpListener, TcpStream};

/// The relay: takes two members, the sender first, and passes each frame on.
async fn relay(listener: TcpListener, id: Identity) -> Option<()> {
    let mut halves = Vec::new();
    for _ in 0..2 {
        let (tcp, _) = listener.accept().await.ok()?;
        tcp.set_nodelay(true).ok();
        halves.push(session::accept(tcp, &id).await.ok()?.split());
    }
    let (_, mut to) = halves.pop()?;
    let (mut from, _keep) = halves.pop()?;
    while let Ok(Some(f)) = from.recv_frame().await {
        to.send_frame(&f).await.ok()?;
    }
    Some(())
}

async fn member(addr: std::net::SocketAddr) -> Option<(SessionReader, SessionWriter)> {
    static ME: std::sync::OnceLock<Identity> = std::sync::OnceLock::new();
    let me = ME.get_or_init(|| Identity::generate().expect("id"));
    let tcp = TcpStream::connect(addr).await.ok()?;
    tcp.set_nodelay(true).ok();
    Some(session::connect(tcp, me, "files-floor", &TrustAll).await.ok()?.split())
}

fn digest(path: &Path) -> Option<(Vec<u8>, u64)> {
    let mut f = std::fs::File::open(path).ok()?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf).ok()?;
        if n == 0 {
            return Some((h.finalize().to_vec(), size));
        }
        size += n as u64;
        h.update(&buf[..n]);
    }
}

/// MiB/s of `file` moved from the sender's first read to the receiver's checked copy.
pub async fn files_floor(file: &Path, out: &Path) -> Option<f64> {
    let listener = TcpListener::bind("127.0.0.1:0").await.ok()?;
    let addr = listener.local_addr().ok()?;
    let relay = tokio::spawn(relay(listener, Identity::generate().ok()?));
    let (_, mut tx) = member(addr).await?;
    let (mut rx, _keep) = member(addr).await?;
    let (key, transfer) = (severus::crypto::chunks::new_file_key(), [9u8; 16]);
    let t = Instant::now();
    let (sha, size) = digest(file)?;
    let chunks = chunk_count(size) as u32;
    let path = file.to_path_buf();
    let sender = tokio::spawn(async move {
        let mut f = std::fs::File::open(&path).ok()?;
        let mut buf = vec![0u8; CHUNK_LEN];
        for index in 0..chunks {
            let n = read_full(&mut f, &mut buf)?;
            let sealed = seal_chunk(&key, &transfer, index, index + 1 == chunks, &buf[..n]).ok()?;
            tx.send_frame(&sealed).await.ok()?;
        }
        Some(tx)
    });
    let mut w = std::fs::File::create(out).ok()?;
    let mut h = sha2::Sha256::new();
    for index in 0..chunks {
        let sealed = rx.recv_frame().await.ok()??;
        let plain = open_chunk(&key, &transfer, index, index + 1 == chunks, &sealed).ok()?;
        h.update(&plain);
        w.write_all(&plain).ok()?;
    }
    let secs = t.elapsed().as_secs_f64();
    let ok = h.finalize().as_slice() == sha.as_slice();
    drop(sender.await.ok()??);
    relay.abort();
    let _ = std::fs::remove_file(out);
    ok.then(|| size as f64 / secs / 1048576.0)
}

/// Reads until `buf` is full or the file ends; the bytes read.
fn read_full(f: &mut std::fs::File, buf: &mut [u8]) -> Option<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]).ok()? {
            0 => break,
            k => n += k,
        }
    }
    Some(n)
}
