//! Rooms: unique names (under lowercase), membership sets, removal when empty.

use crate::protocol::limits::MAX_ROOMS;
use crate::protocol::{Packet, RoomInfo, name_key, validate_room_name};
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

/// Namespace of room ids (UUIDv5 of the lowercased room name).
const ROOM_ID_NAMESPACE: Uuid = Uuid::from_u128(0x5e7e_2a5e_0000_4000_8000_726f_6f6d_7321);

struct Room {
    name: String,
    members: BTreeSet<Uuid>,
}

/// All rooms of one host.
#[derive(Default)]
pub(crate) struct Rooms {
    rooms: HashMap<Uuid, Room>,
    by_name: HashMap<String, Uuid>,
}

/// Why a room operation was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RoomError {
    #[error("invalid room name: {0}")]
    Invalid(String),
    #[error("a room named '{0}' already exists; join it instead")]
    Exists(String),
    #[error("there are already {MAX_ROOMS} rooms")]
    TooMany,
    #[error("no room '{0}'")]
    NotFound(String),
    #[error("you are not a member of that room")]
    NotMember,
}

impl Rooms {
    /// Creates a room with `creator` as its first member.
    pub fn create(&mut self, name: &str, creator: Uuid) -> Result<Uuid, RoomError> {
        validate_room_name(name).map_err(|e| RoomError::Invalid(e.to_string()))?;
        let k = name_key(name);
        if self.by_name.contains_key(&k) {
            return Err(RoomError::Exists(name.to_string()));
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
                members: BTreeSet::from([creator]),
            },
        );
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
    pub fn join(&mut self, room_id: Uuid, member: Uuid) -> Result<bool, RoomError> {
        let room = self
            .rooms
            .get_mut(&room_id)
            .ok_or_else(|| RoomError::NotFound(room_id.to_string()))?;
        Ok(room.members.insert(member))
    }

    /// Removes a member; returns the room's name if it was in. Empty rooms go away.
    pub fn leave(&mut self, room_id: Uuid, member: Uuid) -> Option<String> {
        let room = self.rooms.get_mut(&room_id)?;
        if !room.members.remove(&member) {
            return None;
        }
        let name = room.name.clone();
        if room.members.is_empty() {
            self.rooms.remove(&room_id);
            self.by_name.remove(&name_key(&name));
        }
        Some(name)
    }

    pub fn is_member(&self, room_id: Uuid, member: Uuid) -> bool {
        self.rooms.get(&room_id).is_some_and(|r| r.members.contains(&member))
    }

    pub fn members(&self, room_id: Uuid) -> Vec<Uuid> {
        self.rooms
            .get(&room_id)
            .map(|r| r.members.iter().copied().collect())
            .unwrap_or_default()
    }

    pub fn name(&self, room_id: Uuid) -> Option<String> {
        self.rooms.get(&room_id).map(|r| r.name.clone())
    }

    pub fn rooms_of(&self, member: Uuid) -> Vec<Uuid> {
        self.rooms
            .iter()
            .filter(|(_, r)| r.members.contains(&member))
            .map(|(id, _)| *id)
            .collect()
    }

    pub fn list_packet(&self) -> Packet {
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
        Packet::Rooms { rooms }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_membership_and_removal() {
        let mut r = Rooms::default();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let ops = r.create("Ops", a).unwrap();
        assert_eq!(r.create("ops", b), Err(RoomError::Exists("ops".into())));
        assert!(matches!(r.create("lobby", b), Err(RoomError::Invalid(_))));
        assert_eq!(r.find("OPS"), Some(ops));
        assert_eq!(r.find(&ops.to_string()), Some(ops));
        assert_eq!(r.join(ops, b), Ok(true));
        assert_eq!(r.join(ops, b), Ok(false));
        assert!(r.is_member(ops, b));
        assert_eq!(r.leave(ops, a).as_deref(), Some("Ops"));
        assert_eq!(r.leave(ops, a), None);
        assert_eq!(r.leave(ops, b).as_deref(), Some("Ops"));
        assert_eq!(r.find("ops"), None, "an empty room is removed");
        let again = r.create("ops", b).unwrap();
        assert_eq!(again, ops, "a re-created room keeps its id");
    }

    #[test]
    fn room_count_is_capped() {
        let mut r = Rooms::default();
        let m = Uuid::new_v4();
        for i in 0..MAX_ROOMS {
            r.create(&format!("r{i}"), m).unwrap();
        }
        assert_eq!(r.create("one-more", m), Err(RoomError::TooMany));
    }
}
