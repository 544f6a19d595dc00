//! One member's view of a host: turns packets into `Event`s, tracks users, rooms,
//! requests waiting for the host's answer, and where it stopped reading (to resume).

mod apply;
pub mod chat;
pub mod event;
pub mod filename;
mod incoming;
mod keys;
pub mod memory;
mod pending;
mod rooms;
mod secure;
pub mod signals;
#[cfg(test)]
mod testing;
mod welcome;

pub use chat::{ChatState, Pending};
pub use event::Event;
pub use memory::Memory;
pub use secure::MlsKeys;
