//! Ending when input ends (`Command::Drain`): what we sent waits for the host's answer,
//! and our files for whoever fetches them, before `Drained` is reported.

use super::files::{Files, UPLOAD_QUIET};
use super::runner::{DRAIN_TIMEOUT, Runner};
use crate::client::Event;
use tokio::time::Instant;

/// Why what the host never answered fails when input has ended.
const NOT_ANSWERED: &str = "not acknowledged by the host before quitting";

impl Files {
    /// Until when files of ours are still going out: an upload whose receivers asked
    /// for a chunk in the last `UPLOAD_QUIET` is still being fetched (it just began, or
    /// a slow receiver is behind), and a file waiting to be opened has not gone yet.
    pub fn sending_until(&self, now: Instant) -> Option<Instant> {
        let fetched = self.uploads.values().map(|u| u.last_asked + UPLOAD_QUIET).max();
        let unsent = (!self.opening.is_empty() || !self.waiting.is_empty()).then_some(now + UPLOAD_QUIET);
        fetched.max(unsent).filter(|at| *at > now)
    }
}

impl Runner {
    /// Input ended: report `Drained` once every request is answered (or
    /// `DRAIN_TIMEOUT` passed) and our files have been fetched. Before, a `/file`
    /// piped in was never offered: the program ended as soon as the text was acked.
    pub(super) async fn drain(&mut self) {
        self.drain_until = Some(Instant::now() + DRAIN_TIMEOUT);
        self.drain_check().await;
    }

    /// When the drain looks again: at the answers' deadline, or when our files go quiet.
    pub(super) fn drain_wake(&self) -> Option<Instant> {
        let answers_by = self.drain_until?;
        let now = Instant::now();
        let answers = (answers_by > now).then_some(answers_by);
        match (self.files.sending_until(now), answers) {
            (Some(f), Some(a)) => Some(f.min(a)),
            (f, a) => f.or(a).or(Some(now)),
        }
    }

    /// The drain's deadline or a file's quiet time came: past the deadline, what is
    /// still unanswered fails (files not opened yet too); then maybe `Drained`.
    pub(super) async fn drain_tick(&mut self) {
        let Some(answers_by) = self.drain_until else { return };
        if Instant::now() >= answers_by {
            for e in self.chat.fail_all(NOT_ANSWERED) {
                self.emit(e).await;
            }
            self.uploads_fail(NOT_ANSWERED).await;
        }
        self.drain_check().await;
    }

    /// Reports `Drained` if draining and nothing is left to wait for.
    pub(super) async fn drain_check(&mut self) {
        if self.drain_until.is_none() || self.chat.pending_count() > 0 {
            return;
        }
        if self.files.sending_until(Instant::now()).is_some() {
            return;
        }
        self.drain_until = None;
        self.emit(Event::Drained).await;
    }
}
