//! Starting a host from the app: listeners (direct and iroh), the invite, and the
//! host user's own member, linked in-process.

use super::command::HostConfig;
use super::runner::Runner;
use crate::client::{ChatState, Event};
use crate::host::Host;
use std::net::SocketAddr;

impl Runner {
    pub(super) async fn start_host(&mut self, cfg: HostConfig) {
        if self.host.is_some() {
            return self
                .emit(Event::HostFailed {
                    reason: "already hosting".into(),
                })
                .await;
        }
        let mut host = Host::with_options(self.identity.clone(), cfg.options.clone());
        let mut direct = None;
        if cfg.direct {
            let bind = SocketAddr::new(cfg.bind, cfg.port);
            match host.listen_tcp(bind).await {
                Ok(addr) => direct = Some(addr),
                Err(e) => {
                    host.shutdown();
                    let reason = format!("could not listen on {bind}: {e}");
                    return self.emit(Event::HostFailed { reason }).await;
                }
            }
        }
        let (mut ticket, mut warning) = (None, None);
        if let Some(opts) = &cfg.iroh {
            match host.listen_iroh(opts).await {
                Ok((t, w)) => (ticket, warning) = (Some(t), w),
                Err(e) => {
                    host.shutdown();
                    return self.emit(Event::HostFailed { reason: e.to_string() }).await;
                }
            }
        }
        let fingerprint = host.fingerprint();
        let invite = crate::protocol::Invite {
            fingerprint: fingerprint.0,
            addresses: direct.map(crate::transport::interfaces::reachable).unwrap_or_default(),
            ticket: ticket.clone(),
            secret: cfg.options.join_secret,
        }
        .encode();
        self.emit(Event::HostingStarted {
            direct,
            ticket,
            fingerprint,
            invite,
        })
        .await;
        if let Some(message) = warning {
            self.emit(Event::Error { message }).await;
        }
        if let Some(name) = cfg.name {
            self.link = Some(host.connect_local());
            self.host_key = "local".into();
            self.host_fp = Some(self.identity.fingerprint());
            // The host user remembers its groups like any member: after a restart it
            // offers the groups everyone still has, instead of starting new ones.
            self.chat = ChatState::default();
            self.memory_path = None;
            self.load_memory(&name, None);
            self.chat.set_join_secret(cfg.options.join_secret);
            self.load_verified().await;
            let register = self.chat.register(name);
            self.send_raw(register);
        }
        self.host = Some(host);
    }
}
