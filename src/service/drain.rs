//! Ending when input ends (`Command::Drain`): what we sent waits for the host's answer,
//! and our files for whoever fetches them, before `Drained` is reported.

use super::files::{Files, UPLOAD_QUIET};
use super::runner::{DRAIN_TIMEOUT, Runner};
use crate::client::Event;
use std::time::Duration;
use tokio::time::Instant;

/// Why what the host never answered fails when input has ended.
const NOT_ANSWERED: &str = "not acknowledged by the host before quitting";

/// The longest our files are served after input ended (receivers that keep asking,
/// slowly or on purpose, do not keep the program for ever).
pub const DRAIN_FILES_LIMIT: Duration = Duration::from_secs(600);

impl Files {
    /// Until when our uploads are still being fetched: one whose receivers asked for a
    /// chunk in the last `UPLOAD_QUIET`, or since `answered` (our offers were all
    /// acknowledged then: receivers ask only after that).
    fn fetched_until(&self, answered: Option<Instant>) -> Option<Instant> {
        self.uploads
            .values()
            .map(|u| u.last_asked.max(answered.unwrap_or(u.last_asked)) + UPLOAD_QUIET)
            .max()
    }

    /// Whether files of ours wait for a transfer to be opened.
    fn unsent(&self) -> bool {
        !self.opening.is_empty() || !self.waiting.is_empty()
    }
}

/// While input has ended: until when to wait for the host's answers, and since when
/// everything was answered.
#[derive(Debug, Clone, Copy)]
pub(super) struct Draining {
    pub answers_by: Instant,
    pub answered: Option<Instant>,
    pub files_by: Instant,
}

impl Runner {
    /// Input ended: report `Drained` once every request is answered (or
    /// `DRAIN_TIMEOUT` passed) and our files have been fetched. Before, a `/file`
    /// piped in was never offered: the program ended as soon as the text was acked.
    pub(super) async fn drain(&mut self) {
        let now = Instant::now();
        self.draining = Some(Draining {
            answers_by: now + DRAIN_TIMEOUT,
            answered: None,
            files_by: now + DRAIN_FILES_LIMIT,
        });
        self.drain_check().await;
    }

    /// When the drain looks again: at once when its deadline passed with something
    /// unanswered, else at the deadline or when our files go quiet.
    pub(super) fn drain_wake(&self) -> Option<Instant> {
        let d = self.draining?;
        let now = Instant::now();
        let unanswered = self.chat.pending_count() > 0 || self.files.unsent();
        if now >= d.answers_by && unanswered || now >= d.files_by {
            return Some(now);
        }
        let files = self.files.fetched_until(d.answered).map(|f| f.min(d.files_by));
        match (unanswered, files) {
            (true, Some(f)) => Some(f.min(d.answers_by)),
            (true, None) => Some(d.answers_by),
            (false, f) => Some(f.unwrap_or(now)),
        }
    }

    /// The drain's deadline or a file's quiet time came: past the deadline, what is
    /// still unanswered fails (files not opened yet too); then maybe `Drained`.
    pub(super) async fn drain_tick(&mut self) {
        let Some(d) = self.draining else { return };
        if Instant::now() >= d.answers_by {
            for e in self.chat.fail_all(NOT_ANSWERED) {
                self.emit(e).await;
            }
            self.uploads_fail(NOT_ANSWERED).await;
            if self.chat.pending_count() > 0 || self.files.unsent() {
                // Nothing left to wait for that could change this (no busy loop).
                self.draining = None;
                return self.emit(Event::Drained).await;
            }
        }
        self.drain_check().await;
    }

    /// Reports `Drained` if draining and nothing is left to wait for.
    pub(super) async fn drain_check(&mut self) {
        let Some(d) = self.draining.as_mut() else { return };
        let now = Instant::now();
        if self.chat.pending_count() > 0 || self.files.unsent() {
            d.answered = None;
            return;
        }
        let answered = *d.answered.get_or_insert(now);
        let fetched = self.files.fetched_until(Some(answered));
        if fetched.is_some_and(|f| f > now) && now < d.files_by {
            return;
        }
        self.draining = None;
        self.emit(Event::Drained).await;
    }
}
