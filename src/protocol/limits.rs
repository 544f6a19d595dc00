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

/// Largest MLS application message the host orders into a log: one frame (a chat
/// message of `MAX_BODY_LEN` fits with room to spare). Commits and Welcomes may be
/// larger (a big group's tree), up to a packet.
pub const MAX_MLS_APPLICATION_LEN: usize = MAX_FRAME_LEN;

/// Largest WebSocket message we accept: one Noise message, never more.
pub const MAX_WS_MESSAGE: usize = NOISE_MAX_MESSAGE;

/// Largest packet once its parts are put together. A packet over one frame travels in
/// `Part`s; 1 MiB holds the largest group-key messages of a 256-member group with room
/// to spare, and is what one connection may make its peer buffer at once.
pub const MAX_PACKET_LEN: usize = 1024 * 1024;

/// Bytes of packet carried by each `Part` (the part's own envelope fits in the rest of
/// a frame).
pub const PART_PAYLOAD: usize = 60_000;

/// Most parts one packet may have.
pub const MAX_PARTS: usize = MAX_PACKET_LEN.div_ceil(PART_PAYLOAD);

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

/// The largest member cap `host --max-members` accepts (a big machine; each member
/// costs a connection, two file descriptors at most, and some memory).
pub const MAX_MEMBERS_FLAG: usize = 4096;

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

/// From accept to `Welcome`: the whole handshake (TLS + WebSocket + Noise + version
/// check) and the registration must finish within this, or the host closes the link.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How often each side pings the other (also gives the latency shown to users).
pub const PING_INTERVAL: Duration = Duration::from_secs(15);

/// A link that delivers nothing (no packet, no WebSocket ping or pong) for this long
/// is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// A client's write that does not move for this long (one packet handed to the socket,
/// or a flush) ends its link: a host that stopped reading, or a path that died while
/// the host's pings still came. The service then reconnects. Each step is at most a
/// packet or the WebSocket layer's write buffer (128 KiB), so a link slower than about
/// 35 kbit/s would end too.
pub const LINK_WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// Entries a host keeps per conversation log by default (`host --log-entries`).
pub const LOG_ENTRIES: usize = 1000;

/// Encoded bytes a host keeps in all conversation logs together by default
/// (`host --log-mib`); past it, entries go from the largest conversation first.
pub const LOG_BYTES: usize = 64 * 1024 * 1024;

/// Bytes each log entry counts beyond its encoded size (its bookkeeping), so a flood
/// of tiny entries is bounded too.
pub const LOG_ENTRY_OVERHEAD: usize = 64;

/// How long a member whose link dropped keeps its name, rooms and place by default
/// (`host --grace SECS`).
pub const GRACE: Duration = Duration::from_secs(10 * 60);

/// A dropped member is announced as away only after this long, so a short drop shows
/// nothing to the others.
pub const AWAY_NOTICE_DELAY: Duration = Duration::from_secs(5);

/// Key packages the host keeps per member (older ones go first): enough for several
/// new conversations while the member is away.
pub const MAX_KEY_PACKAGES: usize = 16;

/// Key packages a client keeps at the host (it uploads more when below).
pub const KEY_PACKAGE_TARGET: usize = 8;

/// Largest key package accepted (one is about 330 bytes).
pub const MAX_KEY_PACKAGE_LEN: usize = 2048;

/// Most members away at once. Away members keep their place (and count toward
/// `MAX_MEMBERS`); past this many, the longest-away one is let go, so a stream of
/// register-then-drop connections cannot hold the host full.
pub const MAX_AWAY: usize = MAX_MEMBERS / 2;

/// CBOR nesting depth the decoder follows. Our packets nest at most 4 deep; ciborium's
/// default of 256 would let a hostile frame recurse far deeper than any real packet.
pub const MAX_DECODE_DEPTH: usize = 16;

/// Open connections of any kind (handshaking or registered) a host keeps at once; more
/// wait in the kernel's accept queue. Bounds file descriptors: members plus headroom.
pub const MAX_CONNECTIONS: usize = MAX_MEMBERS * 2;

/// Connections that may sit in the handshake at once; more wait for a slot, so a flood
/// of half-open connections cannot exhaust memory or file descriptors.
pub const MAX_PENDING_HANDSHAKES: usize = 64;

/// Largest file a host relays by default (`host --max-file-mib`): it refuses to open a
/// transfer over it, before any chunk moves; clients learn it at `Welcome`.
pub const MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;

/// Plaintext bytes per file chunk (see `crypto::chunks`).
pub const FILE_CHUNK: usize = crate::crypto::chunks::CHUNK_LEN;

/// Chunks a receiver may have asked for and not yet got, per transfer: about 1 MiB in
/// flight, so the host never holds a whole file and a slow receiver stalls only itself.
pub const FILE_WINDOW_CHUNKS: u32 = 21;

/// Transfers one member may have open as sender at once.
pub const MAX_OPEN_TRANSFERS: usize = 4;

/// Downloads one client runs at once (more wait their turn).
pub const MAX_DOWNLOADS: usize = 4;

/// Chunk bytes per second a member may move (sent, and asked for), sustained, and at
/// once: above a gigabit link (119 MiB/s), so files go at link speed, while one member
/// cannot take the whole host (chunks and chunk requests are counted here, not against
/// the packet rate). Over it the host stops reading that member for a while: shaped,
/// never dropped.
pub const FILE_BYTES_PER_SEC: u32 = 256 * 1024 * 1024;
pub const FILE_BYTES_BURST: u32 = 32 * 1024 * 1024;

/// What one chunk request counts against the byte budget (it costs the host
/// bookkeeping, not bytes: the chunks count against their sender's budget).
pub const FILE_WANT_COST: usize = 4 * 1024;

/// A download with chunks asked for and none arriving for this long asks again
/// (a request or a chunk dropped on the way).
pub const FILE_STALL: Duration = Duration::from_secs(2);

/// Ciphertext chunks the host keeps to serve several receivers of one picture without
/// asking its sender again (all transfers together, oldest first out).
pub const FILE_CACHE_BYTES: usize = 8 * 1024 * 1024;

// The limits must agree with each other; checked when compiling.
const _: () = assert!(
    MAX_FRAME_LEN <= NOISE_MAX_PLAINTEXT,
    "a frame fits in one Noise message"
);
const _: () = assert!(MAX_BODY_LEN * 3 < MAX_FRAME_LEN, "a body fits with its envelope");
const _: () = assert!(RATE_BURST >= RATE_PER_SEC);
const _: () = assert!(PING_INTERVAL.as_secs() * 2 < IDLE_TIMEOUT.as_secs());
const _: () = assert!(HANDSHAKE_TIMEOUT.as_secs() < IDLE_TIMEOUT.as_secs());
const _: () = assert!(PART_PAYLOAD + 128 <= MAX_FRAME_LEN, "a part fits in a frame");
const _: () = assert!(MAX_AWAY < MAX_MEMBERS);
const _: () = assert!(KEY_PACKAGE_TARGET <= MAX_KEY_PACKAGES);
const _: () = assert!(AWAY_NOTICE_DELAY.as_secs() < GRACE.as_secs());
const _: () = assert!(
    FILE_CHUNK + 256 <= MAX_FRAME_LEN,
    "a chunk fits in a frame with its envelope"
);
const _: () = assert!(
    FILE_WINDOW_CHUNKS as usize * FILE_CHUNK <= 1024 * 1024,
    "at most 1 MiB in flight"
);
const _: () = assert!(FILE_CACHE_BYTES >= FILE_WINDOW_CHUNKS as usize * FILE_CHUNK);

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
        assert_eq!((MAX_PACKET_LEN, PART_PAYLOAD, MAX_PARTS), (1_048_576, 60_000, 18));
        assert_eq!((LOG_ENTRIES, LOG_BYTES), (1000, 64 << 20));
        assert_eq!(
            (GRACE, AWAY_NOTICE_DELAY),
            (Duration::from_secs(600), Duration::from_secs(5))
        );
        assert_eq!(MAX_AWAY, 128);
        assert_eq!(
            (MAX_KEY_PACKAGES, KEY_PACKAGE_TARGET, MAX_KEY_PACKAGE_LEN),
            (16, 8, 2048)
        );
        assert_eq!(
            (PING_INTERVAL, IDLE_TIMEOUT),
            (Duration::from_secs(15), Duration::from_secs(60))
        );
        assert_eq!((MAX_FILE_BYTES, FILE_CHUNK), (100 << 20, 49_152));
        assert_eq!(
            (FILE_WINDOW_CHUNKS, MAX_OPEN_TRANSFERS, FILE_CACHE_BYTES),
            (21, 4, 8 << 20)
        );
    }
}
