//! The line-mode client used by `severus join` and `severus host --name`: reads stdin
//! lines into commands and prints events, one line each, until quit or failure.

use super::exit;
use super::input::{Input, parse};
use super::output::{escape, line, rooms_line, users_line};
use crate::client::Event;
use crate::protocol::{RoomInfo, UserInfo, name_key};
use crate::service::{Command, FileTarget, ServiceHandle};
use std::process::ExitCode;
use tokio::io::{AsyncBufReadExt, BufReader, Lines, Stdin};
use tokio::sync::mpsc;
use uuid::Uuid;

/// How `severus join` treats a first-contact host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstContact {
    Ask,
    Trust,
}

/// Transfers from this size on show their progress on stderr.
pub const PROGRESS_FROM: u64 = 1024 * 1024;

/// What a damaged, altered or mismatched invite prints (then exit 3, nothing pinned).
pub const INVITE_MISMATCH: &str = "! this invite does not match the host (damaged or altered)";

/// How long typed lines wait for a `/join` or `/create` to be answered before they
/// go on to where the user was (a host that never answers must not swallow `/quit`).
pub const JOIN_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Whether a failure is the answer to a `/join` or `/create` (their failures carry no
/// typed text): a message refused meanwhile leaves the switch waiting. Before, any
/// failure ended it, and what the user typed next for the room went to the lobby.
fn ends_a_switch(e: &Event) -> bool {
    matches!(e, Event::Failed { text: None, .. })
}

/// State of one interactive session.
pub struct ChatLoop {
    svc: ServiceHandle,
    events: mpsc::Receiver<Event>,
    stdin: Lines<BufReader<Stdin>>,
    first_contact: FirstContact,
    /// Where plain text goes: a room we are in, or the lobby (None).
    current: Option<(Uuid, String)>,
    /// A room we asked to create or join: input waits until we are in it (its group
    /// joined) or the request failed.
    switching: Option<String>,
    /// When input stops waiting for `switching`.
    switch_until: tokio::time::Instant,
    users: Vec<UserInfo>,
    rooms: Vec<RoomInfo>,
    /// Verified members whose safety number changed (their messages are marked).
    unverified: std::collections::BTreeSet<String>,
    /// stdin is read only once registered, and not after its end.
    reading: bool,
    /// Whether a line-mode user is chatting (else a headless host just runs).
    chatting: bool,
}

fn out(s: &str) {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "{s}");
    let _ = o.flush();
}

fn err(s: &str) {
    eprintln!("{s}");
}

impl ChatLoop {
    pub fn new(svc: ServiceHandle, events: mpsc::Receiver<Event>, first_contact: FirstContact, chatting: bool) -> Self {
        ChatLoop {
            svc,
            events,
            stdin: BufReader::new(tokio::io::stdin()).lines(),
            first_contact,
            current: None,
            switching: None,
            switch_until: tokio::time::Instant::now(),
            users: vec![],
            unverified: Default::default(),
            rooms: vec![],
            reading: false,
            chatting,
        }
    }

    /// Runs until the user quits, input ends and drains, or the link fails; then shuts
    /// the service down gracefully.
    pub async fn run(mut self) -> ExitCode {
        let code = self.run_inner().await;
        self.svc.send(Command::Shutdown).await;
        let wait = std::time::Duration::from_secs(2);
        while let Ok(Some(_)) = tokio::time::timeout(wait, self.events.recv()).await {}
        code
    }

    async fn run_inner(&mut self) -> ExitCode {
        loop {
            let read_now = self.reading && self.switching.is_none();
            tokio::select! {
                // Events first: input never overtakes what the host already said.
                biased;
                ev = self.events.recv() => match ev {
                    None => return ExitCode::from(exit::CONNECTION),
                    Some(e) => if let Some(code) = self.on_event(e).await { return code },
                },
                l = self.stdin.next_line(), if read_now => match l {
                    Ok(Some(l)) => if let Some(code) = self.on_input(&l).await { return code },
                    _ => {
                        self.reading = false;
                        self.svc.send(Command::Drain).await;
                    }
                },
                _ = tokio::time::sleep_until(self.switch_until), if self.switching.is_some() => {
                    if let Some(room) = self.switching.take() {
                        let here = self.current.as_ref().map_or("the lobby", |c| c.1.as_str());
                        out(&format!(
                            "! no answer about {} after {}s: you are still in {}; lines go there",
                            escape(&room),
                            JOIN_WAIT.as_secs(),
                            escape(here)
                        ));
                    }
                }
                _ = shutdown_signal() => return ExitCode::SUCCESS,
            }
        }
    }

    async fn on_event(&mut self, e: Event) -> Option<ExitCode> {
        match &e {
            Event::HostingStarted {
                direct,
                ticket,
                fingerprint,
                invite,
            } => {
                if let Some(a) = direct {
                    out(&format!("listening: {a}"));
                }
                out(&format!("fingerprint: {fingerprint}"));
                out(&format!("invite: {invite}"));
                if let Some(t) = ticket {
                    out(&format!("ticket: {t}"));
                }
            }
            Event::HostFailed { reason } => {
                return fatal(&format!("! could not host: {reason}"), exit::CONNECTION);
            }
            Event::Connected { me, host } => {
                err(&format!("connected to {host} as {me}"));
                self.reading = self.chatting;
            }
            Event::NeedsTrust { host, identity } => {
                let yes = match self.first_contact {
                    FirstContact::Trust => true,
                    FirstContact::Ask => {
                        err(&format!("host fingerprint: {}", identity.fingerprint));
                        err("Trust this host? [y/N]");
                        // Ctrl-C is a no (before, the handler the chat loop set up made
                        // it do nothing here, and the prompt waited on).
                        let answer = tokio::select! {
                            l = self.stdin.next_line() => l.ok().flatten().unwrap_or_default(),
                            _ = shutdown_signal() => String::new(),
                        };
                        matches!(answer.trim().to_lowercase().as_str(), "y" | "yes")
                    }
                };
                if !yes {
                    return fatal(&format!("! {host} not trusted"), exit::TRUST);
                }
                self.svc
                    .send(Command::Trust {
                        host: host.clone(),
                        identity: identity.clone(),
                    })
                    .await;
            }
            Event::IdentityChanged { host, old, new } => {
                err(&format!("! HOST IDENTITY CHANGED for {host}: this may be an attack"));
                err(&format!("!   trusted fingerprint: {old}"));
                err(&format!("!   presented now:       {new}"));
                err(&format!(
                    "! if the host really reset its keys, run: severus forget {host}"
                ));
                return Some(ExitCode::from(exit::TRUST));
            }
            Event::InviteMismatch { reason } => {
                tracing::info!(%reason, "invite refused");
                return fatal(INVITE_MISMATCH, exit::TRUST);
            }
            Event::ConnectFailed { reason } => {
                return fatal(&format!("! could not connect: {reason}"), exit::CONNECTION);
            }
            Event::RegistrationRefused { reason } => {
                return fatal(
                    &format!("! registration refused: {}", escape(reason)),
                    exit::REGISTRATION,
                );
            }
            Event::Users { users } => self.users = users.clone(),
            Event::Rooms { rooms } => self.rooms = rooms.clone(),
            Event::RoomJoined { room_id, name, .. } => {
                if let Some(want) = &self.switching
                    && (name_key(want) == name_key(name) || want.parse::<Uuid>().ok() == Some(*room_id))
                {
                    self.current = Some((*room_id, name.clone()));
                    self.switching = None;
                }
            }
            e @ Event::Failed { .. } if self.switching.is_some() && ends_a_switch(e) => {
                self.switching = None;
            }
            Event::RoomLeft { room_id, .. } if self.current.as_ref().is_some_and(|(id, _)| id == room_id) => {
                self.current = None;
            }
            Event::Drained => return Some(ExitCode::SUCCESS),
            Event::Reconnecting { attempt: 1, .. } => out("* reconnecting"),
            Event::Reconnected { .. } => out("* reconnected"),
            Event::Path { kind } => err(&format!(
                "iroh path: {}",
                if *kind == crate::transport::iroh::PathKind::Direct {
                    "direct"
                } else {
                    "relayed"
                }
            )),
            Event::Disconnected { reason } => {
                let why = reason.clone().unwrap_or_else(|| "closed".into());
                return fatal(&format!("! connection lost: {}", escape(&why)), exit::CONNECTION);
            }
            // Files offered to us are fetched at once; big ones show progress on stderr.
            Event::FileOffered { own: false, offer, .. } => {
                let transfer = offer.transfer;
                self.svc.send(Command::Download { transfer }).await;
            }
            Event::FileProgress {
                name,
                done,
                total,
                sending,
                ..
            } if *total >= PROGRESS_FROM => {
                let pct = done.saturating_mul(100) / (*total).max(1);
                let (h, t) = (
                    crate::protocol::units::human(*done),
                    crate::protocol::units::human(*total),
                );
                let dir = if *sending { "sending" } else { "receiving" };
                err(&format!("{dir} {}: {pct}% ({h} of {t})", escape(name)));
            }
            Event::SafetyNumberChanged { name } => {
                self.unverified.insert(name_key(name));
            }
            Event::Verified { name } => {
                self.unverified.remove(&name_key(name));
            }
            _ => {}
        }
        if let Some(l) = line(&e) {
            out(&self.marked(&e, l));
        }
        None
    }

    /// A message from a verified member whose safety number changed is marked (`(!)`
    /// after its name) until it is verified again.
    fn marked(&self, e: &Event, l: String) -> String {
        let from = match e {
            Event::Message { from, own: false, .. } | Event::Dm { from, .. } => from,
            _ => return l,
        };
        if !self.unverified.contains(&name_key(from)) {
            return l;
        }
        let name = escape(from);
        match e {
            Event::Dm { .. } => l.replacen(&format!("[dm from {name}]"), &format!("[dm from {name} (!)]"), 1),
            _ => l.replacen(&format!("] {name}: "), &format!("] {name} (!): "), 1),
        }
    }

    async fn on_input(&mut self, l: &str) -> Option<ExitCode> {
        let cmd = match parse(l) {
            Input::Empty => return None,
            Input::Text(text) => Command::Send {
                room_id: self.current.as_ref().map(|c| c.0),
                text,
            },
            Input::Dm { to, text } => Command::Dm { to, text },
            Input::Users => {
                out(&users_line(&self.users));
                return None;
            }
            Input::Rooms => {
                out(&rooms_line(&self.rooms));
                return None;
            }
            Input::Create(name) => {
                self.switching = Some(name.clone());
                self.switch_until = tokio::time::Instant::now() + JOIN_WAIT;
                Command::CreateRoom { name }
            }
            Input::Join(room) => {
                self.switching = Some(room.clone());
                self.switch_until = tokio::time::Instant::now() + JOIN_WAIT;
                Command::JoinRoom { room }
            }
            Input::File(path) => Command::SendFile {
                to: FileTarget::Room(self.current.as_ref().map(|c| c.0)),
                path: path.into(),
            },
            Input::DmFile { to, path } => Command::SendFile {
                to: FileTarget::Dm(to),
                path: path.into(),
            },
            Input::Typing => Command::Typing {
                conv: FileTarget::Room(self.current.as_ref().map(|c| c.0)),
                on: true,
            },
            Input::Verify(name) => Command::SafetyNumber { name },
            Input::Trust(name) => Command::MarkVerified { name },
            Input::Leave => match self.current.take() {
                Some((room_id, _)) => Command::LeaveRoom { room_id },
                None => {
                    out("! you are in the lobby");
                    return None;
                }
            },
            Input::Quit => {
                self.svc.send(Command::Disconnect).await;
                return Some(ExitCode::SUCCESS);
            }
            Input::Bad(msg) => {
                out(&format!("! {msg}"));
                return None;
            }
        };
        if !self.svc.send(cmd).await {
            return Some(ExitCode::from(exit::CONNECTION));
        }
        None
    }
}

fn fatal(msg: &str, code: u8) -> Option<ExitCode> {
    out(msg);
    Some(ExitCode::from(code))
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_failed_join_ends_a_switch() {
        let failed = |text: Option<&str>| Event::Failed {
            id: Uuid::new_v4(),
            reason: "slow down".into(),
            text: text.map(str::to_string),
        };
        assert!(ends_a_switch(&failed(None)));
        assert!(!ends_a_switch(&failed(Some("hi"))));
    }
}
