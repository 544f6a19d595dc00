//! A tiny SVG line chart for the host's live traffic (no chart library needed).

use dioxus::prelude::*;

/// Width and height of the chart's view box.
const W: f64 = 240.0;
const H: f64 = 48.0;

/// SVG polyline points for `values`, scaled to the box (the newest on the right).
pub fn points(values: &[u64], len: usize) -> String {
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = if len > 1 { W / (len - 1) as f64 } else { W };
    let offset = len.saturating_sub(values.len());
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "{:.1},{:.1}",
                (offset + i) as f64 * step,
                H - (*v as f64 / max) * (H - 4.0) - 2.0
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Two series (in and out) with a label and the latest values.
#[component]
pub fn Chart(label: String, unit: String, up: Vec<u64>, down: Vec<u64>, len: usize) -> Element {
    let last_up = up.last().copied().unwrap_or(0);
    let last_down = down.last().copied().unwrap_or(0);
    let p_up = points(&up, len);
    let p_down = points(&down, len);
    rsx! {
        figure { class: "chart",
            figcaption { "{label}: ↑ {last_up} {unit} · ↓ {last_down} {unit}" }
            svg { view_box: "0 0 {W} {H}", preserve_aspect_ratio: "none", role: "img",
                polyline { class: "up", points: "{p_up}" }
                polyline { class: "down", points: "{p_down}" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_to_the_box() {
        assert_eq!(points(&[], 60), "");
        let p = points(&[0, 10], 2);
        assert_eq!(p, format!("0.0,{:.1} {:.1},2.0", H - 2.0, W));
    }
}
