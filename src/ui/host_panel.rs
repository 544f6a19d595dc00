//! The host panel: the invite (and the bare address or ticket) with Copy, a QR code
//! of the invite, the host's fingerprint, members connected and live traffic charts.

use super::chart::Chart;
use super::model::CHART_SAMPLES;
use super::state::AppState;
use dioxus::prelude::*;

/// The ticket as an SVG QR code, for a phone to scan.
pub fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(180, 180)
            .dark_color(qrcode::render::svg::Color("#111111"))
            .light_color(qrcode::render::svg::Color("#ffffff"))
            .build(),
    )
}

#[component]
pub fn HostPanel() -> Element {
    let state = use_context::<AppState>();
    let m = state.model.read();
    let Some(h) = m.hosting.clone() else { return rsx! {} };
    let qr = qr_svg(&h.invite);
    let groups: Vec<String> = h.fingerprint.split(' ').map(str::to_string).collect();
    let rates: Vec<_> = h.rates.iter().copied().collect();
    rsx! {
        section { class: "panel host-panel", id: "host-panel", onclick: move |e| e.stop_propagation(),
            h3 { "Hosting" }
            CopyField { id: "host-invite", label: "Invite (share this: it proves who you are)", value: h.invite.clone() }
            if let Some(svg) = qr {
                div { class: "qr", id: "qr", title: "Scan to join", dangerous_inner_html: "{svg}" }
            }
            if let Some(addr) = h.direct.clone() {
                CopyField { id: "host-address", label: "Address", value: addr }
            }
            if let Some(ticket) = h.ticket.clone() {
                CopyField { id: "host-ticket", label: "Ticket", value: ticket }
            }
            p { class: "label", "Your fingerprint (friends compare it on first contact)" }
            div { class: "fp-grid", id: "host-fingerprint",
                for (i, g) in groups.into_iter().enumerate() { span { key: "{i}", "{g}" } }
            }
            p { class: "members-count", id: "members-count", "{h.members} connected" }
            Chart { label: "Messages/s", unit: "", len: CHART_SAMPLES,
                up: rates.iter().map(|r| r.msgs_out).collect::<Vec<_>>(), down: rates.iter().map(|r| r.msgs_in).collect::<Vec<_>>() }
            Chart { label: "Bytes/s", unit: "B", len: CHART_SAMPLES,
                up: rates.iter().map(|r| r.bytes_out).collect::<Vec<_>>(), down: rates.iter().map(|r| r.bytes_in).collect::<Vec<_>>() }
        }
    }
}

/// A read-only value with a Copy button.
#[component]
fn CopyField(id: String, label: String, value: String) -> Element {
    let mut copied = use_signal(|| false);
    let v = value.clone();
    rsx! {
        div { class: "copy-field",
            span { class: "label", "{label}" }
            code { id: "{id}", class: "mono", "{value}" }
            button { class: "small", onclick: move |_| {
                let js = format!("navigator.clipboard && navigator.clipboard.writeText({})", serde_json::to_string(&v).unwrap_or_default());
                document::eval(&js);
                copied.set(true);
            }, if copied() { "Copied" } else { "Copy" } }
        }
    }
}
