//! `AppState`: the app's signals, shared through context. `Copy`, so every component
//! and the root coroutine hold the same handles.

use super::model::Model;
use crate::trust::prefs::Prefs;
use dioxus::prelude::*;
use std::path::PathBuf;

/// The shared state of the window.
#[derive(Clone, Copy)]
pub struct AppState {
    /// Everything the service told us, as the UI shows it.
    pub model: Signal<Model>,
    /// Remembered form values (nickname, address, port, mode).
    pub prefs: Signal<Prefs>,
    /// Where prefs are saved; None in tests (nothing is written).
    pub data_dir: Signal<Option<PathBuf>>,
}

impl AppState {
    /// Creates the signals (call inside a component, e.g. via `use_context_provider`).
    pub fn new(model: Model, prefs: Prefs, data_dir: Option<PathBuf>) -> Self {
        AppState {
            model: Signal::new(model),
            prefs: Signal::new(prefs),
            data_dir: Signal::new(data_dir),
        }
    }

    /// Remembers form values, writing them in the background.
    pub fn remember(mut self, p: Prefs) {
        if let Some(dir) = self.data_dir.read().clone() {
            let copy = p.clone();
            std::thread::spawn(move || {
                if let Err(e) = copy.save(&dir) {
                    tracing::warn!(%e, "could not save preferences");
                }
            });
        }
        self.prefs.set(p);
    }
}
