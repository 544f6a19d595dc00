//! The clap definitions of the `severus` command line.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Severus: a self-hosted, private messenger (TLS + Noise, trust on first use).
#[derive(Debug, Parser)]
#[command(name = "severus", version, about)]
pub struct Cli {
    /// Where keys and known_hosts live (two instances need two directories).
    #[arg(long, global = true, env = "SEVERUS_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: CliCommand,
}

#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Print this installation's fingerprint.
    Fingerprint,
    /// Forget a pinned host (address, endpoint id or ticket).
    Forget {
        /// The host as it was pinned: IP:PORT, [IPv6]:PORT, endpoint id or ticket.
        host: String,
    },
}
