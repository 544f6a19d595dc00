//! Files through a host that cannot read them, with real processes: a 5 MiB file to the
//! lobby and a text file by DM arrive byte-identical (and the text is nowhere in the
//! host's memory), a receiver whose link is cut resumes, a sender that quits is a clear
//! failure with nothing left behind, and a file over the host's cap never moves.

use crate::cli::Proc;
use crate::e2ee::in_memory;
use crate::proxy::Proxy;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::Ordering;

async fn bare_host(dir: &Path, extra: &[&str]) -> (Proc, SocketAddr) {
    let mut args = vec!["host", "--bind", "127.0.0.1", "--port", "0"];
    args.extend(extra);
    let mut h = Proc::spawn(dir, &args);
    let l = h.line_where(|l| l.starts_with("listening: ")).await;
    (h, l["listening: ".len()..].parse().unwrap())
}

fn member(dir: &Path, target: SocketAddr, name: &str) -> Proc {
    let dl = dir.join("dl");
    Proc::spawn(
        dir,
        &[
            "join",
            &target.to_string(),
            "--name",
            name,
            "--trust",
            "--downloads",
            &dl.to_string_lossy(),
        ],
    )
}

async fn connected(p: &mut Proc) {
    p.err_line(|l| l.starts_with("connected to ")).await;
}

/// What an empty downloads folder lists.
const NOTHING: Vec<String> = Vec::new();

/// A host, and ana and bob on it.
async fn ana_and_bob(dir: &Path) -> (Proc, Proc, Proc) {
    let (host, addr) = bare_host(&dir.join("host"), &[]).await;
    let mut ana = member(&dir.join("ana"), addr, "ana");
    connected(&mut ana).await;
    let mut bob = member(&dir.join("bob"), addr, "bob");
    connected(&mut bob).await;
    ana.line("* bob joined").await;
    (host, ana, bob)
}

/// A host, ana on it, and bob through a proxy that can hold or cut his link.
async fn ana_and_bob_through_a_proxy(dir: &Path) -> (Proc, Proxy, Proc, Proc) {
    let (host, addr) = bare_host(&dir.join("host"), &[]).await;
    let proxy = Proxy::start(addr).await;
    let mut ana = member(&dir.join("ana"), addr, "ana");
    connected(&mut ana).await;
    let mut bob = member(&dir.join("bob"), proxy.addr, "bob");
    connected(&mut bob).await;
    ana.line("* bob joined").await;
    (host, proxy, ana, bob)
}

/// Random bytes (not compressible, not found by accident in memory).
fn random_file(path: &Path, len: usize) -> Vec<u8> {
    let data: Vec<u8> = (0..len).map(|_| rand::random::<u8>()).collect();
    std::fs::write(path, &data).unwrap();
    data
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[tokio::test]
async fn a_lobby_file_and_a_dm_file_arrive_byte_identical_and_the_host_never_sees_them() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (mut host, mut ana, mut bob) = ana_and_bob(tmp.path()).await;

    let big = d("big.bin");
    let data = random_file(&big, 5 * 1024 * 1024);
    ana.say(&format!("/file {}", big.display())).await;
    bob.line("* ana sent big.bin (5.0 MiB)").await;
    let saved = d("bob").join("dl").join("big.bin");
    bob.line(&format!("* saved big.bin to {}", saved.display())).await;
    assert!(std::fs::read(&saved).unwrap() == data, "the lobby file differs");
    ana.line("* ana sent big.bin (5.0 MiB)").await;

    let secret = format!("the treasure is under the old oak {}", uuid::Uuid::new_v4().simple());
    let notes = d("notes.txt");
    std::fs::write(&notes, secret.as_bytes()).unwrap();
    ana.say(&format!("/dmfile bob {}", notes.display())).await;
    let saved = d("bob").join("dl").join("notes.txt");
    bob.line(&format!("* saved notes.txt to {}", saved.display())).await;
    assert_eq!(std::fs::read_to_string(&saved).unwrap(), secret);
    // The same name again: saved next to it, never over it.
    ana.say(&format!("/dmfile bob {}", notes.display())).await;
    let again = d("bob").join("dl").join("notes (1).txt");
    bob.line(&format!("* saved notes (1).txt to {}", again.display())).await;
    assert_eq!(
        files_in(&d("bob").join("dl")),
        ["big.bin", "notes (1).txt", "notes.txt"]
    );

    let pid = host.pid().unwrap();
    assert!(in_memory(pid, b"bob"), "the memory search finds what is there");
    assert!(
        !in_memory(pid, secret.as_bytes()),
        "the host holds the text file's content"
    );
    assert!(
        !in_memory(pid, &data[1000..1064]),
        "the host holds the lobby file's content"
    );
    host.kill().await;
}

#[tokio::test]
async fn a_cut_receiver_resumes_and_a_sender_that_quits_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (_host, proxy, mut ana, mut bob) = ana_and_bob_through_a_proxy(tmp.path()).await;

    // bob's link holds back what the host sends while the transfer runs, then is cut
    // for two seconds: he comes back and finishes the file from where he was.
    let one = d("one.bin");
    let data = random_file(&one, 30 * 1024 * 1024);
    ana.say(&format!("/file {}", one.display())).await;
    bob.line("* ana sent one.bin (30.0 MiB)").await;
    proxy.hold.store(true, Ordering::SeqCst);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    proxy.down();
    proxy.hold.store(false, Ordering::SeqCst);
    bob.line("* reconnecting").await;
    assert!(
        files_in(&d("bob").join("dl")).iter().all(|f| f != "one.bin"),
        "saved before it was whole"
    );
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    proxy.restore();
    bob.line("* reconnected").await;
    let saved = d("bob").join("dl").join("one.bin");
    bob.line(&format!("* saved one.bin to {}", saved.display())).await;
    assert!(std::fs::read(&saved).unwrap() == data, "the resumed file differs");

    // A second file; bob's link stalls, and ana quits before he has it.
    let two = d("two.bin");
    random_file(&two, 30 * 1024 * 1024);
    ana.say(&format!("/file {}", two.display())).await;
    bob.line("* ana sent two.bin (30.0 MiB)").await;
    proxy.hold.store(true, Ordering::SeqCst);
    ana.say("/quit").await;
    assert_eq!(ana.exit_code().await, 0);
    proxy.hold.store(false, Ordering::SeqCst);
    bob.line("! could not get two.bin: no longer available: the sender left")
        .await;
    assert_eq!(files_in(&d("bob").join("dl")), ["one.bin"], "a partial file was left");
}

/// The sender's file is cut short while bob downloads it: both are told, and bob keeps
/// nothing. Before, the sender skipped the chunks it could not read and bob asked for
/// them again every two seconds, for good.
#[tokio::test]
async fn a_file_cut_short_after_it_was_offered_ends_the_transfer_for_both() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (_host, proxy, mut ana, mut bob) = ana_and_bob_through_a_proxy(tmp.path()).await;
    let one = d("one.bin");
    random_file(&one, 30 * 1024 * 1024);
    ana.say(&format!("/file {}", one.display())).await;
    bob.line("* ana sent one.bin (30.0 MiB)").await;
    proxy.hold.store(true, Ordering::SeqCst);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&one)
        .unwrap()
        .set_len(0)
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    proxy.hold.store(false, Ordering::SeqCst);
    ana.line(
        "! could not send one.bin: stopped: the file cannot be read any more (it is shorter than when it was sent)",
    )
    .await;
    bob.line("! could not get one.bin: no longer available: the sender cancelled it")
        .await;
    assert_eq!(files_in(&d("bob").join("dl")), NOTHING, "a partial file was left");
}

/// Six files chosen at once (the window's picker allows it): all six arrive. The host
/// allows four transfers per member; before, the fifth and sixth were refused ("at most
/// 4 files at once") because the requests to open them went before any answer came.
#[tokio::test]
async fn six_files_sent_at_once_all_arrive() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (_host, mut ana, mut bob) = ana_and_bob(tmp.path()).await;
    let names: Vec<String> = (1..=6).map(|n| format!("photo{n}.bin")).collect();
    let mut sent = vec![];
    for n in &names {
        sent.push(random_file(&d(n), 64 * 1024));
    }
    for n in &names {
        ana.say(&format!("/file {}", d(n).display())).await;
    }
    for (n, data) in names.iter().zip(&sent) {
        let saved = d("bob").join("dl").join(n);
        bob.line(&format!("* saved {n} to {}", saved.display())).await;
        assert!(std::fs::read(&saved).unwrap() == *data, "{n} differs");
    }
    assert!(!ana.seen_out.iter().any(|l| l.starts_with("! ")), "{:#?}", ana.seen_out);
}

/// A file sent while the link is down goes once it is back; a receiver that quits
/// mid-download leaves no partial file. Before, the request to open the transfer was
/// lost with the link and the file never went (and nothing said so), and a quit left
/// `.NAME.part` behind.
#[tokio::test]
async fn a_file_sent_offline_goes_when_back_and_a_quit_leaves_no_part_file() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (_host, proxy, mut ana, mut bob) = ana_and_bob_through_a_proxy(tmp.path()).await;
    proxy.down();
    bob.line("* reconnecting").await;
    let note = d("note.txt");
    std::fs::write(&note, "sent from the train").unwrap();
    bob.say(&format!("/file {}", note.display())).await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    proxy.restore();
    bob.line("* reconnected").await;
    let saved = d("ana").join("dl").join("note.txt");
    ana.line(&format!("* saved note.txt to {}", saved.display())).await;
    assert_eq!(std::fs::read_to_string(&saved).unwrap(), "sent from the train");

    let big = d("big.bin");
    random_file(&big, 30 * 1024 * 1024);
    ana.say(&format!("/file {}", big.display())).await;
    bob.line("* ana sent big.bin (30.0 MiB)").await;
    proxy.hold.store(true, Ordering::SeqCst);
    bob.say("/quit").await;
    assert_eq!(bob.exit_code().await, 0);
    assert_eq!(files_in(&d("bob").join("dl")), NOTHING, "a partial file was left");
}

#[tokio::test]
async fn a_file_over_the_hosts_cap_is_refused_before_anything_moves() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (_host, mut ana, mut bob) = ana_and_bob(tmp.path()).await;
    let big = d("big.bin");
    // 101 MiB of zeros (sparse: cheap to make), over the default 100 MiB.
    std::fs::File::create(&big).unwrap().set_len(101 * 1024 * 1024).unwrap();
    ana.say(&format!("/file {}", big.display())).await;
    ana.line("! could not send big.bin: refused: the file is 101 MiB, over the host's 100 MiB limit")
        .await;
    // bob never hears of it.
    ana.say("after").await;
    bob.line("[lobby] ana: after").await;
    assert!(
        !bob.seen_out.iter().any(|l| l.contains("big.bin")),
        "{:#?}",
        bob.seen_out
    );
}

/// What cannot be sent is refused before it is read through: a folder, and a device
/// that never ends (before, `/file /dev/zero` was hashed for ever and nothing else ran,
/// `/quit` included).
#[tokio::test]
async fn a_folder_and_an_endless_file_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (_host, addr) = bare_host(&d("host"), &["--max-file-mib", "1"]).await;
    let mut ana = member(&d("ana"), addr, "ana");
    connected(&mut ana).await;
    ana.say("/file /dev/zero").await;
    ana.line("! could not send zero: refused: it is over the host's 1.0 MiB limit")
        .await;
    ana.say(&format!("/file {}", tmp.path().display())).await;
    ana.line_where(|l| l.starts_with("! could not send") && l.ends_with("is a folder"))
        .await;
    ana.say("/quit").await;
    assert_eq!(ana.exit_code().await, 0);
}

/// A file piped in (`printf '/file x\n' | severus join ...`): the program waits until
/// the file has been fetched, then ends by itself. Before, it ended as soon as input
/// did, before the file was even offered.
#[tokio::test]
async fn a_file_piped_in_is_delivered_before_the_program_ends() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (_host, mut ana, mut bob) = ana_and_bob(tmp.path()).await;
    let big = d("piped.bin");
    let data = random_file(&big, 8 * 1024 * 1024);
    ana.say(&format!("/file {}", big.display())).await;
    ana.close_stdin();
    let saved = d("bob").join("dl").join("piped.bin");
    bob.line(&format!("* saved piped.bin to {}", saved.display())).await;
    assert!(std::fs::read(&saved).unwrap() == data, "the file differs");
    assert_eq!(ana.exit_code().await, 0);
    assert!(!ana.seen_out.iter().any(|l| l.starts_with("! ")), "{:#?}", ana.seen_out);
}
