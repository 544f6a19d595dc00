//! The host: a room server and a local participant. Accepts connections, runs the
//! handshake, owns members, names, rooms and the conversation logs, and delivers
//! each member what it has not had yet, under the limits.

mod conn;
mod ds;
mod handle;
mod joins;
mod log;
mod member;
mod options;
mod rate;
mod registry;
mod rooms;
mod server;
mod signals;
mod state;
mod stats;
mod transfers;

pub use conn::{REPLY_HEADROOM, WRITE_BATCH, WRITE_TIMEOUT};
pub use ds::STALE;
pub use member::DEDUP_WINDOW;
pub use options::HostOptions;
pub use rate::TokenBucket;
pub use rooms::RoomError;
pub use server::Host;
pub use stats::StatsSnapshot;
pub use transfers::SHORTER;
