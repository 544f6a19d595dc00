//! The Dioxus app: small components over one `AppState` (signals in context), fed by
//! one coroutine that sends `Command`s to the service and applies its `Event`s.
//! No socket or crypto code lives here.

mod app;
mod chart;
mod chat;
mod composer;
#[cfg(test)]
mod contrast;
mod dialogs;
mod files;
mod host_panel;
pub mod images;
pub mod model;
mod notify;
mod settings;
mod start;
mod state;
#[cfg(test)]
mod tests;
mod toasts;

pub use app::{App, Shell, UiConfig, launch, launch_invite, launch_with};
pub use model::Model;
pub use state::AppState;
