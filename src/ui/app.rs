//! The root: provides `AppState`, runs the one coroutine that talks to the service, and
//! lays out the current screen with dialogs and toasts. `launch` opens the window.

use super::chat::ChatScreen;
use super::dialogs::DialogLayer;
use super::model::{Model, Screen};
use super::start::StartScreen;
use super::state::AppState;
use super::toasts::Toasts;
use crate::service::{self, Command, Event};
use crate::trust::prefs::Prefs;
use dioxus::prelude::*;
use futures_util::StreamExt;
use std::path::PathBuf;

/// The stylesheet, compiled into the binary: the window is styled wherever the binary
/// runs from (a copied release binary, a package), with no asset folder beside it.
pub const CSS: &str = include_str!("../../assets/main.css");

/// The app icon (the window's icon on desktop), compiled in for the same reason.
pub const ICON_PNG: &[u8] = include_bytes!("../../assets/icon.png");

/// What the window is started with (given to `launch`, read from context).
#[derive(Clone, Debug)]
pub struct UiConfig {
    pub data_dir: PathBuf,
    /// An invite the app was opened with (a `severus://` link): the join form is
    /// filled with it.
    pub invite: Option<String>,
}

/// Opens the app window (desktop) or the app (mobile) on `data_dir`.
pub fn launch(data_dir: PathBuf) {
    launch_invite(data_dir, None)
}

/// Opens the app, ready to join by `invite` if there is one.
pub fn launch_invite(data_dir: PathBuf, invite: Option<String>) {
    launch_cfg(UiConfig { data_dir, invite }, App)
}

/// Opens a window running `root` (tests pass a root that also drives the window).
pub fn launch_with(data_dir: PathBuf, root: fn() -> Element) {
    launch_cfg(UiConfig { data_dir, invite: None }, root)
}

fn launch_cfg(cfg: UiConfig, root: fn() -> Element) {
    #[cfg(feature = "desktop")]
    {
        use dioxus::desktop::{Config, LogicalSize, WindowBuilder};
        let size = std::env::var("SEVERUS_WINDOW_SIZE")
            .ok()
            .and_then(|s| {
                s.split_once('x')
                    .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
            })
            .unwrap_or((1024.0, 720.0));
        let window = WindowBuilder::new()
            .with_title("Severus")
            .with_inner_size(LogicalSize::new(size.0, size.1))
            .with_min_inner_size(LogicalSize::new(340.0, 480.0));
        let mut desktop = Config::new();
        let icon = super::images::icon_rgba(ICON_PNG)
            .map_err(|e| e.to_string())
            .and_then(|(rgba, w, h)| {
                dioxus::desktop::tao::window::Icon::from_rgba(rgba, w, h).map_err(|e| e.to_string())
            });
        match icon {
            Ok(icon) => desktop = desktop.with_icon(icon),
            Err(e) => tracing::warn!(%e, "could not read the app icon"),
        }
        let desktop = desktop
            .with_window(window)
            .with_menu(None)
            .with_disable_context_menu(true);
        dioxus::LaunchBuilder::desktop()
            .with_cfg(desktop)
            .with_context(cfg)
            .launch(root);
    }
    #[cfg(all(feature = "mobile", not(feature = "desktop")))]
    dioxus::LaunchBuilder::mobile().with_context(cfg).launch(root);
}

/// The app: state, the service coroutine, and the shell.
#[component]
pub fn App() -> Element {
    let cfg = use_context::<UiConfig>();
    let state = use_context_provider(|| {
        let mut prefs = Prefs::load(&cfg.data_dir);
        if let Some(i) = &cfg.invite {
            prefs.address = i.trim().to_string();
        }
        let model = Model {
            focused: true,
            notifications: !prefs.quiet,
            ..Model::default()
        };
        AppState::new(model, prefs, Some(cfg.data_dir.clone()))
    });
    use_coroutine(move |mut rx: UnboundedReceiver<Command>| {
        let dir = cfg.data_dir.clone();
        let mut model = state.model;
        async move {
            let (svc, mut events) = match service::spawn(&dir) {
                Ok(s) => s,
                Err(e) => {
                    model.write().toast(format!("Cannot start: {e}"));
                    return;
                }
            };
            let receipts = !state.prefs.read().no_receipts;
            svc.send(Command::SetReceipts { on: receipts }).await;
            loop {
                tokio::select! {
                    cmd = rx.next() => match cmd {
                        Some(c) => { svc.send(c).await; }
                        None => break,
                    },
                    ev = events.recv() => match ev {
                        Some(e) => {
                            if let Some((title, body)) = model.read().notification(&e) {
                                super::notify::show(title, body);
                            }
                            let arrived = matches!(e, Event::Message { own: false, .. } | Event::Dm { .. } | Event::FileOffered { own: false, .. });
                            let saved = match &e {
                                Event::FileSaved { transfer, path, .. } => Some((*transfer, path.clone())),
                                _ => None,
                            };
                            let fetch = {
                                let mut m = model.write();
                                m.apply(e);
                                std::mem::take(&mut m.fetch)
                            };
                            for transfer in fetch {
                                svc.send(Command::Download { transfer }).await;
                            }
                            // What arrives while the window has the focus is on screen: read.
                            let read = arrived.then(|| model.read().read_now()).flatten();
                            if let Some(conv) = read {
                                svc.send(Command::MarkRead { conv }).await;
                            }
                            if let Some((t, path)) = saved {
                                thumbnail(model, t, path);
                            }
                        }
                        None => break,
                    },
                }
            }
        }
    });
    // Focus comes and goes: seen, read, and whether to notify.
    use_future(move || async move {
        let mut focus = document::eval(FOCUS_JS);
        let tx = use_coroutine_handle::<Command>();
        while let Ok(f) = focus.recv::<bool>().await {
            let mut model = state.model;
            model.write().set_focused(f);
            let read = model.read().read_now();
            if let Some(conv) = read {
                tx.send(Command::MarkRead { conv });
            }
        }
    });
    rsx! {
        Styles {}
        Shell {}
    }
}

/// Tells Rust when the window gains or loses the focus.
const FOCUS_JS: &str = "window.addEventListener('focus', () => dioxus.send(true)); window.addEventListener('blur', () => dioxus.send(false)); dioxus.send(document.hasFocus());";

/// The stylesheet, once (it never changes).
#[component]
fn Styles() -> Element {
    rsx! { document::Style { {CSS} } }
}

/// A saved picture gets its thumbnail, decoded in the background.
fn thumbnail(mut model: Signal<Model>, transfer: uuid::Uuid, path: PathBuf) {
    let picture = model.read().files.get(&transfer).is_some_and(|f| f.is_picture());
    if !picture {
        return;
    }
    spawn(async move {
        let made =
            tokio::task::spawn_blocking(move || super::images::file_data_url(&path, super::images::THUMB_EDGE)).await;
        match made {
            Ok(Ok(url)) => {
                model.write().thumbs.insert(transfer, url);
            }
            Ok(Err(e)) => tracing::info!(%e, "no thumbnail"),
            Err(e) => tracing::warn!(%e, "thumbnail task failed"),
        }
    });
}

/// Everything below the state: the current screen, dialogs and toasts.
#[component]
pub fn Shell() -> Element {
    let state = use_context::<AppState>();
    let screen = state.model.read().screen.clone();
    let title = state.model.read().title();
    let theme = match state.prefs.read().theme.as_str() {
        "light" => "app theme-light",
        "dark" => "app theme-dark",
        _ => "app theme-system",
    };
    rsx! {
        document::Title { "{title}" }
        // Phones: real width, and the layout shrinks (composer stays above the keyboard).
        document::Meta { name: "viewport", content: "width=device-width, initial-scale=1, interactive-widget=resizes-content" }
        div { class: "{theme}", id: "app",
            match screen {
                Screen::Start => rsx! { StartScreen {} },
                Screen::Connecting { target } => rsx! { Connecting { target } },
                Screen::Chat => rsx! { ChatScreen {} },
            }
            DialogLayer {}
            super::files::Viewer {}
            Toasts {}
        }
    }
}

/// The spinner while a connection is being made, and a way back.
#[component]
fn Connecting(target: String) -> Element {
    let tx = use_coroutine_handle::<Command>();
    rsx! {
        div { class: "connecting", role: "status",
            div { class: "spinner" }
            p { "Connecting to " span { class: "mono", "{target}" } "…" }
            button { id: "cancel-connect", onclick: move |_| tx.send(Command::Disconnect), "Cancel" }
        }
    }
}
