//! Real member processes in one lobby (an MLS group of `n`): the RSS of one `severus
//! join` process once all of them are in, with the group at full size.

use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Starts `severus join` into `addr` as `name` and waits for its "connected" line.
async fn join(exe: &str, dir: &str, addr: &str, name: &str) -> Option<Child> {
    let mut child = Command::new(exe)
        .args([
            "--data-dir",
            &format!("{dir}/{name}"),
            "join",
            addr,
            "--name",
            name,
            "--trust",
        ])
        .env("SEVERUS_KEYSTORE", "file")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .ok()?;
    let err = child.stderr.take()?;
    let mut lines = BufReader::new(err).lines();
    let found = tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(Some(l)) = lines.next_line().await {
            if l.starts_with("connected to ") {
                return true;
            }
        }
        false
    })
    .await;
    // Keep reading its stderr so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    matches!(found, Ok(true)).then_some(child)
}

/// RSS (MiB) of the first of `n` member processes in one lobby, after every other
/// member joined (each join is a commit it applied).
pub async fn client_rss(n: usize) -> Option<f64> {
    let exe = std::env::var("SEVERUS_BIN").ok()?;
    let (mut host, addr, dir) = super::host_process().await?;
    let addr = addr.to_string();
    let mut members = Vec::new();
    for i in 0..n {
        members.push(join(&exe, &dir, &addr, &format!("member{i:03}")).await?);
    }
    // Let the last commits settle everywhere.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss = super::rss_mib(members[0].id()?);
    for mut m in members {
        let _ = m.kill().await;
    }
    let _ = host.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
    rss
}
