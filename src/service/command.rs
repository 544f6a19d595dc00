//! `Command`: what the UI or the CLI asks the service to do.

use crate::crypto::HostIdentity;
use crate::transport::iroh::IrohOptions;
use std::net::IpAddr;
use uuid::Uuid;

/// How to host.
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// Address for direct mode and, when set in `iroh`, the iroh endpoint.
    pub bind: IpAddr,
    /// Direct-mode TCP port (0 picks one).
    pub port: u16,
    /// Serve direct mode (TCP).
    pub direct: bool,
    /// Serve iroh mode with these options.
    pub iroh: Option<IrohOptions>,
    /// Also chat as this name.
    pub name: Option<String>,
    /// Log bounds, grace period and limits.
    pub options: crate::host::HostOptions,
}

/// One request to the service.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Command {
    /// Host a room (direct and/or iroh); with a name, also chat as it.
    StartHost(HostConfig),
    /// Stop hosting (and the host user's chat).
    StopHost,
    /// Connect to a host (`IP:PORT`, `[v6]:PORT`, `HOST:PORT` or a ticket) and register
    /// as `name`. `net` applies to tickets (relay choice, bind address).
    Connect {
        target: String,
        name: String,
        net: IrohOptions,
    },
    /// The user compared the fingerprint and said Trust: pin it and connect again.
    Trust {
        host: String,
        identity: HostIdentity,
    },
    /// A message to a room we are in, or the lobby (None).
    Send {
        room_id: Option<Uuid>,
        text: String,
    },
    /// A direct message to the member with this name.
    Dm {
        to: String,
        text: String,
    },
    /// Refresh our keys in the encrypted conversation with this member (an MLS
    /// self-update, for post-compromise security).
    UpdateKeys {
        to: String,
    },
    CreateRoom {
        name: String,
    },
    /// Join by room id or name.
    JoinRoom {
        room: String,
    },
    LeaveRoom {
        room_id: Uuid,
    },
    /// Join the room with this name, creating it if it does not exist.
    JoinOrCreateRoom {
        name: String,
    },
    /// Send a file to the lobby, a room or a member (checked against the host's cap
    /// first; chunks move only when receivers ask).
    SendFile {
        to: super::files::FileTarget,
        path: std::path::PathBuf,
    },
    /// Fetch an offered file into the downloads folder.
    Download {
        transfer: Uuid,
    },
    /// Stop sending or receiving a file.
    CancelFile {
        transfer: Uuid,
    },
    /// Where received files are saved (default: `downloads` in the data dir).
    SetDownloads {
        dir: std::path::PathBuf,
    },
    /// Receipts on or off (off: none sent, none shown).
    SetReceipts {
        on: bool,
    },
    /// Everything that arrives counts as read (the command line prints it all).
    ReadOnArrival,
    /// The user has seen everything in this conversation so far.
    MarkRead {
        conv: super::files::FileTarget,
    },
    /// The user is typing in this conversation (`on`), or stopped (notes are sent at
    /// most every 3 s).
    Typing {
        conv: super::files::FileTarget,
        on: bool,
    },
    /// Remove the pin of `host` (it reset its keys, the user was told in person); the
    /// next connect is a first contact again (best made by a new invite).
    Forget {
        host: String,
    },
    /// The safety number with this member (answered with `Event::SafetyNumber`).
    SafetyNumber {
        name: String,
    },
    /// Mark this member verified with the keys we see now (after comparing numbers).
    MarkVerified {
        name: String,
    },
    /// Wait until every pending request is answered, then report `Drained`.
    Drain,
    /// Close the link to the host.
    Disconnect,
    /// Stop everything gracefully (host, link, iroh endpoints); the event stream ends.
    Shutdown,
}
