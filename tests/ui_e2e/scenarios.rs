//! What each window scenario does, step by step through the DOM, and what it checks
//! (the scenarios are listed in `main.rs`).

use crate::*;

async fn join_and_chat(s: &Scenario) {
    until("the start screen", "document.getElementById('nick')").await;
    screenshot("start");
    set_value("nick", "window").await;
    if s.name == "join" {
        cancel_a_connect().await;
    }
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

/// A host that takes the connection and never answers: Cancel goes back to the start
/// at once (the handshake would wait 10 s).
async fn cancel_a_connect() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
    let addr = silent.local_addr().expect("address").to_string();
    set_value("target", &addr).await;
    click("connect").await;
    until("the connecting screen", "document.getElementById('cancel-connect')").await;
    screenshot("connecting");
    click("cancel-connect").await;
    until("the start screen again", "document.getElementById('connect')").await;
    drop(silent);
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

pub(crate) async fn drive() {
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
