//! The `severus` binary: parses the command line and runs it (the window comes with
//! the `desktop` feature). All logic lives in the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    severus::cli::init_logging();
    match severus::cli::Cli::from_args(std::env::args()) {
        Ok(cli) => severus::cli::run(cli),
        Err(e) => {
            let _ = e.print();
            ExitCode::from(if e.use_stderr() { 2 } else { 0 })
        }
    }
}
