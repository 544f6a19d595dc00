//! The real app window under Xvfb, driven through its DOM like a person would (one
//! window per process: `main` runs each scenario as a child process of itself).
//!
//! - `join`: the window joins a `severus host --name hostie` process, trusts it on first
//!   contact, sends a message that the host prints, and shows one the host sends.
//! - `host`: the window hosts over iroh (relays disabled, loopback); the ticket, QR code
//!   and fingerprint show, and a `severus join` process appears in the member list.
//! - `phone`: at 390 px wide the member list is a closed drawer and the composer shows.
//! - `catchup`: the window joins through a TCP proxy; the link is cut while the host
//!   sends more than its log holds; back, the window shows the gap and "new messages".
//! - `files`: a CLI member sends a picture, which the window fetches by itself and
//!   shows as a thumbnail; a big file shows a progress bar; the window sends a file
//!   (`/file PATH` in the composer) that the CLI member saves byte-identical.
//! - `receipts`: the CLI member reads the window's message (the window shows it read)
//!   and types (the window shows "hostie is typing…"); both themes are screenshot.
//! - `styled`: this test binary, copied to an empty temporary folder and started from
//!   there, shows a styled window (the stylesheet is compiled in): the accent colour
//!   of the light theme on the Connect button.
//! - `verify`: the window joins by the host's invite (no trust dialog), opens the DM
//!   with the host, its Verify dialog shows the safety number the host prints, and
//!   "Mark verified" marks it.
//!
//! With `SEVERUS_SCREENSHOTS=DIR`, each scenario saves PNGs of what it reached.

use dioxus::prelude::*;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long one scenario may take before the watchdog fails it.
const WATCHDOG: Duration = Duration::from_secs(120);

/// A `severus` process the window talks to, with its stdout lines collected.
struct Peer {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Peer {
    fn spawn(args: &[&str]) -> Peer {
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

    fn wait_line(&self, pred: impl Fn(&str) -> bool) -> Option<String> {
        let until = Instant::now() + Duration::from_secs(30);
        while Instant::now() < until {
            if let Some(l) = self.lines.lock().unwrap().iter().find(|l| pred(l)) {
                return Some(l.clone());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    fn say(&mut self, line: &str) {
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
struct Cutter {
    addr: String,
    open: Arc<std::sync::atomic::AtomicBool>,
    links: Arc<Mutex<Vec<std::net::TcpStream>>>,
}

impl Cutter {
    fn start(upstream: String) -> Cutter {
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

    fn down(&self) {
        self.open.store(false, std::sync::atomic::Ordering::SeqCst);
        for s in self.links.lock().unwrap().drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.open.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// What the driver needs: the scenario and the peer process.
struct Scenario {
    name: String,
    peer: Mutex<Option<Peer>>,
    target: String,
    fingerprint: String,
    data: tempfile::TempDir,
    /// The proxy between the window and the host (catchup).
    cutter: Option<Cutter>,
}

static SCENARIO: OnceLock<Scenario> = OnceLock::new();

fn scenario() -> &'static Scenario {
    SCENARIO.get().expect("scenario set before launch")
}

fn fail(why: &str) -> ! {
    println!("ui e2e [{}]: FAILED: {why}", scenario().name);
    std::process::exit(1);
}

async fn js(script: &str) -> serde_json::Value {
    match document::eval(script).await {
        Ok(v) => v,
        Err(e) => fail(&format!("eval failed: {e:?} in {script}")),
    }
}

/// Runs an action (a click, a key, a value). Dioxus may report "Finished" for an eval
/// whose channel closed as the action re-rendered the window; the script has run by
/// then, and the scenario's next wait checks what it did, so that is not a failure.
async fn act(script: &str) {
    match document::eval(script).await {
        Ok(_) => {}
        Err(e) if format!("{e:?}").contains("Finished") => {}
        Err(e) => fail(&format!("eval failed: {e:?} in {script}")),
    }
}

/// Polls a JS expression until it is true.
async fn until(what: &str, expr: &str) {
    let until = Instant::now() + Duration::from_secs(40);
    while Instant::now() < until {
        // A poll whose eval fails (dioxus reports "Finished" when an eval's channel
        // closes under it) is retried like a false one: the deadline still holds.
        if let Ok(serde_json::Value::Bool(true)) = document::eval(&format!("return !!({expr});")).await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let body = js("return document.body.innerText;").await;
    fail(&format!("timed out waiting for {what}; the window shows: {body}"));
}

async fn set_value(id: &str, value: &str) {
    let v = serde_json::to_string(value).unwrap();
    act(&format!(
        "const e = document.getElementById('{id}'); e.focus(); e.value = {v}; e.dispatchEvent(new Event('input', {{bubbles: true}})); return true;"
    ))
    .await;
}

async fn click(id: &str) {
    until(
        &format!("#{id} enabled"),
        &format!("document.getElementById('{id}') && !document.getElementById('{id}').disabled"),
    )
    .await;
    act(&format!("document.getElementById('{id}').click(); return true;")).await;
}

async fn press_enter(id: &str) {
    act(&format!(
        "document.getElementById('{id}').dispatchEvent(new KeyboardEvent('keydown', {{key: 'Enter', code: 'Enter', bubbles: true}})); return true;"
    ))
    .await;
}

fn screenshot(name: &str) {
    if let Ok(dir) = std::env::var("SEVERUS_SCREENSHOTS") {
        let (w, h) = window_size();
        let path = format!("{dir}/{}-{name}.png", scenario().name);
        let _ = Command::new("import")
            .args(["-window", "root", "-crop", &format!("{w}x{h}+0+0"), &path])
            .status();
    }
}

fn window_size() -> (u32, u32) {
    std::env::var("SEVERUS_WINDOW_SIZE")
        .ok()
        .and_then(|s| {
            s.split_once('x')
                .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
        })
        .unwrap_or((1024, 720))
}

fn contains_text(text: &str) -> String {
    format!(
        "document.body.innerText.includes({})",
        serde_json::to_string(text).unwrap()
    )
}

async fn join_and_chat(s: &Scenario) {
    until("the start screen", "document.getElementById('nick')").await;
    screenshot("start");
    set_value("nick", "window").await;
    set_value("target", &s.target).await;
    click("connect").await;
    until("the first-contact dialog", "document.getElementById('trust-dialog')").await;
    let shown = js("return document.getElementById('trust-fingerprint').innerText;").await;
    let shown: String = shown
        .as_str()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if shown != s.fingerprint {
        fail(&format!("dialog shows {shown}, host printed {}", s.fingerprint));
    }
    screenshot("tofu");
    click("trust-accept").await;
    until(
        "the chat",
        "document.getElementById('composer') && !document.getElementById('composer').disabled",
    )
    .await;
    set_value("composer", "hello from the window").await;
    press_enter("composer").await;
    host_says(s);
    until("the host's message", &contains_text("hi window, from the host")).await;
    until("delivery mark", "document.querySelector('.line.own:not(.pending)')").await;
}

/// Checks the host printed the window's message, then answers it (no await inside).
fn host_says(s: &Scenario) {
    let mut guard = s.peer.lock().unwrap();
    let peer = guard.as_mut().expect("peer");
    if peer
        .wait_line(|l| l == "[lobby] window: hello from the window")
        .is_none()
    {
        fail("the host never printed the window's message");
    }
    peer.say("hi window, from the host");
}

async fn drive() {
    let s = scenario();
    match s.name.as_str() {
        "join" => {
            join_and_chat(s).await;
            screenshot("chat");
        }
        "catchup" => {
            join_and_chat(s).await;
            let cutter = s.cutter.as_ref().expect("proxy");
            cutter.down();
            until("reconnecting", &contains_text("Reconnecting")).await;
            {
                let mut guard = s.peer.lock().unwrap();
                let peer = guard.as_mut().expect("peer");
                for i in 1..=5 {
                    peer.say(&format!("while you were away {i}"));
                    if peer
                        .wait_line(|l| l == format!("[lobby] hostie: while you were away {i}"))
                        .is_none()
                    {
                        fail("the host did not send its message");
                    }
                }
            }
            cutter.restore();
            until(
                "the gap divider",
                "document.querySelector('.divider') && document.body.innerText.includes('MISSED')",
            )
            .await;
            until("the last message", &contains_text("while you were away 5")).await;
            let dividers = js(
                "return Array.from(document.querySelectorAll('.divider')).map(d => d.innerText.trim().toLowerCase());",
            )
            .await;
            let dividers: Vec<String> = serde_json::from_value(dividers).unwrap_or_default();
            // 4 entries were seen before the cut; the log keeps 3 of the 5 sent since.
            if dividers != ["2 messages missed: the host no longer had them", "new messages"] {
                fail(&format!("dividers: {dividers:?}"));
            }
            if js(&format!("return {};", contains_text("while you were away 2"))).await == serde_json::Value::Bool(true)
            {
                fail("a message the log no longer held was shown");
            }
            screenshot("divider");
        }
        "phone" => {
            join_and_chat(s).await;
            let w = js("return window.innerWidth;").await;
            if w.as_u64() != Some(390) {
                fail(&format!("window is {w} px wide, not 390"));
            }
            // The member list is a closed drawer; the composer is on screen.
            let drawer = js("const s = getComputedStyle(document.getElementById('sidebar')); const r = document.getElementById('sidebar').getBoundingClientRect(); return {visibility: s.visibility, position: s.position, right: r.right};").await;
            if drawer["visibility"] != "hidden"
                || drawer["position"] != "fixed"
                || drawer["right"].as_f64().unwrap_or(1.0) > 0.5
            {
                fail(&format!("the member list is not a closed drawer: {drawer}"));
            }
            let composer = js("const e = document.getElementById('composer'); const r = e.getBoundingClientRect(); const s = getComputedStyle(e); return {display: s.display, visibility: s.visibility, top: r.top, bottom: r.bottom, h: window.innerHeight};").await;
            let (top, bottom, h) = (
                composer["top"].as_f64(),
                composer["bottom"].as_f64(),
                composer["h"].as_f64(),
            );
            let visible = composer["display"] != "none" && composer["visibility"] == "visible";
            if !visible || !matches!((top, bottom, h), (Some(t), Some(b), Some(h)) if t >= 0.0 && b <= h + 0.5 && b > t)
            {
                fail(&format!("the composer is not visible: {composer}"));
            }
            screenshot("chat");
            click("menu").await;
            until(
                "the drawer to open",
                "getComputedStyle(document.getElementById('sidebar')).visibility === 'visible'",
            )
            .await;
            tokio::time::sleep(Duration::from_millis(400)).await;
            screenshot("drawer");
        }
        "host" => {
            until("the start screen", "document.getElementById('nick')").await;
            click("tab-host").await;
            click("mode-quic").await;
            set_value("nick", "hostie").await;
            click("start-host").await;
            until(
                "the host panel",
                "document.getElementById('host-ticket') && document.querySelector('#qr svg')",
            )
            .await;
            let ticket = js("return document.getElementById('host-ticket').innerText;").await;
            let ticket = ticket.as_str().unwrap_or_default().trim().to_string();
            let fp = js("return document.getElementById('host-fingerprint').innerText;").await;
            let fp: String = fp
                .as_str()
                .unwrap_or_default()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            if fp != s.fingerprint {
                fail(&format!(
                    "host panel shows {fp}, `severus fingerprint` says {}",
                    s.fingerprint
                ));
            }
            let dir = s.data.path().join("guest");
            let dir = dir.to_string_lossy().to_string();
            let mut guest = Peer::spawn(&[
                "--data-dir",
                &dir,
                "join",
                &ticket,
                "--name",
                "guest",
                "--trust",
                "--relay",
                "disabled",
                "--bind",
                "127.0.0.1",
            ]);
            until(
                "the guest in the member list",
                "document.getElementById('members').innerText.includes('guest')",
            )
            .await;
            guest.say("hello host window");
            until("the guest's message", &contains_text("hello host window")).await;
            until(
                "two members",
                "document.getElementById('members-count').innerText.startsWith('2')",
            )
            .await;
            screenshot("panel");
            *s.peer.lock().unwrap() = Some(guest);
        }
        "verify" => {
            until("the start screen", "document.getElementById('nick')").await;
            set_value("nick", "window").await;
            set_value("target", &s.target).await;
            click("connect").await;
            until(
                "the chat, with no trust dialog",
                "document.getElementById('trust-dialog') || (document.getElementById('composer') && !document.getElementById('composer').disabled)",
            )
            .await;
            if js("return !!document.getElementById('trust-dialog');").await == serde_json::Value::Bool(true) {
                fail("joining by invite asked to trust the host");
            }
            until(
                "the host in the member list",
                "document.getElementById('members').innerText.includes('hostie')",
            )
            .await;
            act("Array.from(document.querySelectorAll('#members button')).find(b => b.innerText.includes('hostie')).click(); return true;").await;
            click("verify-open").await;
            until(
                "the Verify dialog",
                "document.getElementById('verify-dialog') && document.querySelector('#safety-qr svg')",
            )
            .await;
            let shown = js("return document.getElementById('safety-number').innerText;").await;
            let shown: String = shown
                .as_str()
                .unwrap_or_default()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let printed = {
                let mut guard = s.peer.lock().unwrap();
                let peer = guard.as_mut().expect("peer");
                peer.say("/verify window");
                peer.wait_line(|l| l.starts_with("* safety number with window: "))
                    .unwrap_or_default()
            };
            let printed = printed.trim_start_matches("* safety number with window: ").to_string();
            if shown != printed {
                fail(&format!("the window shows {shown}, the host prints {printed}"));
            }
            screenshot("dialog");
            click("verify-mark").await;
            until("the verified mark", "document.getElementById('verify-state')").await;
            click("verify-close").await;
            until("the badge", "document.querySelector('#members .verified-badge')").await;
        }
        "files" => {
            join_and_chat(s).await;
            let pic = s.data.path().join("sunset.png");
            let img = image::RgbImage::from_fn(640, 400, |x, y| image::Rgb([(x / 3) as u8, (y / 2) as u8, 160]));
            img.save(&pic).expect("write the picture");
            let big = s.data.path().join("archive.bin");
            let data: Vec<u8> = (0..60u32 << 20).map(|i| i.wrapping_mul(2654435761) as u8).collect();
            std::fs::write(&big, &data).expect("write the big file");
            {
                let mut guard = s.peer.lock().unwrap();
                let peer = guard.as_mut().expect("peer");
                peer.say(&format!("/file {}", pic.display()));
            }
            until("the thumbnail", "document.querySelector('.file-card img.thumb')").await;
            tokio::time::sleep(Duration::from_millis(400)).await;
            screenshot("picture");
            {
                let mut guard = s.peer.lock().unwrap();
                let peer = guard.as_mut().expect("peer");
                peer.say(&format!("/file {}", big.display()));
            }
            until(
                "the big file's card",
                "Array.from(document.querySelectorAll('.file-card')).some(c => c.innerText.includes('archive.bin'))",
            )
            .await;
            act("Array.from(document.querySelectorAll('.file-card button')).find(b => b.innerText === 'Download').click(); return true;").await;
            until("a progress bar under way or the saved file", "(document.querySelector('.file-progress') && document.querySelector('.file-progress').value > 0) || Array.from(document.querySelectorAll('.file-card')).some(c => c.innerText.includes('Saved') && c.innerText.includes('archive.bin'))").await;
            screenshot("progress");
            until("the big file saved", "Array.from(document.querySelectorAll('.file-card')).filter(c => c.innerText.includes('Saved')).length >= 2").await;
            // From the window: a file the CLI member saves byte-identical.
            let doc = s.data.path().join("notes from the window.txt");
            std::fs::write(&doc, b"sent from the window, byte for byte\n").expect("write");
            set_value("composer", &format!("/file {}", doc.display())).await;
            press_enter("composer").await;
            let saved = {
                let guard = s.peer.lock().unwrap();
                let peer = guard.as_ref().expect("peer");
                peer.wait_line(|l| l.starts_with("* saved notes from the window.txt to "))
            };
            let Some(saved) = saved else {
                fail("the CLI member never saved the window's file")
            };
            let path = saved.trim_start_matches("* saved notes from the window.txt to ");
            if std::fs::read(path).ok().as_deref() != Some(&b"sent from the window, byte for byte\n"[..]) {
                fail(&format!("{path} differs from what the window sent"));
            }
        }
        "receipts" => {
            join_and_chat(s).await;
            until(
                "the read mark on the window's message",
                "document.querySelector('.line.own.read')",
            )
            .await;
            {
                let mut guard = s.peer.lock().unwrap();
                let peer = guard.as_mut().expect("peer");
                peer.say("/typing");
            }
            until("the typing note", "document.getElementById('typing') && document.getElementById('typing').innerText.includes('hostie is typing')").await;
            screenshot("typing");
            click("settings-open").await;
            click("theme-dark").await;
            click("settings-close").await;
            until(
                "the dark theme",
                "getComputedStyle(document.getElementById('app')).backgroundColor === 'rgb(17, 19, 23)'",
            )
            .await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            screenshot("dark");
            click("settings-open").await;
            click("theme-light").await;
            click("settings-close").await;
            until(
                "the light theme",
                "getComputedStyle(document.getElementById('app')).backgroundColor === 'rgb(245, 246, 248)'",
            )
            .await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            screenshot("light");
        }
        "styled" => {
            until("the start screen", "document.getElementById('connect')").await;
            let style = js("const s = getComputedStyle(document.getElementById('connect')); return {bg: s.backgroundColor, radius: s.borderRadius, font: getComputedStyle(document.body).fontSize};").await;
            if style["bg"] != "rgb(109, 40, 217)" || style["radius"] != "8px" || style["font"] != "15px" {
                fail(&format!("the window is not styled: {style}"));
            }
            screenshot("start");
        }
        other => fail(&format!("unknown scenario {other}")),
    }
    println!("ui e2e [{}]: ok", s.name);
    std::process::exit(0);
}

#[component]
fn Driver() -> Element {
    use_future(|| async { drive().await });
    rsx! {}
}

fn root() -> Element {
    rsx! {
        severus::ui::App {}
        Driver {}
    }
}

fn run_scenario(name: &str) {
    severus::cli::init_logging();
    let data = tempfile::tempdir().expect("tempdir");
    let (peer, target, fingerprint) = match name {
        "styled" => (None, String::new(), String::new()),
        "host" => {
            let dir = data.path().join("window");
            let out = Command::new(env!("CARGO_BIN_EXE_severus"))
                .args(["--data-dir", &dir.to_string_lossy(), "fingerprint"])
                .env("SEVERUS_KEYSTORE", "file")
                .output()
                .expect("fingerprint");
            let fp = String::from_utf8_lossy(&out.stdout)
                .trim()
                .trim_start_matches("fingerprint: ")
                .to_string();
            (None, String::new(), fp)
        }
        _ => {
            let dir = data.path().join("host").to_string_lossy().to_string();
            let mut args = vec![
                "--data-dir",
                &dir,
                "host",
                "--bind",
                "127.0.0.1",
                "--port",
                "0",
                "--name",
                "hostie",
            ];
            if name == "catchup" {
                args.extend(["--log-entries", "3"]);
            }
            let dl = data.path().join("host-downloads").to_string_lossy().to_string();
            if name == "files" {
                args.extend(["--downloads", &dl]);
            }
            let peer = Peer::spawn(&args);
            let addr = peer
                .wait_line(|l| l.starts_with("listening: "))
                .expect("host listening");
            let fp = peer
                .wait_line(|l| l.starts_with("fingerprint: "))
                .expect("host fingerprint");
            let invite = peer.wait_line(|l| l.starts_with("invite: ")).expect("host invite");
            let target = if name == "verify" {
                invite[8..].to_string()
            } else {
                addr[11..].to_string()
            };
            (Some(peer), target, fp[13..].to_string())
        }
    };
    let window_dir = data.path().join("window");
    let cutter = (name == "catchup").then(|| Cutter::start(target.clone()));
    let target = cutter.as_ref().map_or(target, |c| c.addr.clone());
    let _ = SCENARIO.set(Scenario {
        name: name.to_string(),
        peer: Mutex::new(peer),
        target,
        fingerprint,
        data,
        cutter,
    });
    std::thread::spawn(|| {
        std::thread::sleep(WATCHDOG);
        fail("watchdog: the scenario took too long");
    });
    severus::ui::launch_with(window_dir, root);
    fail("the window closed before the scenario finished");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(pos) = args.iter().position(|a| a == "--scenario") {
        run_scenario(args.get(pos + 1).map(String::as_str).unwrap_or(""));
    }
    // No display: start a private Xvfb (plain `cargo test` on a headless machine).
    let (mut xvfb, mut display) = (None, None);
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        match start_xvfb() {
            Some((child, d)) => {
                display = Some(d);
                xvfb = Some(child);
            }
            None => {
                eprintln!(
                    "ui_e2e needs a display and found none, nor Xvfb to start one: install it \
                     (Debian: apt-get install xvfb, or run scripts/setup.sh), or run under a desktop"
                );
                std::process::exit(1);
            }
        }
    }
    let exe = std::env::current_exe().expect("current exe");
    let mut failed = 0;
    let scenarios = [
        ("join", "1024x720"),
        ("host", "1024x720"),
        ("phone", "390x760"),
        ("catchup", "1024x720"),
        ("verify", "1024x720"),
        ("styled", "1024x720"),
        ("files", "1024x720"),
        ("receipts", "1024x720"),
    ];
    // `UI_E2E_ONLY=name` runs one scenario.
    let only = std::env::var("UI_E2E_ONLY").ok();
    let scenarios: Vec<_> = scenarios
        .into_iter()
        .filter(|(n, _)| only.as_deref().is_none_or(|o| o == *n))
        .collect();
    for &(name, size) in &scenarios {
        // `styled` runs a copy of this binary from an empty folder, far from assets/.
        let away = tempfile::tempdir().expect("tempdir");
        let (exe, cwd) = if name == "styled" {
            let copy = away.path().join("severus-copy");
            std::fs::copy(&exe, &copy).expect("copy the test binary");
            (copy, away.path().to_path_buf())
        } else {
            (exe.clone(), std::env::current_dir().expect("cwd"))
        };
        let mut cmd = Command::new(&exe);
        if let Some(d) = &display {
            cmd.env("DISPLAY", d);
        }
        let status = cmd
            .current_dir(&cwd)
            .args(["--scenario", name])
            .env("SEVERUS_KEYSTORE", "file")
            .env("SEVERUS_RELAY", "disabled")
            .env("SEVERUS_BIND", "127.0.0.1")
            .env("SEVERUS_WINDOW_SIZE", size)
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            .status()
            .expect("run scenario");
        if !status.success() {
            failed += 1;
            eprintln!("scenario {name} failed ({status})");
        }
    }
    println!("{} passed, {failed} failed", scenarios.len() - failed);
    if let Some(mut x) = xvfb {
        let _ = x.kill();
        let _ = x.wait();
    }
    std::process::exit(if failed == 0 { 0 } else { 1 });
}

/// Starts `Xvfb` on a free display it picks itself (`-displayfd`); the child and
/// `:N`, or None if Xvfb is not installed or does not start.
fn start_xvfb() -> Option<(Child, String)> {
    let mut child = Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let out = child.stdout.take()?;
    let mut line = String::new();
    let read = BufReader::new(out).read_line(&mut line);
    match (read, line.trim().parse::<u32>()) {
        (Ok(_), Ok(n)) => Some((child, format!(":{n}"))),
        _ => {
            let _ = child.kill();
            None
        }
    }
}
