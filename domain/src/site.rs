//! Sites: the office networks viewers watch from, each with a bandwidth
//! budget (R-V3). The catalog names a viewer's site when it signs the grant;
//! the origin paces that site's bytes and shares its budget among its viewers.
//!
//! A site is found from the client address: the first `[[network.sites]]`
//! rule with a matching CIDR wins, otherwise the default site. Behind a
//! reverse proxy listed in `trusted_proxies`, the address is taken from
//! `X-Forwarded-For`, read from the right and skipping the trusted proxies,
//! so a client cannot choose its own site by sending the header itself.

use crate::PlaybackSessionId;
use serde::Deserialize;
use std::net::IpAddr;
use std::str::FromStr;

/// An IPv4 or IPv6 network, `address/prefix` (a bare address is a /32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

/// Why a CIDR did not parse.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("\"{0}\" is not an address/prefix such as 10.1.0.0/16 or 2001:db8::/32")]
pub struct BadCidr(String);

impl FromStr for Cidr {
    type Err = BadCidr;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadCidr(s.to_owned());
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let network: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(Self { network, prefix })
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Cidr {
    /// Whether `ip` lies in this network (IPv4-mapped IPv6 counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// One `[[network.sites]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteRule {
    /// Name carried in grants and metrics (`[A-Za-z0-9_-]`, up to 64).
    pub name: String,
    /// Client networks of the site.
    pub cidrs: Vec<Cidr>,
    /// Egress budget in Mbit/s; 0 = unlimited.
    pub budget_mbps: f64,
}

/// The `[network]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Network {
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<Cidr>,
    /// Site of clients no rule matches.
    pub default_site: String,
    /// Its budget in Mbit/s; 0 = unlimited.
    pub default_budget_mbps: f64,
    /// A viewer counts as active this long after its last media request.
    pub viewer_idle_seconds: u64,
    /// The sites, first match wins.
    pub sites: Vec<SiteRule>,
}

impl Default for Network {
    fn default() -> Self {
        Self {
            trusted_proxies: Vec::new(),
            default_site: "default".into(),
            default_budget_mbps: 0.0,
            viewer_idle_seconds: 30,
            sites: Vec::new(),
        }
    }
}

fn is_site_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Network {
    /// Checks names and budgets; the message names the offending key.
    pub fn validate(&self) -> Result<(), String> {
        let mut names = vec![self.default_site.as_str()];
        if !is_site_name(&self.default_site) {
            return Err(format!(
                "network.default_site \"{}\": site names are 1 to 64 characters of A-Z, a-z, 0-9, _ and -",
                self.default_site
            ));
        }
        let budget_ok = |b: f64| b.is_finite() && b >= 0.0;
        if !budget_ok(self.default_budget_mbps) {
            return Err("network.default_budget_mbps must be 0 (unlimited) or more".into());
        }
        for site in &self.sites {
            if !is_site_name(&site.name) {
                return Err(format!(
                    "network.sites name \"{}\": site names are 1 to 64 characters of A-Z, a-z, 0-9, _ and -",
                    site.name
                ));
            }
            if names.contains(&site.name.as_str()) {
                return Err(format!(
                    "network.sites: the name \"{}\" is used twice",
                    site.name
                ));
            }
            names.push(&site.name);
            if !budget_ok(site.budget_mbps) {
                return Err(format!(
                    "network.sites \"{}\": budget_mbps must be 0 (unlimited) or more",
                    site.name
                ));
            }
        }
        Ok(())
    }

    /// The client's address: the peer, or behind trusted proxies the
    /// rightmost `X-Forwarded-For` entry that is not a trusted proxy.
    /// `forwarded_for` holds the header's lines in the order received: a
    /// proxy may add a line of its own instead of extending the client's,
    /// and several lines mean the same as one joined by commas (RFC 9110
    /// §5.3), so the client's own line is never the one believed.
    pub fn client_ip<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl DoubleEndedIterator<Item = &'a str>,
    ) -> IpAddr {
        let trusted = |ip: IpAddr| self.trusted_proxies.iter().any(|c| c.contains(ip));
        if !trusted(peer) {
            return peer;
        }
        let mut client = peer;
        for hop in forwarded_for.rev().flat_map(|line| line.rsplit(',')) {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                // A garbled entry: believe nothing further left.
                break;
            };
            client = ip;
            if !trusted(ip) {
                break;
            }
        }
        client
    }

    /// The site of a client address.
    pub fn site_of(&self, client: IpAddr) -> &str {
        self.sites
            .iter()
            .find(|s| s.cidrs.iter().any(|c| c.contains(client)))
            .map_or(&self.default_site, |s| &s.name)
    }

    /// A site's budget in bits per second; `None` = unlimited (or unknown site).
    pub fn budget_bps(&self, site: &str) -> Option<u64> {
        let mbps = if site == self.default_site {
            self.default_budget_mbps
        } else {
            self.sites.iter().find(|s| s.name == site)?.budget_mbps
        };
        (mbps > 0.0).then_some((mbps * 1_000_000.0) as u64)
    }
}

/// The bitrate each viewer of a site may use now; the origin's governor
/// answers it, the catalog hands it to players as `max_bitrate_kbps`. The
/// catalog also tells the origin in its process which sessions lost their
/// access ([`BitrateCaps::revoke`]).
pub trait BitrateCaps: Send + Sync {
    /// The current cap in kbit/s for `session`, a viewer of `site`, which
    /// counts as active from now on; 0 = no cap. `floor_bps` is the peak
    /// bitrate of the video's lowest video rung when the caller knows it
    /// (0: not known): the viewer is never capped or paced below it.
    fn cap_kbps(&self, site: &str, session: &PlaybackSessionId, floor_bps: u64) -> u32;

    /// Stops counting `session` as a viewer of `site` (a user's earlier
    /// session when they start another, so that pressing play again and
    /// again does not shrink everyone's share). A session still fetching
    /// media counts again from its next request.
    fn forget(&self, site: &str, session: &PlaybackSessionId);

    /// Refuses every media request of `session`, a viewer of `site`, from
    /// now on although its grant runs until `until` (its login ended), and
    /// stops counting it as a viewer.
    fn revoke(&self, site: &str, session: &PlaybackSessionId, until: jiff::Timestamp);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn network() -> Network {
        Network {
            trusted_proxies: vec![
                "192.0.2.10".parse().unwrap(),
                "10.255.0.0/16".parse().unwrap(),
            ],
            sites: vec![
                SiteRule {
                    name: "honcho".into(),
                    cidrs: vec!["10.1.0.0/16".parse().unwrap()],
                    budget_mbps: 100.0,
                },
                SiteRule {
                    name: "branch".into(),
                    cidrs: vec![
                        "10.2.3.0/24".parse().unwrap(),
                        "2001:db8::/32".parse().unwrap(),
                    ],
                    budget_mbps: 0.0,
                },
            ],
            ..Network::default()
        }
    }

    #[test]
    fn cidrs_parse_and_match() {
        let c: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(c.contains(ip("10.1.255.3")));
        assert!(!c.contains(ip("10.2.0.1")));
        assert!(c.contains(ip("::ffff:10.1.0.9")), "IPv4-mapped IPv6");
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.1")));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:1::1")) && !v6.contains(ip("2001:db9::1")));
        for bad in ["10.1.0.0/33", "10.1.0/16", "x", "10.0.0.0/-1", "::/129"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_first_matching_site_wins_and_others_get_the_default() {
        let n = network();
        assert_eq!(n.site_of(ip("10.1.2.3")), "honcho");
        assert_eq!(n.site_of(ip("10.2.3.4")), "branch");
        assert_eq!(n.site_of(ip("2001:db8::5")), "branch");
        assert_eq!(n.site_of(ip("10.9.9.9")), "default");
        assert_eq!(n.budget_bps("honcho"), Some(100_000_000));
        assert_eq!(n.budget_bps("branch"), None);
        assert_eq!(n.budget_bps("default"), None);
        assert_eq!(n.budget_bps("nowhere"), None);
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let n = network();
        let client_ip = |peer, lines: &[&str]| n.client_ip(ip(peer), lines.iter().copied());
        let xff = ["10.2.3.4"];
        // Directly connected: the header is the client's own claim.
        assert_eq!(client_ip("10.1.0.5", &xff), ip("10.1.0.5"));
        // Through the trusted proxy.
        assert_eq!(client_ip("192.0.2.10", &xff), ip("10.2.3.4"));
        // A client forging a left entry through two trusted proxies.
        assert_eq!(
            client_ip("192.0.2.10", &["10.1.1.1, 10.2.3.4, 10.255.0.7"]),
            ip("10.2.3.4")
        );
        // A client forging a line of its own, the proxy adding its own line
        // after it: the proxy's line is the one believed.
        assert_eq!(
            client_ip("192.0.2.10", &["10.1.1.1", "10.2.3.4"]),
            ip("10.2.3.4")
        );
        assert_eq!(
            client_ip("192.0.2.10", &["10.1.1.1", "10.2.3.4, 10.255.0.7"]),
            ip("10.2.3.4")
        );
        // No header, or garbage: the proxy itself.
        assert_eq!(client_ip("192.0.2.10", &[]), ip("192.0.2.10"));
        assert_eq!(client_ip("192.0.2.10", &["nonsense"]), ip("192.0.2.10"));
    }

    #[test]
    fn validation_names_the_bad_key() {
        let mut n = network();
        assert!(n.validate().is_ok());
        n.sites[1].name = "honcho".into();
        assert!(n.validate().unwrap_err().contains("used twice"));
        n.sites[1].name = "本庁".into();
        assert!(n.validate().unwrap_err().contains("site names"));
        n.sites[1].name = "b".into();
        n.sites[1].budget_mbps = -1.0;
        assert!(n.validate().unwrap_err().contains("budget_mbps"));
    }
}
