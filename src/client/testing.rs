//! For the client's unit tests: a client state with its own MLS keys, welcomed by a
//! host that names its users, its group key and the lobby's group.

use super::{ChatState, MlsKeys};
use crate::group::new_signature_key;
use crate::protocol::{ClientPacket, GroupState, HostPacket, Limits, UserInfo};
use uuid::Uuid;

/// `name` with fresh keys (its Noise key is `noise` repeated), welcomed among `users`.
pub(crate) fn welcomed(
    name: &str,
    noise: u8,
    users: &[&str],
    host_key: Vec<u8>,
    lobby: Option<GroupState>,
) -> ChatState {
    let mut c = ChatState::default();
    c.set_keys(MlsKeys {
        signature: new_signature_key().unwrap(),
        noise: [noise; 32],
    });
    let ClientPacket::Register { id, .. } = c.register(name.into()) else {
        panic!("a client's first packet registers it")
    };
    c.on_packet(welcome(id, name, users, host_key, lobby, Uuid::nil()));
    c
}

/// The host's `Welcome` of `name` (answering `id`) as a new member of incarnation
/// `incarnation`, holding none of its key packages.
pub(crate) fn welcome(
    id: Uuid,
    name: &str,
    users: &[&str],
    host_key: Vec<u8>,
    lobby: Option<GroupState>,
    incarnation: Uuid,
) -> HostPacket {
    HostPacket::Welcome {
        id,
        name: name.into(),
        incarnation,
        started_at: 0,
        resumed: false,
        users: users
            .iter()
            .map(|n| UserInfo {
                name: n.to_string(),
                away: false,
            })
            .collect(),
        rooms: vec![],
        cursors: vec![],
        key_packages: 0,
        host_key,
        group: lobby,
        limits: Limits {
            max_body: 16_384,
            max_packet: 1 << 20,
            rate_per_sec: 20,
            rate_burst: 50,
            grace_secs: 600,
            max_file: 100 << 20,
        },
    }
}
