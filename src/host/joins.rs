//! When others see a member join the lobby or a room: once it is in the conversation's
//! MLS group, so whatever they send after the `joined` line is readable to it.

use super::state::State;
use crate::protocol::{Conv, EntryBody, name_key};

impl State {
    /// Member `me` entered `conv`: `Joined` goes into the log now if the group already
    /// holds it (a host restart, a member coming back), else once its external commit
    /// or its claim of a new group is ordered (`in_group`).
    pub fn entered(&mut self, conv: &Conv, me: &str) {
        if matches!(conv, Conv::Dm { .. }) {
            return;
        }
        if let Some(d) = self.departed.get_mut(conv) {
            d.remove(me);
        }
        let key = self.members.get(me).map(|m| m.key);
        if self
            .roster_of(conv)
            .iter()
            .any(|(_, n, noise)| n == me && Some(*noise) == key)
        {
            self.announce_join(conv, me);
        } else {
            self.pending_joins
                .entry(conv.clone())
                .or_default()
                .insert(me.to_string());
        }
    }

    /// `me`'s commit or group claim in `conv` was ordered: it is in the group now.
    pub fn in_group(&mut self, conv: &Conv, me: &str) {
        if self.pending_joins.get(conv).is_some_and(|s| s.contains(me)) {
            self.announce_join(conv, me);
        }
    }

    /// `me` leaves `conv`: others see `Left`, unless they never saw it join.
    pub fn left(&mut self, conv: &Conv, me: &str, name: &str) {
        // Only needed while leaves of before a restart still get their grace period
        // (`reconcile`); after it, every leaf without its member goes anyway, and a
        // set kept for the host's life would grow with every name that ever left.
        if tokio::time::Instant::now() < self.started + self.opts.grace {
            self.departed.entry(conv.clone()).or_default().insert(me.to_string());
        }
        let pending = self.pending_joins.get_mut(conv).is_some_and(|s| s.remove(me));
        if !pending {
            self.append(conv, None, None, EntryBody::Left { name: name.to_string() });
        }
    }

    fn announce_join(&mut self, conv: &Conv, me: &str) {
        if let Some(s) = self.pending_joins.get_mut(conv) {
            s.remove(me);
            if s.is_empty() {
                self.pending_joins.remove(conv);
            }
        }
        let name = self.display(me);
        self.append(conv, None, None, EntryBody::Joined { name });
    }

    /// Leaves and member keys of `conv`'s group, read from its latest GroupInfo (once
    /// per GroupInfo); empty if the host knows no group or cannot read it.
    pub fn roster_of(&mut self, conv: &Conv) -> Vec<super::ds::Leaf> {
        let Some(r) = self.groups.get_mut(conv) else {
            return vec![];
        };
        if r.roster.is_none() {
            let read = r.info.as_deref().map(crate::group::framing::roster);
            r.roster = Some(match read {
                Some(Ok(list)) => list
                    .into_iter()
                    .map(|(leaf, m)| (leaf, name_key(&m.name), m.noise))
                    .collect(),
                _ => vec![],
            });
        }
        r.roster.clone().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::HostOptions;

    fn state(grace: std::time::Duration) -> State {
        let opts = HostOptions {
            grace,
            ..HostOptions::default()
        };
        State::new(opts, crate::group::new_signature_key().unwrap())
    }

    #[test]
    fn names_that_left_are_kept_only_while_the_restart_grace_runs() {
        let mut fresh = state(std::time::Duration::from_secs(60));
        fresh.left(&Conv::LOBBY, "ivy", "ivy");
        assert!(fresh.departed.get(&Conv::LOBBY).is_some_and(|d| d.contains("ivy")));
        // A host past its grace keeps none (a churn of names grew it for good).
        let mut settled = state(std::time::Duration::ZERO);
        for n in 0..100 {
            settled.left(&Conv::LOBBY, &format!("m{n}"), "m");
        }
        assert!(settled.departed.is_empty());
    }
}
