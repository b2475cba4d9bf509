//! The network budget governor (R-V3): each site's egress stays within its
//! budget, shared fairly among the site's active viewers.
//!
//! - A viewer is a playback session (from the grant); it is *active* while it
//!   made a media request in the last `network.viewer_idle_seconds`.
//! - A viewer's *share* is the site's budget divided by its active viewers,
//!   but never below the viewer's floor, the peak bitrate of the lowest
//!   video rung of its master playlist: viewers stay unlimited, only
//!   quality adapts.
//! - [`filter_master`] lists only the rungs that fit the share (the lowest
//!   always stays); the catalog hands the share to players as
//!   `max_bitrate_kbps` through [`BitrateCaps`].
//! - Segment bodies are paced chunk by chunk ([`Paced`]) from two token
//!   buckets: the viewer's (its share) and the site's (its budget, or the
//!   sum of floors when that is larger). A viewer fetching faster than its
//!   share is slowed to it, never refused.
//!
//! Sites without a budget are not paced and cost nothing per request.

use crate::body::Span;
use crate::metrics;
use bytes::Bytes;
use domain::{BitrateCaps, Network, PlaybackSessionId};
use http_body::{Body, Frame, SizeHint};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// Bytes released per pacing step.
const CHUNK: usize = 32 * 1024;
/// Burst a site may send ahead of its rate: its 1 s windows stay within 102 %.
const SITE_BURST: Duration = Duration::from_millis(20);
/// Burst a viewer may send ahead of its share (a playlist, an init segment).
const VIEWER_BURST: Duration = Duration::from_millis(250);
/// How often the active viewers are recounted.
const RECOUNT: Duration = Duration::from_millis(500);

/// The governor of every site; one per origin, shared by all requests.
pub struct Governor {
    network: Network,
    idle: Duration,
    /// How long a thread's mark of a viewer as active stands ([`Marks`]).
    mark_for: Duration,
    /// Told apart in each thread's [`Marks`].
    id: u64,
    /// The configured sites, made once: looked up without a lock.
    sites: HashMap<String, Arc<Site>>,
    /// Sites a grant names that the configuration does not (one signed
    /// under another configuration): made when first named.
    others: Mutex<HashMap<String, Arc<Site>>>,
    /// Sessions whose access ended before their grant ran out.
    revoked: Revoked,
}

/// Revoked sessions ([`BitrateCaps::revoke`]), each with when its last grant
/// runs out. Nearly always empty: the count spares every request the lock
/// then.
#[derive(Default)]
struct Revoked {
    count: AtomicUsize,
    until: Mutex<HashMap<PlaybackSessionId, jiff::Timestamp>>,
}

/// The viewers a thread marked active lately: a viewer's requests on that
/// thread within its governor's `mark_for` need not take its site's lock.
/// Activity is counted in seconds (`network.viewer_idle_seconds`); the lock,
/// taken on every request, was what both cores fought over
/// (docs/benchmarks.md).
#[derive(Default)]
struct Marks {
    /// By session: which governor marked it, and when.
    marked: HashMap<PlaybackSessionId, (u64, Instant)>,
    swept: Option<Instant>,
}

impl Marks {
    /// Whether governor `id` marked `session` within `mark_for`; if not, it
    /// counts as marked from now.
    fn fresh(
        &mut self,
        id: u64,
        session: &PlaybackSessionId,
        now: Instant,
        mark_for: Duration,
    ) -> bool {
        if self
            .swept
            .is_none_or(|at| now.duration_since(at) >= mark_for)
        {
            self.marked
                .retain(|_, (_, at)| now.duration_since(*at) < mark_for);
            self.swept = Some(now);
        }
        match self.marked.get_mut(session) {
            Some(mark) if mark.0 == id && now.duration_since(mark.1) < mark_for => true,
            Some(mark) => {
                *mark = (id, now);
                false
            }
            None => {
                self.marked.insert(session.clone(), (id, now));
                false
            }
        }
    }
}

struct Site {
    name: String,
    /// The site's byte counter, resolved once (not per request).
    bytes: metrics::Counter,
    /// `None`: unlimited, never paced.
    budget_bps: Option<u64>,
    state: Mutex<SiteState>,
}

struct SiteState {
    viewers: HashMap<PlaybackSessionId, Viewer>,
    /// Token bucket of the whole site (theoretical arrival time, GCRA).
    tat: Instant,
    recounted: Instant,
    /// Sum of the active viewers' floors, bits/s.
    floors_bps: u64,
}

struct Viewer {
    last_seen: Instant,
    floor_bps: u64,
    tat: Instant,
    /// It has asked for media, not only been counted at play.
    fetched: bool,
}

/// One request's place in its site: pace with [`Ticket::pace`]. A
/// configured site is borrowed from the governor: no count of its users
/// is kept per request, whose cache line both cores would share.
#[derive(Clone)]
pub struct Ticket<'g> {
    site: Cow<'g, Arc<Site>>,
    session: PlaybackSessionId,
}

impl Governor {
    /// A governor for the sites of `network` (validated by the caller).
    pub fn new(network: Network) -> Self {
        static GOVERNORS: AtomicU64 = AtomicU64::new(0);
        let idle = Duration::from_secs(network.viewer_idle_seconds.max(1));
        let names =
            std::iter::once(&network.default_site).chain(network.sites.iter().map(|s| &s.name));
        let sites = names
            .map(|name| (name.clone(), Site::new(name, &network)))
            .collect();
        Self {
            idle,
            // Well within the idle time, so that no active viewer is dropped.
            mark_for: (idle / 8).min(Duration::from_secs(1)),
            id: GOVERNORS.fetch_add(1, Ordering::Relaxed),
            sites,
            others: Mutex::default(),
            revoked: Revoked::default(),
            network,
        }
    }

    /// Whether `session`'s access was revoked: its media requests get 403.
    /// A session is let go of once no grant of it is valid any more, under
    /// the clock `skew` the origin allows.
    pub fn is_revoked(&self, session: &PlaybackSessionId, skew: jiff::SignedDuration) -> bool {
        if self.revoked.count.load(Ordering::Relaxed) == 0 {
            return false;
        }
        let mut until = self
            .revoked
            .until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let now = jiff::Timestamp::now();
        until.retain(|_, end| *end + skew >= now);
        self.revoked.count.store(until.len(), Ordering::Relaxed);
        until.contains_key(session)
    }

    fn site(&self, name: &str) -> Cow<'_, Arc<Site>> {
        if let Some(site) = self.sites.get(name) {
            return Cow::Borrowed(site);
        }
        let mut others = self.others.lock().unwrap_or_else(PoisonError::into_inner);
        let site = others
            .entry(name.to_owned())
            .or_insert_with(|| Site::new(name, &self.network));
        Cow::Owned(Arc::clone(site))
    }

    /// Counts a media request of `session` at `site` and returns its ticket.
    pub fn admit(&self, site: &str, session: PlaybackSessionId) -> Ticket<'_> {
        thread_local! {
            static MARKS: RefCell<Marks> = RefCell::default();
        }
        let now = Instant::now();
        if MARKS.with_borrow_mut(|marks| marks.fresh(self.id, &session, now, self.mark_for)) {
            return Ticket {
                site: self.site(site),
                session,
            };
        }
        self.count(site, session, now, true)
    }

    /// Counts `session` as an active viewer of `site` from `now`; `media`:
    /// for a media request (else for the catalog, at play or a heartbeat).
    fn count(
        &self,
        site: &str,
        session: PlaybackSessionId,
        now: Instant,
        media: bool,
    ) -> Ticket<'_> {
        let site = self.site(site);
        {
            let mut state = site.lock();
            // Looked up before inserting: every request of a known viewer
            // (nearly all of them) then needs no copy of its session id.
            match state.viewers.get_mut(&session) {
                Some(viewer) => {
                    viewer.last_seen = now;
                    viewer.fetched |= media;
                }
                None => {
                    let viewer = Viewer {
                        last_seen: now,
                        floor_bps: 0,
                        tat: now,
                        fetched: media,
                    };
                    state.viewers.insert(session.clone(), viewer);
                }
            }
            state.recount(&site, now, self.idle);
        }
        Ticket { site, session }
    }
}

impl BitrateCaps for Governor {
    /// A viewer that presses play (or heartbeats) counts as active from that
    /// moment: when a whole section starts at once, the viewers who come
    /// first are not offered the share of an empty office.
    /// Only a session that never asked for media goes: one that plays is kept.
    fn forget(&self, site: &str, session: &PlaybackSessionId) {
        let site = self.site(site);
        let mut state = site.lock();
        if state.viewers.get(session).is_some_and(|v| !v.fetched) {
            state.viewers.remove(session);
            state.publish(&site);
        }
    }

    fn revoke(&self, site: &str, session: &PlaybackSessionId, until: jiff::Timestamp) {
        {
            let mut revoked = self
                .revoked
                .until
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            revoked.insert(session.clone(), until);
            self.revoked.count.store(revoked.len(), Ordering::Relaxed);
        }
        let site = self.site(site);
        let mut state = site.lock();
        if state.viewers.remove(session).is_some() {
            state.publish(&site);
        }
    }

    fn cap_kbps(&self, site: &str, session: &PlaybackSessionId, floor_bps: u64) -> u32 {
        let ticket = self.count(site, session.clone(), Instant::now(), false);
        if floor_bps > 0 && !ticket.has_floor() {
            ticket.set_floor(floor_bps);
        }
        let share = ticket.rate_bps();
        share.map_or(0, |s| u32::try_from(s / 1000).unwrap_or(u32::MAX).max(1))
    }
}

impl Site {
    fn new(name: &str, network: &Network) -> Arc<Self> {
        let now = Instant::now();
        Arc::new(Self {
            name: name.to_owned(),
            bytes: metrics::SITE_BYTES.with_label_values(&[name]),
            budget_bps: network.budget_bps(name),
            state: Mutex::new(SiteState {
                viewers: HashMap::new(),
                tat: now,
                recounted: now,
                floors_bps: 0,
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SiteState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl SiteState {
    /// Drops idle viewers and refreshes the site's gauges, at most every [`RECOUNT`].
    fn recount(&mut self, site: &Site, now: Instant, idle: Duration) {
        if now.duration_since(self.recounted) < RECOUNT && !self.viewers.is_empty() {
            return;
        }
        self.recounted = now;
        self.viewers
            .retain(|_, v| now.duration_since(v.last_seen) < idle);
        self.publish(site);
    }

    /// Sums the viewers' floors and sets the site's gauges.
    fn publish(&mut self, site: &Site) {
        self.floors_bps = self.viewers.values().map(|v| v.floor_bps).sum();
        let active = self.viewers.len();
        metrics::VIEWERS
            .with_label_values(&[&site.name])
            .set(active as i64);
        let cap = site
            .budget_bps
            .map_or(0, |b| (b / active.max(1) as u64 / 1000) as i64);
        metrics::CAP_KBPS.with_label_values(&[&site.name]).set(cap);
    }

    /// The share of one viewer in bits/s, before its floor.
    fn share_bps(&self, budget: u64) -> u64 {
        budget / self.viewers.len().max(1) as u64
    }
}

/// GCRA: reserves `bytes` at `rate_bps` on a bucket whose theoretical arrival
/// time is `tat`; returns how long to wait before sending them.
fn reserve(
    tat: &mut Instant,
    now: Instant,
    bytes: usize,
    rate_bps: u64,
    burst: Duration,
) -> Duration {
    let cost = Duration::from_secs_f64(bytes as f64 * 8.0 / rate_bps.max(1) as f64);
    let start = (*tat).max(now);
    *tat = start + cost;
    tat.saturating_duration_since(now + burst)
}

impl Ticket<'_> {
    /// The viewer's share now in bits/s; `None` when the site is unlimited.
    pub fn share_bps(&self) -> Option<u64> {
        let budget = self.site.budget_bps?;
        Some(self.site.lock().share_bps(budget))
    }

    /// The rate the viewer is paced to now in bits/s: its share, never below
    /// its floor once known; `None` when the site is unlimited.
    pub fn rate_bps(&self) -> Option<u64> {
        let budget = self.site.budget_bps?;
        let state = self.site.lock();
        let floor = state.viewers.get(&self.session).map_or(0, |v| v.floor_bps);
        Some(state.share_bps(budget).max(floor))
    }

    /// Remembers the viewer's floor: the peak bitrate of its lowest video rung.
    pub fn set_floor(&self, floor_bps: u64) {
        let mut state = self.site.lock();
        let Some(v) = state.viewers.get_mut(&self.session) else {
            return;
        };
        let old = std::mem::replace(&mut v.floor_bps, floor_bps);
        state.floors_bps = state.floors_bps.saturating_sub(old) + floor_bps;
    }

    /// Whether the viewer's floor is known (see [`Ticket::set_floor`]).
    pub fn has_floor(&self) -> bool {
        let state = self.site.lock();
        state
            .viewers
            .get(&self.session)
            .is_some_and(|v| v.floor_bps > 0)
    }

    /// Whether bodies for this ticket are paced at all.
    pub fn paced(&self) -> bool {
        self.site.budget_bps.is_some()
    }

    /// Reserves `bytes` from the viewer's and the site's buckets; returns the
    /// wait before they may be sent.
    fn reserve(&self, bytes: usize) -> Duration {
        let Some(budget) = self.site.budget_bps else {
            return Duration::ZERO;
        };
        let now = Instant::now();
        let mut state = self.site.lock();
        let share = state.share_bps(budget);
        let site_rate = budget.max(state.floors_bps);
        let site_wait = reserve(&mut state.tat, now, bytes, site_rate, SITE_BURST);
        let viewer_wait = match state.viewers.get_mut(&self.session) {
            Some(v) => {
                let rate = share.max(v.floor_bps);
                reserve(&mut v.tat, now, bytes, rate, VIEWER_BURST)
            }
            None => Duration::ZERO,
        };
        site_wait.max(viewer_wait)
    }

    /// Counts bytes sent for the site's metrics.
    pub fn count(&self, bytes: usize) {
        self.site.bytes.inc_by(bytes as u64);
    }

    /// A body that sends `bytes` at this viewer's pace.
    pub fn pace(self, bytes: Span) -> Paced {
        Paced {
            ticket: Ticket {
                site: Cow::Owned(self.site.into_owned()),
                session: self.session,
            },
            rest: bytes,
            pending: None,
        }
    }
}

/// A response body released chunk by chunk as the buckets allow.
pub struct Paced {
    ticket: Ticket<'static>,
    rest: Span,
    pending: Option<(Bytes, Pin<Box<Sleep>>)>,
}

impl Body for Paced {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        let this = &mut *self;
        if let Some((_, sleep)) = &mut this.pending {
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            if let Some((chunk, _)) = this.pending.take() {
                return Poll::Ready(Some(Ok(Frame::data(chunk))));
            }
        }
        if this.rest.is_empty() {
            return Poll::Ready(None);
        }
        let chunk = match this.rest.take(CHUNK) {
            Ok(chunk) => chunk,
            Err(e) => return Poll::Ready(Some(Err(e))),
        };
        this.ticket.count(chunk.len());
        let wait = this.ticket.reserve(chunk.len());
        if wait.is_zero() {
            return Poll::Ready(Some(Ok(Frame::data(chunk))));
        }
        let mut sleep = Box::pin(tokio::time::sleep(wait));
        if sleep.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Ok(Frame::data(chunk))));
        }
        this.pending = Some((chunk, sleep));
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty() && self.pending.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        let pending = self.pending.as_ref().map_or(0, |(c, _)| c.len());
        SizeHint::with_exact(self.rest.len() + pending as u64)
    }
}

/// A master playlist reduced to the rungs that fit `share_bps`: variant
/// streams whose `BANDWIDTH` exceeds it are left out, except the lowest video
/// rung, which always stays; an I-frame stream stays with the variant of its
/// rung (its URI's directory). Returns the text, how many variants were kept,
/// and the lowest video rung's `BANDWIDTH` (the viewer's floor; 0 when the
/// ladder has no video).
pub fn filter_master(text: &str, share_bps: Option<u64>) -> (String, usize, u64) {
    let lines: Vec<&str> = text.lines().collect();
    let variants: Vec<(usize, u64, bool)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let attrs = l.strip_prefix("#EXT-X-STREAM-INF:")?;
            Some((i, bandwidth(attrs)?, attrs.contains("RESOLUTION=")))
        })
        .collect();
    // The lowest video rung always stays (the lowest of all when there is no
    // video); its BANDWIDTH is the viewer's floor.
    let lowest_video = variants.iter().filter(|v| v.2).min_by_key(|v| v.1);
    let floor = lowest_video.map_or(0, |v| v.1);
    let always = lowest_video
        .or_else(|| variants.iter().min_by_key(|v| v.1))
        .map(|v| v.0);
    let fits = |bw: u64| share_bps.is_none_or(|s| bw <= s);
    // The rung directories whose variant stays ("720p" of "720p/index.m3u8").
    let kept_dirs: Vec<&str> = variants
        .iter()
        .filter(|v| fits(v.1) || always == Some(v.0))
        .filter_map(|v| lines.get(v.0 + 1)?.rsplit_once('/').map(|(dir, _)| dir))
        .collect();
    let iframe_kept = |attrs: &str| {
        let dir = attrs
            .split_once("URI=\"")
            .and_then(|(_, rest)| rest.rsplit_once('/'))
            .map(|(dir, _)| dir);
        dir.is_some_and(|d| kept_dirs.contains(&d))
    };

    let mut out = String::with_capacity(text.len());
    let mut kept = 0;
    let mut skip_uri = false;
    for (i, line) in lines.iter().enumerate() {
        if skip_uri && !line.starts_with('#') && !line.trim().is_empty() {
            skip_uri = false;
            continue;
        }
        if let Some(&(_, bw, _)) = variants.iter().find(|v| v.0 == i) {
            if fits(bw) || always == Some(i) {
                kept += 1;
            } else {
                skip_uri = true;
                continue;
            }
        }
        if let Some(attrs) = line.strip_prefix("#EXT-X-I-FRAME-STREAM-INF:")
            && !iframe_kept(attrs)
        {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    (out, kept, floor)
}

/// The `BANDWIDTH` attribute of an attribute list (not `AVERAGE-BANDWIDTH`).
fn bandwidth(attrs: &str) -> Option<u64> {
    let start = if attrs.starts_with("BANDWIDTH=") {
        0
    } else {
        attrs.find(",BANDWIDTH=")? + 1
    };
    let value = &attrs[start + "BANDWIDTH=".len()..];
    let end = value.find(',').unwrap_or(value.len());
    value[..end].trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::site::SiteRule;

    const MASTER: &str = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n\
#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",LANGUAGE=\"ja\",NAME=\"日本語\",URI=\"captions/ja.m3u8\"\n\
#EXT-X-STREAM-INF:BANDWIDTH=4000000,AVERAGE-BANDWIDTH=900000,CODECS=\"avc1.640028,mp4a.40.2\",RESOLUTION=1920x1080,FRAME-RATE=30,SUBTITLES=\"subs\"\n1080p/index.m3u8\n\
#EXT-X-STREAM-INF:BANDWIDTH=2000000,AVERAGE-BANDWIDTH=600000,CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=1280x720,FRAME-RATE=30,SUBTITLES=\"subs\"\n720p/index.m3u8\n\
#EXT-X-STREAM-INF:BANDWIDTH=700000,AVERAGE-BANDWIDTH=300000,CODECS=\"avc1.64001e,mp4a.40.2\",RESOLUTION=640x360,FRAME-RATE=30,SUBTITLES=\"subs\"\n360p/index.m3u8\n\
#EXT-X-STREAM-INF:BANDWIDTH=110000,AVERAGE-BANDWIDTH=100000,CODECS=\"mp4a.40.2\"\naudio/index.m3u8\n\
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=500000,CODECS=\"avc1.640028\",RESOLUTION=1920x1080,URI=\"1080p/iframes.m3u8\"\n\
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,CODECS=\"avc1.64001e\",RESOLUTION=640x360,URI=\"360p/iframes.m3u8\"\n";

    #[test]
    fn the_master_keeps_the_rungs_that_fit_and_always_the_lowest() {
        let (all, kept, floor) = filter_master(MASTER, None);
        assert_eq!((all.as_str(), kept, floor), (MASTER, 4, 700_000));

        let (two_mbit, kept, _) = filter_master(MASTER, Some(2_000_000));
        assert_eq!(kept, 3);
        assert!(!two_mbit.contains("1080p/index.m3u8"));
        assert!(!two_mbit.contains("1080p/iframes.m3u8"));
        assert!(two_mbit.contains("720p/index.m3u8") && two_mbit.contains("audio/index.m3u8"));
        assert!(two_mbit.contains("#EXT-X-MEDIA:TYPE=SUBTITLES"));

        // Below every video rung: the lowest video rung stays with audio.
        let (tiny, kept, _) = filter_master(MASTER, Some(200_000));
        assert_eq!(kept, 2);
        assert!(tiny.contains("360p/index.m3u8") && tiny.contains("audio/index.m3u8"));
        assert!(tiny.contains("360p/iframes.m3u8"));
        let streams = tiny
            .lines()
            .filter(|l| l.starts_with("#EXT-X-STREAM-INF"))
            .count();
        let uris = tiny.lines().filter(|l| l.ends_with("index.m3u8")).count();
        assert_eq!(streams, uris, "every variant keeps its URI:\n{tiny}");
    }

    #[test]
    fn bandwidth_is_not_average_bandwidth() {
        assert_eq!(bandwidth("AVERAGE-BANDWIDTH=5,BANDWIDTH=7"), Some(7));
        assert_eq!(bandwidth("BANDWIDTH=7,AVERAGE-BANDWIDTH=5"), Some(7));
        assert_eq!(bandwidth("AVERAGE-BANDWIDTH=5"), None);
    }

    fn governor(budget_mbps: f64) -> Governor {
        Governor::new(Network {
            sites: vec![SiteRule {
                name: "honcho".into(),
                cidrs: vec![],
                budget_mbps,
            }],
            ..Network::default()
        })
    }

    fn session(n: u8) -> PlaybackSessionId {
        format!("{:032x}", n).parse().unwrap()
    }

    #[test]
    fn the_budget_is_shared_among_active_viewers() {
        let g = governor(100.0);
        assert_eq!(g.cap_kbps("honcho", &session(1), 0), 100_000);
        let tickets: Vec<Ticket<'_>> = (1..=4).map(|n| g.admit("honcho", session(n))).collect();
        assert_eq!(tickets[0].share_bps(), Some(25_000_000));
        assert_eq!(g.cap_kbps("honcho", &session(1), 0), 25_000);
        assert_eq!(
            g.cap_kbps("honcho", &session(9), 0),
            20_000,
            "a fifth viewer joining"
        );
        assert_eq!(g.cap_kbps("default", &session(1), 0), 0, "unlimited site");
        assert!(!g.admit("default", session(1)).paced());
        // The cap is what the viewer is paced to: never below its floor.
        assert!(!tickets[1].has_floor());
        tickets[1].set_floor(30_000_000);
        assert!(tickets[1].has_floor());
        assert_eq!(g.cap_kbps("honcho", &session(2), 0), 30_000);
        assert_eq!(g.cap_kbps("honcho", &session(1), 0), 20_000);
        // At play the catalog names the video's floor: the first answer
        // already keeps to it, and the viewer is paced to it from the start.
        assert_eq!(g.cap_kbps("honcho", &session(7), 40_000_000), 40_000);
        assert_eq!(g.admit("honcho", session(7)).rate_bps(), Some(40_000_000));
    }

    #[test]
    fn sessions_forgotten_leave_their_share_to_the_others() {
        let g = governor(100.0);
        for n in 1..=4 {
            g.cap_kbps("honcho", &session(n), 0);
        }
        assert_eq!(g.cap_kbps("honcho", &session(5), 0), 20_000);
        // A user pressed play four times, and only the third session asked
        // for media: the first two go, the third plays on.
        g.admit("honcho", session(3));
        for n in 1..=3 {
            g.forget("honcho", &session(n));
        }
        assert_eq!(g.cap_kbps("honcho", &session(5), 0), 33_333);
        // One that asks for media after all counts again from then.
        g.admit("honcho", session(2));
        assert_eq!(g.cap_kbps("honcho", &session(5), 0), 25_000);
    }

    #[test]
    fn a_revoked_session_is_refused_until_its_grant_is_over_and_leaves_its_share() {
        let g = governor(100.0);
        let skew = jiff::SignedDuration::from_secs(10);
        g.admit("honcho", session(1));
        g.admit("honcho", session(2));
        assert!(!g.is_revoked(&session(1), skew));
        let now = jiff::Timestamp::now();
        let secs = jiff::SignedDuration::from_secs;
        // Its grant runs 45 s more.
        g.revoke("honcho", &session(1), now + secs(45));
        assert!(g.is_revoked(&session(1), skew));
        assert!(!g.is_revoked(&session(2), skew));
        assert_eq!(g.cap_kbps("honcho", &session(3), 0), 50_000, "2 and 3");
        // One whose grant ran out 5 s ago is still refused under 10 s of
        // skew, and let go of under 2 s.
        g.revoke("honcho", &session(4), now - secs(5));
        assert!(g.is_revoked(&session(4), skew));
        assert!(
            !g.is_revoked(&session(4), secs(2)),
            "no grant of it is valid now"
        );
        assert_eq!(
            g.revoked.count.load(Ordering::Relaxed),
            1,
            "only session 1 is kept"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_viewer_requesting_often_stays_active_and_an_idle_one_leaves() {
        let g = governor(100.0);
        let idle = g.idle;
        g.admit("honcho", session(2));
        let started = Instant::now();
        // Viewer 1 asks every 100 ms for three idle times: most of these
        // requests find its mark on this thread and skip the site's lock.
        while started.elapsed() < idle * 3 {
            let ticket = g.admit("honcho", session(1));
            let share = ticket.share_bps();
            if started.elapsed() < idle {
                assert_eq!(share, Some(50_000_000), "both viewers active");
            } else if started.elapsed() > idle + Duration::from_secs(2) {
                assert_eq!(share, Some(100_000_000), "viewer 2 left, viewer 1 stayed");
            }
            tokio::time::advance(Duration::from_millis(100)).await;
        }
        assert_eq!(
            g.admit("honcho", session(3)).share_bps(),
            Some(50_000_000),
            "a third viewer shares with viewer 1, still active"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_viewer_is_paced_to_its_share() {
        use http_body_util::BodyExt;
        let g = governor(8.0); // 1 MB/s
        let ticket = g.admit("honcho", session(1));
        let started = Instant::now();
        let body = ticket.pace(Bytes::from(vec![7u8; 2_000_000]).into());
        let bytes = body.collect().await.unwrap().to_bytes();
        assert_eq!(bytes.len(), 2_000_000);
        let took = started.elapsed().as_secs_f64();
        // 2 MB at 1 MB/s, less the 250 ms burst allowance.
        assert!((1.6..2.1).contains(&took), "took {took} s");
    }

    #[tokio::test(start_paused = true)]
    async fn a_site_never_goes_below_its_viewers_floors() {
        use http_body_util::BodyExt;
        let g = governor(8.0); // 1 MB/s for the site
        let ticket = g.admit("honcho", session(1));
        ticket.set_floor(16_000_000); // the lowest rung needs 2 MB/s
        let started = Instant::now();
        ticket
            .pace(Bytes::from(vec![0u8; 2_000_000]).into())
            .collect()
            .await
            .unwrap();
        let took = started.elapsed().as_secs_f64();
        assert!(took < 1.1, "took {took} s: paced below the lowest rung");
    }
}
