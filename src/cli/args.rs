//! The clap definitions of the `severus` command line.

use crate::protocol::limits::{
    GRACE, LOG_BYTES, LOG_ENTRIES, MAX_FILE_BYTES, MAX_MEMBERS, MAX_MEMBERS_FLAG, RATE_PER_SEC,
};
use crate::transport::iroh::RelayChoice;
use clap::{Parser, Subcommand};
use std::net::IpAddr;
use std::path::PathBuf;

/// Severus: a self-hosted, private messenger (TLS + Noise, trust on first use).
#[derive(Debug, Parser)]
#[command(name = "severus", version, about)]
pub struct Cli {
    /// Where keys and known_hosts live (two instances need two directories).
    #[arg(long, global = true, env = "SEVERUS_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Without a command, the app window opens (when built with the UI).
    #[command(subcommand)]
    pub command: Option<CliCommand>,

    /// An invite (`sev1…` or a `severus://` link) to open in the window, ready to join
    /// (`severus [--data-dir DIR] INVITE`; see `Cli::from_args`).
    #[arg(skip)]
    pub invite: Option<String>,
}

impl Cli {
    /// Parses the command line. An invite given without a command (what the desktop
    /// passes when a `severus://` link is opened) is taken out first: it opens the
    /// window, ready to join.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Cli, clap::Error> {
        let mut args: Vec<String> = args.into_iter().collect();
        let commands = ["host", "join", "fingerprint", "forget", "help"];
        let has_command = args.iter().skip(1).any(|a| commands.contains(&a.as_str()));
        let invite = match args.iter().rposition(|a| crate::protocol::looks_like_invite(a)) {
            Some(i) if i > 0 && !has_command => Some(args.remove(i)),
            _ => None,
        };
        let mut cli = Cli::try_parse_from(args)?;
        cli.invite = invite;
        Ok(cli)
    }
}

#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Host a room. Prints `listening: IP:PORT`, `fingerprint: FP` and `invite: TOKEN`.
    Host {
        /// Address to listen on.
        #[arg(long, default_value = "0.0.0.0")]
        bind: IpAddr,
        /// TCP port (0 picks a free one).
        #[arg(long, default_value_t = 3000)]
        port: u16,
        /// Also chat as NAME, reading lines from stdin.
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// Also serve iroh mode (QUIC through NAT) and print a ticket.
        #[arg(long)]
        iroh: bool,
        /// Serve iroh mode only (no TCP listener).
        #[arg(long, requires = "iroh")]
        no_direct: bool,
        /// Fixed UDP port for iroh, so the whole ticket stays the same across restarts.
        #[arg(long, value_name = "N", requires = "iroh")]
        iroh_port: Option<u16>,
        /// Relays: default (n0's), disabled (LAN and tests) or a relay URL.
        #[arg(long, default_value = "default", value_name = "default|disabled|URL")]
        relay: RelayChoice,
        /// Entries kept per conversation for members who are away.
        #[arg(long, value_name = "N", default_value_t = LOG_ENTRIES as u32, value_parser = clap::value_parser!(u32).range(1..))]
        log_entries: u32,
        /// MiB of messages kept for members who are away, all conversations together.
        #[arg(long, value_name = "N", default_value_t = (LOG_BYTES >> 20) as u32, value_parser = clap::value_parser!(u32).range(1..=65536))]
        log_mib: u32,
        /// Seconds a member whose link dropped keeps its name, rooms and place.
        #[arg(long, value_name = "SECS", default_value_t = GRACE.as_secs())]
        grace: u64,
        /// Admit only those who join with the invite (it carries a secret).
        #[arg(long)]
        invite_only: bool,
        /// Most members at once (online and away).
        #[arg(long, value_name = "N", default_value_t = MAX_MEMBERS as u32, value_parser = clap::value_parser!(u32).range(2..=MAX_MEMBERS_FLAG as i64))]
        max_members: u32,
        /// Packets per second each member may send (a burst of more is allowed).
        #[arg(long, value_name = "N", default_value_t = RATE_PER_SEC, value_parser = clap::value_parser!(u32).range(1..))]
        rate: u32,
        /// Largest file relayed, in MiB.
        #[arg(long, value_name = "N", default_value_t = (MAX_FILE_BYTES >> 20) as u32, value_parser = clap::value_parser!(u32).range(1..=65536))]
        max_file_mib: u32,
        /// Where files sent to the host user are saved (default: DATA_DIR/downloads).
        #[arg(long, value_name = "DIR")]
        downloads: Option<PathBuf>,
    },
    /// Join a host by invite, IP:PORT, [IPv6]:PORT, HOSTNAME:PORT or ticket; chat from stdin.
    Join {
        /// The host's invite (verified, no prompt), address or ticket.
        addr: String,
        /// Your name in the room.
        #[arg(long, value_name = "NAME")]
        name: String,
        /// Trust the host on first contact without asking (never a changed one).
        #[arg(long)]
        trust: bool,
        /// Relays for tickets: default (n0's), disabled or a relay URL.
        #[arg(long, default_value = "default", value_name = "default|disabled|URL")]
        relay: RelayChoice,
        /// Bind the iroh endpoint to this address (e.g. 127.0.0.1).
        #[arg(long)]
        bind: Option<IpAddr>,
        /// Where received files are saved (default: DATA_DIR/downloads).
        #[arg(long, value_name = "DIR")]
        downloads: Option<PathBuf>,
    },
    /// Print this installation's fingerprint.
    Fingerprint,
    /// Forget a pinned host (address, NAME:PORT, endpoint id or ticket).
    Forget {
        /// The host as it was joined: IP:PORT, [IPv6]:PORT, NAME:PORT (its addresses
        /// too), endpoint id or ticket.
        host: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invite_link_opens_the_window_and_commands_still_parse() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let c = Cli::from_args(args(&["severus", "--data-dir", "/d", "severus://sev1abc"])).unwrap();
        assert_eq!(c.invite.as_deref(), Some("severus://sev1abc"));
        assert!(c.command.is_none());
        let c = Cli::from_args(args(&["severus", "join", "sev1abc", "--name", "ana"])).unwrap();
        assert!(matches!(c.command, Some(CliCommand::Join { ref addr, .. }) if addr == "sev1abc"));
        assert!(c.invite.is_none());
        let c = Cli::from_args(args(&["severus", "--data-dir", "/d", "host", "--bind", "127.0.0.1"])).unwrap();
        assert!(matches!(c.command, Some(CliCommand::Host { .. })));
        assert!(Cli::from_args(args(&["severus", "not-an-invite"])).is_err());
        let c = Cli::try_parse_from(["severus", "host", "--invite-only"]).unwrap();
        assert!(matches!(c.command, Some(CliCommand::Host { invite_only: true, .. })));
        let c = Cli::try_parse_from(["severus", "host", "--max-members", "1000"]).unwrap();
        assert!(matches!(c.command, Some(CliCommand::Host { max_members: 1000, .. })));
        let c = Cli::try_parse_from(["severus", "host"]).unwrap();
        assert!(matches!(c.command, Some(CliCommand::Host { max_members, .. }) if max_members as usize == MAX_MEMBERS));
        assert!(matches!(c.command, Some(CliCommand::Host { rate: RATE_PER_SEC, .. })));
        assert!(Cli::try_parse_from(["severus", "host", "--rate", "0"]).is_err());
        for bad in ["1", "0", &(MAX_MEMBERS_FLAG + 1).to_string()] {
            assert!(
                Cli::try_parse_from(["severus", "host", "--max-members", bad]).is_err(),
                "{bad}"
            );
        }
    }
}
