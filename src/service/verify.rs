//! Safety numbers and verified members in the service: the number with a member from
//! both sides' keys, marking it verified (remembered per host in the data dir).

use super::runner::Runner;
use crate::client::Event;
use crate::crypto::{MemberKeys, safety_number};
use crate::trust::Verified;

impl Runner {
    /// Our own keys as others see them.
    fn own_keys(&self) -> MemberKeys {
        MemberKeys {
            noise: self.identity.noise_public,
            signature: crate::group::signature_public(&self.identity.mls_signature).unwrap_or_default(),
        }
    }

    /// Loads the members verified on the current host into the client state, and
    /// says who they are.
    pub(super) async fn load_verified(&mut self) {
        let (Some(dir), Some(fp)) = (&self.data_dir, self.host_fp) else {
            return;
        };
        match Verified::new(dir).of_host(&fp) {
            Ok(v) => {
                let names: Vec<String> = v.keys().cloned().collect();
                self.chat.set_verified(v);
                let names = names.into_iter().filter(|n| self.chat.is_verified(n)).collect();
                self.emit(Event::VerifiedMembers { names }).await;
            }
            Err(e) => tracing::warn!(%e, "could not read the verified members"),
        }
    }

    fn no_keys(name: &str) -> Event {
        Event::Error {
            message: format!("no keys of {name} seen yet: they show once you share a conversation"),
        }
    }

    pub(super) async fn safety_number(&mut self, name: &str) {
        let e = match self.chat.keys_of(name) {
            Some(theirs) => Event::SafetyNumber {
                name: self.chat.display(name),
                number: safety_number(&self.own_keys(), &theirs),
                verified: self.chat.is_verified(name),
            },
            None => Self::no_keys(name),
        };
        self.emit(e).await;
    }

    pub(super) async fn mark_verified(&mut self, name: &str) {
        let Some(keys) = self.chat.keys_of(name) else {
            return self.emit(Self::no_keys(name)).await;
        };
        if let (Some(dir), Some(fp)) = (&self.data_dir, self.host_fp)
            && let Err(e) = Verified::new(dir).mark(&fp, name, &keys)
        {
            let message = format!("could not remember {name} as verified: {e}");
            return self.emit(Event::Error { message }).await;
        }
        self.chat.verify(name, keys);
        let name = self.chat.display(name);
        self.emit(Event::Verified { name }).await;
    }
}
