//! WebSocket framing over TLS: binary messages only, each at most one Noise message;
//! the close codes we use.

use crate::protocol::limits::MAX_WS_MESSAGE;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// URL the client asks for; the host accepts any path.
pub const WS_URL: &str = "wss://severus.invalid/ws";

/// Read buffer per connection, allocated up front. tungstenite's default (128 KiB)
/// made 100 idle members cost about 12 MiB of host memory; chat packets are small and a
/// larger message is simply read in several chunks.
pub const WS_READ_BUFFER: usize = 4 * 1024;

/// Bytes collected before the WebSocket writes to TLS (a threshold, not an allocation):
/// lets a batch of queued packets go out as a few large TLS records.
pub const WS_WRITE_BUFFER: usize = 32 * 1024;

/// Our WebSocket limits: one message and one frame at most one Noise message long.
pub fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(MAX_WS_MESSAGE))
        .max_frame_size(Some(MAX_WS_MESSAGE))
        .read_buffer_size(WS_READ_BUFFER)
        .write_buffer_size(WS_WRITE_BUFFER)
}

/// WebSocket close code for a message type we do not accept (a text message).
pub const CLOSE_UNSUPPORTED: u16 = 1003;

/// WebSocket close code for a broken rule (too slow to register, idle, flooding).
pub const CLOSE_POLICY: u16 = 1008;

/// WebSocket close code for a packet that breaks the protocol (malformed, out of order).
pub const CLOSE_PROTOCOL: u16 = 1002;
