//! End-to-end encrypted direct messages on the client: a DM waits for its MLS group
//! (a key package fetched, a group created, its Welcome ordered by the host), goes out
//! encrypted, and is encrypted again if the host says its epoch is stale.

use super::chat::{ChatState, Pending};
use super::event::Event;
use crate::group::{Content, FileOffer, Groups, MemberId};
use crate::protocol::limits::KEY_PACKAGE_TARGET;
use crate::protocol::{ClientPacket, Conv, name_key};
use uuid::Uuid;

/// The keys a client's groups are made with.
#[derive(Debug, Clone)]
pub struct MlsKeys {
    /// The stored MLS signature key (private half inside).
    pub signature: Vec<u8>,
    /// Our Noise static public key, named in our credential.
    pub noise: [u8; 32],
}

impl ChatState {
    /// The keys to make and restore groups with (set before connecting).
    pub fn set_keys(&mut self, keys: MlsKeys) {
        self.keys = Some(keys);
    }

    /// Once welcomed as `name`: our groups (restored, or new), and key packages topped
    /// up. A new registration (`resumed` false: the host holds nothing of ours) also
    /// gets a new last-resort package, so a DM can start while our others are used up.
    pub(super) fn start_groups(&mut self, name: &str, held_by_host: u32, resumed: bool) {
        let Some(keys) = self.keys.clone() else { return };
        if self.groups.is_none() {
            let me = MemberId {
                name: name.to_string(),
                noise: keys.noise,
            };
            let restored =
                self.saved_groups
                    .take()
                    .and_then(|s| match Groups::restore(&keys.signature, me.clone(), &s) {
                        Ok(g) => Some(g),
                        Err(e) => {
                            tracing::warn!(%e, "could not restore group state; starting without it");
                            None
                        }
                    });
            self.groups = restored.or_else(|| Groups::new(&keys.signature, me).ok());
        }
        let want = KEY_PACKAGE_TARGET.saturating_sub(held_by_host as usize);
        // Also when we have none yet (state saved before last-resort packages).
        let last_resort = !resumed || self.groups.as_ref().is_some_and(|g| !g.has_last_resort());
        self.upload_key_packages(want, last_resort);
    }

    /// A new registration: the host holds nothing of ours and a fresh top-up follows.
    /// An older upload still unanswered must not go again: its last-resort package
    /// would replace the new one at the host, and its private key is forgotten once
    /// the new one is made.
    pub(super) fn drop_key_package_uploads(&mut self) {
        let ids: Vec<Uuid> = self
            .pending
            .iter()
            .filter(|(_, p)| matches!(p, Pending::KeyPackages { .. }))
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            self.settle(id);
        }
    }

    /// Uploads `n` new key packages, and a new last-resort one if `last_resort`.
    pub(super) fn upload_key_packages(&mut self, n: usize, last_resort: bool) {
        let Some(g) = &mut self.groups else { return };
        if n == 0 && !last_resort {
            return;
        }
        let made = g.key_packages(n).and_then(|mut kps| {
            if last_resort {
                kps.push(g.last_resort_package()?);
            }
            Ok(kps)
        });
        match made {
            Ok(kps) => {
                let id = Uuid::new_v4();
                self.must_save = true;
                let p = Pending::KeyPackages { packages: kps };
                if let Some(packet) = self.packet_for(id, &p) {
                    self.outbox.push(packet);
                }
                self.pending.insert(id, p);
                self.order.push(id);
            }
            Err(e) => tracing::warn!(%e, "could not make key packages"),
        }
    }

    /// A DM to the member named `to`: its id and the packets to send now (the message
    /// itself, or the first step of starting its encrypted conversation). None if
    /// nobody has that name.
    pub fn dm(&mut self, to: &str, body: String) -> Option<(Uuid, Vec<ClientPacket>)> {
        self.dm_with(to, body, None)
    }

    /// A file offer by DM, like `dm`.
    pub fn dm_offer(&mut self, to: &str, offer: FileOffer) -> Option<(Uuid, Vec<ClientPacket>)> {
        let body = offer.name.clone();
        self.dm_with(to, body, Some(offer))
    }

    fn dm_with(&mut self, to: &str, body: String, file: Option<FileOffer>) -> Option<(Uuid, Vec<ClientPacket>)> {
        let me = self.me.clone()?;
        // Someone we have not heard of yet (their join is still on its way) is the
        // host's to find: it refuses a DM to nobody.
        let name = self
            .find_user(to)
            .map_or_else(|| to.trim().to_string(), |u| u.name.clone());
        if crate::protocol::validate_username(&name).is_err() || name_key(&name) == name_key(&me) {
            return None;
        }
        let conv = Conv::dm(&me, &name);
        let id = Uuid::new_v4();
        let pending = Pending::Dm {
            conv: conv.clone(),
            name: name.clone(),
            body,
            message: None,
            file,
        };
        self.pending.insert(id, pending);
        self.order.push(id);
        if self.groups.as_ref().is_some_and(|g| g.has(&conv)) {
            return Some((id, self.seal(id).into_iter().collect()));
        }
        self.waiting.entry(conv.clone()).or_default().push(id);
        let starting = self.pending.values().any(|p| match p {
            Pending::FetchKeyPackage { conv: c, .. } | Pending::CreateGroup { conv: c, .. } => *c == conv,
            _ => false,
        });
        if starting {
            return Some((id, vec![]));
        }
        Some((id, vec![self.start_group(conv, &name, None)]))
    }

    /// First step of a new group for `conv` with member `name`: fetch its key package.
    /// `replaces`: the group the host has for `conv`, when ours is lost.
    fn start_group(&mut self, conv: Conv, name: &str, replaces: Option<Vec<u8>>) -> ClientPacket {
        let fetch = Uuid::new_v4();
        self.pending.insert(fetch, Pending::FetchKeyPackage { conv, replaces });
        self.order.push(fetch);
        ClientPacket::FetchKeyPackage {
            id: fetch,
            name: name.to_string(),
        }
    }

    /// Encrypts pending message or DM `id` in its conversation's group (now); the
    /// packet to send. None if the group cannot take it yet (it stays pending).
    pub(super) fn seal(&mut self, id: Uuid) -> Option<ClientPacket> {
        let content = |body: &String, file: &Option<FileOffer>| match file {
            Some(f) => Content::file(id, f.clone()),
            None => Content::text(id, body.clone()),
        };
        let (conv, content) = match self.pending.get(&id)? {
            Pending::Dm { conv, body, file, .. } => (conv.clone(), content(body, file)),
            Pending::Message {
                room_id, body, file, ..
            } => (room_id.map_or(Conv::LOBBY, |id| Conv::Room { id }), content(body, file)),
            _ => return None,
        };
        let g = self.groups.as_mut()?;
        match g.encrypt(&conv, &content) {
            Ok(bytes) => {
                self.must_save = true;
                if let Some(Pending::Dm { message, .. } | Pending::Message { message, .. }) = self.pending.get_mut(&id)
                {
                    *message = Some(bytes);
                }
                self.packet_for(id, self.pending.get(&id)?)
            }
            Err(e) => {
                tracing::debug!(%e, "cannot encrypt yet");
                None
            }
        }
    }

    /// The other member's key package arrived: a group with it, its Welcome to the host.
    pub(super) fn key_package(&mut self, id: Uuid, name: &str, package: &[u8]) -> Vec<Event> {
        let Some(Pending::FetchKeyPackage { conv, replaces }) = self.settle(id) else {
            return vec![];
        };
        // A key package under a name whose keys we know, with other keys: say so
        // (the host, or someone else, may be posing as them).
        if let Ok((id, signature_key)) = crate::group::framing::key_package_keys(package)
            && id.is(name)
        {
            self.note_keys(&id, signature_key);
        }
        let mut out = self.take_key_changes();
        let Some(g) = self.groups.as_mut() else { return out };
        if replaces.is_none() && g.has(&conv) {
            // Their group came first: we joined it from its Welcome while our fetch was
            // on its way. It stays (a group of ours would replace a working one, be
            // refused as stale, and leave us with none); the package goes unused.
            return out;
        }
        match g.create_with(&conv, package, name) {
            Ok(created) => {
                self.must_save = true;
                let create = Uuid::new_v4();
                let p = Pending::CreateGroup {
                    conv,
                    welcome: created.welcome,
                    info: created.group_info,
                    replaces,
                };
                self.pending.insert(create, p);
                self.order.push(create);
                if let Some(packet) = self.packet_for(create, &self.pending[&create]) {
                    self.outbox.push(packet);
                }
                out
            }
            Err(e) => {
                let reason = format!("could not start an encrypted conversation with {name}: {e}");
                out.extend(self.fail_waiting(&conv, &reason));
                out
            }
        }
    }

    /// A request could not be sent at all: its event, and for the fetch of a DM
    /// partner's key package, the DMs that waited for it (before, an internal request
    /// failed alone, and what waited on it waited for good, with nothing said).
    pub fn could_not_send(&mut self, id: Uuid, reason: &str) -> Vec<Event> {
        let waited = match self.pending.get(&id) {
            Some(Pending::FetchKeyPackage { conv, .. }) => Some(conv.clone()),
            _ => None,
        };
        let mut out: Vec<Event> = self.fail(id, reason).into_iter().collect();
        if let Some(conv) = waited {
            out.extend(self.fail_waiting(&conv, reason));
        }
        out
    }

    /// Every DM waiting for `conv`'s group fails with `reason`.
    pub(super) fn fail_waiting(&mut self, conv: &Conv, reason: &str) -> Vec<Event> {
        let ids = self.waiting.remove(conv).unwrap_or_default();
        ids.into_iter().filter_map(|id| self.fail(id, reason)).collect()
    }

    /// The group of `conv` is ready: the messages waiting for it, and those the host
    /// called stale, go out in the order they were typed (those it cannot take yet,
    /// e.g. behind a proposal, keep waiting).
    pub(super) fn flush_waiting(&mut self, conv: &Conv) {
        let mut still = vec![];
        let mut ids = self.waiting.remove(conv).unwrap_or_default();
        ids.extend(self.stale.remove(conv).unwrap_or_default());
        let place = |id: &Uuid| self.order.iter().position(|o| o == id).unwrap_or(usize::MAX);
        ids.sort_by_key(place);
        ids.dedup();
        for id in ids {
            if !self.pending.contains_key(&id) {
                continue;
            }
            match self.seal(id) {
                Some(p) if still.is_empty() => self.outbox.push(p),
                _ => still.push(id),
            }
        }
        if !still.is_empty() {
            self.waiting.insert(conv.clone(), still);
        }
    }

    /// After an epoch change in `conv`: messages the host called stale are encrypted
    /// again, with any still waiting, in order (`flush_waiting`).
    pub(super) fn resend_stale(&mut self, conv: &Conv) {
        self.flush_waiting(conv);
    }

    /// Encrypts every stale DM again now (a timer calls this if no commit came).
    pub fn retry_stale(&mut self) {
        let convs: Vec<Conv> = self.stale.keys().cloned().collect();
        for c in convs {
            self.resend_stale(&c);
        }
    }

    /// True while some DM waits to be encrypted again.
    pub fn has_stale(&self) -> bool {
        !self.stale.is_empty()
    }

    /// Our copy of a DM's group is lost or behind: start a new one that replaces the
    /// group the host has (the other member joins it from its Welcome).
    pub(super) fn recover(&mut self, conv: &Conv, message: &[u8]) {
        let Conv::Dm { .. } = conv else { return };
        let starting = self.pending.values().any(|p| match p {
            Pending::FetchKeyPackage { conv: c, .. } | Pending::CreateGroup { conv: c, .. } => c == conv,
            _ => false,
        });
        let me = self.me.clone().unwrap_or_default();
        let (Some(partner), false) = (conv.partner(&me).map(str::to_string), starting) else {
            return;
        };
        if let Ok(crate::group::framing::Framing::Message { group_id, .. }) = crate::group::framing::framing(message) {
            let p = self.start_group(conv.clone(), &partner, Some(group_id));
            self.outbox.push(p);
        }
    }

    /// A change of ours to a group is in the log: the host ordered it, so it is
    /// applied (a commit at our group's epoch, or the Welcome of the DM group we
    /// created and have not confirmed). Its Ack does that as a rule; after an app
    /// restart the request, and so its Ack, is gone, and before, the group stayed an
    /// epoch behind for good (the partner's messages unreadable, ours refused as stale
    /// again and again).
    pub(super) fn own_change_ordered(&mut self, conv: &Conv, message: &[u8]) {
        use crate::group::framing::{Framing, Kind, framing};
        let Some(g) = self.groups.as_mut() else { return };
        let ours = match framing(message) {
            Ok(Framing::Message {
                group_id,
                epoch,
                kind: Kind::Commit,
                external: false,
            }) => g.group_id(conv).as_deref() == Some(group_id.as_slice()) && g.epoch(conv) == Some(epoch),
            // A Welcome names no group in the clear: ours is the one still waiting.
            Ok(Framing::Welcome) => g.created_unconfirmed(conv),
            _ => false,
        };
        if !ours {
            return;
        }
        let before = g.epoch(conv);
        if let Err(e) = g.confirm(conv) {
            return tracing::warn!(%e, "could not apply our own group change");
        }
        if g.epoch(conv) != before {
            self.must_save = true;
            self.flush_waiting(conv);
            self.resend_stale(conv);
        }
    }

    /// The host refused our group creation: another group came first (we join it from
    /// its Welcome in the log, if we have not already), or something else is wrong.
    pub(super) fn creation_refused(&mut self, conv: &Conv, info: &[u8], reason: &str) -> Vec<Event> {
        // Ours goes either way: kept after any refusal, it is a group of one, and what
        // we sent in it would reach nobody.
        let ours = crate::group::framing::group_info(info).ok().map(|(g, _)| g);
        if let Some(g) = self.groups.as_mut()
            && ours.is_some()
            && g.group_id(conv) == ours
        {
            g.discard(conv);
        }
        if reason == crate::host::STALE {
            return vec![];
        }
        self.fail_waiting(conv, reason)
    }

    /// Fresh keys of ours in the DM with `to` (a commit for the host to order).
    pub fn rotate_keys(&mut self, to: &str) -> Option<ClientPacket> {
        let me = self.me.clone()?;
        let user = self.find_user(to)?.clone();
        let conv = Conv::dm(&me, &user.name);
        let (message, info) = match self.groups.as_mut()?.update(&conv) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(%e, "could not refresh keys");
                return None;
            }
        };
        self.must_save = true;
        let id = Uuid::new_v4();
        let p = Pending::Commit { conv, message, info };
        let packet = self.packet_for(id, &p);
        self.pending.insert(id, p);
        self.order.push(id);
        packet
    }

    /// Takes and clears "save before sending" (secrets were used).
    pub fn take_must_save(&mut self) -> bool {
        std::mem::take(&mut self.must_save)
    }
}

#[cfg(test)]
mod tests;
