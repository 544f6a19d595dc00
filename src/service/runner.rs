//! The service task: owns the host, the link and the chat state; applies commands,
//! turns packets into events, pings, reports host stats, and drains before quitting.

use super::backoff::Reconnect;
use super::cancel::ConnectCancel;
use super::command::Command;
use super::connect::ClientEndpoint;
use crate::client::{ChatState, Event};
use crate::crypto::Identity;
use crate::host::Host;
use crate::protocol::limits::PING_INTERVAL;
use crate::protocol::{ClientPacket, HostPacket};
use crate::session::{HostVerifier, Link, now_ms};
use crate::transport::iroh::IrohOptions;
use crate::trust::{KeyStoreError, KnownHosts, load_or_create_identity, sessions};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use uuid::Uuid;

/// How long a drain (end of input) waits for the host's acknowledgements.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a clean quit waits for the host to acknowledge `Bye`.
pub const BYE_TIMEOUT: Duration = Duration::from_secs(2);

/// How long after a change the client's memory of the host is written to disk.
pub const MEMORY_SAVE_DELAY: Duration = Duration::from_millis(500);

/// How long a DM the host called stale waits for the epoch change before it is
/// encrypted again anyway.
pub const STALE_RETRY: Duration = Duration::from_secs(1);

/// Receipts go out at most this often (one per conversation, cumulative).
pub const RECEIPT_EVERY: Duration = Duration::from_secs(2);

/// A typing note goes out at most this often per conversation.
pub const TYPING_EVERY: Duration = Duration::from_secs(3);

/// Where received files go inside the data dir, unless told otherwise.
pub const DOWNLOADS_DIR: &str = "downloads";

/// How long members wait for the named committer of a host proposal before they
/// commit it themselves (the first commit the host orders wins).
pub const COMMIT_FALLBACK: Duration = Duration::from_secs(2);

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    #[error(transparent)]
    KeyStore(#[from] KeyStoreError),
}

/// Sends commands to a running service. Dropping every handle stops it.
#[derive(Clone)]
pub struct ServiceHandle {
    tx: mpsc::Sender<Command>,
    identity: Arc<Identity>,
    cancel: Arc<ConnectCancel>,
}

impl ServiceHandle {
    /// Queues a command; false if the service has stopped. `Disconnect` also stops a
    /// connect under way at once (the command itself follows in turn).
    pub async fn send(&self, cmd: Command) -> bool {
        if matches!(cmd, Command::Disconnect) {
            self.cancel.fire();
        }
        self.tx.send(cmd).await.is_ok()
    }

    /// This installation's identity (for showing its fingerprint).
    pub fn identity(&self) -> &Arc<Identity> {
        &self.identity
    }
}

/// Starts the service with the identity, known_hosts and session memory of `data_dir`.
pub fn spawn(data_dir: &Path) -> Result<(ServiceHandle, mpsc::Receiver<Event>), ServiceError> {
    let (identity, _) = load_or_create_identity(data_dir)?;
    Ok(start(
        Arc::new(identity),
        Arc::new(KnownHosts::new(data_dir)),
        Some(data_dir.to_path_buf()),
    ))
}

/// Starts the service with a given identity and verifier, remembering nothing on disk
/// (tests use in-memory ones).
pub fn spawn_with(identity: Arc<Identity>, verifier: Arc<dyn HostVerifier>) -> (ServiceHandle, mpsc::Receiver<Event>) {
    start(identity, verifier, None)
}

fn start(
    identity: Arc<Identity>,
    verifier: Arc<dyn HostVerifier>,
    data_dir: Option<PathBuf>,
) -> (ServiceHandle, mpsc::Receiver<Event>) {
    let (cmd_tx, cmd_rx) = mpsc::channel(64);
    let downloads = data_dir.as_ref().map_or_else(
        || std::env::temp_dir().join("severus-downloads"),
        |d| d.join(DOWNLOADS_DIR),
    );
    let (ev_tx, ev_rx) = mpsc::channel(1024);
    let cancel = Arc::new(ConnectCancel::default());
    let runner = Runner {
        cancel: cancel.clone(),
        identity: identity.clone(),
        verifier,
        events: ev_tx,
        host: None,
        link: None,
        chat: ChatState::default(),
        target: None,
        host_key: String::new(),
        draining: None,
        endpoint: ClientEndpoint::default(),
        reconnect: None,
        resuming: false,
        data_dir,
        files: super::files::Files::new(downloads),
        host_fp: None,
        memory_path: None,
        save_at: None,
        retry_at: None,
        commit_at: None,
        receipt_at: None,
        file_check_at: None,
        upload_check_at: None,
        receipts: true,
        read_on_arrival: false,
        typed: Default::default(),
    };
    tokio::spawn(runner.run(cmd_rx));
    (
        ServiceHandle {
            tx: cmd_tx,
            identity,
            cancel,
        },
        ev_rx,
    )
}

pub(super) struct Runner {
    pub(super) identity: Arc<Identity>,
    pub(super) verifier: Arc<dyn HostVerifier>,
    pub(super) events: mpsc::Sender<Event>,
    pub(super) host: Option<Host>,
    pub(super) link: Option<Link>,
    pub(super) chat: ChatState,
    /// Last connect target, name and network options: to connect again after Trust,
    /// and to reconnect after a lost link.
    pub(super) target: Option<(String, String, IrohOptions)>,
    /// known_hosts name of the host we are linked to ("local" for our own).
    pub(super) host_key: String,
    /// Set while draining: when to give up waiting for the host's answers.
    pub(super) draining: Option<super::drain::Draining>,
    /// The iroh endpoint used to join tickets.
    pub(super) endpoint: ClientEndpoint,
    /// Set while the link is down and we try again.
    pub(super) reconnect: Option<Reconnect>,
    /// Set after a reconnect until the host welcomes us again.
    pub(super) resuming: bool,
    /// Where session memory lives (None: remember nothing on disk).
    pub(super) data_dir: Option<PathBuf>,
    /// Files sent and received.
    pub(super) files: super::files::Files,
    /// The fingerprint of the host we are linked to (verified members are per host).
    pub(super) host_fp: Option<crate::crypto::Fingerprint>,
    /// The memory file of the current host and name.
    pub(super) memory_path: Option<PathBuf>,
    /// When to write the memory next (set after a change).
    pub(super) save_at: Option<tokio::time::Instant>,
    /// When to encrypt stale DMs again if no epoch change came.
    pub(super) retry_at: Option<tokio::time::Instant>,
    /// Receipts on (the user's setting).
    pub(super) receipts: bool,
    /// Everything that arrives counts as read (the command line).
    pub(super) read_on_arrival: bool,
    /// When to look for stalled downloads (set while any runs).
    pub(super) file_check_at: Option<tokio::time::Instant>,
    /// When to look again for a slot for files waiting to be sent.
    pub(super) upload_check_at: Option<tokio::time::Instant>,
    /// When to send receipts (set when some are due).
    pub(super) receipt_at: Option<tokio::time::Instant>,
    /// When we last said we type, per conversation.
    pub(super) typed: std::collections::HashMap<crate::protocol::Conv, tokio::time::Instant>,
    /// When to commit host proposals nobody committed.
    pub(super) commit_at: Option<tokio::time::Instant>,
    /// Fired by the handle's `Disconnect`: stops a connect under way.
    pub(super) cancel: Arc<ConnectCancel>,
}

async fn next_packet(link: &mut Option<Link>) -> Option<HostPacket> {
    match link {
        Some(l) => l.rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn deadline(until: Option<tokio::time::Instant>) {
    match until {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

impl Runner {
    pub(super) async fn run(mut self, mut cmds: mpsc::Receiver<Command>) {
        let mut ping = tokio::time::interval(PING_INTERVAL);
        let mut stats = tokio::time::interval(Duration::from_secs(1));
        loop {
            let drain_wake = self.drain_wake();
            tokio::select! {
                c = cmds.recv() => match c {
                    Some(Command::Shutdown) | None => break,
                    Some(c) => self.command(c).await,
                },
                p = next_packet(&mut self.link) => match p {
                    Some(p) => self.packet(p).await,
                    None => self.link_lost().await,
                },
                _ = ping.tick() => {
                    self.send_raw(ClientPacket::Ping { timestamp: now_ms() });
                }
                _ = deadline(self.save_at) => self.save_memory(),
                _ = deadline(self.retry_at) => {
                    self.retry_at = None;
                    self.chat.retry_stale();
                    self.flush_outbox().await;
                }
                _ = deadline(self.commit_at) => {
                    self.commit_at = None;
                    self.chat.commit_due();
                    self.flush_outbox().await;
                }
                _ = deadline(self.upload_check_at) => self.send_waiting().await,
                _ = deadline(self.file_check_at) => {
                    self.file_check_at = self.downloads_check();
                    self.flush_outbox().await;
                }
                _ = deadline(self.receipt_at) => {
                    self.receipt_at = None;
                    // Through the outbox: the memory is saved before a secret is used.
                    for p in self.chat.take_receipts() {
                        self.chat.queue(p);
                    }
                    self.flush_outbox().await;
                }
                _ = stats.tick(), if self.host.is_some() => {
                    if let Some(h) = &self.host {
                        let s = h.stats();
                        self.emit(Event::Stats(s)).await;
                    }
                }
                _ = deadline(self.reconnect.as_ref().map(|r| r.at)) => self.try_reconnect().await,
                _ = deadline(drain_wake) => self.drain_tick().await,
            }
        }
        self.bye().await;
        self.files.discard_partial();
        if let Some(h) = self.host.take() {
            h.close().await;
        }
        self.endpoint.close().await;
    }

    /// A clean quit: tells the host (so others see us leave at once), waits briefly for
    /// its answer, and drops the link.
    pub(super) async fn bye(&mut self) {
        self.save_memory();
        let Some(mut link) = self.link.take() else { return };
        let id = Uuid::new_v4();
        if link.tx.try_send(ClientPacket::Bye { id }).is_err() {
            return;
        }
        let _ = tokio::time::timeout(BYE_TIMEOUT, async {
            while let Some(p) = link.rx.recv().await {
                if matches!(p, HostPacket::Ack { id: a, .. } if a == id) {
                    break;
                }
            }
        })
        .await;
    }

    /// The keys our groups are made with.
    pub(super) fn keys(&self) -> crate::client::MlsKeys {
        crate::client::MlsKeys {
            signature: self.identity.mls_signature.clone(),
            noise: self.identity.noise_public,
        }
    }

    /// Reads what we remember of the current host for `name` (an app restart resumes).
    /// A host joined by name was kept under its address before: that memory moves to
    /// the name (else the app would come back without its groups).
    pub(super) fn load_memory(&mut self, name: &str, address: Option<&str>) {
        if let Some(dir) = &self.data_dir {
            let path = sessions::session_path(dir, &self.host_key, name);
            if let Some(old) = address.map(|a| sessions::session_path(dir, a, name))
                && !path.exists()
                && old.exists()
                && let Err(e) = std::fs::rename(&old, &path)
            {
                tracing::warn!(%e, "could not move the memory of {} to its name", self.host_key);
            }
            self.chat = ChatState::from_memory(sessions::load(&path, &self.identity.storage_key));
            self.memory_path = Some(path);
        }
        self.chat.set_keys(self.keys());
        // The user's settings outlive any one link's state.
        self.chat.set_receipts(self.receipts);
        if self.read_on_arrival {
            self.chat.read_on_arrival();
        }
    }

    /// Writes the memory of the current host if it changed.
    pub(super) fn save_memory(&mut self) {
        if self.chat.is_dirty() {
            self.save_memory_now();
        }
    }

    /// Writes the memory of the current host (group secrets inside, encrypted).
    pub(super) fn save_memory_now(&mut self) {
        self.save_at = None;
        if let Some(path) = &self.memory_path
            && let Err(e) = sessions::save(path, &self.chat.memory(), &self.identity.storage_key)
        {
            tracing::warn!(%e, "could not save the session memory");
        }
    }

    pub(super) async fn emit(&self, e: Event) {
        let _ = self.events.send(e).await;
    }
}
