//! Every limit of the protocol and the host, in one place. Each is a named constant
//! whose doc gives the hard maximum (if any), our cap, and why; each has a test at its boundary.

use std::time::Duration;

/// Largest Noise transport message: the Noise spec caps a message at 65535 bytes.
pub const NOISE_MAX_MESSAGE: usize = 65_535;

/// Largest Noise plaintext: 65535 minus the 16-byte ChaChaPoly tag.
pub const NOISE_MAX_PLAINTEXT: usize = NOISE_MAX_MESSAGE - 16;

/// Largest encoded `Packet` (one CBOR frame = one Noise plaintext). Noise allows 65519
/// bytes; we cap at 60 KiB so a frame always fits with room to spare, and check the
/// length before parsing so a hostile frame costs at most this much memory.
pub const MAX_FRAME_LEN: usize = 60 * 1024;

/// Largest WebSocket message we accept: one Noise message, never more.
pub const MAX_WS_MESSAGE: usize = NOISE_MAX_MESSAGE;

/// Largest message body in bytes of UTF-8. 16 KiB is a long letter; it keeps one
/// message far under the frame cap even with its envelope.
pub const MAX_BODY_LEN: usize = 16 * 1024;

/// Longest user or room name, in Unicode scalar values (not bytes).
pub const MAX_NAME_CHARS: usize = 32;

/// Names nobody may register: `me` is the UI's own label, `system` its event sender.
pub const RESERVED_USERNAMES: &[&str] = &["me", "system"];

/// Room names nobody may create: the lobby exists always and is not a room.
pub const RESERVED_ROOM_NAMES: &[&str] = &["lobby"];

/// Most members registered on one host at once (connections past it are refused).
pub const MAX_MEMBERS: usize = 256;

/// Most rooms alive on one host at once.
pub const MAX_ROOMS: usize = 64;

/// Sustained packets per second one member may send (token bucket refill rate).
pub const RATE_PER_SEC: u32 = 20;

/// Burst of packets one member may send at once (token bucket size).
pub const RATE_BURST: u32 = 50;

/// Packets waiting to be written to one member. A reader slower than this is
/// disconnected: the host never buffers without bound.
pub const OUTBOUND_QUEUE: usize = 256;

/// Kernel send buffer per member socket. Linux autotunes up to megabytes per socket;
/// 64 KiB (plus the queue above) bounds what a reader that stalls can pin in memory,
/// and lets the host notice a stalled reader within a few hundred packets.
pub const SOCKET_SEND_BUFFER: usize = 64 * 1024;

/// Whole handshake (TLS + WebSocket + Noise + version check) must finish within this.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How often each side pings the other (also gives the latency shown to users).
pub const PING_INTERVAL: Duration = Duration::from_secs(15);

/// A link that delivers nothing (not even a pong) for this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// CBOR nesting depth the decoder follows. Our packets nest at most 4 deep; ciborium's
/// default of 256 would let a hostile frame recurse far deeper than any real packet.
pub const MAX_DECODE_DEPTH: usize = 16;

/// Open connections of any kind (handshaking or registered) a host keeps at once; more
/// wait in the kernel's accept queue. Bounds file descriptors: members plus headroom.
pub const MAX_CONNECTIONS: usize = MAX_MEMBERS * 2;

/// Connections that may sit in the handshake at once; more wait for a slot, so a flood
/// of half-open connections cannot exhaust memory or file descriptors.
pub const MAX_PENDING_HANDSHAKES: usize = 64;

// The limits must agree with each other; checked when compiling.
const _: () = assert!(
    MAX_FRAME_LEN <= NOISE_MAX_PLAINTEXT,
    "a frame fits in one Noise message"
);
const _: () = assert!(MAX_BODY_LEN * 3 < MAX_FRAME_LEN, "a body fits with its envelope");
const _: () = assert!(RATE_BURST >= RATE_PER_SEC);
const _: () = assert!(PING_INTERVAL.as_secs() * 2 < IDLE_TIMEOUT.as_secs());
const _: () = assert!(HANDSHAKE_TIMEOUT.as_secs() < IDLE_TIMEOUT.as_secs());

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_the_documented_ones() {
        assert_eq!(NOISE_MAX_PLAINTEXT, 65_519);
        assert_eq!(MAX_FRAME_LEN, 61_440);
        assert_eq!(MAX_BODY_LEN, 16_384);
        assert_eq!((MAX_MEMBERS, MAX_ROOMS, OUTBOUND_QUEUE), (256, 64, 256));
        assert_eq!((RATE_PER_SEC, RATE_BURST), (20, 50));
        assert_eq!(HANDSHAKE_TIMEOUT, Duration::from_secs(10));
        assert_eq!(
            (PING_INTERVAL, IDLE_TIMEOUT),
            (Duration::from_secs(15), Duration::from_secs(60))
        );
    }
}
