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

/// zed's link drops; more new people DM zed meanwhile than the host holds key packages
/// of zed's (each new DM uses one up). Every one of them gets through (the ninth and
/// later start zed's group from zed's last-resort package), and zed, back, reads them
/// all and answers the last one. Before, the ninth was refused with "zed has no key
/// package left".
#[tokio::test]
async fn more_new_dm_partners_than_key_packages_while_away_all_get_through() {
    use crate::common::{Peer, start_host};
    use crate::proxy::Proxy;
    use severus::protocol::limits::KEY_PACKAGE_TARGET;
    use severus::service::{Command, Event};

    let (_host, addr, hid) = start_host().await;
    let proxy = Proxy::start(addr).await;
    let mut zed = Peer::trusting(&proxy.addr.to_string(), &hid);
    zed.cmd(Command::Connect {
        target: proxy.addr.to_string(),
        name: "zed".into(),
        net: Default::default(),
    })
    .await;
    zed.until(|e| matches!(e, Event::Connected { .. })).await;
    // Its key packages are at the host before its link goes.
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.down();
    zed.until(|e| matches!(e, Event::Reconnecting { .. })).await;

    let mut partners = vec![];
    for i in 0..KEY_PACKAGE_TARGET + 2 {
        let name = format!("p{i}");
        let p = Peer::join(addr, &hid, &name).await;
        p.cmd(Command::Dm {
            to: "zed".into(),
            text: format!("hello from {name}"),
        })
        .await;
        partners.push(p);
    }
    for p in &mut partners {
        p.until(|e| matches!(e, Event::DmSent { .. })).await;
        assert!(!p.saw(|e| matches!(e, Event::Failed { .. })), "{:#?}", p.log);
    }
    proxy.restore();
    for i in 0..KEY_PACKAGE_TARGET + 2 {
        let want = format!("hello from p{i}");
        zed.until(|e| matches!(e, Event::Dm { body, .. } if *body == want))
            .await;
    }
    let last = format!("p{}", KEY_PACKAGE_TARGET + 1);
    zed.cmd(Command::Dm {
        to: last.clone(),
        text: "hi back".into(),
    })
    .await;
    let p = partners.last_mut().unwrap();
    p.until(|e| matches!(e, Event::Dm { body, .. } if body == "hi back"))
        .await;
    assert!(!zed.saw(|e| matches!(e, Event::Undecryptable { .. })), "{:#?}", zed.log);
}
