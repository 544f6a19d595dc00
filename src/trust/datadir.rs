//! Where this installation keeps its files: `--data-dir`, else `SEVERUS_DATA_DIR`,
//! else the platform's data directory (per user; app-private storage on Android).

use std::path::PathBuf;

/// Environment variable that overrides the data directory.
pub const DATA_DIR_ENV: &str = "SEVERUS_DATA_DIR";

/// The data directory: the explicit one if given, else the platform default.
/// Returns None only when the platform has no home directory to derive one from.
pub fn data_dir(explicit: Option<PathBuf>) -> Option<PathBuf> {
    if explicit.is_some() {
        return explicit;
    }
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    platform_default()
}

#[cfg(not(target_os = "android"))]
fn platform_default() -> Option<PathBuf> {
    directories::ProjectDirs::from("dev", "severus", "Severus").map(|p| p.data_dir().to_path_buf())
}

/// On Android the process's working directory is not writable; the app's private
/// files directory is `/data/data/<package>/files`, readable by this app only.
#[cfg(target_os = "android")]
fn platform_default() -> Option<PathBuf> {
    Some(PathBuf::from("/data/data/dev.severus.app/files"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_wins() {
        let p = PathBuf::from("/tmp/x");
        assert_eq!(data_dir(Some(p.clone())), Some(p));
    }
}
