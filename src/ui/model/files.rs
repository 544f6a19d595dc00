//! Files as the window shows them: one card per offered file in its conversation, with
//! its state (offered, moving with progress and speed, saved, failed), plain data
//! updated from service events and unit-tested without a window.

use super::{Conv, Line, LineKind, Model};
use crate::client::event::clock;
use crate::group::FileOffer;
use std::path::PathBuf;
use uuid::Uuid;

/// Pictures up to this size download by themselves; anything else on click.
pub const AUTO_DOWNLOAD_BYTES: u64 = 10 * 1024 * 1024;

/// Where a file is.
#[derive(Debug, Clone, PartialEq)]
pub enum FileState {
    /// Offered to us; not fetched yet.
    Offered,
    /// Coming in (or, for ours, being pulled by others): bytes so far, and speed.
    Moving {
        done: u64,
        bytes_per_sec: u64,
    },
    /// Ours, offered; nobody pulling right now.
    Sent,
    /// In the downloads folder.
    Saved {
        path: PathBuf,
    },
    Failed {
        reason: String,
    },
}

/// One file in a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct FileItem {
    pub transfer: Uuid,
    pub from: String,
    pub own: bool,
    pub name: String,
    pub size: u64,
    pub media_type: String,
    pub state: FileState,
    /// When the transfer started moving (ms), for the speed.
    pub(crate) started: Option<u64>,
}

impl FileItem {
    /// A picture we decode ourselves (the offer's word only decides what to fetch).
    pub fn is_picture(&self) -> bool {
        matches!(
            self.media_type.as_str(),
            "image/png" | "image/jpeg" | "image/gif" | "image/webp"
        )
    }

    /// Fetched without a click: pictures up to `AUTO_DOWNLOAD_BYTES`.
    pub fn fetch_by_itself(&self) -> bool {
        !self.own && self.is_picture() && self.size <= AUTO_DOWNLOAD_BYTES
    }

    /// Progress as a fraction (0..=1) while moving.
    pub fn fraction(&self) -> Option<f64> {
        match self.state {
            FileState::Moving { done, .. } => Some((done as f64 / self.size.max(1) as f64).min(1.0)),
            _ => None,
        }
    }
}

impl Model {
    /// A file was offered in `conv` (ours when `own`): its card goes into the
    /// conversation. True if the window should fetch it now.
    pub fn file_offered(&mut self, conv: Conv, from: String, own: bool, offer: &FileOffer, at: u64) -> bool {
        let item = FileItem {
            transfer: offer.transfer,
            from: from.clone(),
            own,
            name: offer.name.clone(),
            size: offer.size,
            media_type: offer.media_type.clone(),
            state: if own { FileState::Sent } else { FileState::Offered },
            started: None,
        };
        let fetch = item.fetch_by_itself();
        if self.files.insert(offer.transfer, item).is_none() {
            let line = Line {
                id: None,
                from,
                body: offer.name.clone(),
                time: clock(at),
                own,
                kind: LineKind::File(offer.transfer),
                delivery: super::Delivery::Delivered,
                flagged: false,
            };
            self.push(conv, line);
        }
        fetch
    }

    /// Bytes moved (`now` in ms, for the speed).
    pub fn file_progress(&mut self, transfer: Uuid, done: u64, now: u64) {
        let Some(f) = self.files.get_mut(&transfer) else { return };
        if f.own && done >= f.size {
            // All of ours went out once: sent (more receivers only add to `done`).
            f.state = FileState::Sent;
            f.started = None;
            return;
        }
        let started = *f.started.get_or_insert(now);
        let secs = (now.saturating_sub(started) as f64 / 1000.0).max(0.001);
        let bytes_per_sec = if now > started { (done as f64 / secs) as u64 } else { 0 };
        f.state = FileState::Moving { done, bytes_per_sec };
    }

    pub fn file_saved(&mut self, transfer: Uuid, path: PathBuf) {
        if let Some(f) = self.files.get_mut(&transfer) {
            f.state = FileState::Saved { path };
        }
    }

    /// A transfer failed. One never offered (refused before it went out) is a toast.
    pub fn file_failed(&mut self, transfer: Uuid, name: &str, reason: String) {
        match self.files.get_mut(&transfer) {
            Some(f) => {
                f.state = FileState::Failed { reason };
                f.started = None;
            }
            None => self.toast(format!("Could not send {name}: {reason}")),
        }
    }

    /// The user asked to fetch a file (or to stop one).
    pub fn file_requested(&mut self, transfer: Uuid) {
        if let Some(f) = self.files.get_mut(&transfer) {
            f.state = FileState::Moving {
                done: 0,
                bytes_per_sec: 0,
            };
        }
    }

    pub fn file_cancelled(&mut self, transfer: Uuid) {
        if let Some(f) = self.files.get_mut(&transfer) {
            f.state = if f.own {
                FileState::Failed {
                    reason: "you stopped sending it".into(),
                }
            } else {
                FileState::Failed {
                    reason: "cancelled".into(),
                }
            };
        }
    }
}

/// "1.2 MiB/s".
pub fn speed(bytes_per_sec: u64) -> String {
    format!("{}/s", crate::protocol::units::human(bytes_per_sec))
}
