//! Members who leave for good and come back under the same name: the conversations
//! the host dropped when they left start again, and nothing sent in them is lost.

use crate::e2ee::{bare_host, connected, gina_and_hugo, member};
use std::time::Duration;

/// gina and hugo talk by DM; hugo quits (the host drops his DMs) and comes back with
/// the same app: the DMs that follow, both ways, arrive. Before, both apps kept the old
/// DM's place (seq) and dropped the new log's first entries as duplicates, its MLS
/// welcome among them.
#[tokio::test]
async fn a_dm_partner_who_quit_and_came_back_gets_new_dms() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let (mut host, addr) = bare_host(&d("host"), 0).await;
    let (mut gina, mut hugo) = gina_and_hugo(tmp.path(), addr).await;
    for n in ["one", "two", "three"] {
        gina.say(&format!("/dm hugo {n}")).await;
        hugo.line(&format!("[dm from gina] {n}")).await;
    }
    hugo.say("/dm gina four").await;
    gina.line("[dm from hugo] four").await;

    tokio::time::sleep(Duration::from_millis(500)).await;
    hugo.say("/quit").await;
    assert_eq!(hugo.exit_code().await, 0);
    gina.line("* hugo left").await;
    let mut hugo = member(&d("hugo"), addr, "hugo", false);
    connected(&mut hugo).await;
    gina.line("* hugo joined").await;
    gina.say("/dm hugo after").await;
    hugo.line("[dm from gina] after").await;
    hugo.say("/dm gina back").await;
    gina.line("[dm from hugo] back").await;
    for p in [&gina, &hugo] {
        assert!(!p.seen_out.iter().any(|l| l.starts_with("! ")), "{:#?}", p.seen_out);
    }
    host.kill().await;
}
