//! File names from others are hostile input: what a received file may be called on
//! disk (last path component, no control characters, no reserved or hidden names,
//! bounded length) and a name that overwrites nothing.

/// Longest name we save under, in bytes of UTF-8 (extension included).
pub const MAX_FILE_NAME_BYTES: usize = 120;

/// What a file with no usable name is saved as.
pub const FALLBACK_NAME: &str = "file";

/// Names Windows keeps for devices (with any extension): never used as they are.
const RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9", "lpt1", "lpt2",
    "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// A name safe to save a received file under, made from whatever the sender said.
pub fn safe_name(raw: &str) -> String {
    // Only the last path component, whatever the separator.
    let last = raw.rsplit(['/', '\\']).find(|p| !p.trim().is_empty()).unwrap_or("");
    let mut name: String = last
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .map(|c| {
            if matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
                '_'
            } else {
                c
            }
        })
        .collect();
    // No hidden files, no "." or "..", no trailing dots or spaces (Windows drops them).
    name = name
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' '])
        .to_string();
    if name.is_empty() {
        name = FALLBACK_NAME.to_string();
    }
    let stem = name.split('.').next().unwrap_or("").to_lowercase();
    if RESERVED.contains(&stem.trim()) {
        name.insert(0, '_');
    }
    cap(&name, MAX_FILE_NAME_BYTES)
}

/// `name` shortened to `max` bytes on a character boundary, keeping a short extension.
fn cap(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    let (stem, ext) = split_ext(name);
    let ext = if ext.len() <= 16 { ext } else { "" };
    let room = max.saturating_sub(ext.len());
    let mut cut = room.min(stem.len());
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{ext}", &stem[..cut])
}

/// "photo.jpg" -> ("photo", ".jpg"); "README" -> ("README", "").
fn split_ext(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(i) if i > 0 => name.split_at(i),
        _ => (name, ""),
    }
}

/// Numbered names tried before a random one (`stem-<uuid>.ext`).
pub const MAX_NAME_TRIES: u32 = 999;

/// The first of `name`, `stem (1).ext`, `stem (2).ext`, ... for which `taken` says
/// no: a received file never overwrites one already there. The stem is shortened to
/// make room for the number, never the number cut (a long name once gave the same
/// candidate for every number, and the search never ended).
pub fn free_name(name: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(name) {
        return name.to_string();
    }
    let (stem, ext) = split_ext(name);
    let max = name.len().max(MAX_FILE_NAME_BYTES);
    let numbered = |tail: String| {
        let mut cut = max.saturating_sub(tail.len()).min(stem.len());
        while !stem.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{}{tail}", &stem[..cut])
    };
    (1..=MAX_NAME_TRIES)
        .map(|n| numbered(format!(" ({n}){ext}")))
        .find(|c| !taken(c))
        .unwrap_or_else(|| numbered(format!("-{}{ext}", uuid::Uuid::new_v4().simple())))
}

/// The name of the partial file while a download runs (hidden, next to the final one).
pub fn part_name(name: &str) -> String {
    format!(".{name}.part")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_are_neutralised() {
        for (raw, want) in [
            ("photo.jpg", "photo.jpg"),
            ("../../x", "x"),
            ("/etc/passwd", "passwd"),
            ("C:\\Windows\\system32\\cmd.exe", "cmd.exe"),
            ("a/b/", "b"),
            ("..", FALLBACK_NAME),
            (".", FALLBACK_NAME),
            ("", FALLBACK_NAME),
            ("   ", FALLBACK_NAME),
            (".bashrc", "bashrc"),
            ("evil\0name.txt", "evilname.txt"),
            ("line\nbreak\r.txt", "linebreak.txt"),
            ("bell\u{7}.txt", "bell.txt"),
            ("gnp.\u{202e}txt.exe", "gnp.txt.exe"),
            ("CON", "_CON"),
            ("con.txt", "_con.txt"),
            ("Lpt9.log", "_Lpt9.log"),
            ("console.txt", "console.txt"),
            ("what?.txt", "what_.txt"),
            ("a<b>c:d\"e|f*g", "a_b_c_d_e_f_g"),
            ("trailing. . ", "trailing"),
            ("zoë résumé.pdf", "zoë résumé.pdf"),
        ] {
            assert_eq!(safe_name(raw), want, "{raw:?}");
        }
        // 10 KB names are cut on a character boundary, keeping the extension.
        let long = format!("{}.png", "é".repeat(5000));
        let s = safe_name(&long);
        assert!(
            s.len() <= MAX_FILE_NAME_BYTES && s.ends_with(".png"),
            "{} bytes",
            s.len()
        );
        let long = "x".repeat(10_000);
        assert_eq!(safe_name(&long).len(), MAX_FILE_NAME_BYTES);
    }

    #[test]
    fn nothing_is_overwritten() {
        let taken = ["a.txt", "a (1).txt", "README"];
        let is = |n: &str| taken.contains(&n);
        assert_eq!(free_name("b.txt", is), "b.txt");
        assert_eq!(free_name("a.txt", is), "a (2).txt");
        assert_eq!(free_name("README", is), "README (1)");
        assert_eq!(part_name("a.txt"), ".a.txt.part");
    }

    #[test]
    fn a_long_name_gets_a_number_too() {
        // The partial file of a name at the cap: the number used to be cut off, so every
        // candidate was the same and the search never ended.
        let part = part_name(&safe_name(&format!("{}.pdf", "é".repeat(100))));
        let seen = std::cell::RefCell::new(std::collections::HashSet::new());
        let free = free_name(&part, |c| {
            assert!(c.len() <= part.len(), "{} bytes", c.len());
            !seen.borrow_mut().insert(c.to_string()) || seen.borrow().len() <= 3
        });
        assert!(free.starts_with(".éé") && free.ends_with(" (3).part"), "{free}");
        // Every number taken: a random name, still within the length, still a .part.
        let last = free_name(&part, |_| true);
        assert!(last.ends_with(".part") && last.len() <= part.len(), "{last}");
        // A final name keeps its extension.
        let name = safe_name(&format!("{}.pdf", "é".repeat(100)));
        let free = free_name(&name, |c| c == name);
        assert!(
            free.ends_with(" (1).pdf") && free.len() <= MAX_FILE_NAME_BYTES,
            "{free}"
        );
    }
}
