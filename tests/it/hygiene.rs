//! Keys at rest and the shape of the code: no private key, certificate, identity or
//! known_hosts file is ever committed, and dependencies point down the layers.

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

/// Every `.rs` file under `src/<dir>`, with its text.
fn sources(dir: &str) -> Vec<(String, String)> {
    fn walk(p: &std::path::Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(p).into_iter().flatten().flatten() {
            let path = e.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push((
                    path.display().to_string(),
                    std::fs::read_to_string(&path).unwrap_or_default(),
                ));
            }
        }
    }
    let mut out = vec![];
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir),
        &mut out,
    );
    assert!(!out.is_empty(), "no sources under src/{dir}");
    out
}

/// The layers of DESIGN.md hold: the UI reaches sockets and keys only through the
/// service, and `protocol/`, `crypto/` and `group/` do no I/O.
#[test]
fn dependencies_point_down_the_layers() {
    for (f, text) in sources("ui") {
        for bad in [
            "crate::transport",
            "crate::session",
            "crate::host::",
            "tokio::net",
            "std::net::Tcp",
        ] {
            assert!(!text.contains(bad), "{f} uses {bad}: the UI goes through the service");
        }
    }
    for dir in ["protocol", "crypto", "group"] {
        // Test-only modules (vectors read their file) are not the layer itself.
        let tests_only = |f: &str| {
            ["tests.rs", "vectors.rs", "proptests.rs"]
                .iter()
                .any(|t| f.ends_with(t))
        };
        for (f, text) in sources(dir).into_iter().filter(|(f, _)| !tests_only(f)) {
            for bad in [
                "std::fs::",
                "tokio::net",
                "tokio::fs",
                "std::net::TcpStream",
                "crate::transport",
                "crate::service",
            ] {
                assert!(!text.contains(bad), "{f} uses {bad}: {dir}/ does no I/O");
            }
        }
    }
}
