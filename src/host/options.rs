//! How a host is configured: log bounds, grace period, member cap and rate limits
//! (`severus host --log-entries N --log-mib N --grace SECS --max-members N --rate N`).

use crate::protocol::limits::{GRACE, LOG_BYTES, LOG_ENTRIES, MAX_FILE_BYTES, MAX_MEMBERS, RATE_BURST, RATE_PER_SEC};
use std::time::Duration;

/// A host's settings; `Default` gives the documented defaults.
#[derive(Debug, Clone)]
pub struct HostOptions {
    /// Entries kept per conversation log.
    pub log_entries: usize,
    /// Encoded bytes kept in all logs together.
    pub log_bytes: usize,
    /// How long a member whose link dropped keeps its place.
    pub grace: Duration,
    /// Most members (online and away) at once.
    pub max_members: usize,
    /// Packets per second per member, sustained and burst (benchmarks lift them).
    pub rate_per_sec: u32,
    pub rate_burst: u32,
    /// Largest file relayed, in bytes (`host --max-file-mib`).
    pub max_file: u64,
    /// Invite-only: registrations must carry this secret (it is in the invite).
    pub join_secret: Option<[u8; crate::protocol::invite::JOIN_SECRET_LEN]>,
}

impl Default for HostOptions {
    fn default() -> Self {
        HostOptions {
            log_entries: LOG_ENTRIES,
            log_bytes: LOG_BYTES,
            grace: GRACE,
            max_members: MAX_MEMBERS,
            rate_per_sec: RATE_PER_SEC,
            rate_burst: RATE_BURST,
            join_secret: None,
            max_file: MAX_FILE_BYTES,
        }
    }
}

impl HostOptions {
    /// Most members away at once: half the member cap (see `limits::MAX_AWAY`).
    pub fn max_away(&self) -> usize {
        self.max_members / 2
    }
}
