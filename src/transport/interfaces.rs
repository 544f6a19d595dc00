//! The addresses a host can be reached at: the one it is bound to, or, bound to every
//! interface (`0.0.0.0`, `::`), each interface address (loopback last) for invites.

use crate::protocol::invite::MAX_INVITE_ADDRESSES;
use std::net::{IpAddr, SocketAddr};

/// Where a host listening on `bound` can be reached, best first, at most
/// `MAX_INVITE_ADDRESSES`; never an unspecified address.
pub fn reachable(bound: SocketAddr) -> Vec<SocketAddr> {
    if !bound.ip().is_unspecified() {
        return vec![bound];
    }
    let mut ips: Vec<IpAddr> = vec![];
    for i in netdev::get_interfaces() {
        ips.extend(i.ipv4.iter().map(|n| IpAddr::V4(n.addr())));
        if bound.is_ipv6() {
            // Link-local IPv6 needs a scope id, which an address in an invite cannot carry.
            ips.extend(
                i.ipv6
                    .iter()
                    .map(|n| n.addr())
                    .filter(|a| (a.segments()[0] & 0xffc0) != 0xfe80)
                    .map(IpAddr::V6),
            );
        }
    }
    order(&mut ips);
    let mut out: Vec<SocketAddr> = ips.into_iter().map(|ip| SocketAddr::new(ip, bound.port())).collect();
    if out.is_empty() {
        out.push(SocketAddr::new(IpAddr::from([127, 0, 0, 1]), bound.port()));
    }
    out.truncate(MAX_INVITE_ADDRESSES);
    out
}

/// Sorts addresses best first (others before loopback, IPv4 before IPv6), without
/// duplicates or unspecified ones.
fn order(ips: &mut Vec<IpAddr>) {
    ips.retain(|ip| !ip.is_unspecified() && !ip.is_multicast());
    ips.sort_by_key(|ip| (ip.is_loopback(), ip.is_ipv6()));
    let mut seen = std::collections::HashSet::new();
    ips.retain(|ip| seen.insert(*ip));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bound_address_is_itself_and_every_interface_puts_loopback_last() {
        let one: SocketAddr = "192.168.1.5:7000".parse().unwrap();
        assert_eq!(reachable(one), vec![one]);
        let all = reachable("0.0.0.0:7000".parse().unwrap());
        assert!(!all.is_empty() && all.len() <= MAX_INVITE_ADDRESSES);
        assert!(
            all.iter()
                .all(|a| a.port() == 7000 && !a.ip().is_unspecified() && a.is_ipv4())
        );
        assert!(all.iter().any(|a| a.ip().is_loopback()), "{all:?}");
        let first_loopback = all.iter().position(|a| a.ip().is_loopback()).unwrap();
        assert!(all[first_loopback..].iter().all(|a| a.ip().is_loopback()), "{all:?}");
        let mut ips: Vec<IpAddr> = ["127.0.0.1", "::1", "10.0.0.2", "0.0.0.0", "10.0.0.2", "fd00::1"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        order(&mut ips);
        let want: Vec<IpAddr> = ["10.0.0.2", "fd00::1", "127.0.0.1", "::1"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(ips, want);
    }
}
