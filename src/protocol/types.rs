//! Data both directions share: conversations, members, rooms, log entries, resume
//! cursors and the limits a host announces. Every enum is a CBOR map with one key.

use super::names::name_key;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A conversation: where messages are posted and where the host keeps an ordered log.
/// DMs are one conversation per unordered pair of names (lowercased, sorted), so both
/// members name it the same way.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Conv {
    /// Everyone on the host.
    Lobby {},
    /// A room, by its id.
    Room { id: Uuid },
    /// Two members, by lowercased name, in sorted order.
    Dm { names: [String; 2] },
}

impl Conv {
    /// The lobby.
    pub const LOBBY: Conv = Conv::Lobby {};

    /// The DM conversation of two names, in canonical form.
    pub fn dm(a: &str, b: &str) -> Conv {
        let (a, b) = (name_key(a), name_key(b));
        Conv::Dm {
            names: if a <= b { [a, b] } else { [b, a] },
        }
    }

    /// For a DM: the other member's (lowercased) name, seen from `me`.
    pub fn partner(&self, me: &str) -> Option<&str> {
        match self {
            Conv::Dm { names: [a, b] } => {
                let me = name_key(me);
                if *a == me {
                    Some(b)
                } else if *b == me {
                    Some(a)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// True if this is a canonical DM form (sorted, lowercased, two different names).
    pub fn is_canonical(&self) -> bool {
        match self {
            Conv::Dm { names: [a, b] } => a < b && *a == name_key(a) && *b == name_key(b),
            _ => true,
        }
    }
}

/// A member as others see it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserInfo {
    pub name: String,
    /// The member's link dropped and it has not come back yet (it keeps its place).
    pub away: bool,
}

/// A room as listed: id, name and how many members it has (away ones included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoomInfo {
    pub id: Uuid,
    pub name: String,
    pub members: u32,
}

/// What one log entry carries. The host orders these per conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum EntryBody {
    /// An MLS message of the conversation's group (end to end encrypted): an
    /// application message, a commit, a Welcome, or the host's proposal to remove a
    /// member, which names the member who should commit it.
    Mls {
        #[serde(with = "serde_bytes")]
        message: Vec<u8>,
        committer: Option<String>,
    },
    /// `name` joined the conversation (the lobby: the host; a room: the room).
    Joined { name: String },
    /// `name` left the conversation (quit, grace expired, or left the room).
    Left { name: String },
}

/// A conversation's MLS group as the host orders it: which group, at which epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupState {
    #[serde(with = "serde_bytes")]
    pub group_id: Vec<u8>,
    pub epoch: u64,
    /// The earliest epoch the host's log can bring a member from (where this host
    /// incarnation first learned the group): a member behind it rejoins.
    pub base: u64,
}

/// Where a member's reading stopped in one conversation: the last sequence number seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cursor {
    pub conv: Conv,
    pub seq: u64,
}

/// What a returning client presents at registration to continue where it stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resume {
    /// The host incarnation the cursors belong to.
    pub incarnation: Uuid,
    /// The last sequence number seen per conversation.
    pub cursors: Vec<Cursor>,
}

/// Limits a host announces in `Welcome`, so clients refuse first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Longest message body, in bytes of UTF-8.
    pub max_body: u32,
    /// Longest packet after reassembly of parts, in bytes.
    pub max_packet: u32,
    /// Requests per second a member may send (sustained) and at once (burst).
    pub rate_per_sec: u32,
    pub rate_burst: u32,
    /// How long a member whose link dropped keeps its place, in seconds.
    pub grace_secs: u32,
    /// Largest file the host relays, in bytes.
    pub max_file: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dm_conversations_are_canonical() {
        assert_eq!(Conv::dm("Bob", "alice"), Conv::dm("ALICE", "bob"));
        let c = Conv::dm("Bob", "alice");
        assert!(c.is_canonical());
        assert_eq!(c.partner("Alice"), Some("bob"));
        assert_eq!(c.partner("bob"), Some("alice"));
        assert_eq!(c.partner("carol"), None);
        assert!(
            !Conv::Dm {
                names: ["bob".into(), "alice".into()]
            }
            .is_canonical()
        );
        assert!(!Conv::dm("a", "A").is_canonical(), "a DM with oneself");
    }
}
