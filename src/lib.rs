//! Severus: a self-hosted, lightweight, private messenger. TLS then Noise on every
//! link, identities pinned on first use, direct TCP or iroh QUIC.
//!
//! # Layout (dependencies point down)
//! - `ui` (feature `ui`): Dioxus components over one state, fed by the service
//! - `cli`: clap arguments, the line-mode client, its output format
//! - `service`: commands in, events out; owns the host, the link, reconnects
//! - `host`: rooms, members, routing, limits; `client`: one member's view of a host
//! - `trust`: data dir, key store (keychain or 0600 files), known_hosts, prefs
//! - `session`: TLS + WebSocket + Noise handshake and the encrypted packet stream
//! - `transport`: TCP, TLS configs, WebSocket limits, iroh endpoints and tickets
//! - `crypto`: identity, fingerprints, Noise state machine (no I/O)
//! - `protocol`: `Packet`, CBOR codec, names, limits (no I/O)
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![deny(unused_must_use)]
#![forbid(unsafe_code)]

pub mod cli;
pub mod client;
pub mod crypto;
pub mod group;
pub mod host;
pub mod protocol;
pub mod service;
pub mod session;
pub mod transport;
pub mod trust;
#[cfg(feature = "ui")]
pub mod ui;
