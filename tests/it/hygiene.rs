//! Keys at rest: no private key, certificate, identity or known_hosts file is ever
//! committed (the original Severus committed all three).

use std::process::Command;

#[test]
fn no_secret_or_trust_file_is_committed() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("git").args(["-C", root, "ls-files", "-z"]).output();
    let Ok(out) = out else {
        panic!("git is needed to check what is committed");
    };
    assert!(
        out.status.success(),
        "git ls-files failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files: Vec<String> = out
        .stdout
        .split(|b| *b == 0)
        .filter(|f| !f.is_empty())
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    assert!(!files.is_empty());
    for f in &files {
        let name = f.rsplit('/').next().unwrap_or(f);
        let bad_name = matches!(name, "identity.key" | "known_hosts.json" | "prefs.json")
            || [".pem", ".key", ".der", ".crt", ".p12"]
                .iter()
                .any(|ext| name.ends_with(ext));
        assert!(!bad_name, "{f} must not be committed");
        let Ok(bytes) = std::fs::read(format!("{root}/{f}")) else {
            continue;
        };
        // Marker strings are split so this file does not match itself.
        for marker in [
            concat!("-----BEGIN ", "PRIVATE KEY"),
            concat!("-----BEGIN EC ", "PRIVATE KEY"),
            concat!("-----BEGIN ", "CERTIFICATE"),
        ] {
            assert!(
                !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
                "{f} contains {marker}"
            );
        }
    }
}
