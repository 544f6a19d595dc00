//! The service layer: one API for the UI and the CLI. `Command`s in, `Event`s out; the
//! service owns the host, the link to a host, and every task.

mod command;
mod connect;
mod link;
mod runner;
mod verify;

pub use crate::client::Event;
pub use command::{Command, HostConfig};
pub use link::{OUTBOX_LIMIT, RECONNECT_BASE_DELAY, RECONNECT_MAX_DELAY, backoff};
pub use runner::{DRAIN_TIMEOUT, ServiceError, ServiceHandle, spawn, spawn_with};
