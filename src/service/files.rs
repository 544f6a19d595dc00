//! What the service keeps of files: transfers being opened, our uploads (the file is
//! read when receivers ask), downloads in progress and offers not fetched yet.

use crate::crypto::chunks::FileKey;
use crate::group::FileOffer;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::path::PathBuf;
use uuid::Uuid;

/// A conversation as the user names it (where a file, a receipt or a typing note
/// goes): the lobby (None) or a room, or a member by DM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileTarget {
    Room(Option<Uuid>),
    Dm(String),
}

impl std::fmt::Display for FileTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileTarget::Room(None) => f.write_str("the lobby"),
            FileTarget::Room(Some(id)) => write!(f, "room {id}"),
            FileTarget::Dm(name) => f.write_str(name),
        }
    }
}

/// One of our files that receivers may ask for.
pub(crate) struct Upload {
    pub file: std::fs::File,
    pub key: FileKey,
    pub size: u64,
    pub chunks: u32,
    pub name: String,
    /// Bytes served to receivers so far (all of them together).
    pub served: u64,
    /// When a receiver last asked (the least recently asked upload closes first).
    pub last_asked: tokio::time::Instant,
    /// When progress was last reported.
    pub reported: Option<tokio::time::Instant>,
}

/// A file coming to us.
pub(crate) struct Download {
    pub offer: FileOffer,
    pub key: FileKey,
    pub from: String,
    /// The partial file (`.NAME.part` in the downloads folder).
    pub part: PathBuf,
    pub file: std::fs::File,
    pub chunks: u32,
    /// Which chunks are in.
    pub have: Vec<bool>,
    pub have_count: u32,
    /// Chunks asked for and not yet in.
    pub in_flight: BTreeSet<u32>,
    pub done: u64,
    /// SHA-256 of the chunks `0..hashed` (hashed as the file fills in, so the check at
    /// the end costs nothing).
    pub hash: sha2::Sha256,
    pub hashed: u32,
    pub reported: Option<tokio::time::Instant>,
    /// When the last chunk came (or the download started): a stall asks again.
    pub last_chunk: tokio::time::Instant,
}

/// Every file the service deals with.
pub(crate) struct Files {
    /// Where received files are saved.
    pub dir: PathBuf,
    /// `FileOpen` request id -> where the offer goes, the offer, the file.
    pub opening: HashMap<Uuid, (FileTarget, FileOffer, PathBuf)>,
    pub uploads: HashMap<Uuid, Upload>,
    pub downloads: HashMap<Uuid, Download>,
    /// Offers seen, by transfer: what `Command::Download` can fetch (and who sent it).
    pub offers: HashMap<Uuid, (FileOffer, String)>,
    /// The offers' transfers, oldest first (the oldest are forgotten first).
    offer_order: VecDeque<Uuid>,
    /// Downloads waiting for a free slot.
    pub queue: VecDeque<Uuid>,
    /// Files the user chose to send while every transfer the host allows us was taken
    /// (being opened, or asked for lately), in the order chosen.
    pub waiting: VecDeque<(FileTarget, PathBuf)>,
    /// Our transfers closed while there was no link: the host hears after the welcome.
    pub unsent_closes: Vec<Uuid>,
}

/// Files waiting to be sent, at most (more at once are refused with a reason).
pub const MAX_WAITING_UPLOADS: usize = 64;

/// An upload nobody asked for in this long may close to make room for a new one.
pub const UPLOAD_QUIET: std::time::Duration = std::time::Duration::from_secs(3);

/// The event for a transfer that failed (`sending`: one of ours).
pub fn failed(transfer: Uuid, name: &str, reason: impl Into<String>, sending: bool) -> crate::client::Event {
    crate::client::Event::FileFailed {
        transfer,
        name: name.to_string(),
        reason: reason.into(),
        sending,
    }
}

/// Offers remembered (the oldest are forgotten past this).
pub const MAX_OFFERS: usize = 1024;

impl Files {
    pub fn new(dir: PathBuf) -> Self {
        Files {
            dir,
            opening: HashMap::new(),
            uploads: HashMap::new(),
            downloads: HashMap::new(),
            offers: HashMap::new(),
            offer_order: VecDeque::new(),
            queue: VecDeque::new(),
            waiting: VecDeque::new(),
            unsent_closes: Vec::new(),
        }
    }

    /// The upload receivers asked for least recently, and when it may close (once it
    /// has been quiet for `UPLOAD_QUIET`).
    pub fn oldest_upload(&self) -> Option<(Uuid, tokio::time::Instant)> {
        self.uploads
            .iter()
            .min_by_key(|(_, u)| u.last_asked)
            .map(|(t, u)| (*t, u.last_asked + UPLOAD_QUIET))
    }

    /// Transfers of ours the host counts: opened, or asked for and not answered yet.
    pub fn open_transfers(&self) -> usize {
        self.uploads.len() + self.opening.len()
    }

    /// Remembers an offer (bounded: the oldest is forgotten first).
    pub fn remember_offer(&mut self, offer: FileOffer, from: String) {
        let transfer = offer.transfer;
        if self.offers.insert(transfer, (offer, from)).is_none() {
            self.offer_order.push_back(transfer);
        }
        while self.offers.len() > MAX_OFFERS {
            let Some(old) = self.offer_order.pop_front() else { break };
            self.offers.remove(&old);
        }
    }

    /// Removes the partial files of downloads still running (the app is quitting):
    /// nothing half-received is left in the downloads folder.
    pub fn discard_partial(&mut self) {
        for (_, d) in self.downloads.drain() {
            drop(d.file);
            if let Err(e) = std::fs::remove_file(&d.part) {
                tracing::debug!(%e, "cannot remove {}", d.part.display());
            }
        }
    }
}
