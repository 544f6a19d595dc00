//! `Command`: what the UI or the CLI asks the service to do.

use crate::crypto::HostIdentity;
use std::net::IpAddr;
use uuid::Uuid;

/// One request to the service.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Command {
    /// Host a room on `bind:port` (port 0 picks one); with `name`, also chat as it.
    StartHost {
        bind: IpAddr,
        port: u16,
        name: Option<String>,
    },
    /// Stop hosting (and the host user's chat).
    StopHost,
    /// Connect to a host (`IP:PORT`, `[v6]:PORT`, `HOST:PORT`) and register as `name`.
    Connect {
        target: String,
        name: String,
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
    /// Wait until every pending request is answered, then report `Drained`.
    Drain,
    /// Close the link to the host.
    Disconnect,
}
