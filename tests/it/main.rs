//! Integration tests over real loopback sockets: one binary (every test binary links
//! the whole app), one module per area.

mod cli;
mod common;
mod host;
mod hostile;
mod iroh;
mod reconnect;
mod session;
