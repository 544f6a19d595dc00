//! One member's view of a host: turns packets into `Event`s, tracks users, rooms and
//! requests waiting for the host's acknowledgement.

pub mod chat;
pub mod event;

pub use chat::{ChatState, Pending};
pub use event::Event;
