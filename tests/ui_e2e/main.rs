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

mod peers;
mod scenarios;

use peers::{Cutter, Peer};
use scenarios::drive;

use dioxus::prelude::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long one scenario may take before the watchdog fails it.
const WATCHDOG: Duration = Duration::from_secs(120);

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
