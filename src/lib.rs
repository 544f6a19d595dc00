//! Severus: a self-hosted, lightweight, private messenger. TLS then Noise on every
//! link, identities pinned on first use, direct TCP or iroh QUIC.
//!
//! # Layout
//! - `protocol`: `Packet`, CBOR codec, names, limits (no I/O)
//! - `crypto`: identity, fingerprints, Noise state machine (no I/O)
//! - `trust`: data dir, key store, known_hosts
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![deny(unused_must_use)]
#![forbid(unsafe_code)]

pub mod cli;
pub mod client;
pub mod crypto;
pub mod host;
pub mod protocol;
pub mod service;
pub mod session;
pub mod transport;
pub mod trust;
#[cfg(feature = "ui")]
pub mod ui;
