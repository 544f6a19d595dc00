//! WebSocket framing over TLS: binary messages only, each at most one Noise message.

use crate::protocol::limits::MAX_WS_MESSAGE;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// URL the client asks for; the host accepts any path.
pub const WS_URL: &str = "wss://severus.invalid/ws";

/// Read and write buffer per connection. tungstenite's defaults (128 KiB each) made
/// 100 idle members cost about 25 MiB of host memory; chat packets are small.
pub const WS_BUFFER: usize = 16 * 1024;

/// Our WebSocket limits: one message and one frame at most one Noise message long.
pub fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(MAX_WS_MESSAGE))
        .max_frame_size(Some(MAX_WS_MESSAGE))
        .read_buffer_size(WS_BUFFER)
        .write_buffer_size(WS_BUFFER)
}
