//! The service layer: one API for the UI and the CLI. `Command`s in, `Event`s out; the
//! service owns the host, the link to a host, and every task.

mod backoff;
mod cancel;
mod command;
mod commands;
mod connect;
mod downloads;
mod drain;
mod files;
mod hosting;
mod inbound;
mod link;
mod outgoing;
mod runner;
mod uploads;
mod verify;

pub use crate::client::Event;
pub use backoff::{OUTBOX_LIMIT, RECONNECT_BASE_DELAY, RECONNECT_MAX_DELAY, backoff};
pub use command::{Command, HostConfig};
pub use files::FileTarget;
pub use runner::DOWNLOADS_DIR;
// What the UI needs to read and check a target, without reaching into `transport`.
pub use crate::host::StatsSnapshot;
pub use crate::session::now_ms;
pub use crate::transport::iroh::{IrohOptions, PathKind, RelayChoice, parse_ticket};
pub use crate::transport::tcp::looks_like_address;
pub use runner::{DRAIN_TIMEOUT, ServiceError, ServiceHandle, spawn, spawn_with};
