//! Integration tests over real loopback sockets: one binary (every test binary links
//! the whole app), one module per area.

mod capture;
mod catchup;
mod cli;
mod comeback;
mod common;
mod e2ee;
mod files;
mod host;
mod hostile;
mod hygiene;
mod iroh;
mod proxy;
mod reconnect;
mod relaying;
mod session;
mod verify;
mod wire;
