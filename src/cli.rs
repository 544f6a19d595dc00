//! The command line: clap types (`Cli`, `CliCommand`), and the headless commands
//! (`fingerprint`, `forget`, and later `host`/`join`). Event lines go to stdout, logs to stderr.

pub mod args;
pub mod chat;
pub mod input;
pub mod output;

pub use args::{Cli, CliCommand};
use chat::{ChatLoop, FirstContact};

use crate::service::{Command, HostConfig};
use crate::transport::iroh::IrohOptions;
use crate::trust::{KnownHosts, data_dir, load_or_create_identity};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit codes, as documented in the README.
pub mod exit {
    pub const OK: u8 = 0;
    pub const CONNECTION: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const TRUST: u8 = 3;
    pub const REGISTRATION: u8 = 4;
}

/// The filter when `RUST_LOG` is unset: warnings; openmls's own log lines are off,
/// since every error it logs is also returned to us and handled.
pub const DEFAULT_LOG: &str = "warn,openmls=off";

/// The log filter from `RUST_LOG` (`LEVEL` and `TARGET=LEVEL`, comma-separated, as
/// env_logger reads it), or why it is not understood. A `Targets` filter rather than
/// `EnvFilter`: the same everyday syntax without a regex engine in the binary.
pub fn log_filter(spec: Option<&str>) -> (tracing_subscriber::filter::Targets, Option<String>) {
    use tracing_subscriber::filter::Targets;
    let default = || DEFAULT_LOG.parse::<Targets>().unwrap_or_default();
    match spec.map(str::trim).filter(|s| !s.is_empty()) {
        None => (default(), None),
        Some(s) => match s.parse::<Targets>() {
            Ok(t) => (t, None),
            Err(e) => (
                default(),
                Some(format!("RUST_LOG={s} is not understood ({e}); logging warnings")),
            ),
        },
    }
}

/// Sets up tracing to stderr, filtered by `RUST_LOG` (default `DEFAULT_LOG`).
pub fn init_logging() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let (filter, problem) = log_filter(std::env::var("RUST_LOG").ok().as_deref());
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = tracing_subscriber::registry().with(fmt).with(filter).try_init();
    if let Some(p) = problem {
        tracing::warn!("{p}");
    }
}

/// Runs a parsed command line to completion.
pub fn run(cli: Cli) -> ExitCode {
    let Some(dir) = data_dir(cli.data_dir.clone()) else {
        eprintln!("! no data directory: pass --data-dir DIR");
        return ExitCode::from(exit::USAGE);
    };
    let Some(command) = cli.command else {
        return window(dir, cli.invite);
    };
    match command {
        CliCommand::Fingerprint => fingerprint(dir),
        CliCommand::Forget { host } => forget(dir, &host),
        CliCommand::Host {
            bind,
            port,
            name,
            iroh,
            no_direct,
            iroh_port,
            relay,
            log_entries,
            log_mib,
            grace,
            invite_only,
            max_members,
            rate,
            max_file_mib,
            downloads,
        } => {
            let chatting = name.is_some();
            let iroh = iroh.then(|| IrohOptions {
                relay,
                bind: Some(bind).filter(|b| !b.is_unspecified()),
                port: iroh_port,
            });
            let options = crate::host::HostOptions {
                log_entries: log_entries as usize,
                log_bytes: (log_mib as usize) << 20,
                grace: std::time::Duration::from_secs(grace),
                join_secret: invite_only.then(rand::random),
                max_file: u64::from(max_file_mib) << 20,
                max_members: max_members as usize,
                rate_per_sec: rate,
                rate_burst: rate.max(crate::protocol::limits::RATE_BURST),
            };
            let cfg = HostConfig {
                bind,
                port,
                direct: !no_direct,
                iroh,
                name,
                options,
            };
            interactive(dir, FirstContact::Ask, chatting, downloads, Command::StartHost(cfg))
        }
        CliCommand::Join {
            addr,
            name,
            trust,
            relay,
            bind,
            downloads,
        } => {
            let fc = if trust { FirstContact::Trust } else { FirstContact::Ask };
            let net = IrohOptions {
                relay,
                bind,
                port: None,
            };
            interactive(
                dir,
                fc,
                true,
                downloads,
                Command::Connect {
                    target: addr,
                    name,
                    net,
                },
            )
        }
    }
}

/// Opens the app window (with an invite to join, if one was given), or explains why
/// there is none in a headless build.
fn window(dir: PathBuf, invite: Option<String>) -> ExitCode {
    if let Some(i) = &invite
        && !crate::protocol::looks_like_invite(i)
    {
        eprintln!("! '{}' is not an invite: see severus --help", output::escape(i));
        return ExitCode::from(exit::USAGE);
    }
    #[cfg(feature = "ui")]
    {
        crate::ui::launch_invite(dir, invite);
        ExitCode::SUCCESS
    }
    #[cfg(not(feature = "ui"))]
    {
        let _ = (dir, invite);
        eprintln!("! this is a headless build: use `severus host`, `severus join` or `severus --help`");
        ExitCode::from(exit::USAGE)
    }
}

/// Starts a runtime and the service, sends the first command, runs the line loop.
fn interactive(dir: PathBuf, fc: FirstContact, chatting: bool, downloads: Option<PathBuf>, first: Command) -> ExitCode {
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("! cannot start: {e}");
            return ExitCode::from(exit::CONNECTION);
        }
    };
    let code = rt.block_on(async move {
        let (svc, events) = match crate::service::spawn(&dir) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("! {e}");
                return ExitCode::from(exit::CONNECTION);
            }
        };
        if let Some(dir) = downloads {
            svc.send(Command::SetDownloads { dir }).await;
        }
        // A terminal shows everything that arrives: it is read.
        svc.send(Command::ReadOnArrival).await;
        svc.send(first).await;
        ChatLoop::new(svc, events, fc, chatting).run().await
    });
    // Do not wait for the blocking stdin reader thread.
    rt.shutdown_timeout(std::time::Duration::from_millis(100));
    code
}

fn fingerprint(dir: PathBuf) -> ExitCode {
    match load_or_create_identity(&dir) {
        Ok((id, _)) => {
            println!("fingerprint: {}", id.fingerprint());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("! {e}");
            ExitCode::from(exit::CONNECTION)
        }
    }
}

fn forget(dir: PathBuf, host: &str) -> ExitCode {
    let kh = KnownHosts::new(&dir);
    let forgotten = crate::transport::pin_keys(host)
        .iter()
        .try_fold(false, |any, key| kh.forget(key).map(|f| any || f));
    match forgotten {
        Ok(true) => {
            println!("* forgot {host}");
            ExitCode::SUCCESS
        }
        Ok(false) => {
            println!("* {host} was not known");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("! {e}");
            ExitCode::from(exit::CONNECTION)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn forget_takes_a_name_with_its_addresses_and_an_address_in_any_form() {
        let keys = crate::transport::pin_keys("LocalHost:7000");
        assert!(keys.contains(&"localhost:7000".to_string()), "{keys:?}");
        assert!(keys.contains(&"127.0.0.1:7000".to_string()), "{keys:?}");
        assert_eq!(
            crate::transport::pin_keys(" [::ffff:127.0.0.1]:7000"),
            ["127.0.0.1:7000"]
        );
    }

    #[test]
    fn rust_log_is_read_as_levels_per_target() {
        let (f, problem) = log_filter(Some("severus=debug,iroh=info"));
        assert!(problem.is_none());
        assert!(f.would_enable("severus::host", &Level::DEBUG));
        assert!(!f.would_enable("iroh::net", &Level::DEBUG));
        assert!(f.would_enable("iroh::net", &Level::INFO));
        let (f, _) = log_filter(None);
        assert!(f.would_enable("severus", &Level::WARN) && !f.would_enable("severus", &Level::INFO));
        assert!(
            !f.would_enable("openmls::group", &Level::ERROR),
            "openmls is off by default"
        );
        let (f, _) = log_filter(Some("trace"));
        assert!(f.would_enable("anything", &Level::TRACE));
        let (f, problem) = log_filter(Some("severus=loud"));
        assert!(problem.is_some_and(|p| p.contains("not understood")));
        assert!(f.would_enable("severus", &Level::WARN), "falls back to warnings");
    }
}
