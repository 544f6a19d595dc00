//! The `severus` binary: parses the command line and runs it (the window comes with
//! the `desktop` feature). All logic lives in the library.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    severus::cli::init_logging();
    severus::cli::run(severus::cli::Cli::parse())
}
