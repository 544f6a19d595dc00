//! One member as the host keeps it: its name bound to its Noise key, its link (or the
//! time it went away), what it has been sent of each conversation, and recent requests.

use crate::protocol::{Conv, Frames};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use tokio::sync::{Notify, mpsc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Request ids remembered per member, so a resend after a reconnect is answered with
/// its first result instead of being carried out twice.
pub const DEDUP_WINDOW: usize = 1024;

/// What a connection's writer task is handed.
#[derive(Debug)]
pub(crate) enum Out {
    /// Encoded frames to send.
    Frames(Frames),
    /// From now on this link belongs to the member with this name key: pull its logs.
    Member(String),
    /// Close the link with a WebSocket close code and reason.
    Close { code: u16, reason: String },
}

/// A member's live connection.
#[derive(Clone)]
pub(crate) struct MemberLink {
    /// Tells this link apart from a newer one of the same member.
    pub conn: u64,
    pub out: mpsc::Sender<Out>,
    /// Wakes the writer when a conversation of this member has new entries.
    pub notify: Arc<Notify>,
    /// Stops the connection's tasks (kicked, replaced).
    pub cancel: CancellationToken,
    /// Why the host cancelled the link when its queue had no room for a close: the
    /// writer closes with it (before, the member saw a normal close and no reason).
    pub close: CloseSlot,
}

/// A close code and reason set aside for a link's writer.
pub(crate) type CloseSlot = Arc<std::sync::Mutex<Option<(u16, String)>>>;

/// A member whose link dropped: since when, and whether the others were told.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Away {
    pub since: Instant,
    pub announced: bool,
}

/// One registered member.
pub(crate) struct Member {
    /// The name as registered (display case).
    pub name: String,
    /// How the name looks: no other member's may look like it.
    pub look: crate::protocol::LookAlike,
    /// The Noise static key the name is bound to while the member is here.
    pub key: [u8; 32],
    pub link: Option<MemberLink>,
    pub away: Option<Away>,
    /// Conversations it belongs to and the last sequence number handed to its link.
    pub cursors: HashMap<Conv, u64>,
    /// Registered with a resume from an earlier incarnation: it was here before a host
    /// restart, so it may rejoin rooms from the start of their new logs.
    pub returning: bool,
    /// Its MLS key packages, handed out one per request.
    pub key_packages: VecDeque<Vec<u8>>,
    /// Its last-resort key package, handed out when `key_packages` is empty.
    pub last_resort: Option<Vec<u8>>,
    dedup: HashMap<Uuid, Option<u64>>,
    dedup_order: VecDeque<Uuid>,
}

impl Member {
    pub fn new(name: &str, key: [u8; 32], link: MemberLink, returning: bool) -> Self {
        Member {
            name: name.to_string(),
            look: crate::protocol::LookAlike::of(name),
            key,
            link: Some(link),
            away: None,
            cursors: HashMap::new(),
            returning,
            key_packages: VecDeque::new(),
            last_resort: None,
            dedup: HashMap::new(),
            dedup_order: VecDeque::new(),
        }
    }

    /// The earlier result of request `id`, if this member already sent it.
    pub fn seen(&self, id: Uuid) -> Option<Option<u64>> {
        self.dedup.get(&id).copied()
    }

    /// Remembers the result of request `id` (bounded window).
    pub fn remember(&mut self, id: Uuid, seq: Option<u64>) {
        if self.dedup.insert(id, seq).is_none() {
            self.dedup_order.push_back(id);
            if self.dedup_order.len() > DEDUP_WINDOW
                && let Some(old) = self.dedup_order.pop_front()
            {
                self.dedup.remove(&old);
            }
        }
    }

    /// Wakes the writer to pull new entries (no-op while away).
    pub fn wake(&self) {
        if let Some(l) = &self.link {
            l.notify.notify_one();
        }
    }
}
