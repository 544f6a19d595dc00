//! The keys seen under each member name: remembered, compared when they show up again
//! (in a group's roster, a message, a key package), and checked against the members
//! you verified; a change is told, louder for a verified member.

use super::chat::ChatState;
use super::event::Event;
use crate::crypto::MemberKeys;
use crate::protocol::{Conv, name_key};
use std::collections::BTreeMap;

impl ChatState {
    /// Compares the keys in `conv`'s group with those seen before under each name.
    pub(super) fn check_keys(&mut self, conv: &Conv) {
        let Some(g) = self.groups.as_ref() else { return };
        let me = self.me.clone().unwrap_or_default();
        for r in g.roster(conv) {
            if !r.id.is(&me) {
                self.note_keys(&r.id, r.signature_key);
            }
        }
    }

    /// Remembers the keys seen under a name; a change is told (`take_key_changes`):
    /// for a verified member, as a changed safety number.
    pub(super) fn note_keys(&mut self, id: &crate::group::MemberId, signature_key: Vec<u8>) {
        if signature_key.is_empty() {
            return;
        }
        let k = name_key(&id.name);
        let now = MemberKeys {
            noise: id.noise,
            signature: signature_key.clone(),
        };
        let keys = (id.noise.to_vec(), signature_key);
        let old = self.known_keys.insert(k.clone(), keys.clone());
        match self.verified.get(&k) {
            Some(v) if *v != now && self.broken.insert(k) => self.safety_changes.push(id.name.clone()),
            Some(_) => {}
            None if old.is_some_and(|o| o != keys) => self.key_changes.push(id.name.clone()),
            None => {}
        }
    }

    /// The keys we see under `name`, if any.
    pub fn keys_of(&self, name: &str) -> Option<MemberKeys> {
        let (noise, signature) = self.known_keys.get(&name_key(name))?;
        Some(MemberKeys {
            noise: noise.as_slice().try_into().ok()?,
            signature: signature.clone(),
        })
    }

    /// The members verified on this host (from the data dir, at connect).
    pub fn set_verified(&mut self, verified: BTreeMap<String, MemberKeys>) {
        self.verified = verified;
        self.broken.clear();
        let changed: Vec<String> = self
            .verified
            .keys()
            .filter(|k| self.keys_of(k).is_some_and(|now| Some(&now) != self.verified.get(*k)))
            .cloned()
            .collect();
        for k in changed {
            self.broken.insert(k.clone());
            self.safety_changes.push(k);
        }
    }

    /// Marks `name` verified with `keys` (its safety number is good again).
    pub fn verify(&mut self, name: &str, keys: MemberKeys) {
        let k = name_key(name);
        self.broken.remove(&k);
        self.verified.insert(k, keys);
    }

    /// True if `name` is verified and no other keys were seen under it since.
    pub fn is_verified(&self, name: &str) -> bool {
        let k = name_key(name);
        self.verified.contains_key(&k) && !self.broken.contains(&k)
    }

    /// Names whose keys changed since last asked.
    pub(super) fn take_key_changes(&mut self) -> Vec<Event> {
        let safety = std::mem::take(&mut self.safety_changes)
            .into_iter()
            .map(|name| Event::SafetyNumberChanged { name });
        std::mem::take(&mut self.key_changes)
            .into_iter()
            .map(|name| Event::KeysChanged { name })
            .chain(safety)
            .collect()
    }
}
