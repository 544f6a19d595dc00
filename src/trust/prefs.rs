//! What the app remembers between runs for convenience (never secrets): the last
//! nickname, address or ticket, and mode, in `prefs.json` in the data dir.

use super::files::write_atomic;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// File name inside the data dir.
pub const PREFS_FILE: &str = "prefs.json";

/// Remembered form values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    pub nickname: String,
    pub address: String,
    pub port: String,
    /// "direct" or "quic".
    pub mode: String,
    /// "light", "dark", or "" to follow the system.
    pub theme: String,
    /// Notifications off.
    pub quiet: bool,
    /// Read receipts off (none sent, none shown).
    pub no_receipts: bool,
}

impl Prefs {
    /// Loads prefs; a missing or damaged file gives defaults (they are only convenience).
    pub fn load(data_dir: &Path) -> Prefs {
        std::fs::read(data_dir.join(PREFS_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Saves prefs atomically.
    pub fn save(&self, data_dir: &Path) -> std::io::Result<()> {
        super::files::ensure_private_dir(data_dir)?;
        let bytes = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        write_atomic(&data_dir.join(PREFS_FILE), &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage_tolerance() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(Prefs::load(tmp.path()), Prefs::default());
        let p = Prefs {
            nickname: "zoë".into(),
            address: "127.0.0.1:3000".into(),
            port: "3000".into(),
            mode: "quic".into(),
            theme: "dark".into(),
            quiet: true,
            no_receipts: false,
        };
        p.save(tmp.path()).unwrap();
        assert_eq!(Prefs::load(tmp.path()), p);
        std::fs::write(tmp.path().join(PREFS_FILE), b"{oops").unwrap();
        assert_eq!(Prefs::load(tmp.path()), Prefs::default());
    }
}
