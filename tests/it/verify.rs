//! Verified from the first contact, with real processes: joining by invite pins the
//! host with no prompt, a damaged or foreign invite is a hard stop that pins nothing,
//! an invite-only host wants the invite's secret, and safety numbers between members
//! match on both sides and turn red when a verified member's keys change.

use crate::cli::{Mode, Proc, host_with};
use severus::protocol::Invite;
use std::path::Path;

const MISMATCH: &str = "! this invite does not match the host (damaged or altered)";

fn join(dir: &Path, target: &str, name: &str, extra: &[&str]) -> Proc {
    let mut args = vec!["join", target, "--name", name];
    args.extend(extra);
    Proc::spawn(dir, &args)
}

fn pinned(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("known_hosts.json")).unwrap_or_default()
}

#[tokio::test]
async fn an_invite_connects_with_no_prompt_and_a_bad_one_pins_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (mut h, addr, fp, invite) = host_with(&d("host"), 0, Mode::Direct, &["--name", "hostie"]).await;
    let decoded = Invite::decode(&invite).unwrap();
    assert_eq!(
        decoded.addresses,
        vec![addr.parse().unwrap()],
        "bound to one address: that one"
    );
    assert_eq!(severus::crypto::Fingerprint(decoded.fingerprint).to_string(), fp);

    // By invite: stdin closed at once, no --trust: no prompt, and the host is pinned.
    let mut ana = join(&d("ana"), &invite, "ana", &[]);
    ana.close_stdin();
    ana.err_line(|l| l.starts_with("connected to ")).await;
    assert!(!ana.drain_err().iter().any(|l| l.contains("Trust this host")));
    assert_eq!(ana.exit_code().await, 0);
    assert!(pinned(&d("ana")).contains(&addr), "pinned: {}", pinned(&d("ana")));

    // A damaged invite (one character changed): exit 3, nothing pinned.
    let mut bad = invite.clone().into_bytes();
    let i = bad.len() / 2;
    bad[i] = if bad[i] == b'a' { b'b' } else { b'a' };
    let mut bob = join(&d("bob"), &String::from_utf8(bad).unwrap(), "bob", &["--trust"]);
    bob.line(MISMATCH).await;
    assert_eq!(bob.exit_code().await, 3);
    assert!(pinned(&d("bob")).is_empty() || !pinned(&d("bob")).contains(&addr));

    // A well-formed invite that names another host's fingerprint: the same stop.
    let other = Invite {
        fingerprint: [0x42; 32],
        ..decoded.clone()
    };
    let mut cy = join(&d("cy"), &other.encode(), "cy", &["--trust"]);
    cy.line(MISMATCH).await;
    assert_eq!(cy.exit_code().await, 3);
    assert!(!pinned(&d("cy")).contains(&addr), "pinned after a mismatch");

    // A bare address still asks (stdin closed: no answer is a no).
    let mut dan = join(&d("dan"), &addr, "dan", &[]);
    dan.close_stdin();
    dan.err_line(|l| l == "Trust this host? [y/N]").await;
    assert_eq!(dan.exit_code().await, 3);
    h.kill().await;
}

#[tokio::test]
async fn an_invite_only_host_admits_only_the_invite() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (mut h, addr, _, invite) = host_with(&d("host"), 0, Mode::Direct, &["--invite-only"]).await;
    assert!(Invite::decode(&invite).unwrap().secret.is_some());
    let mut eve = join(&d("eve"), &addr, "eve", &["--trust"]);
    eve.line_where(|l| l.starts_with("! registration refused: this host is invite-only"))
        .await;
    assert_eq!(eve.exit_code().await, 4);
    let mut ana = join(&d("ana"), &invite, "ana", &[]);
    ana.err_line(|l| l.starts_with("connected to ")).await;
    ana.say("/quit").await;
    assert_eq!(ana.exit_code().await, 0);
    h.kill().await;
}

/// The groups of a `* safety number with NAME: ...` line.
fn number(line: &str) -> String {
    line.split_once(": ")
        .unwrap()
        .1
        .trim_end_matches(" (verified)")
        .to_string()
}

#[tokio::test]
async fn safety_numbers_match_and_a_verified_members_new_keys_are_a_red_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (mut h, _, _, invite) = host_with(&d("host"), 0, Mode::Direct, &[]).await;
    let mut ana = join(&d("ana"), &invite, "ana", &[]);
    ana.err_line(|l| l.starts_with("connected to ")).await;
    let mut bob = join(&d("bob"), &invite, "bob", &[]);
    bob.err_line(|l| l.starts_with("connected to ")).await;
    ana.line("* bob joined").await;
    let mut cy = join(&d("cy"), &invite, "cy", &[]);
    cy.err_line(|l| l.starts_with("connected to ")).await;
    ana.line("* cy joined").await;

    ana.say("/verify bob").await;
    let a = number(&ana.line_where(|l| l.starts_with("* safety number with bob: ")).await);
    bob.say("/verify ana").await;
    let b = number(&bob.line_where(|l| l.starts_with("* safety number with ana: ")).await);
    assert_eq!(a, b, "the same number on both sides");
    assert_eq!(a.split(' ').count(), 16);
    ana.say("/verify cy").await;
    let c = number(&ana.line_where(|l| l.starts_with("* safety number with cy: ")).await);
    assert_ne!(a, c, "another member, another number");
    ana.say("/trust bob").await;
    ana.line("* bob verified").await;
    ana.say("/verify bob").await;
    ana.line(&format!("* safety number with bob: {a} (verified)")).await;

    // bob and cy leave and come back under the same names with new data dirs (new
    // keys): bob was verified (red), cy was not (a plain line).
    for p in [&mut bob, &mut cy] {
        p.say("/quit").await;
        assert_eq!(p.exit_code().await, 0);
    }
    ana.line("* bob left").await;
    ana.line("* cy left").await;
    let mut bob2 = join(&d("bob2"), &invite, "bob", &[]);
    bob2.err_line(|l| l.starts_with("connected to ")).await;
    ana.line("! bob's safety number changed").await;
    let mut cy2 = join(&d("cy2"), &invite, "cy", &[]);
    cy2.err_line(|l| l.starts_with("connected to ")).await;
    ana.line("* cy's keys changed").await;
    // What the new bob says is marked until he is verified again.
    bob2.say("hello again").await;
    ana.line("[lobby] bob (!): hello again").await;
    ana.say("/verify bob").await;
    let a2 = number(&ana.line_where(|l| l.starts_with("* safety number with bob: ")).await);
    assert_ne!(a2, a, "new keys, new number");
    ana.say("/trust bob").await;
    ana.line("* bob verified").await;
    bob2.say("verified again").await;
    ana.line("[lobby] bob: verified again").await;
    // The verification is remembered per host: a restarted ana still knows bob.
    ana.say("/quit").await;
    assert_eq!(ana.exit_code().await, 0);
    let mut ana2 = join(&d("ana"), &invite, "ana", &[]);
    ana2.err_line(|l| l.starts_with("connected to ")).await;
    ana2.say("/verify bob").await;
    ana2.line(&format!("* safety number with bob: {a2} (verified)")).await;
    h.kill().await;
}

/// A host joined by name is pinned under the name (so a DNS change that points it at
/// other keys is a changed identity), an older pin of its address still counts, and
/// `severus forget NAME:PORT` clears both. Before, the pin was the resolved address
/// only, and `forget NAME:PORT` found nothing.
#[tokio::test]
async fn a_host_joined_by_name_is_pinned_by_name_and_forget_takes_the_name() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (mut h, addr, fp, _) = host_with(&d("host"), 0, Mode::Direct, &["--name", "hostie"]).await;
    let port: u16 = addr.rsplit(':').next().unwrap().parse().unwrap();
    let named = format!("LocalHost:{port}");

    let mut ana = join(&d("ana"), &named, "ana", &["--trust"]);
    ana.err_line(|l| l == format!("connected to localhost:{port} as ana"))
        .await;
    ana.close_stdin();
    assert_eq!(ana.exit_code().await, 0);
    assert!(
        pinned(&d("ana")).contains(&format!("\"localhost:{port}\"")),
        "{}",
        pinned(&d("ana"))
    );

    // bob pinned the address before (an older version, or he joined by address): the
    // name needs no question.
    let mut bob = join(&d("bob"), &addr, "bob", &["--trust"]);
    bob.err_line(|l| l.starts_with("connected to ")).await;
    bob.close_stdin();
    assert_eq!(bob.exit_code().await, 0);
    use severus::trust::sessions::session_path;
    let by_address = session_path(&d("bob"), &addr, "bob");
    assert!(by_address.exists(), "bob's app remembers the host under its address");
    let mut bob = join(&d("bob"), &named, "bob", &[]);
    bob.err_line(|l| l == format!("connected to localhost:{port} as bob"))
        .await;
    bob.close_stdin();
    assert_eq!(bob.exit_code().await, 0);
    // What the app remembered of the host moved to the name (its groups with it).
    assert!(!by_address.exists());
    assert!(session_path(&d("bob"), &format!("localhost:{port}"), "bob").exists());
    h.kill().await;

    // Other keys behind the name: a changed identity, for both, and the advice names
    // what was typed; forgetting that lets the new host in.
    let (mut h2, _, fp2, _) = host_with(&d("impostor"), port, Mode::Direct, &["--name", "hostie"]).await;
    assert_ne!(fp, fp2);
    for who in ["ana", "bob"] {
        let mut p = join(&d(who), &named, who, &["--trust"]);
        assert_eq!(p.exit_code().await, 3);
        p.err_line(|l| l.contains(&format!("severus forget localhost:{port}")))
            .await;
        let mut forget = Proc::spawn(&d(who), &["forget", &named]);
        forget.line(&format!("* forgot {named}")).await;
        assert_eq!(forget.exit_code().await, 0);
        assert_eq!(
            pinned(&d(who)).matches(&port.to_string()).count(),
            0,
            "{}",
            pinned(&d(who))
        );
        let mut p = join(&d(who), &named, who, &["--trust"]);
        h2.line(&format!("* {who} joined")).await;
        p.close_stdin();
        assert_eq!(p.exit_code().await, 0);
    }
    h2.kill().await;
}
