//! Rooms: unique names (under lowercase), membership sets of member name keys, removal
//! when empty, and who was ever in each room during this host incarnation.

use crate::protocol::limits::MAX_ROOMS;
use crate::protocol::{HostPacket, LookAlike, RoomInfo, name_key, validate_room_name};
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use uuid::Uuid;

/// Names remembered per room as having been in it (`was_member`); past this the one
/// remembered longest is forgotten (a churn of new names must not grow a long-lived
/// room's set for good). A forgotten name rejoins from the room's live traffic.
pub const MAX_REMEMBERED_PER_ROOM: usize = 1024;

/// Names that were in one room, oldest first, at most `MAX_REMEMBERED_PER_ROOM`.
#[derive(Default)]
struct Remembered {
    names: HashSet<String>,
    order: VecDeque<String>,
}

impl Remembered {
    /// Remembers `name` as the newest (one seen again moves to the back).
    fn insert(&mut self, name: &str) {
        if !self.names.insert(name.to_string()) {
            self.order.retain(|n| n != name);
        }
        self.order.push_back(name.to_string());
        while self.order.len() > MAX_REMEMBERED_PER_ROOM {
            if let Some(old) = self.order.pop_front() {
                self.names.remove(&old);
            }
        }
    }
}

/// Namespace of room ids (UUIDv5 of the lowercased room name).
const ROOM_ID_NAMESPACE: Uuid = Uuid::from_u128(0x5e7e_2a5e_0000_4000_8000_726f_6f6d_7321);

struct Room {
    name: String,
    /// Its name's look-alike forms, made once (not for every room at each create).
    look: LookAlike,
    /// Member name keys.
    members: BTreeSet<String>,
}

/// All rooms of one host.
#[derive(Default)]
pub(crate) struct Rooms {
    rooms: HashMap<Uuid, Room>,
    by_name: HashMap<String, Uuid>,
    /// Name keys that were in a room at some point of this incarnation: only they may
    /// rejoin it with a cursor (a newcomer gets live traffic only).
    ever: HashMap<Uuid, Remembered>,
}

/// Why a room operation was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RoomError {
    #[error("invalid room name: {0}")]
    Invalid(String),
    #[error("a room named '{0}' already exists; join it instead")]
    Exists(String),
    #[error("a room named '{other}' exists, and '{name}' looks too much like it: join it, or choose another name")]
    LooksLike { name: String, other: String },
    #[error("there are already {MAX_ROOMS} rooms")]
    TooMany,
    #[error("no room '{0}'")]
    NotFound(String),
    #[error("you are not a member of that room")]
    NotMember,
}

impl Rooms {
    /// Creates a room with `creator` as its first member.
    pub fn create(&mut self, name: &str, creator: &str) -> Result<Uuid, RoomError> {
        validate_room_name(name).map_err(|e| RoomError::Invalid(e.to_string()))?;
        let k = name_key(name);
        if self.by_name.contains_key(&k) {
            return Err(RoomError::Exists(name.to_string()));
        }
        let look = LookAlike::of(name);
        if let Some(other) = self.rooms.values().find(|r| r.look.like(&look)) {
            return Err(RoomError::LooksLike {
                name: name.to_string(),
                other: other.name.clone(),
            });
        }
        if self.rooms.len() >= MAX_ROOMS {
            return Err(RoomError::TooMany);
        }
        // The id follows from the name, so a room re-created after a host restart keeps
        // its id and messages queued for it during the outage still reach it.
        let id = Uuid::new_v5(&ROOM_ID_NAMESPACE, k.as_bytes());
        self.by_name.insert(k, id);
        self.rooms.insert(
            id,
            Room {
                name: name.to_string(),
                look,
                members: BTreeSet::from([creator.to_string()]),
            },
        );
        self.ever.entry(id).or_default().insert(creator);
        Ok(id)
    }

    /// Finds a room by id (its string form) or by name.
    pub fn find(&self, room: &str) -> Option<Uuid> {
        let room = room.trim();
        if let Ok(id) = room.parse::<Uuid>()
            && self.rooms.contains_key(&id)
        {
            return Some(id);
        }
        self.by_name.get(&name_key(room)).copied()
    }

    /// Adds a member; returns false if it was already in.
    pub fn join(&mut self, room_id: Uuid, member: &str) -> Result<bool, RoomError> {
        let room = self
            .rooms
            .get_mut(&room_id)
            .ok_or_else(|| RoomError::NotFound(room_id.to_string()))?;
        self.ever.entry(room_id).or_default().insert(member);
        Ok(room.members.insert(member.to_string()))
    }

    /// True if `member` was in `room_id` before during this incarnation.
    pub fn was_member(&self, room_id: Uuid, member: &str) -> bool {
        self.ever.get(&room_id).is_some_and(|s| s.names.contains(member))
    }

    /// Removes a member; returns the room's name if it was in. Empty rooms go away.
    pub fn leave(&mut self, room_id: Uuid, member: &str) -> Option<String> {
        let room = self.rooms.get_mut(&room_id)?;
        if !room.members.remove(member) {
            return None;
        }
        let name = room.name.clone();
        if room.members.is_empty() {
            self.rooms.remove(&room_id);
            self.by_name.remove(&name_key(&name));
            self.ever.remove(&room_id);
        }
        Some(name)
    }

    pub fn is_member(&self, room_id: Uuid, member: &str) -> bool {
        self.rooms.get(&room_id).is_some_and(|r| r.members.contains(member))
    }

    pub fn members(&self, room_id: Uuid) -> Vec<String> {
        self.member_keys(room_id).cloned().collect()
    }

    /// The member keys of a room, borrowed (the fan-out path allocates nothing).
    pub fn member_keys(&self, room_id: Uuid) -> impl Iterator<Item = &String> {
        self.rooms.get(&room_id).into_iter().flat_map(|r| r.members.iter())
    }

    pub fn exists(&self, room_id: Uuid) -> bool {
        self.rooms.contains_key(&room_id)
    }

    pub fn name(&self, room_id: Uuid) -> Option<String> {
        self.rooms.get(&room_id).map(|r| r.name.clone())
    }

    pub fn rooms_of(&self, member: &str) -> Vec<Uuid> {
        self.rooms
            .iter()
            .filter(|(_, r)| r.members.contains(member))
            .map(|(id, _)| *id)
            .collect()
    }

    pub fn list(&self) -> Vec<RoomInfo> {
        let mut rooms: Vec<RoomInfo> = self
            .rooms
            .iter()
            .map(|(id, r)| RoomInfo {
                id: *id,
                name: r.name.clone(),
                members: r.members.len() as u32,
            })
            .collect();
        rooms.sort_by_key(|a| name_key(&a.name));
        rooms
    }

    pub fn list_packet(&self) -> HostPacket {
        HostPacket::Rooms { rooms: self.list() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_membership_and_removal() {
        let mut r = Rooms::default();
        let (a, b) = ("ana", "bo");
        let ops = r.create("Ops", a).unwrap();
        assert_eq!(r.create("ops", b), Err(RoomError::Exists("ops".into())));
        assert!(matches!(r.create("lobby", b), Err(RoomError::Invalid(_))));
        // A Cyrillic о: another name, but it would pass for Ops.
        assert!(matches!(r.create("\u{43e}ps", b), Err(RoomError::LooksLike { .. })));
        assert!(r.create("ops2", b).is_ok());
        assert_eq!(r.find("OPS"), Some(ops));
        assert_eq!(r.find(&ops.to_string()), Some(ops));
        assert_eq!(r.join(ops, b), Ok(true));
        assert_eq!(r.join(ops, b), Ok(false));
        assert!(r.is_member(ops, b));
        assert!(r.was_member(ops, a) && !r.was_member(ops, "cy"));
        assert_eq!(r.leave(ops, a).as_deref(), Some("Ops"));
        assert_eq!(r.leave(ops, a), None);
        assert_eq!(r.leave(ops, b).as_deref(), Some("Ops"));
        assert_eq!(r.find("ops"), None, "an empty room is removed");
        let again = r.create("ops", b).unwrap();
        assert_eq!(again, ops, "a re-created room keeps its id");
    }

    #[test]
    fn a_rooms_memory_of_past_members_is_bounded() {
        let mut r = Rooms::default();
        let ops = r.create("ops", "ana").unwrap();
        r.join(ops, "bo").unwrap();
        for i in 0..MAX_REMEMBERED_PER_ROOM + 10 {
            let n = format!("m{i}");
            r.join(ops, &n).unwrap();
            r.leave(ops, &n);
            if i % 100 == 0 {
                // bo comes and goes: seen again, remembered as new.
                r.leave(ops, "bo");
                r.join(ops, "bo").unwrap();
            }
        }
        assert!(r.was_member(ops, "bo"));
        let kept = r.ever.get(&ops).map(|e| (e.names.len(), e.order.len()));
        assert_eq!(kept, Some((MAX_REMEMBERED_PER_ROOM, MAX_REMEMBERED_PER_ROOM)));
        assert!(
            !r.was_member(ops, "ana") && !r.was_member(ops, "m0"),
            "the oldest are forgotten"
        );
        assert!(r.was_member(ops, &format!("m{}", MAX_REMEMBERED_PER_ROOM + 9)));
    }

    #[test]
    fn room_count_is_capped() {
        let mut r = Rooms::default();
        for i in 0..MAX_ROOMS {
            r.create(&format!("r{i}"), "ana").unwrap();
        }
        assert_eq!(r.create("one-more", "ana"), Err(RoomError::TooMany));
    }
}
