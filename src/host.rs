//! The host: a room server and a local participant. Accepts connections, runs the
//! handshake, owns members, names and rooms, and routes packets under the limits.

mod handle;
mod rate;
mod rooms;
mod server;
mod state;
mod stats;

pub use rate::TokenBucket;
pub use rooms::RoomError;
pub use server::{Host, WRITE_TIMEOUT};
pub use state::{DEDUP_WINDOW, RegisterError};
pub use stats::StatsSnapshot;
