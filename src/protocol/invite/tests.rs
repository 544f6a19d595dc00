//! Invites round trip, and every way one can be damaged is its own clear error.

use super::*;

fn sample() -> Invite {
    Invite {
        fingerprint: [0xab; 32],
        addresses: vec!["192.168.1.20:7000".parse().unwrap(), "127.0.0.1:7000".parse().unwrap()],
        ticket: Some("endpointabc".into()),
        secret: Some([7; JOIN_SECRET_LEN]),
    }
}

/// A token from any CBOR value, with a correct checksum.
fn token_of<T: Serialize>(v: &T) -> String {
    let mut bytes = encode(v);
    let sum = checksum(&bytes);
    bytes.extend_from_slice(&sum);
    format!(
        "{INVITE_PREFIX}{}",
        data_encoding::BASE32_NOPAD.encode(&bytes).to_ascii_lowercase()
    )
}

fn wire(version: u8, fp: usize, addrs: &[&str], ticket: Option<&str>, secret: Option<usize>) -> String {
    token_of(&Wire(
        version,
        ByteBuf::from(vec![1; fp]),
        addrs.iter().map(|a| a.to_string()).collect(),
        ticket.map(str::to_string),
        secret.map(|n| ByteBuf::from(vec![2; n])),
    ))
}

#[test]
fn round_trips_with_and_without_each_part() {
    let full = sample();
    let t = full.encode();
    assert!(
        t.starts_with("sev1")
            && t[4..]
                .chars()
                .all(|c| c.is_ascii_lowercase() || ('2'..='7').contains(&c))
    );
    assert_eq!(Invite::decode(&t), Ok(full.clone()));
    // Case and surrounding space do not matter.
    assert_eq!(Invite::decode(&format!("  {}\n", t.to_uppercase())), Ok(full.clone()));
    let bare = Invite {
        ticket: None,
        secret: None,
        ..full.clone()
    };
    assert_eq!(Invite::decode(&bare.encode()), Ok(bare));
    let iroh_only = Invite {
        addresses: vec![],
        ..full
    };
    assert_eq!(Invite::decode(&iroh_only.encode()), Ok(iroh_only));
    assert!(looks_like_invite(" SEV1abc") && !looks_like_invite("127.0.0.1:7000") && !looks_like_invite("endpoint"));
    // The link form opens the same invite.
    let i = sample();
    assert!(i.link().starts_with("severus://sev1"));
    for l in [i.link(), format!("severus:{}", i.encode()), i.link().to_uppercase()] {
        assert!(looks_like_invite(&l), "{l}");
        assert_eq!(Invite::decode(&l), Ok(i.clone()), "{l}");
    }
    assert!(!looks_like_invite("severus://127.0.0.1:7000") && !looks_like_invite("é"));
}

#[test]
fn every_damage_is_a_clear_error() {
    let t = sample().encode();
    let cases: Vec<(String, InviteError)> = vec![
        ("sev2abc".into(), InviteError::NotAnInvite),
        (format!("sev1{}", "a".repeat(MAX_INVITE_LEN)), InviteError::TooLong),
        (format!("{t}1"), InviteError::BadBase32),
        (format!("{t}!"), InviteError::BadBase32),
        ("sev1".into(), InviteError::BadChecksum),
        ("sev1aaaa".into(), InviteError::BadChecksum),
        (t[..t.len() - 8].to_string(), InviteError::BadChecksum),
        (wire(2, 32, &["127.0.0.1:1"], None, None), InviteError::Version(2)),
        (
            wire(1, 31, &["127.0.0.1:1"], None, None),
            InviteError::Malformed("a fingerprint of 31 bytes".into()),
        ),
        (wire(1, 32, &[], None, None), InviteError::Unreachable),
        (
            wire(1, 32, &["0.0.0.0:7000"], None, None),
            InviteError::Malformed("'0.0.0.0:7000' is not an address".into()),
        ),
        (
            wire(1, 32, &["127.0.0.1:0"], None, None),
            InviteError::Malformed("'127.0.0.1:0' is not an address".into()),
        ),
        (
            wire(1, 32, &["example.org:80"], None, None),
            InviteError::Malformed("'example.org:80' is not an address".into()),
        ),
        (
            wire(1, 32, &[], Some(""), None),
            InviteError::Malformed("a ticket of the wrong size".into()),
        ),
        (
            wire(1, 32, &[], Some(&"t".repeat(MAX_TICKET_LEN + 1)), None),
            InviteError::Malformed("a ticket of the wrong size".into()),
        ),
        (
            wire(1, 32, &["127.0.0.1:1"], None, Some(15)),
            InviteError::Malformed("a join secret of 15 bytes".into()),
        ),
    ];
    for (token, want) in cases {
        assert_eq!(Invite::decode(&token), Err(want), "{token}");
    }
    // One flipped character anywhere after the prefix is caught by the checksum (or
    // is not base32 at all).
    for i in 4..t.len() {
        let mut b = t.clone().into_bytes();
        b[i] = if b[i] == b'a' { b'b' } else { b'a' };
        let bad = String::from_utf8(b).unwrap();
        assert!(Invite::decode(&bad).is_err(), "flip at {i} passed");
    }
    // Too many addresses; not an array; trailing bytes inside.
    let many: Vec<String> = (1..=MAX_INVITE_ADDRESSES + 1)
        .map(|p| format!("127.0.0.1:{p}"))
        .collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert!(matches!(
        Invite::decode(&wire(1, 32, &many, None, None)),
        Err(InviteError::Malformed(_))
    ));
    assert!(matches!(
        Invite::decode(&token_of(&"hello")),
        Err(InviteError::Malformed(_))
    ));
    let mut bytes = encode(&Wire(
        1,
        ByteBuf::from(vec![1; 32]),
        vec!["127.0.0.1:1".into()],
        None,
        None,
    ));
    bytes.push(0);
    let sum = checksum(&bytes);
    bytes.extend_from_slice(&sum);
    let trailing = format!(
        "sev1{}",
        data_encoding::BASE32_NOPAD.encode(&bytes).to_ascii_lowercase()
    );
    assert!(matches!(Invite::decode(&trailing), Err(InviteError::Malformed(_))));
}
