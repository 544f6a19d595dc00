//! Quantities written for people: byte sizes in the messages and lines both sides
//! show ("5.0 MiB", "812 B").

/// Sizes for people: "5.0 MiB", "101 MiB", "812 B".
pub fn human(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KIB {
        format!("{bytes} B")
    } else if b < KIB * KIB {
        format!("{:.1} KiB", b / KIB)
    } else if b < KIB * KIB * 100.0 {
        format!("{:.1} MiB", b / KIB / KIB)
    } else {
        format!("{:.0} MiB", b / KIB / KIB)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(human(812), "812 B");
        assert_eq!(human(5 * 1024 * 1024), "5.0 MiB");
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(human(101 * 1024 * 1024), "101 MiB");
    }
}
