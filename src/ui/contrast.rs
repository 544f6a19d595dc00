//! The themes' colours meet WCAG AA: read from the stylesheet itself, so a colour
//! change that breaks contrast fails a test.

/// The `--name: #rrggbb` variables of the CSS block that starts with `selector {`.
pub fn theme_vars(css: &str, selector: &str) -> Vec<(String, [u8; 3])> {
    let Some(start) = css.find(&format!("{selector} {{")) else {
        return vec![];
    };
    let block = &css[start + selector.len() + 2..];
    let block = &block[..block.find('}').unwrap_or(block.len())];
    block
        .split(';')
        .filter_map(|d| {
            let (name, value) = d.split_once(':')?;
            let name = name.trim();
            let hex = value.trim().strip_prefix('#')?;
            let v = u32::from_str_radix(hex, 16).ok().filter(|_| hex.len() == 6)?;
            Some((name.to_string(), [(v >> 16) as u8, (v >> 8) as u8, v as u8]))
        })
        .collect()
}

fn luminance([r, g, b]: [u8; 3]) -> f64 {
    let c = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.039_28 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * c(r) + 0.7152 * c(g) + 0.0722 * c(b)
}

/// The WCAG contrast ratio of two colours (1 to 21).
pub fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    let (hi, lo) = if x > y { (x, y) } else { (y, x) };
    (hi + 0.05) / (lo + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_themes_meet_wcag_aa_and_the_light_accent_is_kept() {
        let css = super::super::app::CSS;
        for selector in [":root, .theme-light", ".theme-dark", "  .theme-system"] {
            let vars = theme_vars(css, selector);
            let get = |n: &str| {
                vars.iter()
                    .find(|(k, _)| k == n)
                    .map(|(_, v)| *v)
                    .unwrap_or_else(|| panic!("{selector}: no {n}"))
            };
            // Body text (4.5:1).
            for (fg, bg) in [
                ("--text", "--bg"),
                ("--text", "--panel"),
                ("--text", "--own"),
                ("--text", "--other"),
                ("--muted", "--bg"),
                ("--muted", "--panel"),
                ("--accent-text", "--accent"),
                ("--danger", "--panel"),
                ("--ok", "--panel"),
            ] {
                let c = contrast(get(fg), get(bg));
                assert!(c >= 4.5, "{selector}: {fg} on {bg} is {c:.2}:1, under 4.5:1");
            }
            // The accent as a colour of its own (dividers, marks): 3:1 for non-text.
            let c = contrast(get("--accent"), get("--bg"));
            assert!(c >= 3.0, "{selector}: the accent on the background is {c:.2}:1");
        }
        let light = theme_vars(css, ":root, .theme-light");
        assert!(
            light.iter().any(|(k, v)| k == "--accent" && *v == [0x6d, 0x28, 0xd9]),
            "the light accent stays #6d28d9"
        );
        assert!((contrast([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 0.01);
    }
}
